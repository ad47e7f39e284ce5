"""Typed search spaces as users meet them: errors that name the fix, configs of active genes in
native types, dormant genes that never change a network's key, encode/decode, JSON, CSV columns,
the MLP preset's flags and the grid's exact size. Pure Python: no TensorFlow."""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Individual,
    Int,
    Repeat,
    Space,
    config_key,
    describe,
    seeded_global_random,
)
from tests._checks import binomial_near, error
from tests.space.examples import SPACE

NATIVE = (int, float, str, bool, type(None))


def leaves(config):
    """Every scalar value of a nested config."""
    for value in config.values():
        if isinstance(value, list):
            for block in value:
                yield from leaves(block)
        else:
            yield value


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
         "Repeat count takes a plain Int(low, high) (no log=, step= or when=)"),
        (lambda: Repeat(2), "Repeat(...) needs at least one gene, e.g. units=Int(4, 512)"),
    ],
)
def test_bad_gene_is_a_one_line_error_naming_the_fix(build, expected):
    assert expected in error(build)


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
    assert expected in error(lambda: Space(**genes))


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
    assert error(lambda: SPACE.decode([1, 2, 3])) == (
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


def test_active_slots_are_the_genes_that_change_the_network():
    """Layout [n_conv, filters_1, kernel_1, filters_2, kernel_2, filters_3, kernel_3,
    optimizer, momentum, lr, bn]: two blocks count, momentum only with sgd, epochs owns none."""
    adam = [2, 0, 1, 2, 7, 1, 4, 0, 0.1, -3.0, 1]
    genes = SPACE.genes
    conv = genes["conv"]
    assert SPACE.active_slots(adam) == [
        (0, conv.count), (1, conv.genes["filters"]), (2, conv.genes["kernel"]),
        (3, conv.genes["filters"]), (4, conv.genes["kernel"]), (7, genes["optimizer"]),
        (9, genes["lr"]), (10, genes["bn"])]
    sgd_no_conv = [0, 0, 1, 2, 7, 1, 4, 1, 0.1, -3.0, 1]
    assert [start for start, _ in SPACE.active_slots(sgd_no_conv)] == [0, 7, 8, 9, 10]
    for seed in range(30):  # changing any active slot changes the network; no other slot does
        genome = list(SPACE.sample(random.Random(seed)))
        active = {start for start, _ in SPACE.active_slots(genome)}
        for start in range(len(genome)):
            other = list(genome)
            other[start] = SPACE.sample(random.Random(seed + 100))[start]
            if config_key(SPACE.decode(other)) != config_key(SPACE.decode(genome)):
                assert start in active
    with pytest.raises(EvohpoError, match="belongs to another space"):
        SPACE.active_slots([1, 2])


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
    assert error(lambda: SPACE.encode(config)) == expected


def test_encode_refuses_what_is_not_a_config():
    assert "a config is a dict of gene values" in error(lambda: SPACE.encode([1, 2]))
    assert "filler genome belongs to another space" in error(
        lambda: SPACE.encode(GOOD, filler=[0, 1]))


def test_fixed_count_repeat_needs_exactly_that_many_blocks():
    space = Space(layers=Repeat(2, units=Int(1, 8)))
    assert space.decode(space.encode({"layers": [{"units": 1}, {"units": 8}]})) == {
        "layers": [{"units": 1}, {"units": 8}]}
    assert error(lambda: space.encode({"layers": [{"units": 1}]})) == (
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
    assert expected in error(lambda: Space.from_json(data))


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


MLP = mlp.space()  # layers=Repeat(Int(1, 4), units, activation), optimizer, learning_rate, batch


def test_mutation_at_rate_one_changes_every_slot_and_at_rate_zero_none():
    spaces = [MLP, Space(a=Int(1, 2), b=Int(0, 1000), c=Int(1, 1024, log=True),
                         d=Float(-1.0, 1.0), e=Float(1e-5, 1.0, log=True),
                         f=Choice(["x", "y"]), g=Choice([1, 2, 3], ordered=True), h=Bool(),
                         i=Fixed("k"), r=Repeat(Int(0, 2), u=Choice(["p", "q", "s"])))]
    for space in spaces:
        for seed in range(100):
            rng = random.Random(seed)
            genome = space.sample(rng)
            genome.fitness.values = (1.0,)
            before = list(genome)
            assert space.mutate(genome, rng, 1.0) is genome  # in place, as DEAP's operators
            assert not genome.fitness.valid  # a changed genome must be evaluated again
            assert all(a != b for a, b in zip(before, genome)), (before, list(genome))
            space.decode(genome)  # still a valid genome of the space
            space.mutate(genome, rng, 0.0)
            again = list(genome)
            assert space.mutate(genome, rng, 0.0) == again


def test_depth_activation_and_optimizer_each_mutate_at_the_rate_asked():
    """The MLP preset's genes a user tunes most: the number of layers (a Repeat count), each
    layer's activation (a Choice) and the optimizer (a Choice) change under mutation, each with
    the probability ``indpb`` (every slot of the genome mutates independently)."""
    n, indpb = 600, 0.3
    changed: Counter[str] = Counter()
    for seed in range(n):
        rng = random.Random(seed)
        genome = MLP.sample(rng)
        before = MLP.decode(genome)
        after = MLP.decode(MLP.mutate(genome, rng, indpb))
        changed["depth"] += len(after["layers"]) != len(before["layers"])
        changed["activation"] += (after["layers"][0]["activation"]
                                  != before["layers"][0]["activation"])
        changed["optimizer"] += after["optimizer"] != before["optimizer"]
        changed["learning_rate"] += after["learning_rate"] != before["learning_rate"]
    for gene in ("depth", "activation", "optimizer", "learning_rate"):
        assert binomial_near(changed[gene], n, indpb), (gene, changed[gene])


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_each_slot_mutates_with_probability_indpb(rate):
    space = Space(**{f"g{i}": Int(0, 100) for i in range(10)})
    n = 300
    counts = [0] * space.length
    for seed in range(n):
        rng = random.Random(seed)
        genome = space.sample(rng)
        before = list(genome)
        space.mutate(genome, rng, rate)
        for i, (a, b) in enumerate(zip(before, genome)):
            counts[i] += a != b
    assert all(binomial_near(c, n, rate) for c in counts), counts


def test_crossover_of_short_genomes_still_mixes_the_parents():
    two = Space(a=Int(0, 9), b=Int(0, 9))
    for seed in range(20):
        a, b = two.encode({"a": 1, "b": 2}), two.encode({"a": 7, "b": 8})
        two.crossover(a, b, random.Random(seed))
        assert (list(a), list(b)) == ([1, 8], [7, 2])  # two-point: the last slot swaps
    one = Space(a=Int(0, 9))
    swapped = 0
    for seed in range(400):
        a, b = one.encode({"a": 1}), one.encode({"a": 7})
        one.crossover(a, b, random.Random(seed))
        assert sorted([a[0], b[0]]) == [1, 7]
        swapped += a[0] == 7
    assert binomial_near(swapped, 400, 0.5)  # one slot: swapped half the time


def test_encoding_a_config_fills_what_it_does_not_use_with_valid_middle_values():
    space = Space(opt=Choice(["adam", "sgd"]), momentum=Float(0.0, 0.8, when={"opt": "sgd"}),
                  lr=Float(1e-4, 1e-2, log=True, when={"opt": "sgd"}),
                  width=Int(2, 10, when={"opt": "sgd"}), units=Int(4, 64, log=True,
                                                               when={"opt": "sgd"}),
                  nesterov=Bool(when={"opt": "sgd"}),
                  act=Choice(["relu", "tanh"], when={"opt": "sgd"}),
                  head=Repeat(Int(1, 3), u=Int(0, 4), when={"opt": "sgd"}))
    genome = space.encode({"opt": "adam"})
    assert list(genome) == [0, 0.4, -3.0, 6, 16, 0, 0, 2, 2, 2, 2]
    woken = list(genome)
    woken[0] = 1  # a later mutation makes the optimizer sgd: the dormant genes wake up valid
    assert space.decode(woken) == {
        "opt": "sgd", "momentum": 0.4, "lr": 0.001, "width": 6, "units": 16, "nesterov": False,
        "act": "relu", "head": [{"u": 2}, {"u": 2}]}


def test_a_dormant_fixed_count_group_is_encoded_with_its_defaults():
    space = Space(a=Bool(), r=Repeat(2, u=Int(0, 4)), s=Repeat(2, u=Int(0, 4), when={"a": True}))
    genome = space.encode({"a": False, "r": [{"u": 1}, {"u": 3}]})
    assert list(genome) == [0, 1, 3, 2, 2]
    woken = list(genome)
    woken[0] = 1
    assert space.decode(woken)["s"] == [{"u": 2}, {"u": 2}]


def test_equal_spaces_hash_equal_whatever_the_order_of_their_conditions():
    a = Space(o=Choice(["x", "y"]), p=Bool(), m=Float(0.0, 1.0, when={"o": "x", "p": True}))
    b = Space(o=Choice(["x", "y"]), p=Bool(), m=Float(0.0, 1.0, when={"p": True, "o": "x"}))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != "a space" and repr(a) == "Space(o, p, m)" and a.n_genes == a.length == 3


@pytest.mark.parametrize(("build", "expected"), [
    (lambda: Float(0.0, 1.0, log=True),
     "Float(0.0, 1.0, log=True): a log scale needs low > 0; give a positive lower bound or "
     "log=False"),
    (lambda: Int(True, 3), "Int low must be a whole number, got True; use Float"),
    (lambda: Float(True, 3.0), "Float low must be a finite number, got True"),
    (lambda: Float(0.0, math.nan), "Float high must be a finite number, got nan"),
    (lambda: Choice([]), "Choice([]) is empty; give at least one value"),
    (lambda: Choice([print]),
     "Choice values must be str, int, float, bool or None, got <built-in function print>; give "
     "a name and map it to the object in your build function"),
    (lambda: Choice(["a", 1, "a"]), "Choice lists a value twice: ['a', 1, 'a']; give each once"),
    (lambda: Choice([0, False, 1, 1.0]).values, None),  # four values: types tell them apart
    (lambda: Fixed([1, 2]), "Fixed value must be str, int, float, bool or None, got [1, 2]"),
    (lambda: Int(0, 3, when=["a"]), "when= takes a dict such as {'optimizer': 'sgd'}, got ['a']"),
    (lambda: Repeat(Int(1, 8, log=True), u=Int(1, 8)),
     "Repeat count takes a plain Int(low, high) (no log=, step= or when=)"),
    (lambda: Repeat(Int(1, 8, when={"a": 1}), u=Int(1, 8)),
     "Repeat count takes a plain Int(low, high) (no log=, step= or when=)"),
    (lambda: Repeat(2.0, u=Int(1, 8)), "Repeat count must be an int or Int(low, high), got 2.0"),
    (lambda: Repeat(2), "Repeat(...) needs at least one gene, e.g. units=Int(4, 512)"),
    (lambda: Repeat(2, u=8), "Repeat gene 'u' is 8; use Int, Float, Choice, Bool, Fixed or "
                             "Repeat (a plain value: Fixed(value))"),
    (lambda: Space(), "Space() has no genes; give at least one, e.g. lr=Float(1e-4, 1e-1)"),
    (lambda: Space(**{"1x": Int(0, 3)}),
     "gene name '1x' is not a plain identifier; use letters, digits and underscores"),
    (lambda: Space(a=Choice([1, 2], when={"b": 1}), b=Choice([1, 2], when={"a": 1})),
     "when= conditions form a cycle: a -> b -> a; make one of them unconditional"),
    (lambda: Space(a=Float(0.0, 1.0), b=Bool(when={"a": 0.5})),
     "gene 'b': when= can test Int, Choice, Bool or Fixed genes, and 'a' is a Float"),
    (lambda: Space(a=Repeat(1, u=Int(0, 2)), b=Bool(when={"a": 1})),
     "gene 'b': when= can test Int, Choice, Bool or Fixed genes, and 'a' is a Repeat"),
    (lambda: Space(a=Int(0, 3), r=Repeat(1, b=Bool(when={"c": 1}))),
     "gene 'b': when= names unknown gene 'c'; genes it can name: b, a, r"),
    (lambda: Space(a=Fixed(2), b=Bool(when={"a": 3})),
     "gene 'b': when={'a': 3} can never hold: a cannot be 3"),
    (lambda: Space.from_json({"genes": {"a": {"type": "weird"}}}),
     "unknown gene type 'weird' in a saved space"),
    (lambda: Space(a=Int(0, 3)).encode([1]), "a config is a dict of gene values, got [1]"),
    (lambda: Space(a=Fixed(3)).encode({"a": 4}),
     "config['a']=4, but the space fixes it at 3"),
])
def test_bad_input_messages_word_for_word(build, expected):
    if expected is None:
        build()
    else:
        assert error(build) == expected


def test_messages_name_every_allowed_value_and_condition():
    space = Space(o=Choice(["sgd", "rms", "adam"]), p=Bool(),
                  m=Float(0.0, 1.0, when={"o": ["sgd", "rms"], "p": True}))
    assert error(lambda: space.encode({"o": "adam", "p": True, "m": 0.5})) == (
        "config['m'] is given, but that gene only counts when o is 'sgd' or 'rms' and p is "
        "True; leave it out")
    assert error(lambda: space.encode({"o": "sgd", "p": True, "m": 0.5}, filler=[0])) == (
        "filler genome belongs to another space")
    many = Choice(list(range(12)))
    assert error(lambda: many.encode(99, "x")) == "x=99 is not one of: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9"
    assert error(lambda: Int(0, 3).encode("a", "n")) == "n must be a whole number, got 'a'"
    assert error(lambda: Int(0, 3).encode(True, "n")) == "n must be a whole number, got True"
    assert error(lambda: Float(0.0, 1.0).encode(2, "f")) == "f=2 is outside [0, 1]"


def test_describe_shortens_floats_and_lists_blocks():
    assert describe({"lr": 0.000123456, "n": 3, "name": "adam", "on": True}) == (
        "lr=0.000123 n=3 name=adam on=True")
    assert describe({"sizes": [1, 2.5], "layers": []}) == "sizes=[1, 2.5] layers=[]"
    assert config_key({"b": [1, 2], "a": {"y": 0.5, "x": None}}) == (
        '{"a":{"x":null,"y":0.5},"b":[1,2]}')
