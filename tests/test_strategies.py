"""One contract for every search strategy, run on a cheap numpy stand-in for training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.space import SearchSpace, config_key
from evohpo.strategies import (
    WORST,
    Evaluation,
    GeneticSearch,
    GridSearch,
    RandomSearch,
    Status,
    Strategy,
    make,
)

SPACE = SearchSpace(layers=(1, 3), units=(4, 256))


def fake_objective(cfg: dict) -> float:
    """Minimised: best near 2 layers of ~64 relu units, adam, lr 1e-2."""
    loss = abs(cfg["n_layers"] - 2) * 0.3
    loss += sum(abs(math.log2(u) - 6) * 0.05 for u in cfg["units"])
    loss += sum(0.0 if a == "relu" else 0.1 for a in cfg["activations"])
    loss += 0.0 if cfg["optimizer"] == "adam" else 0.2
    loss += abs(math.log10(cfg["learning_rate"]) + 2) * 0.2
    return loss


def drive(strategy: Strategy, budget: int, fail_every: int = 0) -> list[Evaluation]:
    """The campaign loop without Keras: what run_campaign does, minus processes and files."""
    evals: list[Evaluation] = []
    while len(evals) < budget and not strategy.done:
        proposals = strategy.ask(budget - len(evals))
        assert 0 < len(proposals) <= budget - len(evals)
        batch = []
        for p in proposals:
            i = len(evals) + len(batch)
            if fail_every and i % fail_every == 0:
                batch.append(Evaluation(i, p.generation, p.config, Status.FAILED, WORST,
                                        error="boom"))
            else:
                batch.append(Evaluation(i, p.generation, p.config, Status.OK,
                                        fake_objective(p.config)))
        strategy.tell(batch)
        evals += batch
    return evals


STRATEGIES = {
    "ga": lambda seed: GeneticSearch(SPACE, population=8, seed=seed),
    "random": lambda seed: RandomSearch(SPACE, seed=seed, batch=8),
    "grid": lambda seed: GridSearch(SPACE, seed=seed, levels=3, batch=8),
}


@pytest.mark.parametrize("name", STRATEGIES)
def test_contract_budget_determinism_and_valid_configs(name):
    runs = [drive(STRATEGIES[name](seed), budget=37) for seed in (0, 0, 1)]
    assert [len(r) for r in runs] == [37, 37, 37]  # exactly the budget, even mid-batch
    same = [config_key(e.config) for e in runs[0]]
    assert same == [config_key(e.config) for e in runs[1]]
    assert same != [config_key(e.config) for e in runs[2]]
    assert isinstance(STRATEGIES[name](0), Strategy)
    for e in runs[0]:
        c = e.config
        assert SPACE.layers[0] <= c["n_layers"] <= SPACE.layers[1]
        assert all(SPACE.units[0] <= u <= SPACE.units[1] for u in c["units"])
        assert set(c["activations"]) <= set(SPACE.activations)
        assert c["optimizer"] in SPACE.optimizers


@pytest.mark.parametrize("name", STRATEGIES)
def test_failures_do_not_break_a_strategy(name):
    evals = drive(STRATEGIES[name](3), budget=30, fail_every=4)
    assert len(evals) == 30 and sum(e.status == Status.FAILED for e in evals) == 8


def test_make_knows_every_method():
    for method in ("ga", "random", "grid"):
        assert make(method, SPACE, seed=1).name == method
    with pytest.raises(EvohpoError, match="unknown method 'pso'"):
        make("pso", SPACE)


def test_ga_keeps_its_elites_and_never_repeats_a_network():
    ga = GeneticSearch(SPACE, population=10, seed=4, elites=2)
    evals = drive(ga, budget=100)
    keys = [config_key(e.config) for e in evals]
    assert len(set(keys)) == len(keys)
    best_so_far = math.inf
    for gen in range(ga.generation):
        best_so_far = min(best_so_far, min(e.objective for e in evals if e.generation == gen))
    assert min(ind.fitness.values[0] for ind in ga.population) == pytest.approx(best_so_far)
    assert ga.hall_of_fame[0].fitness.values[0] == pytest.approx(best_so_far)
    assert len(ga.logbook) == ga.generation
    assert evals[10].generation == 1 and len([e for e in evals if e.generation == 1]) == 8


def test_ga_beats_random_on_a_smooth_objective():
    """Selection must do something: over 10 seeds the GA's best is better than random's."""
    ga = [min(e.objective for e in drive(GeneticSearch(SPACE, 12, seed=s), 96))
          for s in range(10)]
    rnd = [min(e.objective for e in drive(RandomSearch(SPACE, seed=s), 96)) for s in range(10)]
    assert np.mean(ga) < np.mean(rnd)


def test_ga_generations_limit_and_bad_settings():
    ga = GeneticSearch(SPACE, population=6, seed=0, generations=3)
    assert len(drive(ga, budget=1000)) == 6 + 4 + 4 and ga.done
    for kwargs in ({"population": 1}, {"elites": 6}, {"cxpb": 1.5}, {"tournament": 0},
                   {"generations": 0}):
        with pytest.raises(EvohpoError):
            GeneticSearch(SPACE, **{"population": 6, **kwargs})


def test_grid_levels_coverage_and_shuffled_order():
    grid = GridSearch(SPACE, seed=0, levels=3)
    assert grid.axes["units"] == [4, 32, 256]
    assert grid.axes["learning_rate"] == [1e-4, 0.00316228, 0.1]
    assert grid.axes["n_layers"] == [1, 2, 3]
    assert grid.size == 3 * 3 * 9 * 8 * 3 * 1
    evals = drive(grid, budget=20)
    assert grid.coverage == pytest.approx(20 / grid.size)
    lexicographic = [config_key(c) for c in grid.all_points()[:20]]
    assert [config_key(e.config) for e in evals] != lexicographic


def test_small_grid_is_visited_completely_once():
    space = SearchSpace(layers=(1, 2), units=(8, 16), activations=["relu"],
                        optimizers=["adam", "sgd"], learning_rate=(1e-3, 1e-2))
    grid = GridSearch(space, seed=1, levels=2)
    evals = drive(grid, budget=1000)
    assert len(evals) == grid.size == 2 * 2 * 1 * 2 * 2 and grid.done
    assert len({config_key(e.config) for e in evals}) == grid.size
    assert grid.coverage == 1.0


def test_huge_grid_samples_without_replacement():
    grid = GridSearch(SearchSpace(layers=(1, 20), units=(1, 4096)), seed=0, levels=40)
    assert grid.size > 1_000_000
    evals = drive(grid, budget=50)
    assert len({config_key(e.config) for e in evals}) == 50


@pytest.mark.parametrize("name", STRATEGIES)
def test_state_dict_round_trips_through_json(name):
    """Stop after 3 batches, save as JSON, load into a new strategy: same future proposals."""
    import json

    whole = drive(STRATEGIES[name](9), budget=48)
    first = STRATEGIES[name](9)
    cut = 20 if name == "ga" else 24  # a batch boundary: 8 + 6 + 6 for the GA, 3 x 8 otherwise
    part = drive(first, budget=cut)
    state = json.loads(json.dumps(first.state_dict()))
    second = STRATEGIES[name](9)
    second.load_state_dict(state)
    rest = drive(second, budget=48 - cut)
    assert [config_key(e.config) for e in part + rest] == [config_key(e.config) for e in whole]
