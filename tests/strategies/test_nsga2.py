"""NSGA-II (evohpo/strategies/nsga2.py), on cheap numpy objectives (no TensorFlow, no files).

Quality is measured over many seeds against random search at the same budget; everything else
is an exact count or an exact, hand-computed value.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics
from collections import Counter

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.pareto import dominates, hypervolume, non_dominated
from evohpo.space import (
    Bool,
    Choice,
    Float,
    Int,
    Space,
    config_key,
)
from evohpo.strategies import Evaluation, RandomSearch, Status
from evohpo.strategies.base import check_strategy
from evohpo.strategies.nsga2 import NSGA2Search
from tests._checks import binomial_near, error
from tests.strategies.landscapes import MIXED, SMALL, CountingSpace, _drive, _two

ZDT = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(5)})
REFERENCE = (1.1, 11.0)  # f1 <= 1 and f2 <= g <= 10 everywhere, so every point counts


def zdt1(config: dict) -> tuple[float, float]:
    """Both minimised; the front is f2 = 1 - sqrt(f1), reached when x1..x4 = 0."""
    x = np.array([config[f"x{i}"] for i in range(5)])
    g = 1.0 + 9.0 * x[1:].mean()
    f1 = float(x[0])
    return f1, float(g * (1.0 - math.sqrt(f1 / g)))


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
    with pytest.raises(EvohpoError,
                       match=f"population must be a whole number >= 4 for nsga2, got {population}"):
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
@pytest.mark.quality
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


LINE = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(3)})


def _first_generation(seed: int, points: list[tuple[float, float]], **kwargs) -> NSGA2Search:
    s = NSGA2Search(LINE, population=len(points), seed=seed, **kwargs)
    proposals = s.ask(len(points))
    s.tell([Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                       objective=v[0], objectives=v)
            for i, (p, v) in enumerate(zip(proposals, points))])
    return s


def _parents(points, seeds=range(60)) -> Counter[int]:
    """How often each point of the first generation is copied into the next batch (no
    crossover, no mutation: a child is its tournament winner)."""
    picked: Counter[int] = Counter()
    for seed in seeds:
        s = _first_generation(seed, points, cxpb=0.0, mutpb=0.0, max_retries=0)
        index = {config_key(LINE.decode(ind)): i for i, ind in enumerate(s.population)}
        order = [points.index(tuple(ind.fitness.values)) for ind in s.population]
        for p in s.ask(len(points)):
            picked[order[index[config_key(p.config)]]] += 1
    return picked


def test_nsga2_tournaments_prefer_the_better_rank():
    chain = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]  # ranks 0, 1, 2, 3
    picked = _parents(chain)
    n = sum(picked.values())
    assert picked[3] == 0  # the worst loses every tournament it enters
    assert binomial_near(picked[0], n, 1 / 2)  # the best wins every one it enters
    assert binomial_near(picked[1], n, 1 / 3) and binomial_near(picked[2], n, 1 / 6)


def test_nsga2_tournaments_prefer_the_lonelier_point_of_a_front():
    front = [(0.0, 3.0), (1.0, 2.0), (2.0, 1.0), (3.0, 0.0)]  # one front; the ends are loneliest
    picked = _parents(front)
    n = sum(picked.values())
    middles = picked[1] + picked[2]
    assert binomial_near(middles, n, 1 / 6)  # only when the two middles meet


def test_nsga2_tournaments_between_two_equals_pick_either():
    picked: Counter[int] = Counter()
    for seed in range(40):
        two = NSGA2Search(LINE, population=4, seed=seed, cxpb=0.0, mutpb=0.0, max_retries=0)
        proposals = two.ask(2)  # a short first batch: a population of two
        two.tell([Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                             objective=0.0, objectives=v)
                  for i, (p, v) in enumerate(zip(proposals, [(0.0, 1.0), (1.0, 0.0)]))])
        keys = [config_key(p.config) for p in proposals]
        picked.update(keys.index(config_key(p.config)) for p in two.ask(4))
    assert binomial_near(picked[0], 160, 0.5)  # both ends of the front win half the time


def test_nsga2_keeps_a_dominating_network_whatever_its_children_score():
    for seed in range(3):
        s = _first_generation(seed, [(0.0, 0.0), (5.0, 6.0), (6.0, 5.0), (7.0, 7.0)])
        champion = next(list(ind) for ind in s.population if ind.fitness.values == (0.0, 0.0))
        for gen in range(1, 5):
            proposals = s.ask(4)
            s.tell([Evaluation(eval_id=10 * gen + i, generation=gen, config=p.config,
                               status=Status.OK, objective=9.0, objectives=(9.0 + i, 9.0 - i))
                    for i, p in enumerate(proposals)])
            assert champion in [list(ind) for ind in s.population]  # parents compete too
            assert len(s.population) == 4


def _zdt(config: dict) -> tuple[float, float]:
    x = [config[f"x{i}"] for i in range(3)]
    return x[0], 1.0 + x[1] + x[2] - math.sqrt(x[0])


def _run_nsga2(space, generations: int, **kwargs) -> NSGA2Search:
    s = NSGA2Search(space, population=8, max_retries=0, **kwargs)
    for gen in range(generations):
        proposals = s.ask(8)
        s.tell([Evaluation(eval_id=8 * gen + i, generation=gen, config=p.config,
                           status=Status.OK, objective=_zdt(p.config)[0],
                           objectives=_zdt(p.config)) for i, p in enumerate(proposals)])
    return s


def test_nsga2_honours_cxpb_and_mutpb():
    space = CountingSpace(**LINE.genes)
    pairs = children = 0
    for seed in range(5):
        _run_nsga2(space, 31, seed=seed, cxpb=0.3, mutpb=0.6)
        pairs, children = pairs + 4 * 30, children + 8 * 30
    assert binomial_near(space.crossovers, pairs, 0.3, 4), space.crossovers
    assert binomial_near(space.mutations, children, 0.6, 4), space.mutations
    none = CountingSpace(**LINE.genes)
    s = _run_nsga2(none, 1, seed=0, cxpb=0.0, mutpb=0.0)
    parents = {tuple(ind) for ind in s.population}
    s.ask(8)
    assert all(tuple(child) in parents for child in s._pending)  # copies of the winners
    assert none.crossovers == none.mutations == 0
    every = CountingSpace(**LINE.genes)
    _run_nsga2(every, 3, seed=0, cxpb=1.0, mutpb=1.0)
    assert (every.crossovers, every.mutations) == (2 * 4, 2 * 8)


def test_nsga2_defaults_generations_and_odd_batches():
    s = NSGA2Search(SMALL)
    first = s.ask(100)
    assert len(first) == 16 and {p.generation for p in first} == {0}
    assert [p.config for p in first] == [p.config for p in NSGA2Search(SMALL, seed=0).ask(100)]
    s.tell([Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                       objective=0.0, objectives=_two(p.config)) for i, p in enumerate(first)])
    odd = s.ask(5)
    assert len(odd) == 5 and {p.generation for p in odd} == {1}
    tiny = Space(a=Bool(), b=Bool())
    t = NSGA2Search(tiny, population=4, seed=0)
    for gen in range(2):
        proposals = t.ask(4)
        t.tell([Evaluation(eval_id=i, generation=gen, config=p.config, status=Status.OK,
                           objective=0.0, objectives=(float(p.config["a"]), float(p.config["b"])))
                for i, p in enumerate(proposals)])
    assert t.duplicates_avoided == 4 * 20  # four repeats in generation 1, twenty tries each
    assert [rec["front"] for rec in t.logbook] == [1, 1]  # (0, 0) dominates the rest
    assert [rec["failed"] for rec in t.logbook] == [0, 0]


def test_nsga2_accepts_the_smallest_valid_settings_and_checks_loaded_states():
    s = NSGA2Search(SMALL, population=4, n_objectives=4, cxpb=0, mutpb=1, max_retries=0,
                    generations=1)
    assert (s.population_size, s.n_objectives, s.max_retries) == (4, 4, 0)
    other = NSGA2Search(SMALL, population=4, n_objectives=2)
    _drive(other, 1, _two)
    assert error(lambda: s.load_state_dict(other.state_dict())) == (
        "the saved nsga2 state has 2 objectives, this one 4; build it with the same arguments")
    told = NSGA2Search(SMALL, population=4, n_objectives=3)
    proposals = told.ask(4)
    assert error(lambda: told.tell([
        Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                   objective=0.0, objectives=(0.0, 1.0)) for i, p in enumerate(proposals)])) == (
        "an evaluation has 2 objectives and nsga2 was built for 3; pass n_objectives=2")
    with pytest.raises(ValueError) as info:
        told.tell([])
    assert str(info.value) == "told 0 evaluations for 4 asked"
    with pytest.raises(RuntimeError) as info:
        told.ask(4)
    assert str(info.value) == "ask() called twice without tell(); tell the last batch first"


def test_nsga2_scores_a_failure_as_the_worst_even_with_measured_objectives():
    s = NSGA2Search(SMALL, population=4, seed=1)
    proposals = s.ask(4)
    evals = [Evaluation(eval_id=0, generation=0, config=proposals[0].config,
                        status=Status.FAILED, objective=0.0, objectives=(0.0, 0.0)),
             Evaluation(eval_id=1, generation=0, config=proposals[1].config, status=Status.OK,
                        objective=0.0, objectives=(math.nan, 1.0)),
             *(Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                          objective=1.0, objectives=(1.0, 1.0 + i))
               for i, p in enumerate(proposals[2:], 2))]
    s.tell(evals)
    by_key = {config_key(SMALL.decode(ind)): ind.fitness.values for ind in s.population}
    assert by_key[config_key(proposals[0].config)] == (math.inf, math.inf)
    assert by_key[config_key(proposals[1].config)] == (math.inf, math.inf)
    assert s.logbook[0]["failed"] == 2 and len(s.pareto) == 1


def test_the_pareto_archive_holds_each_network_once_even_when_repeats_are_proposed():
    # two networks have the best trade-offs; a=False is one network whatever its dormant z
    space = Space(a=Bool(), z=Int(0, 100, when={"a": True}))

    def trade_off(config: dict) -> tuple[float, float]:
        return (0.0, 1.0 + config["z"]) if config["a"] else (1.0, 0.0)

    for seed in range(3):
        s = NSGA2Search(space, population=4, seed=seed, max_retries=0)
        for gen in range(8):
            proposals = s.ask(4)
            s.tell([Evaluation(eval_id=4 * gen + i, generation=gen, config=p.config,
                               status=Status.OK, objective=trade_off(p.config)[0],
                               objectives=trade_off(p.config)) for i, p in enumerate(proposals)])
        keys = [config_key(c) for c, _ in s.front_configs()]
        assert len(keys) == len(set(keys)) and config_key({"a": False}) in keys


@pytest.mark.parametrize(("build", "expected"), [
    (lambda: NSGA2Search(SMALL, n_objectives=1),
     "nsga2 needs two or more objectives; for one objective use ga"),
    (lambda: NSGA2Search(SMALL, n_objectives=5),
     "nsga2 handles 2 to 4 objectives, got 5; its crowding distance cannot spread more"),
    (lambda: NSGA2Search(SMALL, population=True),
     "population must be a whole number >= 4 for nsga2, got True"),
    (lambda: NSGA2Search(SMALL, population=6.0),
     "population must be a whole number >= 4 for nsga2, got 6.0"),
    (lambda: NSGA2Search(SMALL, mutpb=-0.5), "mutpb must be a probability in [0, 1], got -0.5"),
    (lambda: NSGA2Search(SMALL, cxpb=2), "cxpb must be a probability in [0, 1], got 2"),
    (lambda: NSGA2Search(SMALL, max_retries=-1), "max_retries must be a whole number >= 0, got -1"),
    (lambda: NSGA2Search(SMALL, generations=0), "generations must be a whole number >= 1, got 0"),
])
def test_bad_nsga2_settings_word_for_word(build, expected):
    assert error(build) == expected
