"""The genetic algorithm (evohpo/strategies/ga.py), on cheap numpy objectives (no TensorFlow,
no timing): selection, elitism, crossover and mutation rates, the hall of fame, checkpoints and
logbooks that resume exactly (issue 14's additions are in test_ga_improvements.py).

Claims about search quality are measured over many seeds against a control that differs in one
setting only; claims about operators are exact counts or binomial bounds. The operator-level
tests (tournament frequencies, defaults, logbooks) were written for the mutation run
(tests/MUTATION.md) as cheap counterparts of the slow statistical quality tests.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.space import (
    Bool,
    Choice,
    Float,
    Int,
    Space,
    config_key,
)
from evohpo.strategies import (
    Evaluation,
    GeneticSearch,
    NSGA2Search,
    RandomSearch,
    Status,
)
from tests._checks import binomial_near, error
from tests.strategies.landscapes import (
    MIXED,
    PRIOR,
    SMALL,
    SMOOTH,
    _drive,
    _score,
    _two,
    best,
    counting,
    drive,
    mixed,
    ok,
    prior_checks,
    proposals_of,
    round_trip,
    smooth,
)

# -- the GA: selection, elitism, operators --------------------------------------------------------
SEEDS = range(12)


@pytest.mark.quality
def test_ga_selection_pressure_beats_random_selection():
    """Tournament selection against the same GA with tournament=1 (parents drawn at random):
    same population, same elitism, same operators, same budget, twelve seeds."""
    def run(tournament: int, seed: int) -> float:
        ga = GeneticSearch(SMOOTH, population=12, seed=seed, tournament=tournament, elites=2,
                           selection="comma",  # plus selection is pressure even without one,
                           preselect=1)  # ... and so is the surrogate's choice of children
        return best(drive(ga, 144))

    selected = np.array([run(3, s) for s in SEEDS])
    control = np.array([run(1, s) for s in SEEDS])
    assert selected.mean() < 0.5 * control.mean()
    assert (selected < control).sum() >= 10


@pytest.mark.quality
@pytest.mark.slow
def test_ga_beats_random_search_at_equal_budget():
    """Six seeds: the GA's mean best is about 0.06x random search's (0.056x over twelve), far
    inside the 0.5x bound; twelve cost 11 s of the suite."""
    seeds = SEEDS[:6]
    ga = np.array([best(drive(GeneticSearch(SMOOTH, population=12, seed=s), 144)) for s in seeds])
    rs = np.array([best(drive(RandomSearch(SMOOTH, seed=s, batch=12), 144)) for s in seeds])
    assert ga.mean() < 0.5 * rs.mean()


@pytest.mark.parametrize("seed", range(4))
def test_elitism_keeps_the_best_genome_unchanged(seed):
    ga = GeneticSearch(MIXED, population=8, seed=seed, elites=2)
    champion = None
    for generation in range(8):
        proposals = ga.ask(100)
        assert len(proposals) == (8 if generation == 0 else 6)  # elites are not re-evaluated
        batch = [ok(0, p.generation, p.config, mixed(p.config)) for p in proposals]
        pending = [list(ind) for ind in ga._pending]
        ga.tell(batch)
        for genome, ev in zip(pending, batch):
            if champion is None or ev.objective <= champion[1]:  # the hall of fame puts
                champion = (genome, ev.objective)  # the later of two equal networks first
        population = [(list(ind), ind.fitness.values[0]) for ind in ga.population]
        assert champion in population
        assert min(f for _, f in population) == champion[1]
        assert list(ga.best) == champion[0] and ga.best.fitness.values[0] == champion[1]


def test_failed_evaluations_rank_last():
    def fail(config):
        return config["act"] == "b"

    for seed in range(3):
        ga = GeneticSearch(SMOOTH, population=10, seed=seed, elites=3)
        drive(ga, 60, fail=fail)
        elites = sorted(ga.population, key=lambda ind: ind.fitness.values[0])[:3]
        assert all(math.isfinite(e.fitness.values[0]) for e in elites)
        assert all(SMOOTH.decode(e)["act"] != "b" for e in elites)


@pytest.mark.parametrize("seed", range(3))
def test_no_crossover_no_mutation_copies_parents_exactly(seed):
    space = counting()
    ga = GeneticSearch(space, population=10, seed=seed, cxpb=0.0, mutpb=0.0, max_retries=0,
                       preselect=1)
    drive(ga, 10)
    for _ in range(5):
        parents = {tuple(ind) for ind in ga.population}
        ga.ask(100)
        assert all(tuple(child) in parents for child in ga._pending)
        ga.tell([ok(0, 0, SMOOTH.decode(c), smooth(SMOOTH.decode(c))) for c in ga._pending])
    assert space.crossovers == 0 and space.mutations == 0


@pytest.mark.parametrize("seed", range(3))
def test_cxpb_zero_means_no_crossover_at_all(seed):
    space = counting()
    ga = GeneticSearch(space, population=10, seed=seed, cxpb=0.0, mutpb=1.0, max_retries=0,
                       preselect=1)  # operators counted one call per child
    drive(ga, 10 + 5 * 8)
    assert space.crossovers == 0
    assert space.mutations == 40  # mutpb=1: every child (8 a generation), once, no retries


def test_cxpb_one_mixes_every_pair_slot_by_slot():
    space = counting()
    children = mixed_children = 0
    for seed in range(10):
        ga = GeneticSearch(space, population=10, seed=seed, cxpb=1.0, mutpb=0.0, max_retries=0,
                           preselect=1)
        drive(ga, 10)
        parents = [list(ind) for ind in ga.population]
        ga.ask(100)
        for child in ga._pending:
            # every slot comes from some parent at the same position ...
            assert all(any(child[i] == p[i] for p in parents) for i in range(len(child)))
            # ... and, without mutation, a child equal to no parent mixes two of them
            mixed_children += list(child) not in parents
            children += 1
    assert space.crossovers == 10 * 4  # 4 pairs for 10 - 2 elites children, every time
    assert space.mutations == 0
    assert mixed_children > children / 2


@pytest.mark.quality
def test_cxpb_and_mutpb_are_honoured_in_frequency():
    cxpb, mutpb, generations = 0.3, 0.7, 40
    space = counting()
    pairs = children = 0
    for seed in range(5):
        ga = GeneticSearch(space, population=12, seed=seed, cxpb=cxpb, mutpb=mutpb,
                           max_retries=0, elites=2, preselect=1)
        drive(ga, 12 + 10 * generations)
        pairs += 5 * generations
        children += 10 * generations
    for count, n, p in ((space.crossovers, pairs, cxpb), (space.mutations, children, mutpb)):
        assert abs(count - n * p) < 4 * math.sqrt(n * p * (1 - p)), (count, n, p)


@pytest.mark.slow
def test_ga_avoids_re_proposing_a_network():
    for seed in range(3):
        ga = GeneticSearch(MIXED, population=10, seed=seed)
        evals = drive(ga, 150, objective=mixed)
        keys = [config_key(e.config) for e in evals]
        assert len(set(keys)) == len(keys)


@pytest.mark.slow
def test_hall_of_fame_holds_distinct_networks_best_first():
    tiny = Space(x=Choice(["a", "b", "c"]), y=Bool(), z=Int(0, 2, when={"x": "a"}))
    for seed in range(5):
        ga = GeneticSearch(tiny, population=6, seed=seed, max_retries=1, hall_of_fame=5)
        evals = drive(ga, 60, objective=lambda c: float(c["y"]) + 0.1 * c.get("z", 0))
        keys = [config_key(tiny.decode(h)) for h in ga.hall_of_fame]
        assert len(set(keys)) == len(keys) == 5
        fitness = [h.fitness.values[0] for h in ga.hall_of_fame]
        assert fitness == sorted(fitness) and fitness[0] == best(evals)


def test_generations_limit_makes_the_ga_done():
    ga = GeneticSearch(SMOOTH, population=6, seed=0, generations=3, elites=1)
    evals = drive(ga, 1000)
    assert ga.done and len(evals) == 6 + 5 + 5
    assert [e.generation for e in evals] == [0] * 6 + [1] * 5 + [2] * 5


def test_ga_never_asks_for_more_than_the_budget_left():
    ga = GeneticSearch(SMOOTH, population=8, seed=0)
    assert len(ga.ask(3)) == 3
    ga.tell([ok(i, 0, SMOOTH.decode(g), 1.0) for i, g in enumerate(ga._pending)])
    assert len(ga.ask(100)) == 6  # 8 minus two elites


def test_ask_tell_misuse_is_refused():
    ga = GeneticSearch(SMOOTH, population=4, seed=0)
    proposals = ga.ask(4)
    with pytest.raises(RuntimeError, match="ask\\(\\) called twice"):
        ga.ask(4)
    with pytest.raises(RuntimeError, match="take it after tell"):
        ga.state_dict()
    with pytest.raises(ValueError, match="told 1 evaluations for 4 asked"):
        ga.tell([ok(0, 0, proposals[0].config, 1.0)])


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"population": 1}, "population must be a whole number >= 2, got 1"),
        ({"population": 2.5}, "population must be a whole number >= 2, got 2.5"),
        ({"population": 4, "elites": 4}, "elites must be a whole number in [0, population), got 4"),
        ({"tournament": 0}, "tournament size must be a whole number >= 1, got 0"),
        ({"cxpb": 1.5}, "cxpb must be a probability in [0, 1], got 1.5"),
        ({"mutpb": -0.1}, "mutpb must be a probability in [0, 1], got -0.1"),
        ({"indpb": 2.0}, "indpb must be a probability in [0, 1], got 2.0"),
        ({"generations": 0}, "generations must be a whole number >= 1, got 0"),
        ({"max_retries": -1}, "max_retries must be a whole number >= 0, got -1"),
        ({"hall_of_fame": 0}, "hall_of_fame must be a whole number >= 1, got 0"),
        ({"cxpb": True}, "cxpb must be a probability in [0, 1], got True"),
    ],
)
def test_ga_settings_are_checked(kwargs, expected):
    with pytest.raises(EvohpoError) as info:
        GeneticSearch(SMOOTH, **kwargs)
    assert expected in str(info.value)


# -- checkpoints ----------------------------------------------------------------------------------
def coarse(config: dict) -> float:
    """Many ties (the hall of fame must keep their order through a checkpoint)."""
    return float(round(smooth(config)))


@pytest.mark.parametrize("objective", [smooth, coarse])
@pytest.mark.parametrize("seed", range(3))
def test_resumed_ga_continues_exactly_like_an_uninterrupted_one(seed, objective):
    def fresh():
        return GeneticSearch(SMOOTH, population=8, seed=seed)

    ga = fresh()
    proposals_of(ga, 4, objective)
    resumed = fresh()
    resumed.load_state_dict(round_trip(ga.state_dict()))
    assert [(list(h), h.fitness.values) for h in resumed.hall_of_fame] == [
        (list(h), h.fitness.values) for h in ga.hall_of_fame]
    assert list(resumed.logbook) == list(ga.logbook) and len(ga.logbook) == 4
    assert [list(i) for i in resumed.population] == [list(i) for i in ga.population]
    assert proposals_of(resumed, 4, objective) == proposals_of(ga, 4, objective)
    assert resumed.state_dict() == ga.state_dict()


def test_ga_checkpoint_survives_failures():
    def fail(config):
        return config["x0"] < 0

    ga = GeneticSearch(SMOOTH, population=8, seed=0)
    drive(ga, 8, fail=fail)
    assert any(math.isinf(i.fitness.values[0]) for i in ga.population)
    again = GeneticSearch(SMOOTH, population=8, seed=0)
    again.load_state_dict(round_trip(ga.state_dict()))  # inf is written as a string
    assert [i.fitness.values for i in again.population] == [
        i.fitness.values for i in ga.population]
    assert drive(again, 30, fail=fail) == drive(ga, 30, fail=fail)


@pytest.mark.quality
def test_the_ga_starts_from_the_same_prior():
    configs = []
    for seed in range(100):
        ga = GeneticSearch(PRIOR, population=30, seed=seed)
        configs += [p.config for p in ga.ask(30)]
    prior_checks(configs)


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
