"""The search algorithms themselves, on cheap numpy objectives (no TensorFlow, no timing).

Claims about search quality are measured over many seeds against a control that differs in one
setting only; claims about operators are exact counts or binomial bounds.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.space import Bool, Choice, Fixed, Float, Int, Repeat, Space, config_key
from evohpo.strategies import (
    WORST,
    Evaluation,
    GeneticSearch,
    GridSearch,
    NSGA2Search,
    RandomSearch,
    Status,
    Strategy,
    make,
)

SMOOTH = Space(**{f"x{i}": Float(-5.0, 5.0) for i in range(4)},
               n=Int(1, 64, log=True), act=Choice(["a", "b", "c", "d"]))


def smooth(config: dict) -> float:
    """Minimised; 0 at x = 0, n = 16, act = b."""
    value = sum(config[f"x{i}"] ** 2 for i in range(4)) / 25
    value += (math.log2(config["n"]) - 4) ** 2 / 9
    return value + (0.0 if config["act"] == "b" else 0.5)


MIXED = Space(
    layers=Repeat(Int(1, 3), units=Int(4, 256, log=True), act=Choice(["relu", "tanh"])),
    opt=Choice(["adam", "sgd"]),
    momentum=Float(0.0, 0.9, when={"opt": "sgd"}),
    lr=Float(1e-4, 1e-1, log=True),
    bn=Bool(),
)


def mixed(config: dict) -> float:
    value = abs(len(config["layers"]) - 2) * 0.3
    value += sum(abs(math.log2(b["units"]) - 6) * 0.05 + 0.01 * (b["act"] == "tanh")
                 for b in config["layers"])
    value += abs(math.log10(config["lr"]) + 2) * 0.2 + (0.1 if config["bn"] else 0.0)
    return value + abs(config.get("momentum", 0.9) - 0.9)


def ok(eval_id: int, generation: int, config: dict, objective: float) -> Evaluation:
    return Evaluation(eval_id=eval_id, generation=generation, config=config, status=Status.OK,
                      objective=objective, scores={"val_loss": objective})


def drive(strategy: Strategy, budget: int, objective=smooth, fail=None) -> list[Evaluation]:
    """The campaign loop without Keras, files or processes."""
    evals: list[Evaluation] = []
    while len(evals) < budget and not strategy.done:
        proposals = strategy.ask(budget - len(evals))
        assert 0 < len(proposals) <= budget - len(evals)
        batch = []
        for p in proposals:
            i = len(evals) + len(batch)
            if fail is not None and fail(p.config):
                batch.append(Evaluation(eval_id=i, generation=p.generation, config=p.config,
                                        status=Status.FAILED, error="boom"))
            else:
                batch.append(ok(i, p.generation, p.config, objective(p.config)))
        strategy.tell(batch)
        evals += batch
    return evals


def best(evals: list[Evaluation]) -> float:
    return min(e.objective for e in evals)


class CountingSpace(Space):
    """A space that counts the GA's variation calls."""

    def __init__(self, **genes):
        super().__init__(**genes)
        self.crossovers = self.mutations = 0

    def crossover(self, a, b, rng):
        self.crossovers += 1
        return super().crossover(a, b, rng)

    def mutate(self, ind, rng, indpb):
        self.mutations += 1
        return super().mutate(ind, rng, indpb)


def counting() -> CountingSpace:
    return CountingSpace(**SMOOTH.genes)


# -- the GA: selection, elitism, operators --------------------------------------------------------
SEEDS = range(12)


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


def test_ga_avoids_re_proposing_a_network():
    for seed in range(3):
        ga = GeneticSearch(MIXED, population=10, seed=seed)
        evals = drive(ga, 150, objective=mixed)
        keys = [config_key(e.config) for e in evals]
        assert len(set(keys)) == len(keys)


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
        ({"population": 1}, "population must be >= 2, got 1"),
        ({"population": 4, "elites": 4}, "elites must be in [0, population), got 4"),
        ({"tournament": 0}, "tournament size must be >= 1, got 0"),
        ({"cxpb": 1.5}, "cxpb must be a probability in [0, 1], got 1.5"),
        ({"mutpb": -0.1}, "mutpb must be a probability in [0, 1], got -0.1"),
        ({"indpb": 2.0}, "indpb must be a probability in [0, 1], got 2.0"),
        ({"generations": 0}, "generations must be >= 1, got 0"),
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


def proposals_of(strategy: Strategy, batches: int, objective=smooth) -> list[list[dict]]:
    out = []
    for _ in range(batches):
        proposals = strategy.ask(100)
        out.append([p.config for p in proposals])
        strategy.tell([ok(i, p.generation, p.config, objective(p.config))
                       for i, p in enumerate(proposals)])
    return out


def round_trip(state: dict) -> dict:
    return json.loads(json.dumps(state, allow_nan=False))


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


@pytest.mark.parametrize("method", ["random", "grid"])
def test_resumed_random_and_grid_continue_exactly(method):
    a = make(method, MIXED, seed=3, population=7)
    proposals_of(a, 3, mixed)
    b = make(method, MIXED, seed=3, population=7)
    b.load_state_dict(round_trip(a.state_dict()))
    assert proposals_of(b, 3, mixed) == proposals_of(a, 3, mixed)


# -- random search --------------------------------------------------------------------------------
PRIOR = Space(c=Choice(["p", "q", "r", "s"]), i=Int(1, 6), lr=Float(1e-4, 1e-1, log=True),
              u=Float(-1.0, 1.0), b=Bool(), m=Float(0.0, 1.0, when={"c": "q"}),
              layers=Repeat(Int(1, 3), w=Int(8, 128, log=True)), k=Fixed("k"))


def prior_checks(configs: list[dict]) -> None:
    """Frequencies within 5 binomial standard deviations of the space's prior."""
    n = len(configs)

    def near(count: int, total: int, p: float) -> None:
        assert abs(count - total * p) < 5 * math.sqrt(total * p * (1 - p)) + 1, (count, total, p)

    choices = Counter(c["c"] for c in configs)
    assert set(choices) == {"p", "q", "r", "s"}
    for count in choices.values():
        near(count, n, 1 / 4)
    for value in range(1, 7):
        near(sum(c["i"] == value for c in configs), n, 1 / 6)
    near(sum(c["b"] for c in configs), n, 1 / 2)
    near(sum(math.log10(c["lr"]) < -2.5 for c in configs), n, 1 / 2)  # log-uniform
    near(sum(math.log10(c["lr"]) < -3.25 for c in configs), n, 1 / 4)
    near(sum(c["u"] < 0 for c in configs), n, 1 / 2)
    near(sum(c["u"] < -0.5 for c in configs), n, 1 / 4)
    near(sum("m" in c for c in configs), n, 1 / 4)
    assert all(("m" in c) == (c["c"] == "q") for c in configs)
    for count in (1, 2, 3):
        near(sum(len(c["layers"]) == count for c in configs), n, 1 / 3)
    widths = [b["w"] for c in configs for b in c["layers"]]
    near(sum(w < math.sqrt(8 * 128) for w in widths), len(widths), 1 / 2)
    assert all(c["k"] == "k" for c in configs)


def test_random_search_samples_the_prior():
    rs = RandomSearch(PRIOR, seed=0, batch=50)
    configs = [c for batch in proposals_of(rs, 60, lambda c: 0.0) for c in batch]
    assert len(configs) == 3000
    prior_checks(configs)


def test_the_ga_starts_from_the_same_prior():
    configs = []
    for seed in range(100):
        ga = GeneticSearch(PRIOR, population=30, seed=seed)
        configs += [p.config for p in ga.ask(30)]
    prior_checks(configs)


def test_random_search_batches_and_seeds():
    rs = RandomSearch(MIXED, seed=1, batch=5)
    assert not rs.done
    first = rs.ask(100)
    assert len(first) == 5 and {p.generation for p in first} == {0}
    rs.tell([ok(i, 0, p.config, 0.0) for i, p in enumerate(first)])
    assert len(rs.ask(3)) == 3
    assert [p.config for p in RandomSearch(MIXED, seed=1, batch=5).ask(5)] == [
        p.config for p in first]
    assert [p.config for p in RandomSearch(MIXED, seed=2, batch=5).ask(5)] != [
        p.config for p in first]
    with pytest.raises(EvohpoError, match="batch must be >= 1"):
        RandomSearch(MIXED, batch=0)


# -- grid search ----------------------------------------------------------------------------------
GRID_SPACE = Space(opt=Choice(["adam", "sgd", "rms"]), m=Float(0.0, 0.9, when={"opt": "sgd"}),
                   layers=Repeat(Int(0, 3), w=Int(8, 64, log=True)), fixed=Fixed(1))


def test_grid_search_proposes_every_point_once_then_is_done():
    gs = GridSearch(GRID_SPACE, seed=0, levels=3, batch=7)
    size = gs.size
    assert size == (1 + 1 + 3) * (1 + 3 + 3)  # opt x m, times counts 0, 2, 3 x widths
    keys, coverages = [], []
    while not gs.done:
        proposals = gs.ask(100)
        assert 0 < len(proposals) <= 7
        keys += [config_key(p.config) for p in proposals]
        coverages.append(gs.coverage)
        gs.tell([ok(i, p.generation, p.config, 0.0) for i, p in enumerate(proposals)])
    assert len(keys) == size == len(set(keys))
    assert set(keys) == {config_key(c) for c in gs.all_points()}
    assert coverages == [min(7 * (i + 1), size) / size for i in range(len(coverages))]
    assert gs.coverage == 1.0 and gs.ask(10) == []


def test_grid_order_is_seeded_and_the_points_the_same():
    def order(seed):
        gs = GridSearch(GRID_SPACE, seed=seed, batch=100)
        return [config_key(p.config) for p in gs.ask(100)]

    assert order(0) == order(0)
    assert order(0) != order(1)
    assert sorted(order(0)) == sorted(order(1))


def test_grid_smaller_budget_covers_part_of_the_grid():
    gs = GridSearch(GRID_SPACE, seed=0, batch=4)
    evals = drive(gs, 10, objective=lambda c: 0.0)
    assert len(evals) == 10 and not gs.done
    assert gs.coverage == pytest.approx(10 / gs.size)


def test_huge_grid_is_sampled_without_replacement_and_resumes():
    space = Space(**{f"b{i}": Bool() for i in range(21)})  # 2 097 152 points
    gs = GridSearch(space, seed=0, batch=100)
    assert gs.size == 2**21
    first = proposals_of(gs, 5, lambda c: 0.0)
    again = GridSearch(space, seed=0, batch=100)
    again.load_state_dict(round_trip(gs.state_dict()))
    later = proposals_of(gs, 5, lambda c: 0.0)
    assert proposals_of(again, 5, lambda c: 0.0) == later
    keys = [config_key(c) for batch in first + later for c in batch]
    assert len(set(keys)) == len(keys) == 1000


def test_grid_checkpoint_of_another_grid_is_refused():
    gs = GridSearch(GRID_SPACE, seed=0, levels=3)
    other = GridSearch(GRID_SPACE, seed=0, levels=2)
    with pytest.raises(EvohpoError, match="resume with the same space and --levels"):
        other.load_state_dict(gs.state_dict())


def test_grid_settings_are_checked():
    with pytest.raises(EvohpoError, match="levels must be a whole number >= 1, got 0"):
        GridSearch(GRID_SPACE, levels=0)
    with pytest.raises(EvohpoError, match="batch must be a whole number >= 1, got 0"):
        GridSearch(GRID_SPACE, batch=0)


# -- make -----------------------------------------------------------------------------------------
def test_make_builds_each_method():
    ga, rs, gs = (make(m, MIXED, seed=4, population=6, levels=2) for m in ("ga", "random", "grid"))
    assert (type(ga), type(rs), type(gs)) == (GeneticSearch, RandomSearch, GridSearch)
    assert (ga.name, rs.name, gs.name) == ("ga", "random", "grid")
    assert ga.population_size == 6 and rs.batch == 6 and gs.batch == 6 and gs.levels == 2
    assert all(s.seed == 4 and s.space is MIXED for s in (ga, rs, gs))
    assert all(isinstance(s, Strategy) for s in (ga, rs, gs))


def test_make_refuses_unknown_methods_and_settings():
    with pytest.raises(EvohpoError) as info:
        make("nsga3", MIXED)
    assert str(info.value) == "unknown method 'nsga3'; choose from: ga, random, grid, nsga2"
    with pytest.raises(EvohpoError, match="unknown GA option.s. popsize"):
        make("ga", MIXED, popsize=10)
    with pytest.raises(EvohpoError, match="unknown NSGA-II option.s. elites"):
        make("nsga2", MIXED, n_objectives=2, elites=1)
    with pytest.raises(EvohpoError, match="'random' takes no options cxpb"):
        make("random", MIXED, cxpb=0.5)
    with pytest.raises(EvohpoError, match="ga optimises one objective, and 2 were given"):
        make("ga", MIXED, n_objectives=2)
    with pytest.raises(EvohpoError, match="nsga2 needs two or more objectives; for one "
                                          "objective use ga"):
        make("nsga2", MIXED)
    assert make("ga", MIXED, cxpb=0.25).cxpb == 0.25


def test_make_builds_nsga2_for_the_campaign_s_objectives_with_its_options():
    s = make("nsga2", MIXED, seed=3, population=8, n_objectives=3, cxpb=0.5, max_retries=2)
    assert isinstance(s, NSGA2Search) and s.name == "nsga2" and s.seed == 3
    assert s.population_size == 8 and s.n_objectives == 3 and s.cxpb == 0.5
    assert s.max_retries == 2
    # random and grid only propose: any number of objectives
    assert make("random", MIXED, n_objectives=3).batch == 12


def test_failed_and_worst_records():
    ev = Evaluation(eval_id=0, generation=0, config={}, status=Status.FAILED)
    assert ev.objective == WORST == math.inf and not ev.ok and ev.val_accuracy is None
    with pytest.raises(TypeError):
        Evaluation(0, 0, {}, Status.OK)  # keyword-only: a new field never shifts another
    space = Space(x=Int(0, 3), k=Fixed(1))  # a constant is not searched: no genome slot,
    assert space.length == 1 and space.decode([2]) == {"x": 2, "k": 1}  # yet in every config
