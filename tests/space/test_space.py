"""Typed search spaces as users meet them: errors that name the fix, configs of active genes in
native types, dormant genes that never change a network's key, encode/decode, JSON, CSV columns,
the MLP preset's flags and the grid's exact size. Pure Python: no TensorFlow."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Grid,
    Individual,
    Int,
    Repeat,
    Space,
    config_key,
    describe,
    seeded_global_random,
)


def make_space() -> Space:
    """Every gene type: a repeated group with a variable count, a conditional gene, a constant.

    Genome layout (declaration order): [n_conv, filters_1, kernel_1, filters_2, kernel_2,
    filters_3, kernel_3, optimizer, momentum, lr, bn]; epochs is Fixed and owns no slot.
    """
    return Space(
        conv=Repeat(Int(0, 3), filters=Choice([8, 16, 32], ordered=True), kernel=Int(1, 7)),
        optimizer=Choice(["adam", "sgd"]),
        momentum=Float(0.0, 0.99, when={"optimizer": "sgd"}),
        lr=Float(1e-4, 1e-1, log=True),
        bn=Bool(),
        epochs=Fixed(3),
    )


SPACE = make_space()
NATIVE = (int, float, str, bool, type(None))


def leaves(config):
    """Every scalar value of a nested config."""
    for value in config.values():
        if isinstance(value, list):
            for block in value:
                yield from leaves(block)
        else:
            yield value


def one_line_error(fn) -> str:
    with pytest.raises(EvohpoError) as info:
        fn()
    message = str(info.value)
    assert "\n" not in message
    return message


# -- bad input: one line, naming the fix ----------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: Float(1.0, 0.5), "Float(1.0, 0.5): low is above high; swap them"),
        (lambda: Int(5, 2), "Int(5, 2): low is above high; swap them"),
        (lambda: Float(1.0, 1.0), "Float(1.0, 1.0) has one value; use Fixed(1.0)"),
        (lambda: Int(3, 3), "Int(3, 3) has one value; use Fixed(3)"),
        (lambda: Float(0.0, 1.0, log=True),
         "Float(0.0, 1.0, log=True): a log scale needs low > 0; give a positive lower bound "
         "or log=False"),
        (lambda: Float(-1.0, 1.0, log=True), "a log scale needs low > 0"),
        (lambda: Int(0, 8, log=True),
         "Int(0, 8, log=True): a log scale needs low > 0; give a positive lower bound "
         "or log=False"),
        (lambda: Int(0.5, 3), "Int low must be a whole number, got 0.5; use Float"),
        (lambda: Float(0.0, math.inf), "Float high must be a finite number, got inf"),
        (lambda: Float("0", 1.0), "Float low must be a finite number, got '0'"),
        (lambda: Choice([]), "Choice([]) is empty; give at least one value"),
        (lambda: Choice(["a", "b", "a"]),
         "Choice lists a value twice: ['a', 'b', 'a']; give each once"),
        (lambda: Choice("abc"), "Choice takes a list of values, got 'abc'"),
        (lambda: Choice([print]), "give a name and map it to the object in your build function"),
        (lambda: Fixed([1, 2]), "Fixed value must be str, int, float, bool or None, got [1, 2]"),
        (lambda: Int(0, 3, when={}), "when= takes a dict such as {'optimizer': 'sgd'}, got {}"),
        (lambda: Int(0, 3, when={"a": []}), "when={'a': ...} lists no value; give one or more"),
        (lambda: Repeat(-1, units=Int(1, 8)),
         "Repeat count must be >= 0, got -1; a count is how many blocks"),
        (lambda: Repeat(Int(-2, 3), units=Int(1, 8)), "Repeat count must be >= 0, got -2"),
        (lambda: Repeat(True, units=Int(1, 8)), "Repeat count must be an int or Int(low, high)"),
        (lambda: Repeat(Int(1, 8, log=True), units=Int(1, 8)),
         "Repeat count takes a plain Int(low, high) (no log=, no when=)"),
        (lambda: Repeat(2), "Repeat(...) needs at least one gene, e.g. units=Int(4, 512)"),
    ],
)
def test_bad_gene_is_a_one_line_error_naming_the_fix(build, expected):
    assert expected in one_line_error(build)


@pytest.mark.parametrize(
    ("genes", "expected"),
    [
        ({}, "Space() has no genes; give at least one, e.g. lr=Float(1e-4, 1e-1)"),
        ({"a": 3}, "Space gene 'a' is 3; use Int, Float, Choice, Bool, Fixed or Repeat "
                   "(a plain value: Fixed(value))"),
        ({"a": Int(0, 3), "b": Int(0, 3, when={"c": 1})},
         "gene 'b': when= names unknown gene 'c'; genes it can name: a, b"),
        ({"a": Choice(["x", "y"]), "b": Int(0, 3, when={"a": "z"})},
         "gene 'b': when={'a': 'z'} can never hold: a cannot be 'z'"),
        ({"a": Int(0, 3), "b": Bool(when={"a": 7})},
         "gene 'b': when={'a': 7} can never hold: a cannot be 7"),
        ({"a": Bool(), "b": Int(0, 3, when={"a": 1})},  # a Bool is True or False, never 1
         "gene 'b': when={'a': 1} can never hold: a cannot be 1"),
        ({"a": Int(0, 3, when={"a": 1})}, "gene 'a' has a when= on itself; name another gene"),
        ({"a": Float(0.0, 1.0), "b": Bool(when={"a": 0.5})},
         "gene 'b': when= can test Int, Choice, Bool or Fixed genes, and 'a' is a Float"),
        ({"a": Choice([1, 2], when={"b": 1}), "b": Choice([1, 2], when={"a": 1})},
         "when= conditions form a cycle: a -> b -> a; make one of them unconditional"),
        ({"a": Bool(when={"c": True}), "b": Bool(when={"a": True}), "c": Bool(when={"b": True})},
         "when= conditions form a cycle: a -> c -> b -> a"),
        ({"r": Repeat(Int(0, 2), u=Int(0, 3)), "x": Bool(when={"u": 1})},  # inside a block
         "gene 'x': when= names unknown gene 'u'; genes it can name: r, x"),
        ({"conv": Repeat(2, filters=Int(1, 3)), "conv_1_filters": Int(0, 3)},
         "two genes give the CSV column 'conv_1_filters'; rename one of them"),
        ({"n_conv": Int(0, 3), "conv": Repeat(Int(0, 2), filters=Int(1, 3))},
         "two genes give the CSV column 'n_conv'; rename one of them"),
        ({"1x": Int(0, 3)}, "gene name '1x' is not a plain identifier"),
    ],
)
def test_bad_space_is_a_one_line_error_naming_the_fix(genes, expected):
    assert expected in one_line_error(lambda: Space(**genes))


def test_when_inside_a_block_may_test_an_outer_gene():
    space = Space(opt=Choice(["adam", "sgd"]),
                  layers=Repeat(2, units=Int(1, 8), dropout=Float(0.0, 0.5, when={"opt": "adam"})))
    for seed in range(20):
        config = space.decode(space.sample(random.Random(seed)))
        for block in config["layers"]:
            assert ("dropout" in block) == (config["opt"] == "adam")


# -- decode: native types, active genes only ------------------------------------------------------
def test_decode_gives_native_types_and_only_active_genes():
    rng = random.Random(0)
    seen_sgd = seen_adam = 0
    for _ in range(300):
        config = SPACE.decode(SPACE.sample(rng))
        assert all(type(v) in NATIVE for v in leaves(config))
        assert json.loads(json.dumps(config)) == config
        assert type(config["lr"]) is float and 1e-4 <= config["lr"] <= 1e-1
        assert type(config["bn"]) is bool
        assert config["epochs"] == 3
        assert 0 <= len(config["conv"]) <= 3
        for block in config["conv"]:
            assert set(block) == {"filters", "kernel"}
            assert block["filters"] in (8, 16, 32) and type(block["kernel"]) is int
        assert ("momentum" in config) == (config["optimizer"] == "sgd")
        seen_sgd += config["optimizer"] == "sgd"
        seen_adam += config["optimizer"] == "adam"
    assert seen_sgd > 100 and seen_adam > 100


def test_numpy_values_in_a_space_decode_to_python_types():
    space = Space(rate=Choice(list(np.linspace(0.0, 1.0, 3))), width=Int(np.int64(1), np.int64(8)),
                  seed=Fixed(np.int64(7)), name=Choice(list(np.array(["a", "b"]))))
    for seed in range(10):
        config = space.decode(space.sample(random.Random(seed)))
        assert [type(config[k]) for k in ("rate", "width", "seed", "name")] == [
            float, int, int, str]
    assert space.to_json()["genes"]["rate"]["values"] == [0.0, 0.5, 1.0]


def test_decoded_floats_stay_inside_bounds_with_many_digits():
    # rounding to 6 significant digits must not step outside [low, high]
    space = Space(a=Float(0.0, 0.1234567), b=Float(0.12345649, 1.0),
                  c=Float(0.00012345649, 0.1234567, log=True))
    lo = space.decode([0.0, 0.12345649, math.log10(0.00012345649)])
    hi = space.decode([0.1234567, 1.0, math.log10(0.1234567)])
    assert lo == {"a": 0.0, "b": 0.12345649, "c": 0.00012345649}
    assert hi == {"a": 0.1234567, "b": 1.0, "c": 0.1234567}
    for config in (lo, hi):
        assert space.decode(space.encode(config)) == config


def test_genome_layout_is_fixed_length_in_declaration_order():
    assert SPACE.length == 11
    genome = Individual([2, 0, 1, 2, 7, 1, 4, 1, 0.5, -3.0, 1])
    assert SPACE.decode(genome) == {
        "conv": [{"filters": 8, "kernel": 1}, {"filters": 32, "kernel": 7}],
        "optimizer": "sgd", "momentum": 0.5, "lr": 0.001, "bn": True, "epochs": 3,
    }


def test_decode_refuses_a_genome_of_another_space():
    assert one_line_error(lambda: SPACE.decode([1, 2, 3])) == (
        "genome has 3 slots, this space 11; it belongs to another space")


# -- dormant genes --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b"),
    [
        # optimizer adam: momentum (slot 8) is dormant
        ([1, 0, 1, 2, 7, 1, 4, 0, 0.1, -3.0, 1], [1, 0, 1, 2, 7, 1, 4, 0, 0.9, -3.0, 1]),
        # one conv block: blocks 2 and 3 (slots 3-6) are dormant
        ([1, 0, 1, 2, 7, 1, 4, 0, 0.1, -3.0, 1], [1, 0, 1, 0, 3, 0, 2, 0, 0.1, -3.0, 1]),
        # no conv block at all, sgd: every block dormant, momentum counts and is equal
        ([0, 0, 1, 2, 7, 1, 4, 1, 0.3, -2.0, 0], [0, 2, 5, 1, 1, 0, 6, 1, 0.3, -2.0, 0]),
    ],
)
def test_genomes_differing_only_in_dormant_genes_are_the_same_network(a, b):
    assert SPACE.decode(a) == SPACE.decode(b)
    assert config_key(SPACE.decode(a)) == config_key(SPACE.decode(b))


def test_an_active_gene_changes_the_network():
    adam = [1, 0, 1, 2, 7, 1, 4, 0, 0.1, -3.0, 1]
    sgd = [1, 0, 1, 2, 7, 1, 4, 1, 0.1, -3.0, 1]
    more_blocks = [2, 0, 1, 2, 7, 1, 4, 0, 0.1, -3.0, 1]
    keys = {config_key(SPACE.decode(g)) for g in (adam, sgd, more_blocks)}
    assert len(keys) == 3
    assert SPACE.decode(sgd)["momentum"] == 0.1


def test_config_key_ignores_key_order():
    assert config_key({"b": 1, "a": [{"y": 2, "x": 1}]}) == config_key(
        {"a": [{"x": 1, "y": 2}], "b": 1})
    assert config_key({"a": 1}) != config_key({"a": 1.0})


# -- encode ---------------------------------------------------------------------------------------
def test_encode_decode_round_trip():
    rng = random.Random(1)
    for _ in range(200):
        config = SPACE.decode(SPACE.sample(rng))
        assert SPACE.decode(SPACE.encode(config)) == config


def test_encode_copies_dormant_slots_from_filler():
    filler = Individual([3, 2, 5, 2, 6, 1, 2, 1, 0.7, -1.5, 0])
    config = {"conv": [{"filters": 8, "kernel": 1}], "optimizer": "adam", "lr": 0.01,
              "bn": True, "epochs": 3}
    genome = SPACE.encode(config, filler=filler)
    assert list(genome) == [1, 0, 1, 2, 6, 1, 2, 0, 0.7, -2.0, 1]
    assert SPACE.decode(genome) == config


def test_encode_without_filler_grows_blocks_gently():
    # unused blocks copy the last used one, so raising the count later repeats a known layer
    config = {"conv": [{"filters": 16, "kernel": 5}], "optimizer": "adam", "lr": 0.01,
              "bn": False, "epochs": 3}
    genome = SPACE.encode(config)
    assert list(genome[:7]) == [1, 1, 5, 1, 5, 1, 5]


GOOD = {"conv": [{"filters": 8, "kernel": 2}], "optimizer": "adam", "lr": 0.001, "bn": True,
        "epochs": 3}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"lr": None}, "config['lr'] is missing; give a value for it"),
        ({"optimizer": "sgd"}, "config['momentum'] is missing; give a value for it"),
        ({"conv": [{"filters": 8}]}, "config['conv'][0]['kernel'] is missing; give a value for it"),
        ({"momentum": 0.5}, "config['momentum'] is given, but that gene only counts when "
                            "optimizer is 'sgd'; leave it out"),
        ({"foo": 1}, "config has unknown key 'foo'; the genes here are: conv, optimizer, "
                     "momentum, lr, bn, epochs"),
        ({"conv": [{"filters": 8, "kernel": 2, "x": 1}]},
         "config['conv'][0] has unknown key 'x'; the genes here are: filters, kernel"),
        ({"lr": 1.0}, "config['lr']=1.0 is outside [0.0001, 0.1]"),
        ({"conv": [{"filters": 8, "kernel": 9}]},
         "config['conv'][0]['kernel']=9 is outside [1, 7]"),
        ({"conv": [{"filters": 8, "kernel": 2}] * 4}, "len(config['conv'])=4 is outside [0, 3]"),
        ({"conv": [{"filters": 8, "kernel": 2.5}]},
         "config['conv'][0]['kernel'] must be a whole number, got 2.5"),
        ({"conv": 3}, "config['conv'] must be a list of dicts (one per block), got 3"),
        ({"optimizer": "rms"}, "config['optimizer']='rms' is not one of: 'adam', 'sgd'"),
        ({"bn": 1}, "config['bn'] must be true or false, got 1"),
        ({"lr": math.nan}, "config['lr'] must be a finite number, got nan"),
        ({"epochs": 4}, "config['epochs']=4, but the space fixes it at 3"),
    ],
)
def test_encode_errors_name_the_gene_and_the_fix(change, expected):
    config = {**GOOD, **change}
    config = {k: v for k, v in config.items() if v is not None}
    assert one_line_error(lambda: SPACE.encode(config)) == expected


def test_encode_refuses_what_is_not_a_config():
    assert "a config is a dict of gene values" in one_line_error(lambda: SPACE.encode([1, 2]))
    assert "filler genome belongs to another space" in one_line_error(
        lambda: SPACE.encode(GOOD, filler=[0, 1]))


def test_fixed_count_repeat_needs_exactly_that_many_blocks():
    space = Space(layers=Repeat(2, units=Int(1, 8)))
    assert space.decode(space.encode({"layers": [{"units": 1}, {"units": 8}]})) == {
        "layers": [{"units": 1}, {"units": 8}]}
    assert one_line_error(lambda: space.encode({"layers": [{"units": 1}]})) == (
        "config['layers'] has 1 blocks; the space fixes 2")


# -- JSON -----------------------------------------------------------------------------------------
def test_json_round_trip_gives_an_equal_space():
    spaces = [SPACE, mlp.space(), mlp.space(dropout=(0.0, 0.5), initializers=["he_normal"],
                                            batch_norm=True, momentum=(0.0, 0.9), nesterov=True,
                                            weight_decay=(1e-5, 1e-2), patience=(2, 5),
                                            lr_schedules=["constant", "cosine"],
                                            batch_sizes=[16, 64])]
    for space in spaces:
        text = json.dumps(space.to_json())
        again = Space.from_json(json.loads(text))
        assert again == space and hash(again) == hash(space)
        assert again.to_json() == space.to_json()
        assert again.columns == space.columns and again.length == space.length
        rng = random.Random(3)
        for _ in range(20):
            genome = space.sample(rng)
            assert again.decode(genome) == space.decode(genome)
    assert Space.from_json(SPACE.to_json()) != mlp.space()


def test_spaces_differing_in_one_bound_or_condition_are_not_equal():
    base = Space(opt=Choice(["a", "b"]), x=Int(1, 8, when={"opt": "a"}))
    assert base == Space(opt=Choice(["a", "b"]), x=Int(1, 8, when={"opt": "a"}))
    assert base != Space(opt=Choice(["a", "b"]), x=Int(1, 9, when={"opt": "a"}))
    assert base != Space(opt=Choice(["a", "b"]), x=Int(1, 8, when={"opt": "b"}))
    assert base != Space(opt=Choice(["a", "b"]), x=Int(1, 8))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "not a saved evohpo space"),
        ({"genes": {"a": {"type": "int"}}}, "not a saved evohpo space"),
        ({"genes": {"a": {"type": "weird"}}}, "unknown gene type 'weird' in a saved space"),
    ],
)
def test_from_json_of_something_else_is_a_clear_error(data, expected):
    assert expected in one_line_error(lambda: Space.from_json(data))


# -- CSV columns ----------------------------------------------------------------------------------
def test_flatten_gives_one_column_per_gene():
    assert SPACE.columns == (
        "n_conv", "conv_1_filters", "conv_1_kernel", "conv_2_filters", "conv_2_kernel",
        "conv_3_filters", "conv_3_kernel", "optimizer", "momentum", "lr", "bn", "epochs",
    )
    assert SPACE.flatten(GOOD) == {
        "n_conv": 1, "conv_1_filters": 8, "conv_1_kernel": 2, "conv_2_filters": None,
        "conv_2_kernel": None, "conv_3_filters": None, "conv_3_kernel": None,
        "optimizer": "adam", "momentum": None, "lr": 0.001, "bn": True, "epochs": 3,
    }
    sgd = {**GOOD, "optimizer": "sgd", "momentum": 0.9, "conv": []}
    flat = SPACE.flatten(sgd)
    assert flat["momentum"] == 0.9 and flat["n_conv"] == 0 and flat["conv_1_filters"] is None


def test_nested_repeats_flatten_with_both_indices():
    space = Space(r=Repeat(2, inner=Repeat(Int(1, 2), u=Int(0, 3))))
    assert space.columns == ("n_r", "r_1_n_inner", "r_1_inner_1_u", "r_1_inner_2_u",
                             "r_2_n_inner", "r_2_inner_1_u", "r_2_inner_2_u")
    config = {"r": [{"inner": [{"u": 3}]}, {"inner": [{"u": 1}, {"u": 2}]}]}
    assert space.decode(space.encode(config)) == config
    assert space.flatten(config) == {"n_r": 2, "r_1_n_inner": 1, "r_1_inner_1_u": 3,
                                     "r_1_inner_2_u": None, "r_2_n_inner": 2,
                                     "r_2_inner_1_u": 1, "r_2_inner_2_u": 2}


def test_describe_is_one_readable_line():
    config = {"layers": [{"units": 64, "activation": "relu"}, {"units": 32, "activation": "tanh"}],
              "optimizer": "adam", "learning_rate": 0.001}
    assert describe(config) == "layers=[64 relu, 32 tanh] optimizer=adam learning_rate=0.001"


# -- variation keeps the caller's random state private --------------------------------------------
def test_variation_never_touches_the_global_random_state():
    random.seed(1234)
    before = random.getstate()
    rng = random.Random(5)
    a, b = SPACE.sample(rng), SPACE.sample(rng)
    SPACE.mutate(a, rng, 1.0)
    SPACE.crossover(a, b, rng)
    assert random.getstate() == before
    with seeded_global_random(random.Random(9)) as g:
        inside = g.random()
    assert random.getstate() == before
    assert inside == random.Random(9).random()


def test_same_seed_same_variation():
    def run(seed):
        rng = random.Random(seed)
        a, b = SPACE.sample(rng), SPACE.sample(rng)
        SPACE.crossover(a, b, rng)
        SPACE.mutate(a, rng, 0.5)
        return list(a), list(b)

    assert run(4) == run(4)
    assert run(4) != run(5)


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
    assert expected in one_line_error(lambda: mlp.space(**flags))


# -- the grid -------------------------------------------------------------------------------------
def _points(grid: Grid) -> list[dict]:
    return [grid.point(i) for i in range(grid.size)]


@pytest.mark.parametrize(
    ("space", "levels", "size"),
    [
        # Int(0, 10) -> 0, 5, 10; Choice 2; Bool 2; Float 3; Fixed 1: 3 * 2 * 2 * 3
        (Space(a=Int(0, 10), b=Choice(["x", "y"]), c=Bool(), d=Float(0.0, 1.0), e=Fixed(1)),
         3, 36),
        # same at 5 levels: Int 0, 2, 5, 8, 10 (5) * 2 * 2 * Float 5
        (Space(a=Int(0, 10), b=Choice(["x", "y"]), c=Bool(), d=Float(0.0, 1.0), e=Fixed(1)),
         5, 100),
        # a narrow Int has fewer values than levels: Int(1, 2) -> 2 values
        (Space(a=Int(1, 2)), 5, 2),
        # count levels 0, 2, 3 (Int(0, 3) at 3 levels); a block is Choice 2 * Int(1, 5) 3 = 6,
        # shared by all blocks: count 0 -> 1 point, 2 -> 6, 3 -> 6
        (Space(conv=Repeat(Int(0, 3), f=Choice([8, 16]), k=Int(1, 5))), 3, 13),
        # fixed count 2: the block's 2 * 3 settings once, times Bool 2
        (Space(conv=Repeat(2, f=Choice([8, 16]), k=Int(1, 5)), bn=Bool()), 3, 12),
        # adam 1 + rms 1 + sgd (momentum 3 * nesterov 2): dormant genes do not multiply
        (Space(opt=Choice(["adam", "sgd", "rms"]), m=Float(0.0, 0.9, when={"opt": "sgd"}),
               n=Bool(when={"opt": "sgd"})), 3, 8),
        # chain: a=x -> b in 1..3, c only when b in (1, 2): 2 + 2 + 1; a=y -> 1
        (Space(a=Choice(["x", "y"]), b=Choice([1, 2, 3], when={"a": "x"}),
               c=Bool(when={"b": [1, 2]})), 3, 6),
        # a block gene conditional on an outer gene: a=x -> counts 1, 2 each u 3 * v 2;
        # a=y -> counts 1, 2 each u 3
        (Space(a=Choice(["x", "y"]), L=Repeat(Int(1, 2), u=Int(1, 3), v=Bool(when={"a": "x"}))),
         3, 18),
        # a block gene conditional inside the block: t=d -> 1, t=c -> k 3
        (Space(L=Repeat(2, t=Choice(["d", "c"]), k=Int(1, 3, when={"t": "c"}))), 3, 4),
        # MLP preset: layers 1, 2 x (units 8, 23, 64 x 2 activations); adam: lr 3;
        # sgd: lr 3 x momentum 3; batch size fixed: 12 * (3 + 9)
        (mlp.space(layers=(1, 2), units=(8, 64), activations=["relu", "tanh"],
                   optimizers=["adam", "sgd"], momentum=(0.0, 0.9)), 3, 144),
        (Space(x=Float(0.0, 1.0), y=Int(1, 100, log=True)), 1, 1),
    ],
)
def test_grid_size_is_exact_and_every_point_a_distinct_valid_config(space, levels, size):
    grid = Grid(space, levels)
    assert grid.size == size
    points = _points(grid)
    assert len({config_key(p) for p in points}) == size
    for point in points:
        assert space.decode(space.encode(point)) == point


def test_grid_levels_of_each_gene_type():
    assert Int(1, 5).levels(3) == [1, 3, 5]
    assert Int(8, 64, log=True).levels(3) == [8, 23, 64]
    assert Int(1, 3).levels(5) == [1, 2, 3]
    assert Float(0.0, 0.9).levels(3) == [0.0, 0.45, 0.9]
    assert Float(1e-4, 1e-1, log=True).levels(3) == [0.0001, 0.00316228, 0.1]
    assert Choice(["a", "b", "c"]).levels(2) == ["a", "b", "c"]
    assert Bool().levels(7) == [False, True]
    assert Fixed("x").levels(3) == ["x"]


def test_grid_points_of_a_conditional_space():
    space = Space(opt=Choice(["adam", "sgd"]), m=Float(0.0, 0.8, when={"opt": "sgd"}))
    keys = sorted(config_key(p) for p in _points(Grid(space, 3)))
    assert keys == sorted(config_key(c) for c in [
        {"opt": "adam"}, {"opt": "sgd", "m": 0.0}, {"opt": "sgd", "m": 0.4},
        {"opt": "sgd", "m": 0.8}])


def test_grid_repeated_blocks_share_one_setting():
    space = Space(conv=Repeat(Int(1, 3), f=Choice([8, 16])))
    for point in _points(Grid(space, 3)):
        assert len({config_key(b) for b in point["conv"]}) == 1


def test_grid_of_billions_is_not_materialised():
    space = Space(**{f"g{i}": Choice(list(range(10))) for i in range(12)})
    grid = Grid(space, 3)
    assert grid.size == 10**12
    assert grid.point(10**12 - 1) == {f"g{i}": 9 for i in range(12)}
    assert grid.point(0) == {f"g{i}": 0 for i in range(12)}


def test_grid_errors():
    assert "levels must be a whole number >= 1, got 0" in one_line_error(lambda: Grid(SPACE, 0))
    grid = Grid(SPACE, 2)
    with pytest.raises(IndexError):
        grid.point(grid.size)
    with pytest.raises(IndexError):
        grid.point(-1)
