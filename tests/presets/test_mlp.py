"""The built-in MLP's search space: its defaults, what each flag adds, and one-line errors for bad
flags (evohpo/presets/mlp.py).
"""

from __future__ import annotations

import math
import random

import pytest

from evohpo.presets import mlp
from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Int,
    Repeat,
)
from tests._checks import error


# -- the MLP preset -------------------------------------------------------------------------------
def test_mlp_default_space():
    space = mlp.space()
    assert list(space.genes) == ["layers", "optimizer", "learning_rate", "batch_size"]
    assert space.genes["layers"] == Repeat(Int(1, 4), units=Int(4, 512, log=True),
                                           activation=Choice(mlp.DEFAULT_ACTIVATIONS))
    assert space.genes["optimizer"] == Choice(mlp.DEFAULT_OPTIMIZERS)
    assert space.genes["learning_rate"] == Float(1e-4, 1e-1, log=True)
    assert space.genes["batch_size"] == Fixed(32)
    assert space.columns[:3] == ("n_layers", "layers_1_units", "layers_1_activation")


SGD = {"optimizer": ("sgd",)}


@pytest.mark.parametrize(
    ("flags", "name", "gene"),
    [
        ({"dropout": (0.0, 0.5)}, "dropout", Float(0.0, 0.5)),
        ({"initializers": ["he_normal", "orthogonal"]}, "initializer",
         Choice(["he_normal", "orthogonal"])),
        ({"batch_norm": True}, "batch_norm", Bool()),
        ({"momentum": (0.0, 0.9)}, "momentum", Float(0.0, 0.9, when=SGD)),
        ({"momentum": 0.9}, "momentum", Fixed(0.9, when=SGD)),
        ({"nesterov": True}, "nesterov", Bool(when=SGD)),
        ({"weight_decay": (1e-5, 1e-2)}, "weight_decay", Float(1e-5, 1e-2, log=True)),
        ({"patience": (2, 5)}, "patience", Int(2, 5)),
        ({"lr_schedules": ["constant", "cosine"]}, "lr_schedule", Choice(["constant", "cosine"])),
        ({"batch_sizes": [64, 16, 32]}, "batch_size", Choice([16, 32, 64], ordered=True)),
        ({"batch_sizes": [16]}, "batch_size", Fixed(16)),
        ({"batch_size": 8}, "batch_size", Fixed(8)),
    ],
)
def test_mlp_flags_add_exactly_their_gene(flags, name, gene):
    space, default = mlp.space(**flags), mlp.space()
    assert space.genes[name] == gene
    assert set(space.genes) - set(default.genes) == {name} - {"batch_size"}


def test_mlp_equal_bounds_make_a_constant():
    space = mlp.space(units=(8, 8), learning_rate=(1e-3, 1e-3), dropout=(0.2, 0.2))
    assert space.genes["layers"].genes["units"] == Fixed(8)
    assert space.genes["learning_rate"] == Fixed(0.001)
    assert space.genes["dropout"] == Fixed(0.2)
    config = space.decode(space.sample(random.Random(0)))
    assert config["learning_rate"] == 0.001 and config["dropout"] == 0.2
    assert {b["units"] for b in config["layers"]} == {8}


def test_mlp_sgd_genes_count_only_with_sgd():
    space = mlp.space(optimizers=["adam", "sgd"], momentum=(0.0, 0.9), nesterov=True)
    rng = random.Random(0)
    kinds = set()
    for _ in range(100):
        config = space.decode(space.sample(rng))
        sgd = config["optimizer"] == "sgd"
        assert ("momentum" in config) == sgd and ("nesterov" in config) == sgd
        kinds.add(sgd)
    assert kinds == {True, False}


def test_mlp_fixed_layer_count_and_no_hidden_layer():
    assert mlp.space(layers=(2, 2)).genes["layers"].count == 2
    assert mlp.space(layers=3).genes["layers"].count == 3
    assert mlp.space(layers=(0, 2)).genes["layers"].count == Int(0, 2)
    none = mlp.space(layers=(0, 0))
    assert none.decode(none.sample(random.Random(0)))["layers"] == []


def test_mlp_optimizers_may_be_any_iterable():
    space = mlp.space(optimizers=(o for o in ["adam", "sgd"]), momentum=(0.0, 0.9))
    assert space.genes["optimizer"] == Choice(["adam", "sgd"])
    assert space.genes["momentum"].when == SGD


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"optimizers": ["adam"], "momentum": (0.0, 0.9)},
         "momentum only applies to sgd; add sgd to the optimizers"),
        ({"optimizers": ["adam"], "nesterov": True},
         "nesterov only applies to sgd; add sgd to the optimizers"),
        ({"momentum": (0.0, 1.0)}, "momentum must lie in [0, 1), got (0.0, 1.0)"),
        ({"dropout": (0.0, 1.0)}, "dropout must lie in [0, 1), got (0.0, 1.0)"),
        ({"dropout": (0.5, 0.1)}, "dropout min 0.5 is greater than max 0.1; swap them"),
        ({"initializers": ["zeros"]}, "unknown initializer 'zeros'; choose from: glorot_uniform"),
        ({"lr_schedules": ["linear"]},
         "unknown lr_schedule 'linear'; choose from: constant, cosine, exponential"),
        ({"weight_decay": (0.0, 1e-2)},
         "weight_decay must be > 0, got min 0.0; use a positive lower bound"),
        ({"patience": (0, 3)}, "patience must be >= 1, got min 0"),
        ({"patience": (2.5, 3)}, "patience bounds must be whole numbers, got 2.5"),
        ({"activations": ["relu", "relux"]}, "unknown activation 'relux'; choose from: relu"),
        ({"optimizers": ["adam", "adamm"]}, "unknown optimizer 'adamm'; choose from: sgd"),
        ({"activations": []}, "activations is empty; give at least one of: relu"),
        ({"optimizers": ["adam", "adam"]}, "optimizers lists a value twice; give each choice once"),
        ({"layers": (3, 1)}, "layers min 3 is greater than max 1; swap them"),
        ({"layers": (1, 5, 1)}, "layers must be a (min, max) pair, got (1, 5, 1)"),
        ({"layers": ()}, "layers must be a (min, max) pair, got ()"),
        ({"units": (0, 8)}, "units must be >= 1, got min 0"),
        ({"units": (4.5, 8)}, "units bounds must be whole numbers, got 4.5"),
        ({"learning_rate": (0.0, 0.1)}, "learning_rate must be > 0, got min 0.0"),
        ({"learning_rate": (1e-3, math.inf)}, "learning_rate bounds must be finite numbers"),
        ({"batch_sizes": []}, "batch_sizes must be whole numbers >= 1, got ()"),
        ({"batch_sizes": [16, 0]}, "batch_sizes must be whole numbers >= 1, got (16, 0)"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1, got 0"),
    ],
)
def test_mlp_bad_flags_are_one_line_errors(flags, expected):
    assert expected in error(lambda: mlp.space(**flags))
