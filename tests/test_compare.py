"""Comparing methods (evohpo/compare.py) with cross-validated scores: every run scores its
evaluations by the same K folds, and the report reads the fold means (the spreads are no
genes). No TensorFlow: each fold's training is a fake (the ``fake_folds`` fixture)."""

from __future__ import annotations

import json

import pytest

from evohpo import analysis
from evohpo.compare import compare, make_plan
from evohpo.errors import EvohpoError
from evohpo.results import read
from tests._fakes import SPACE


def test_a_cross_validated_comparison_reports_the_fold_means(tmp_path, fake_folds):
    plan = make_plan("iris", SPACE, methods=("ga", "random"), seeds=2, budget=4, epochs=1,
                     population=2, out=tmp_path / "c", backend="threading", cv=3)
    report = compare(plan, engine="single", save_best=False, progress=False)
    for method, seed in plan.runs:
        folder = plan.folder(method, seed)
        frame = read(folder / "results.csv")
        assert frame["val_accuracy_std"].notna().all()
        assert json.loads((folder / "checkpoint.json").read_text())["cv"] == 3
    frame = analysis.load(plan.out)
    assert not [g for g in analysis.gene_columns(frame) if g.endswith("_std")]
    assert "3-fold cross-validation" in report.markdown.read_text()
    with pytest.raises(EvohpoError, match="cv must be a whole number of folds >= 2"):
        make_plan("iris", SPACE, cv=1)
