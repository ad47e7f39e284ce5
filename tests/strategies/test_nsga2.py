"""NSGA-II and the Pareto helpers, on cheap numpy objectives (no TensorFlow, no files).

Quality is measured over many seeds against random search at the same budget; everything else
is an exact count or an exact, hand-computed value.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.pareto import dominates, hypervolume, non_dominated
from evohpo.space import Bool, Choice, Float, Int, Repeat, Space, config_key
from evohpo.strategies import Evaluation, RandomSearch, Status
from evohpo.strategies.base import check_strategy
from evohpo.strategies.nsga2 import NSGA2Search

ZDT = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(5)})
REFERENCE = (1.1, 11.0)  # f1 <= 1 and f2 <= g <= 10 everywhere, so every point counts


def zdt1(config: dict) -> tuple[float, float]:
    """Both minimised; the front is f2 = 1 - sqrt(f1), reached when x1..x4 = 0."""
    x = np.array([config[f"x{i}"] for i in range(5)])
    g = 1.0 + 9.0 * x[1:].mean()
    f1 = float(x[0])
    return f1, float(g * (1.0 - math.sqrt(f1 / g)))


MIXED = Space(
    layers=Repeat(Int(1, 3), units=Int(4, 256, log=True), act=Choice(["relu", "tanh"])),
    opt=Choice(["adam", "sgd"]),
    momentum=Float(0.0, 0.9, when={"opt": "sgd"}),
    lr=Float(1e-4, 1e-1, log=True),
    bn=Bool(),
)


def size_and_error(config: dict) -> tuple[float, float]:
    """A network-like trade-off: a bigger network is slower but fits better."""
    size = sum(b["units"] for b in config["layers"])
    error = 1.0 / (1.0 + math.log2(size)) + abs(math.log10(config["lr"]) + 2) * 0.1
    return float(size), error + (0.05 if config["bn"] else 0.0)


def evaluate(eval_id: int, proposal, fn) -> Evaluation:
    values = fn(proposal.config)
    if values is None:
        return Evaluation(eval_id=eval_id, generation=proposal.generation,
                          config=proposal.config, status=Status.FAILED, error="boom")
    return Evaluation(eval_id=eval_id, generation=proposal.generation, config=proposal.config,
                      status=Status.OK, objective=values[0], objectives=tuple(values))


def drive(strategy, fn, budget: int, start: int = 0) -> list[Evaluation]:
    """The campaign loop in miniature: ask what the budget allows, evaluate, tell."""
    done: list[Evaluation] = []
    while len(done) < budget and not strategy.done:
        proposals = strategy.ask(budget - len(done))
        evals = [evaluate(start + len(done) + i, p, fn) for i, p in enumerate(proposals)]
        strategy.tell(evals)
        done += evals
    return done


def front_volume(evals: list[Evaluation], reference=REFERENCE) -> float:
    return hypervolume([e.objectives for e in evals if e.ok], reference)


# -- pareto helpers: exact values on hand examples ---------------------------------------------
def test_dominates_needs_no_worse_everywhere_and_better_somewhere():
    assert dominates((1, 2), (1, 3))
    assert dominates((0, 0, 0), (1, 1, 1))
    assert not dominates((1, 2), (1, 2))  # equal points do not dominate each other
    assert not dominates((1, 3), (2, 2))
    assert not dominates((2, 2), (1, 3))
    assert dominates((1.0, 5.0), (math.inf, math.inf))


def test_non_dominated_keeps_every_copy_of_a_front_point_in_input_order():
    points = [(3, 3), (1, 3), (2, 2), (3, 1), (2, 2), (4, 0.5), (4, 4)]
    assert non_dominated(points) == [1, 2, 3, 4, 5]
    assert non_dominated([]) == []
    assert non_dominated([(1, 1, 1)]) == [0]
    assert non_dominated([(1, 2, 3), (3, 2, 1), (2, 2, 2), (3, 3, 3)]) == [0, 1, 2]


def test_hypervolume_2d_staircase_by_hand():
    # rectangles to (4, 4): 3x1 + 2x1 + 1x1
    assert hypervolume([(1, 3), (2, 2), (3, 1)], (4, 4)) == 6.0
    # a dominated point, a duplicate and points on or beyond the reference change nothing
    assert hypervolume([(1, 3), (2, 2), (3, 1), (3, 3), (2, 2), (4, 0), (5, -1)], (4, 4)) == 6.0
    assert hypervolume([(0, 0)], (2, 3)) == 6.0
    assert hypervolume([], (1, 1)) == 0.0
    assert hypervolume([(2, 2)], (1, 1)) == 0.0
    assert hypervolume([(math.inf, math.inf), (math.nan, 0)], (1, 1)) == 0.0  # failures


def test_hypervolume_3d_and_4d_by_hand():
    assert hypervolume([(1, 1, 1)], (2, 2, 2)) == 1.0
    # boxes 2*2*1 and 1*1*2 overlapping in a unit cube: 4 + 2 - 1
    assert hypervolume([(0, 0, 1), (1, 1, 0)], (2, 2, 2)) == 5.0
    # three unit "corner" points of a 2-cube: 3 boxes of 1*2*2 ... by inclusion-exclusion
    pts = [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    # each box is 1x2x2 = 4; pairwise overlaps 1x1x2 = 2; triple overlap 1
    assert hypervolume(pts, (2, 2, 2)) == 3 * 4 - 3 * 2 + 1
    assert hypervolume([(0, 0, 0, 0)], (1, 2, 3, 4)) == 24.0
    assert hypervolume([(0, 0, 0, 1), (1, 1, 1, 0)], (2, 2, 2, 2)) == 8 + 2 - 1


def test_hypervolume_matches_a_monte_carlo_estimate_in_3d():
    rng = np.random.default_rng(3)
    pts = [tuple(p) for p in rng.random((12, 3))]
    ref = (1.0, 1.0, 1.0)
    samples = rng.random((200_000, 3))
    covered = np.zeros(len(samples), dtype=bool)
    for p in pts:
        covered |= np.all(samples >= np.array(p), axis=1)
    assert hypervolume(pts, ref) == pytest.approx(covered.mean(), abs=0.005)


def test_hypervolume_agrees_with_moocore_when_installed():
    moocore = pytest.importorskip("moocore")
    rng = np.random.default_rng(0)
    for d in (2, 3, 4):
        pts = rng.random((25, d))
        ref = np.full(d, 1.1)
        assert hypervolume([tuple(p) for p in pts], tuple(ref)) == pytest.approx(
            float(moocore.hypervolume(pts, ref=ref)), rel=1e-12)


def test_hypervolume_bad_input_names_the_problem():
    with pytest.raises(EvohpoError, match="reference must be finite"):
        hypervolume([(0, 0)], (1, math.inf))
    with pytest.raises(EvohpoError, match="has 3 objectives, the reference 2"):
        hypervolume([(0, 0, 0)], (1, 1))


# -- NSGA-II: protocol and bad input ---------------------------------------------------------
def test_nsga2_speaks_the_protocol():
    s = NSGA2Search(ZDT, population=8, seed=0)
    check_strategy(s)
    assert s.name == "nsga2" and s.seed == 0 and not s.done
    assert len(s.ask(100)) == 8  # a batch is one population, whatever the budget left
    with pytest.raises(RuntimeError, match="tell the last batch"):
        s.ask(8)


@pytest.mark.parametrize("population", [3, 1, 0, -2])
def test_a_population_below_four_is_refused(population):
    with pytest.raises(EvohpoError, match=f"population must be >= 4 for nsga2, got {population}"):
        NSGA2Search(ZDT, population=population)


@pytest.mark.parametrize("n", [1, 0])
def test_one_objective_is_sent_to_the_ga(n):
    with pytest.raises(EvohpoError,
                       match="nsga2 needs two or more objectives; for one objective use ga"):
        NSGA2Search(ZDT, n_objectives=n)


def test_other_bad_arguments_are_refused():
    with pytest.raises(EvohpoError, match="2 to 4 objectives"):
        NSGA2Search(ZDT, n_objectives=5)
    with pytest.raises(EvohpoError, match="cxpb"):
        NSGA2Search(ZDT, cxpb=1.5)
    with pytest.raises(EvohpoError, match="indpb"):
        NSGA2Search(ZDT, indpb=-0.1)
    with pytest.raises(EvohpoError, match="generations"):
        NSGA2Search(ZDT, generations=0)


def test_an_evaluation_with_the_wrong_number_of_objectives_names_the_fix():
    s = NSGA2Search(ZDT, population=4)
    (p, *rest) = s.ask(4)
    evals = [evaluate(i, q, lambda c: (1.0, 2.0, 3.0)) for i, q in enumerate([p, *rest])]
    with pytest.raises(EvohpoError, match="pass n_objectives=3"):
        s.tell(evals)


# -- NSGA-II: behaviour ------------------------------------------------------------------------
def test_nsga2_beats_random_search_on_zdt1_in_median_over_seeds():
    """Same space, same prior, same budget, same scoring: only the search differs."""
    budget, seeds = 192, range(10)
    ours = [front_volume(drive(NSGA2Search(ZDT, population=16, seed=s), zdt1, budget))
            for s in seeds]
    theirs = [front_volume(drive(RandomSearch(ZDT, seed=s, batch=16), zdt1, budget))
              for s in seeds]
    # the true front's volume to (1.1, 11) is about 11.76; random search stays well short
    assert statistics.median(ours) > statistics.median(theirs) + 0.5
    assert sum(o > t for o, t in zip(ours, theirs)) >= 9


def test_the_archived_front_holds_all_the_volume_found_and_keeps_growing():
    for seed in range(4):
        s = NSGA2Search(ZDT, population=12, seed=seed)
        volumes, evals = [], []
        for _ in range(10):
            evals += drive(s, zdt1, 12, start=len(evals))
            archived = hypervolume([v for _, v in s.front_configs()], REFERENCE)
            assert archived == pytest.approx(front_volume(evals), rel=1e-12)
            volumes.append(archived)
        assert volumes == sorted(volumes)
        assert volumes[-1] > volumes[0] + 1.0  # 6.5-9 after one generation, 10-11.3 after ten


def test_the_pareto_archive_is_the_non_dominated_set_of_everything_evaluated():
    for seed in range(3):
        s = NSGA2Search(MIXED, population=8, seed=seed)
        evals = drive(s, size_and_error, 64)
        points = [e.objectives for e in evals]
        keys = {config_key(evals[i].config) for i in non_dominated(points)}
        front = s.front_configs()
        assert {config_key(c) for c, _ in front} == keys
        assert len(front) == len(keys)  # one entry per network
        firsts = [v[0] for _, v in front]
        assert firsts == sorted(firsts)  # ordered by the first objective
        for config, values in front:
            assert values == size_and_error(config)


def test_failed_evaluations_are_dominated_by_every_result():
    def flaky(config: dict) -> tuple[float, float] | None:
        if config["x0"] > 0.6:
            return None  # a failure
        if config["x1"] > 0.9:
            return (math.nan, 1.0)  # a divergence reported as ok: treated as failed
        return zdt1(config)

    for seed in range(5):
        s = NSGA2Search(ZDT, population=8, seed=seed)
        evals = drive(s, flaky, 80)
        failed = sum(not e.ok or not all(map(math.isfinite, e.objectives)) for e in evals)
        assert failed > 0
        assert sum(rec["failed"] for rec in s.logbook) == failed
        assert all(all(map(math.isfinite, v)) for _, v in s.front_configs())
        fits = [ind.fitness.values for ind in s.population]
        bad = [f for f in fits if f == (math.inf, math.inf)]
        good = [f for f in fits if f != (math.inf, math.inf)]
        assert all(dominates(g, b) for g in good for b in bad)
        assert not bad  # with 8 survivors to pick and 70-odd good results, none is kept


def test_all_failures_still_propose_new_networks():
    s = NSGA2Search(ZDT, population=4, seed=1)
    evals = drive(s, lambda c: None, 20)
    assert len({config_key(e.config) for e in evals}) == 20
    assert len(s.pareto) == 0 and s.front_configs() == []


def test_the_population_never_exceeds_its_size_even_with_short_batches():
    for seed in range(4):
        s = NSGA2Search(MIXED, population=6, seed=seed)
        rng = random.Random(seed)
        total = 0
        for _ in range(15):
            proposals = s.ask(rng.randint(0, 9))
            assert len(proposals) <= 6
            s.tell([evaluate(total + i, p, size_and_error) for i, p in enumerate(proposals)])
            total += len(proposals)
            assert len(s.population) <= 6


def test_no_network_is_proposed_twice_while_new_ones_remain():
    small = Space(a=Int(0, 4), b=Int(0, 4), c=Choice(["x", "y", "z"]))  # 75 networks
    for seed in range(6):
        s = NSGA2Search(small, population=8, seed=seed)
        evals = drive(s, lambda c: (c["a"] + (c["c"] == "y"), 4 - c["a"] + c["b"]), 48)
        keys = [config_key(e.config) for e in evals]
        assert len(set(keys)) == len(keys) == 48
    s = NSGA2Search(MIXED, population=8, seed=0)
    keys = [config_key(e.config) for e in drive(s, size_and_error, 120)]
    assert len(set(keys)) == len(keys)


def test_an_exhausted_space_still_proposes_and_counts_the_repeats():
    tiny = Space(a=Bool(), b=Bool())  # four networks
    s = NSGA2Search(tiny, population=4, seed=0, max_retries=3)
    evals = drive(s, lambda c: (float(c["a"]), float(c["b"])), 12)
    assert len(evals) == 12
    assert len({config_key(e.config) for e in evals}) == 4
    assert s.duplicates_avoided == 8 * 3  # every later child tried three re-mutations


def test_generations_bound_the_run():
    s = NSGA2Search(ZDT, population=4, seed=0, generations=3)
    evals = drive(s, zdt1, 100)
    assert s.done and len(evals) == 12 and s.generation == 3


def test_seeds_are_private_and_reproducible():
    random.seed(123)
    a = [e.config for e in drive(NSGA2Search(ZDT, population=8, seed=5), zdt1, 40)]
    outside = random.random()
    random.seed(123)
    b = [e.config for e in drive(NSGA2Search(ZDT, population=8, seed=5), zdt1, 40)]
    assert a == b and random.random() == outside  # the global stream was not consumed
    c = [e.config for e in drive(NSGA2Search(ZDT, population=8, seed=6), zdt1, 40)]
    assert a != c


@pytest.mark.parametrize(("seed", "space", "fn", "pop"), [
    (0, ZDT, zdt1, 8), (1, ZDT, zdt1, 6), (2, MIXED, size_and_error, 8),
    (3, MIXED, size_and_error, 5),
])
@pytest.mark.parametrize("stop", ["after the first generation", "after a short batch"])
def test_a_resumed_nsga2_proposes_exactly_what_an_uninterrupted_one_does(seed, space, fn, pop,
                                                                         stop):
    calls = itertools.count()

    def flaky(config: dict):  # every third evaluation fails
        return None if next(calls) % 3 == 1 else fn(config)

    whole = NSGA2Search(space, population=pop, seed=seed)
    budget = pop if stop == "after the first generation" else 3 * pop + 2  # budget cuts a batch
    drive(whole, flaky, budget)
    state = json.loads(json.dumps(whole.state_dict(), allow_nan=False))  # strict JSON
    if stop == "after the first generation":  # every first-generation genome survives
        assert ["inf", "inf"] in [d["fitness"] for d in state["population"]]
    resumed = NSGA2Search(space, population=pop, seed=seed)
    resumed.load_state_dict(state)
    assert resumed.state_dict() == state
    for _ in range(5):
        a, b = whole.ask(pop), resumed.ask(pop)
        assert [p.config for p in a] == [p.config for p in b]
        assert [p.generation for p in a] == [p.generation for p in b]
        evals = [evaluate(i, p, flaky) for i, p in enumerate(a)]
        whole.tell(evals)
        resumed.tell(evals)
    assert whole.front_configs() == resumed.front_configs()
    assert whole.duplicates_avoided == resumed.duplicates_avoided
    assert whole.state_dict() == resumed.state_dict()


def test_load_refuses_a_state_for_another_number_of_objectives():
    s = NSGA2Search(ZDT, population=4)
    drive(s, zdt1, 4)
    three = NSGA2Search(ZDT, population=4, n_objectives=3)
    with pytest.raises(EvohpoError, match="same arguments"):
        three.load_state_dict(s.state_dict())


def test_three_objectives_run_and_keep_a_front():
    def three(config: dict) -> tuple[float, float, float]:
        x = [config[f"x{i}"] for i in range(5)]
        return x[0], x[1], 3 - x[0] - x[1] + sum(x[2:])

    s = NSGA2Search(ZDT, population=8, seed=0, n_objectives=3)
    evals = drive(s, three, 64)
    points = [e.objectives for e in evals]
    assert len(s.pareto) == len({config_key(evals[i].config) for i in non_dominated(points)})
    assert hypervolume([v for _, v in s.front_configs()], (1.1, 1.1, 3.1)) == pytest.approx(
        hypervolume(points, (1.1, 1.1, 3.1)))


def test_non_dominated_agrees_with_the_definition_on_random_points_with_ties():
    rng = random.Random(0)
    for _ in range(200):
        d = rng.choice([2, 3, 4])
        pts = [tuple(rng.randint(0, 4) for _ in range(d)) for _ in range(rng.randint(0, 30))]
        if pts and rng.random() < 0.3:
            pts[0] = (math.nan, *pts[0][1:])  # nan neither dominates nor is dominated
        brute = [i for i, p in enumerate(pts)
                 if not any(dominates(q, p) for j, q in enumerate(pts) if j != i)]
        assert non_dominated(pts) == brute
    grid = list(itertools.product([0, 1, 2], repeat=2))
    assert [grid[i] for i in non_dominated(grid)] == [(0, 0)]
