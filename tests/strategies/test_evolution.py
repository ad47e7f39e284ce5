"""What the GA and NSGA-II share (evohpo/strategies/evolution.py): the default share of genes
a mutation changes, whatever the space's size.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from evohpo.strategies import evolution
from evohpo.strategies.checks import Probability


@pytest.mark.parametrize(("genes", "n_genes", "indpb"), [
    (2.0, 0, 1.0), (2.0, 1, 1.0), (2.0, 2, 1.0), (2.0, 3, 2 / 3), (2.0, 4, 0.5), (2.0, 8, 0.25),
    (1.0, 0, 1.0), (1.0, 1, 1.0), (1.0, 2, 0.5), (1.0, 5, 0.2), (3.0, 2, 1.0), (0.5, 1, 0.5),
])
def test_genes_share_is_an_optional_probability_defaulting_to_genes_over_the_gene_count(
        genes, n_genes, indpb):
    rule = evolution.genes_share(genes)
    assert isinstance(rule, Probability) and rule.optional is True
    assert rule.default({"space": SimpleNamespace(n_genes=n_genes)}) == pytest.approx(indpb)
    assert rule.holds(None, {}) is False and rule.holds(indpb, {}) is True
