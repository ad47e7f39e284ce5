"""The search strategies, as the mutation run found them unchecked.

GA and NSGA-II selection (tournaments prefer better parents, NSGA-II keeps its elite), cxpb and
mutpb honoured, defaults and the smallest valid settings, logbooks and checkpoints that resume
exactly, grid and random search batches, the protocol check. Part of the mutation-testing habit
(``make mutation``, tests/MUTATION.md); cheap operator-level counterparts of the slow
statistical quality tests, which mutation runs leave out.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from evohpo.space import (
    Bool,
    Choice,
    Float,
    Grid,
    Int,
    Space,
    config_key,
)
from evohpo.strategies import Evaluation, GeneticSearch, GridSearch, Status
from evohpo.strategies.nsga2 import NSGA2Search
from tests._checks import binomial_near, error
from tests.strategies.test_ga import CountingSpace

SMALL = Space(x=Float(-2.0, 2.0), n=Int(1, 8), c=Choice(["a", "b", "c"]))


def _score(config: dict) -> float:
    return config["x"] ** 2 + abs(config["n"] - 4) + (config["c"] != "b")


def _drive(strategy, batches: int, objectives_of=None) -> None:
    for _ in range(batches):
        proposals = strategy.ask(100)
        strategy.tell([Evaluation(eval_id=i, generation=p.generation, config=p.config,
                                  status=Status.OK, objective=_score(p.config),
                                  objectives=objectives_of(p.config) if objectives_of else ())
                       for i, p in enumerate(proposals)])


def _two(config: dict) -> tuple[float, float]:
    return _score(config), -config["x"]


def test_the_ga_and_nsga2_change_about_two_and_one_genes_per_mutation():
    space = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(20)})
    assert GeneticSearch(space).indpb == pytest.approx(0.1)  # two of twenty
    assert NSGA2Search(space).indpb == pytest.approx(0.05)  # Deb's 1/n
    small = Space(x=Float(0.0, 1.0))
    assert GeneticSearch(small).indpb == 1.0 and NSGA2Search(small).indpb == 1.0
    assert GeneticSearch(space, indpb=0.5).indpb == 0.5
    assert NSGA2Search(space, indpb=0.0).indpb == 0.0
    assert error(lambda: NSGA2Search(space, indpb=1.5)) == (
        "indpb must be a probability in [0, 1], got 1.5")


def test_ga_defaults_and_the_smallest_settings_it_accepts():
    ga = GeneticSearch(SMALL)
    assert len(ga.ask(100)) == 12 and ga.duplicates_avoided == 0 and ga.screened == 0
    assert [p.config for p in GeneticSearch(SMALL, seed=3).ask(5)] == [
        p.config for p in GeneticSearch(SMALL, seed=3).ask(5)]  # seeded: reproducible
    assert [p.config for p in GeneticSearch(SMALL).ask(5)] == [
        p.config for p in GeneticSearch(SMALL, seed=0).ask(5)]
    two = GeneticSearch(SMALL, population=2)
    assert two.elites == 1  # keeps one, breeds one
    for kwargs in ({"tournament": 1}, {"generations": 1}, {"indpb": 0.0}, {"screen": 2},
                   {"population": 6, "elites": 2, "immigrants": 4}, {"fidelity": 1}):
        GeneticSearch(SMALL, **kwargs)
    for kwargs, expected in (
            ({"fidelity": True}, "fidelity must be a whole number of epochs >= 1, got True"),
            ({"fidelity": 1.5}, "fidelity must be a whole number of epochs >= 1, got 1.5"),
            ({"screen": True}, "screen must be a whole number >= 2, got True"),
            ({"screen": 2.0}, "screen must be a whole number >= 2, got 2.0"),
            ({"indpb": -0.5}, "indpb must be a probability in [0, 1], got -0.5")):
        assert error(lambda k=kwargs: GeneticSearch(SMALL, **k)) == expected
    screening = GeneticSearch(SMALL, population=4, fidelity=1)
    assert len(screening.ask(100)) == 12  # three times the population, by default


def test_ga_hall_of_fame_and_retries_defaults():
    ga = GeneticSearch(SMALL, population=6, seed=0)
    _drive(ga, 4)
    assert len(ga.hall_of_fame) == 5
    tiny = Space(a=Bool(), b=Bool())  # four networks: every later child is a repeat
    ga = GeneticSearch(tiny, population=4, seed=0)
    for gen in range(3):
        proposals = ga.ask(100)
        ga.tell([Evaluation(eval_id=i, generation=gen, config=p.config, status=Status.OK,
                            objective=float(p.config["a"]) + 2 * p.config["b"])
                 for i, p in enumerate(proposals)])
    assert ga.duplicates_avoided == 2 * 2 * 20  # two children a generation, 20 tries each


def test_ga_tournaments_pick_the_better_parents():
    """Tournaments of three (drawn with replacement): the best of six parents wins whenever it
    is drawn, 1 - (5/6)^3 of the picks; the worst only when drawn three times, (1/6)^3."""
    picked: Counter[int] = Counter()
    for seed in range(150):  # the default tournament size; 900 picks tell 3 from 2 or 4
        ga = GeneticSearch(SMALL, population=6, seed=seed, elites=0, cxpb=0.0, mutpb=0.0,
                           max_retries=0)
        proposals = ga.ask(6)
        ga.tell([Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                            objective=float(i)) for i, p in enumerate(proposals)])
        rank = {config_key(p.config): i for i, p in enumerate(proposals)}
        picked.update(rank[config_key(p.config)] for p in ga.ask(6))
    n = sum(picked.values())
    assert n == 900
    assert binomial_near(picked[0], n, 1 - (5 / 6) ** 3, sigmas=4)
    assert picked[5] <= 12  # about 4 expected; random parents would give 150


def test_the_first_generation_holds_distinct_networks_while_the_space_has_them():
    tiny = Space(a=Bool(), b=Bool())  # four networks
    for seed in range(10):
        configs = [config_key(p.config) for p in GeneticSearch(tiny, population=4,
                                                               seed=seed).ask(4)]
        assert len(set(configs)) == 4


def test_ga_logbook_records_each_generation_s_statistics_and_keeps_them_through_a_resume():
    ga = GeneticSearch(SMALL, population=4, seed=0)
    proposals = ga.ask(4)
    ga.tell([Evaluation(eval_id=i, generation=0, config=p.config, status=Status.FAILED)
             for i, p in enumerate(proposals)])  # a first generation that all failed
    values = [2.0, 4.0]
    proposals = ga.ask(4)
    ga.tell([Evaluation(eval_id=4 + i, generation=1, config=p.config, status=Status.OK,
                        objective=values[i]) for i, p in enumerate(proposals)])
    assert [(r["gen"], r["nevals"]) for r in ga.logbook] == [(0, 4), (1, 2)]
    assert ga.logbook[0]["min"] == math.inf
    assert (ga.logbook[1]["min"], ga.logbook[1]["mean"], ga.logbook[1]["max"]) == (2.0, 3.0, 4.0)
    again = GeneticSearch(SMALL, population=4, seed=0)
    again.load_state_dict(json.loads(json.dumps(ga.state_dict())))
    assert list(again.logbook) == list(ga.logbook)
    assert type(again.logbook[0]["min"]) is float and type(again.logbook[1]["gen"]) is int
    with pytest.raises(RuntimeError) as info:
        again.ask(4)
        again.ask(4)
    assert str(info.value) == "ask() called twice without tell(); tell the last batch first"


@pytest.mark.parametrize("make", [lambda: GeneticSearch(SMALL, population=6, seed=1),
                                  lambda: NSGA2Search(SMALL, population=6, seed=1)])
def test_a_resumed_logbook_prints_like_the_original(make):
    strategy = make()
    fn = _two if isinstance(strategy, NSGA2Search) else None
    _drive(strategy, 3, fn)
    state = json.loads(json.dumps(strategy.state_dict()))
    assert all(type(rec["gen"]) is int and type(rec["nevals"]) is int
               for rec in state["logbook"])  # counts stay whole numbers in the checkpoint
    resumed = make()
    resumed.load_state_dict(state)
    assert resumed.logbook.header == strategy.logbook.header
    assert str(resumed.logbook) == str(strategy.logbook)  # what a user prints, column by column
    assert resumed._pending == [] and resumed.state_dict() == strategy.state_dict()
    with pytest.raises(RuntimeError) as info:
        resumed.ask(6)
        resumed.state_dict()
    assert str(info.value) == "state_dict() between ask() and tell(); take it after tell()"


def test_a_ga_checkpoint_from_before_screening_and_duplicate_counts_still_loads():
    ga = GeneticSearch(SMALL, population=6, seed=2)
    _drive(ga, 2)
    state = json.loads(json.dumps(ga.state_dict()))
    for key in ("duplicates_avoided", "promote", "screened"):
        state.pop(key)  # an older checkpoint
    again = GeneticSearch(SMALL, population=6, seed=2)
    again.duplicates_avoided, again.screened = 5, 5
    again.load_state_dict(state)
    assert (again.duplicates_avoided, again.screened, again._promote) == (0, 0, [])
    assert [p.config for p in again.ask(100)] == [p.config for p in ga.ask(100)]


def test_screening_counts_every_screened_network_and_resumes_the_count():
    ga = GeneticSearch(SMALL, population=4, seed=2, fidelity=1, screen=2)
    for _ in range(4):  # screen, promote, screen, promote
        proposals = ga.ask(100)
        ga.tell([Evaluation(eval_id=i, generation=p.generation, config=p.config,
                            status=Status.OK, objective=_score(p.config))
                 for i, p in enumerate(proposals)])
    assert ga.screened == 8 + 4  # 2 x 4 at generation 0, 2 x 2 children at generation 1
    again = GeneticSearch(SMALL, population=4, seed=2, fidelity=1, screen=2)
    again.load_state_dict(json.loads(json.dumps(ga.state_dict())))
    assert again.screened == 12


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


def test_grid_search_defaults_and_batch_numbers():
    default = GridSearch(SMALL)
    explicit = GridSearch(SMALL, seed=0, levels=3, batch=12)
    assert default.size == explicit.size == Grid(SMALL, 3).size == 27
    first = default.ask(100)
    assert [p.config for p in first] == [p.config for p in explicit.ask(100)]
    assert len(first) == 12 and {p.generation for p in first} == {0}
    default.tell([])
    second = default.ask(100)
    assert {p.generation for p in second} == {1}  # the batch number, as the CSV shows it
    default.tell([])
    assert {p.generation for p in default.ask(100)} == {2}
    assert GridSearch(SMALL, levels=1, batch=1).size == 3  # the smallest settings are fine
    for bad in (True, 1.5, 0):
        assert error(lambda b=bad: GridSearch(SMALL, levels=b)) == (
            f"levels must be a whole number >= 1, got {bad!r}")
        assert error(lambda b=bad: GridSearch(SMALL, batch=b)) == (
            f"batch must be a whole number >= 1, got {bad!r}")
    other = GridSearch(SMALL, levels=2)
    assert error(lambda: other.load_state_dict(explicit.state_dict())) == (
        "grid size 27 in the checkpoint, 12 now; resume with the same space and --levels")
    huge = GridSearch(Space(**{f"b{i}": Bool() for i in range(21)}))
    assert huge.all_points() == []  # too many to list


def test_random_search_numbers_its_batches():
    from evohpo.strategies import RandomSearch

    rs = RandomSearch(SMALL, seed=4, batch=3)
    assert {p.generation for p in rs.ask(10)} == {0}
    rs.tell([])
    assert {p.generation for p in rs.ask(10)} == {1}
    assert RandomSearch(SMALL).batch == 12 and RandomSearch(SMALL).seed == 0


def test_random_search_accepts_a_batch_of_one_and_counts_every_batch():
    from evohpo.strategies import RandomSearch

    rs = RandomSearch(SMALL, batch=1)
    for expected in range(3):
        (p,) = rs.ask(5)
        assert p.generation == expected
        rs.tell([])


def test_finite_numbers_stay_numbers_in_a_checkpoint():
    from evohpo.strategies.base import json_float, rng_state, set_rng_state

    assert json_float(1.5) == 1.5 and type(json_float(1.5)) is float
    assert json_float(-0.0) == 0.0 and json_float(math.inf) == "inf"
    assert json_float(-math.inf) == "-inf" and json_float(math.nan) == "nan"
    rng = random.Random(7)
    rng.random()
    state = json.loads(json.dumps(rng_state(rng)))
    other = random.Random(0)
    set_rng_state(other, state)
    assert [other.random() for _ in range(3)] == [rng.random() for _ in range(3)]


def test_the_campaign_refuses_a_strategy_naming_what_it_lacks():
    from evohpo.strategies.base import check_strategy

    class Half:
        name, seed = "half", 0

        def ask(self, max_n):
            return []

    assert error(lambda: check_strategy(Half())) == (
        "strategy Half lacks space, done, tell, state_dict, load_state_dict; a strategy "
        "provides name, seed, space, done, ask, tell, state_dict, load_state_dict (see "
        "evohpo.strategies.base.Strategy)")

    class NoSpace(Half):
        space, done = "a dict", False

        def tell(self, evaluations):
            pass

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    assert error(lambda: check_strategy(NoSpace())) == (
        "strategy NoSpace.space is not an evohpo.Space; run_campaign runs strategies over a "
        "Space")
    check_strategy(GeneticSearch(SMALL))  # the built-in ones pass


def test_evaluation_records_are_plain_data():
    ev = Evaluation(eval_id=1, generation=0, config={"a": 1}, status=Status.OK, objective=-0.5,
                    scores={"val_accuracy": 0.5, "val_loss": 0.7})
    d = ev.to_dict()
    assert d["eval_id"] == 1 and d["config"] == {"a": 1} and d["status"] == "ok"
    assert d["scores"] == {"val_accuracy": 0.5, "val_loss": 0.7} and d["objectives"] == ()
    assert ev.val_accuracy == 0.5 and ev.val_loss == 0.7 and ev.ok


@pytest.mark.parametrize(("build", "expected"), [
    (lambda: NSGA2Search(SMALL, n_objectives=1),
     "nsga2 needs two or more objectives; for one objective use ga"),
    (lambda: NSGA2Search(SMALL, n_objectives=5),
     "nsga2 handles 2 to 4 objectives, got 5; its crowding distance cannot spread more"),
    (lambda: NSGA2Search(SMALL, population=True), "population must be >= 4 for nsga2, got True"),
    (lambda: NSGA2Search(SMALL, population=6.0), "population must be >= 4 for nsga2, got 6.0"),
    (lambda: NSGA2Search(SMALL, mutpb=-0.5), "mutpb must be a probability in [0, 1], got -0.5"),
    (lambda: NSGA2Search(SMALL, cxpb=2), "cxpb must be a probability in [0, 1], got 2"),
    (lambda: NSGA2Search(SMALL, max_retries=-1), "max_retries must be >= 0, got -1"),
    (lambda: NSGA2Search(SMALL, generations=0), "generations must be >= 1, got 0"),
])
def test_bad_nsga2_settings_word_for_word(build, expected):
    assert error(build) == expected
