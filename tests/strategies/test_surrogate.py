"""Surrogate pre-selection in the GA (``GeneticSearch(preselect=k)``), on pure landscapes."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.space import Choice, Fixed, Space, config_key
from evohpo.strategies import GeneticSearch
from evohpo.strategies import surrogate as sg
from tests.strategies.landscapes import (
    MIXED,
    SMOOTH,
    best,
    drive,
    mixed,
    proposals_of,
    round_trip,
    smooth,
)


def test_features_mark_the_slots_a_network_does_not_use():
    config = {"layers": [{"units": 32, "act": "relu"}], "opt": "adam", "lr": 0.01, "bn": True}
    genome = MIXED.encode(config)
    f = sg.features(MIXED, genome)
    assert len(f) == len(genome)
    dormant = [i for i, v in enumerate(f) if v == sg.DORMANT]
    assert len(dormant) == 2 * 2 + 1  # blocks 2 and 3 (units, act each) and sgd's momentum
    assert [v for i, v in enumerate(f) if i not in dormant] == [
        float(v) for i, v in enumerate(genome) if i not in dormant]
    with_sgd = sg.features(MIXED, MIXED.encode({**config, "opt": "sgd", "momentum": 0.5}))
    assert with_sgd.count(sg.DORMANT) == 4


def _points(n: int, seed: int) -> list[tuple[list[float], float]]:
    rng = random.Random(seed)
    genomes = [SMOOTH.sample(rng) for _ in range(n)]
    return [(sg.features(SMOOTH, g), smooth(SMOOTH.decode(g))) for g in genomes]


def test_rank_puts_the_better_candidates_first():
    rng = random.Random(1)
    candidates = [SMOOTH.sample(rng) for _ in range(40)]
    truth = np.array([smooth(SMOOTH.decode(c)) for c in candidates])
    order = sg.rank(_points(60, seed=2), candidates, SMOOTH, seed=0)
    assert sorted(order) == list(range(40))
    top, bottom = truth[order[:10]].mean(), truth[order[-10:]].mean()
    assert top < 0.6 * bottom


def test_rank_leaves_the_order_alone_without_enough_points():
    candidates = [SMOOTH.sample(random.Random(i)) for i in range(5)]
    few = _points(sg.MIN_POINTS - 1, seed=0)
    assert sg.rank(few, candidates, SMOOTH, seed=0) == list(range(5))
    failed = [(f, math.inf) for f, _ in _points(20, seed=0)]
    assert sg.rank(failed, candidates, SMOOTH, seed=0) == list(range(5))


def test_failed_networks_teach_the_surrogate_to_avoid_their_region():
    points = [(f, math.inf if f[0] < 0 else y) for f, y in _points(40, seed=3)]
    rng = random.Random(4)
    candidates = [SMOOTH.sample(rng) for _ in range(20)]
    order = sg.rank(points, candidates, SMOOTH, seed=0)
    assert all(candidates[i][0] >= 0 for i in order[:5])  # slot 0 is x0


def _bests(space, objective, preselect: int) -> np.ndarray:
    return np.array([best(drive(GeneticSearch(space, population=8, seed=s, preselect=preselect),
                                60, objective=objective)) for s in range(12)])


@pytest.mark.slow
def test_preselection_finds_better_networks_at_the_same_budget():
    """Same GA, budget 60, twelve seeds, on the mixed landscape (conditional gene, repeated
    layers, choices: what real spaces look like): training only the children the forest likes
    best (4 bred per place) halves the final error of breeding blind (0.062 against 0.131 mean,
    better in 10 of 12 seeds)."""
    plain, chosen = _bests(MIXED, mixed, 1), _bests(MIXED, mixed, 4)
    assert chosen.mean() < 0.7 * plain.mean()
    assert (chosen < plain).sum() >= 9


@pytest.mark.slow
def test_preselection_does_no_harm_on_a_smooth_landscape():
    """On the smooth bowl the gain is small (mean 0.168 against 0.178 over these 12 seeds; 0.136
    against 0.181 over 40), but it must not be a loss."""
    assert _bests(SMOOTH, smooth, 4).mean() < _bests(SMOOTH, smooth, 1).mean()


def test_preselection_trains_only_the_chosen_children_and_stays_distinct():
    ga = GeneticSearch(SMOOTH, population=8, seed=0, preselect=4)
    asked = [c for batch in proposals_of(ga, 6) for c in batch]
    assert len(asked) == 8 + 5 * 6
    keys = {config_key(c) for c in asked}
    assert len(keys) == len(asked)  # never the same network twice
    assert set(ga.state_dict()["seen"]) == keys  # bred-but-not-trained children stay breedable
    assert len(ga.state_dict()["archive"]) == len(asked)


@pytest.mark.parametrize("seed", range(2))
def test_resumed_preselecting_ga_continues_exactly(seed):
    def fresh():
        return GeneticSearch(MIXED, population=8, seed=seed, preselect=3)

    def fail(config):
        return config["lr"] > 0.05

    ga = fresh()
    drive(ga, 20, objective=mixed, fail=fail)
    resumed = fresh()
    resumed.load_state_dict(round_trip(ga.state_dict()))
    assert drive(resumed, 30, objective=mixed, fail=fail) == drive(ga, 30, objective=mixed,
                                                                    fail=fail)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "4"])
def test_preselect_setting_is_checked(value):
    with pytest.raises(EvohpoError, match="preselect must be a whole number >= 1"):
        GeneticSearch(SMOOTH, preselect=value)


def test_preselection_is_on_by_default_and_one_turns_it_off(monkeypatch):
    assert GeneticSearch(SMOOTH).preselect == 4
    proposals_of(GeneticSearch(SMOOTH, population=8, seed=5), 3)  # the surrogate is asked

    def refuse(*args, **kwargs):
        raise AssertionError("preselect=1 must breed without the surrogate")

    monkeypatch.setattr(sg, "rank", refuse)
    assert len(proposals_of(GeneticSearch(SMOOTH, population=8, seed=5, preselect=1), 5)) == 5
    with pytest.raises(AssertionError, match="must breed without"):
        proposals_of(GeneticSearch(SMOOTH, population=8, seed=5), 3)


def test_a_space_of_fixed_values_breeds_without_the_forest():
    """No slots, nothing to learn from: the GA still runs (a forest on 0 features would raise)."""
    fixed = Space(width=Fixed(8))
    assert sg.rank([([], 1.0)] * 10, [fixed.sample(random.Random(0))] * 3, fixed, seed=0) == [
        0, 1, 2]
    evals = drive(GeneticSearch(fixed, population=4, seed=0), 20, objective=lambda c: 1.0)
    assert len(evals) == 20


def test_only_the_trained_children_count_as_re_mutated():
    """``duplicates_avoided`` (printed after a campaign) counts the re-mutations of children
    that are trained, not of the candidates the forest left out."""
    tiny = Space(a=Choice(["p", "q", "r"]), b=Choice(["x", "y", "z"]))  # nine networks
    ga = GeneticSearch(tiny, population=4, seed=0, preselect=4, max_retries=5)
    evals = drive(ga, 9 + 8, objective=lambda c: float(c["a"] == "p"))  # 8 after all are seen
    trained_children = len(evals) - 4
    assert 8 * 5 <= ga.duplicates_avoided <= trained_children * 5
