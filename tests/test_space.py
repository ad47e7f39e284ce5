"""The search space: validation, sampling, DEAP variation and decoding keep types and bounds."""

from __future__ import annotations

import math
import pickle
import random
import subprocess
import sys

import pytest

from evohpo.errors import EvohpoError
from evohpo.space import Individual, SearchSpace, config_key, seeded_global_random


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"activations": ["relu", "relux"]}, "unknown activation 'relux'"),
        ({"optimizers": ["adam", "adamm"]}, "unknown optimizer 'adamm'"),
        ({"activations": []}, "activations is empty"),
        ({"optimizers": []}, "optimizers is empty"),
        ({"activations": ["relu", "relu"]}, "lists a value twice"),
        ({"layers": (3, 1)}, "layers min 3 is greater than max 1"),
        ({"layers": (0, 2)}, "layers must be > 0"),
        ({"units": (0, 8)}, "units must be > 0"),
        ({"units": (-4, 8)}, "units must be > 0"),
        ({"units": (64, 8)}, "units min 64 is greater than max 8"),
        ({"units": (4.5, 8)}, "whole numbers"),
        ({"learning_rate": (0.0, 0.1)}, "learning_rate must be > 0"),
        ({"learning_rate": (-1e-3, 0.1)}, "learning_rate must be > 0"),
        ({"learning_rate": (0.1, 1e-3)}, "greater than max"),
        ({"learning_rate": (1e-3, math.inf)}, "finite"),
        ({"batch_sizes": ()}, "batch_sizes is empty"),
        ({"batch_sizes": (16, 0)}, "batch_sizes must be whole numbers >= 1"),
        ({"layers": (1, 2, 3)}, "(min, max) pair"),
    ],
)
def test_bad_space_is_a_clear_error(kwargs, fragment):
    with pytest.raises(EvohpoError) as info:
        SearchSpace(**kwargs)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_defaults_cover_the_listed_keras_names():
    space = SearchSpace()
    assert space.activations == (
        "relu", "tanh", "sigmoid", "elu", "selu", "leaky_relu", "gelu", "softplus", "linear",
    )
    assert space.optimizers == (
        "sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam",
    )


def _assert_valid(space: SearchSpace, ind) -> None:
    assert len(ind) == space.n_genes
    assert isinstance(ind[0], int) and space.layers[0] <= ind[0] <= space.layers[1]
    for i in range(space.max_layers):
        units, act = ind[1 + 2 * i], ind[2 + 2 * i]
        assert isinstance(units, int) and space.units[0] <= units <= space.units[1]
        assert isinstance(act, int) and 0 <= act < len(space.activations)
    p = 1 + 2 * space.max_layers
    assert isinstance(ind[p], int) and 0 <= ind[p] < len(space.optimizers)
    lo, hi = (math.log10(v) for v in space.learning_rate)
    assert isinstance(ind[p + 1], float) and lo <= ind[p + 1] <= hi
    if space.batch_sizes:
        assert 0 <= ind[p + 2] < len(space.batch_sizes)
    cfg = space.decode(ind)
    assert len(cfg["units"]) == len(cfg["activations"]) == cfg["n_layers"]
    assert space.learning_rate[0] <= cfg["learning_rate"] <= space.learning_rate[1] * 1.000001


@pytest.mark.parametrize("batch_sizes", [None, (16, 64, 128)])
def test_sample_mutate_crossover_stay_in_types_and_bounds(batch_sizes):
    space = SearchSpace(layers=(1, 3), units=(4, 64), batch_sizes=batch_sizes)
    rng = random.Random(1)
    population = [space.sample(rng) for _ in range(30)]
    for _ in range(40):
        a, b = (Individual(x) for x in rng.sample(population, 2))
        space.crossover(a, b, rng)
        space.mutate(a, rng, indpb=0.5)
        space.mutate(b, rng, indpb=1.0)
        _assert_valid(space, a)
        _assert_valid(space, b)
        population += [a, b]
    configs = {config_key(space.decode(p)) for p in population}
    assert len(configs) > 60  # variation really varies


def test_mutation_moves_learning_rate_on_a_log_scale():
    space = SearchSpace(learning_rate=(1e-5, 1.0), lr_sigma=0.5)
    rng = random.Random(0)
    steps = []
    for _ in range(300):
        ind = space.sample(rng)
        ind[-1] = -2.5
        space.mutate(ind, rng, indpb=1.0)
        steps.append(ind[-1] + 2.5)
    # Gaussian steps in decades: symmetric around 0, spread about lr_sigma
    assert abs(sum(steps) / len(steps)) < 0.1
    spread = math.sqrt(sum(s * s for s in steps) / len(steps))
    assert 0.35 < spread < 0.65


def test_inactive_layers_are_ignored_by_decode():
    space = SearchSpace(layers=(1, 3))
    ind = space.sample(random.Random(3))
    ind[0] = 1
    other = Individual(ind)
    other[3] = (other[3] + 7) % space.units[1] + 1  # units of layer 2: inactive
    assert space.decode(ind) == space.decode(other)


def test_encode_decode_round_trip():
    space = SearchSpace(batch_sizes=(32, 64))
    rng = random.Random(5)
    for _ in range(20):
        cfg = space.decode(space.sample(rng))
        assert space.decode(space.encode(cfg)) == cfg


def test_sampling_is_seeded_and_private():
    space = SearchSpace()
    random.seed(123)
    before = random.random()
    a = [space.decode(space.sample(random.Random(7))) for _ in range(3)]
    random.seed(123)
    ind = space.sample(random.Random(7))
    space.mutate(ind, random.Random(8), indpb=1.0)  # DEAP ops must not touch global random
    assert random.random() == before
    b = [space.decode(space.sample(random.Random(7))) for _ in range(3)]
    assert a == b


def test_seeded_global_random_restores_global_state():
    random.seed(1)
    expected = random.random()
    random.seed(1)
    rng = random.Random(99)
    with seeded_global_random(rng):
        random.random()
    assert random.random() == expected


def test_individuals_unpickle_in_a_fresh_process():
    """DEAP creator classes are made at import, so a new worker process can load them."""
    ind = SearchSpace().sample(random.Random(0))
    ind.fitness.values = (-0.5,)
    blob = pickle.dumps(ind)
    code = (
        "import pickle, sys; import evohpo.space; "
        "ind = pickle.loads(sys.stdin.buffer.read()); print(type(ind).__name__, ind.fitness.values)"
    )
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True,
                         check=True)
    assert out.stdout.decode().strip() == "EvohpoIndividual (-0.5,)"
