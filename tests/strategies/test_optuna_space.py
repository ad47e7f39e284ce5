"""Genes as Optuna parameters (evohpo/strategies/optuna_space.py): one distribution per gene
type, define-by-run (only the genes that count), names from the CSV columns."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from evohpo.space import Bool, Choice, Fixed, Float, Int, Repeat, Space
from evohpo.strategies.optuna_space import is_dynamic, suggest
from tests.strategies.landscapes import MIXED

EVERY = Space(i=Int(0, 50), il=Int(1, 1024, log=True), f=Float(-1.0, 1.0),
              fl=Float(1e-5, 1.0, log=True), c=Choice(["a", "b", 3, 3.0]),
              o=Choice([1, 2, 4, 8], ordered=True), b=Bool(), k=Fixed("k"),
              r=Repeat(Int(1, 3), w=Int(2, 9)), fixed=Repeat(2, v=Float(0.0, 1.0)))


def trials(space: Space, n: int, seed: int = 0) -> list[tuple[dict, optuna.trial.FrozenTrial]]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        config = suggest(trial, space)
        study.tell(trial, 0.0)
        out.append((config, study.trials[-1]))
    return out


def valid(space: Space, config: dict) -> bool:
    """A config of the space: it encodes, and decodes to the same genes (floats then round to
    the 6 digits every decoded config has)."""
    def genes(c: dict) -> set[str]:
        return {k for k, v in space.flatten(c).items() if v is not None}

    return genes(space.decode(space.encode(config))) == genes(config)


def test_every_gene_type_has_its_distribution():
    for config, trial in trials(EVERY, 30):
        assert valid(EVERY, config)
        d = trial.distributions
        assert d["i"] == IntDistribution(0, 50) and d["il"] == IntDistribution(1, 1024, log=True)
        assert d["f"] == FloatDistribution(-1.0, 1.0)
        assert d["fl"] == FloatDistribution(1e-5, 1.0, log=True)
        assert d["c"] == CategoricalDistribution([0, 1, 2, 3])  # indices: 3 and 3.0 differ
        assert d["o"] == IntDistribution(0, 3)  # ordered: an index neighbours are near in
        assert d["b"] == CategoricalDistribution([False, True])
        assert d["n_r"] == IntDistribution(1, 3)
        n = len(config["r"])
        assert {k for k in d if k.startswith("r_")} == {f"r_{i}_w" for i in range(1, n + 1)}
        assert {k for k in d if k.startswith("fixed")} == {"fixed_1_v", "fixed_2_v"}
        assert "k" not in d and config["k"] == "k"
        assert config["c"] == EVERY.genes["c"].values[trial.params["c"]]
        assert config["o"] == EVERY.genes["o"].values[trial.params["o"]]
        assert set(d) <= set(EVERY.columns)  # names are the CSV columns
    assert {type(c["c"]) for c, _ in trials(EVERY, 60)} == {str, int, float}


def test_only_the_genes_that_count_are_suggested():
    seen = set()
    for config, trial in trials(MIXED, 80, seed=1):
        flat = {k: v for k, v in MIXED.flatten(config).items() if v is not None}
        assert set(trial.params) == set(flat)
        assert ("momentum" in trial.params) == (config["opt"] == "sgd")
        seen.add(config["opt"])
    assert seen == {"adam", "sgd"}


def test_a_condition_on_a_later_or_outer_gene_is_decided_first():
    space = Space(drop=Float(0.0, 0.5, when={"opt": "adam"}), opt=Choice(["adam", "sgd"]),
                  layers=Repeat(Int(1, 2), mom=Float(0.0, 0.9, when={"opt": "sgd"}),
                                kind=Choice(["d", "c"]), k=Int(1, 3, when={"kind": "c"})))
    for config, _ in trials(space, 60, seed=2):
        assert ("drop" in config) == (config["opt"] == "adam")
        for block in config["layers"]:
            assert ("mom" in block) == (config["opt"] == "sgd")
            assert ("k" in block) == (block["kind"] == "c")
        assert valid(space, config)


@pytest.mark.parametrize(("space", "dynamic"), [
    (Space(x=Float(0, 1), n=Int(1, 4)), False),
    (Space(x=Float(0, 1), r=Repeat(3, w=Int(1, 4))), False),
    (Space(x=Float(0, 1), r=Repeat(Int(1, 3), w=Int(1, 4))), True),
    (Space(o=Choice(["a", "b"]), m=Float(0, 1, when={"o": "b"})), True),
    (Space(r=Repeat(2, o=Choice(["a", "b"]), m=Float(0, 1, when={"o": "b"}))), True),
])
def test_a_space_is_dynamic_when_trials_can_hold_different_parameters(space, dynamic):
    assert is_dynamic(space) is dynamic


def test_a_stepped_gene_is_suggested_on_its_grid():
    """A gene with a step is the index of its value: every suggestion is a grid value, and
    the grid's two ends are reachable (Optuna's own step would drift off a log grid)."""
    space = Space(units=Int(32, 512, step=32), lr=Float(1e-4, 1e-1, step=10.0, log=True))
    seen = {name: set() for name in ("units", "lr")}
    for config, frozen in trials(space, 200):
        assert config["units"] in space.genes["units"].grid
        assert config["lr"] in space.genes["lr"].grid
        assert isinstance(frozen.distributions["units"], IntDistribution)
        for name in seen:
            seen[name].add(config[name])
    assert seen["units"] == set(space.genes["units"].grid)
    assert seen["lr"] == set(space.genes["lr"].grid)
