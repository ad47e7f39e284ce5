"""The typed space, as the mutation run found it unchecked: variation, defaults, conditions, grid.

Mutation really varies every gene (depth, activation, optimizer included) at the rate asked and
with the documented step sizes; crossover mixes; what a config leaves out is filled validly;
``when=`` resolves across groups and types; the grid enumerates in a fixed order; messages are
word for word. Part of the mutation-testing habit (``make mutation``, tests/MUTATION.md).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from evohpo.presets import mlp
from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Grid,
    Int,
    Repeat,
    Space,
    config_key,
    describe,
)
from tests._kills import binomial_near, error, mutations, std

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


def test_narrow_integers_and_unordered_choices_jump_uniformly_to_another_value():
    depth = Int(1, 4)  # a layer count: reset uniformly, never to itself
    jumps = Counter(mutations(depth, [2], 3000))
    assert set(jumps) == {1, 3, 4} and all(binomial_near(c, 3000, 1 / 3) for c in jumps.values())
    act = Choice(["relu", "tanh", "elu", "selu"])
    jumps = Counter(mutations(act, [1], 3000))
    assert set(jumps) == {0, 2, 3} and all(binomial_near(c, 3000, 1 / 3) for c in jumps.values())
    assert mutations(Choice(["only"]), [0], 5) == [0] * 5  # nothing else to become


def test_ordered_choices_step_to_a_neighbour():
    sizes = Choice([16, 32, 64, 128, 256], ordered=True)
    steps = Counter(mutations(sizes, [2], 2000))
    assert set(steps) == {1, 3} and binomial_near(steps[1], 2000, 0.5)
    assert set(mutations(sizes, [0], 50)) == {1}  # at an end: inwards
    assert set(mutations(sizes, [4], 50)) == {3}


def test_bool_flips_and_fixed_owns_nothing():
    assert mutations(Bool(), [0], 5) == [1] * 5 and mutations(Bool(), [1], 5) == [0] * 5
    rng = random.Random(2)
    assert Fixed(3).mutate([], rng) == [] and Fixed(3).sample(rng) == []


def test_wide_integers_take_gaussian_steps_of_sigma_and_stay_in_bounds():
    moves = [m - 500 for m in mutations(Int(0, 1000, sigma=2.0), [500], 2000)]
    assert 0 not in moves and max(map(abs, moves)) <= 10  # 5 sigma
    assert binomial_near(sum(m > 0 for m in moves), 2000, 0.5)
    wide = Int(0, 1200)  # default sigma: a sixth of the range, 200
    assert 170 < std([m - 600 for m in mutations(wide, [600], 2000)]) < 230
    assert all(0 <= m < 1200 for m in mutations(wide, [1200], 300))  # at a bound: away from it
    assert all(0 < m <= 1200 for m in mutations(wide, [0], 300))
    tiny = Int(0, 1000, sigma=1e-9)  # a step too small to move: the nearest neighbour
    near = Counter(mutations(tiny, [7], 400))
    assert set(near) == {6, 8} and binomial_near(near[6], 400, 0.5)
    assert set(mutations(tiny, [0], 50)) == {1} and set(mutations(tiny, [1000], 50)) == {999}


def test_linear_integer_steps_scale_with_the_range_not_its_position():
    far = Int(1000, 2200)  # range 1200: the default step is 200 wherever the range lies
    assert 188 < std([m - 1600 for m in mutations(far, [1600], 4000)]) < 212
    near = Int(0, 1200)
    assert 188 < std([m - 600 for m in mutations(near, [600], 4000)]) < 212


def test_log_integers_halve_as_often_as_they_double():
    units = Int(4, 4096, log=True)  # 10 octaves: the default step is 10/6 octaves
    octaves = [math.log2(m / 64) for m in mutations(units, [64], 2000)]
    assert 0 not in octaves and binomial_near(sum(r > 0 for r in octaves), 2000, 0.5)
    assert 1.4 < std(octaves) < 1.95  # about 10/6 octaves, not (4096 - 4)/6 units
    fine = Int(1, 1024, log=True, sigma=0.1)  # a tenth of an octave
    assert all(abs(math.log2(m / 32)) <= 0.5 for m in mutations(fine, [32], 300))


def test_floats_take_gaussian_steps_and_reflect_off_their_bounds():
    steps = [m - 50.0 for m in mutations(Float(0.0, 100.0, sigma=0.5), [50.0], 2000)]
    assert max(map(abs, steps)) <= 2.5 and binomial_near(sum(s > 0 for s in steps), 2000, 0.5)
    assert 0.45 < std(steps) < 0.55
    wide = Float(0.0, 6.0)  # default sigma: a sixth of the range, 1
    assert 0.9 < std([m - 3.0 for m in mutations(wide, [3.0], 2000)]) < 1.1
    unit = Float(0.0, 1.0)
    at_top = mutations(unit, [1.0], 1000)
    assert all(0.0 <= v < 1.0 for v in at_top)  # reflected inwards, never stuck at the bound
    assert binomial_near(sum(v > 1 - 1 / 6 for v in at_top), 1000, 0.6827)  # |N(0, 1/6)|
    assert all(0.0 < v <= 1.0 for v in mutations(unit, [0.0], 500))
    lr = Float(1e-4, 1e-1, log=True)  # slots hold log10: steps of half a decade
    slots = mutations(lr, [-2.5], 2000)
    assert all(-4.0 <= v <= -1.0 for v in slots)
    assert 0.4 < std([v + 2.5 for v in slots]) < 0.6


def test_floats_reflect_off_a_lower_bound_that_is_not_zero():
    above = mutations(Float(1.0, 2.0), [1.0], 1000)
    assert all(1.0 < v <= 2.0 for v in above)
    assert binomial_near(sum(v < 1 + 1 / 6 for v in above), 1000, 0.6827)
    below = mutations(Float(-2.0, -1.0), [-1.0], 1000)
    assert binomial_near(sum(v > -1 - 1 / 6 for v in below), 1000, 0.6827)


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


def test_whole_number_floats_make_an_int_gene_and_floats_stay_floats():
    depth = Int(1.0, 5.0)
    assert (depth.low, depth.high) == (1, 5) and type(depth.low) is type(depth.high) is int
    assert depth.to_json()["low"] == 1 and type(depth.to_json()["high"]) is int
    rate = Float(0, 1)
    assert type(rate.low) is float and type(rate.high) is float
    assert type(rate.decode([0.0])) is float and type(rate.decode([-0.5])) is float
    assert type(rate.decode([1.5])) is float


def test_grid_levels_of_a_range_through_zero_and_of_one_level():
    assert Int(-5, 5).levels(3) == [-5, 0, 5]
    assert Int(-2, 0).levels(3) == [-2, -1, 0] and Int(-2, 0).levels(5) == [-2, -1, 0]
    assert Int(1, 9).levels(1) == [5] and Int(2, 32, log=True).levels(1) == [8]
    assert Float(1e-4, 1e-2, log=True).levels(1) == [0.001]
    assert Float(-1.0, 3.0).levels(2) == [-1.0, 3.0]


def test_can_be_says_which_values_a_when_may_name():
    depth = Int(0, 3)
    assert [depth.can_be(v) for v in (0, 3, 2.0, -1, 4, 2.5, True, "2")] == [
        True, True, True, False, False, False, False, False]
    rate = Float(0.0, 1.0)
    assert [rate.can_be(v) for v in (0, 1, 0.5, -0.1, 1.1, False, "0.5")] == [
        True, True, True, False, False, False, False]
    flag = Bool()
    assert [flag.can_be(v) for v in (True, False, 1, 0, None)] == [True, True, False, False,
                                                                    False]
    assert Fixed("a").can_be("a") and not Fixed("a").can_be("b")
    mixed = Choice([1, True, "x", None, 2.5])
    assert [mixed.can_be(v) for v in (1, 1.0, True, "x", None, 2.5, 2, False)] == [
        True, True, True, True, True, True, False, False]
    assert mixed.encode(True, "c") == [1] and mixed.encode(1, "c") == [0]
    assert mixed.encode(1.0, "c") == [0]  # 1.0 is the value 1; True never stands for 1


def test_genes_save_every_setting_and_load_back_equal():
    genes = {
        "i": Int(1, 64, log=True, sigma=0.5, when={"c": "a"}),
        "f": Float(0.0, 2.0, sigma=0.1), "c": Choice(["a", "b"], ordered=True), "b": Bool(),
        "k": Fixed(None), "r": Repeat(Int(0, 2), u=Float(1e-3, 1.0, log=True), when={"c": "b"}),
    }
    space = Space(**genes)
    data = json.loads(json.dumps(space.to_json()))
    assert data["genes"]["i"] == {"type": "int", "low": 1, "high": 64, "log": True, "sigma": 0.5,
                                  "when": {"c": ["a"]}}
    assert data["genes"]["f"] == {"type": "float", "low": 0.0, "high": 2.0, "log": False,
                                  "sigma": 0.1}
    assert data["genes"]["c"] == {"type": "choice", "values": ["a", "b"], "ordered": True}
    assert data["genes"]["b"] == {"type": "bool"} and data["genes"]["k"] == {
        "type": "fixed", "value": None}
    assert data["genes"]["r"]["when"] == {"c": ["b"]}
    again = Space.from_json(data)
    assert again == space and again.to_json() == space.to_json()
    assert again.genes["i"].sigma == 0.5 and again.genes["f"].sigma == 0.1
    assert again.genes["r"].when == {"c": ("b",)}
    assert error(lambda: Space.from_json({"genes": 3})).endswith(
        "; save one with space.to_json()")


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
     "Repeat count takes a plain Int(low, high) (no log=, no when=)"),
    (lambda: Repeat(Int(1, 8, when={"a": 1}), u=Int(1, 8)),
     "Repeat count takes a plain Int(low, high) (no log=, no when=)"),
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


def test_a_fixed_gene_left_out_of_a_config_still_controls_its_dependants():
    space = Space(mode=Fixed("wide"), width=Int(1, 9, when={"mode": "wide"}),
                  extra=Bool(when={"width": 9}))
    genome = space.encode({"width": 4})
    assert space.decode(genome) == {"mode": "wide", "width": 4}
    assert space.decode(space.encode({"mode": "wide", "width": 4})) == {"mode": "wide",
                                                                         "width": 4}
    assert error(lambda: space.encode({"mode": "wide"})) == (
        "config['width'] is missing; give a value for it")
    assert error(lambda: space.encode({"width": 4, "extra": True})) == (
        "config['extra'] is given, but that gene only counts when width is 9; leave it out")
    assert space.decode(space.encode({"width": 9, "extra": True}))["extra"] is True


def test_conditions_compare_values_as_numbers_but_never_booleans_as_numbers():
    by_float = Space(c=Choice([1.0, 2.0]), x=Int(0, 3, when={"c": 1}))
    assert by_float.decode([0, 2]) == {"c": 1.0, "x": 2}  # 1.0 is the value 1
    assert by_float.decode([1, 2]) == {"c": 2.0}
    by_bool = Space(c=Choice([1, True]), x=Int(0, 3, when={"c": 1}))
    assert by_bool.decode([0, 2]) == {"c": 1, "x": 2}
    assert by_bool.decode([1, 2]) == {"c": True}  # True is not the value 1 here
    by_true = Space(c=Choice([1, True]), x=Int(0, 3, when={"c": True}))
    assert by_true.decode([0, 2]) == {"c": 1}


def test_a_dormant_controller_left_out_of_a_config_switches_its_dependants_off():
    space = Space(use=Bool(), opt=Choice([None, "sgd"], when={"use": True}),
                  L=Repeat(1, m=Float(0.0, 1.0, when={"opt": None})))
    config = {"use": False, "L": [{}]}
    assert space.decode(space.encode(config)) == config
    grid = Grid(space, 2)
    keys = {config_key(grid.point(i)) for i in range(grid.size)}
    assert config_key(config) in keys and grid.size == 1 + 2 + 1


NESTED = Space(opt=Choice(["adam", "sgd"]),
               outer=Repeat(Int(1, 2), kind=Choice(["d", "c"]),
                            inner=Repeat(1, drop=Float(0.0, 0.5, when={"opt": "adam"}),
                                         k=Int(1, 3, when={"kind": "c"}))))


def test_genes_two_groups_deep_see_the_outer_genes():
    rng = random.Random(0)
    seen = set()
    for _ in range(200):
        config = NESTED.decode(NESTED.sample(rng))
        for block in config["outer"]:
            (inner,) = block["inner"]
            assert ("drop" in inner) == (config["opt"] == "adam")
            assert ("k" in inner) == (block["kind"] == "c")
            seen.add((config["opt"], block["kind"]))
        assert NESTED.decode(NESTED.encode(config)) == config
    assert len(seen) == 4
    config = {"opt": "adam", "outer": [{"kind": "c", "inner": [{"drop": 0.25, "k": 2}]}]}
    assert NESTED.decode(NESTED.encode(config)) == config
    assert error(lambda: NESTED.encode(
        {"opt": "sgd", "outer": [{"kind": "d", "inner": [{"drop": 0.25}]}]})) == (
        "config['outer'][0]['inner'][0]['drop'] is given, but that gene only counts when opt "
        "is 'adam'; leave it out")


def test_a_grid_enumerates_genes_two_groups_deep_and_blocks_are_independent():
    grid = Grid(NESTED, 3)
    points = [grid.point(i) for i in range(grid.size)]
    # adam: counts 1, 2 x (kind d: drop 3; kind c: drop 3 x k 3); sgd: counts 1, 2 x (1 + 3)
    assert grid.size == len({config_key(p) for p in points}) == 2 * 12 + 2 * 4
    for p in points:
        assert NESTED.decode(NESTED.encode(p)) == p
    two = next(p for p in points if len(p["outer"]) == 2)
    two["outer"][0]["inner"][0]["k"] = 99  # each block is its own data
    assert two["outer"][1]["inner"][0].get("k") != 99


def test_grid_order_is_blocks_in_turn_and_the_last_gene_fastest():
    space = Space(a=Choice(["x", "y"]), n=Int(0, 2), b=Bool(when={"a": "x"}))
    grid = Grid(space, 3)
    assert [grid.point(i) for i in range(grid.size)] == [
        {"a": "x", "n": 0, "b": False}, {"a": "x", "n": 0, "b": True},
        {"a": "x", "n": 1, "b": False}, {"a": "x", "n": 1, "b": True},
        {"a": "x", "n": 2, "b": False}, {"a": "x", "n": 2, "b": True},
        {"a": "y", "n": 0}, {"a": "y", "n": 1}, {"a": "y", "n": 2}]
    layers = Grid(Space(L=Repeat(Int(0, 2), u=Choice([4, 8]))), 3)
    assert [layers.point(i) for i in range(layers.size)] == [
        {"L": []}, {"L": [{"u": 4}]}, {"L": [{"u": 8}]},
        {"L": [{"u": 4}, {"u": 4}]}, {"L": [{"u": 8}, {"u": 8}]}]
    uneven = Grid(Space(a=Choice(["x", "y"]), b=Bool(when={"a": "x"}),
                        n=Int(0, 2, when={"a": "y"})), 3)  # blocks of two and three points
    assert [uneven.point(i) for i in range(uneven.size)] == [
        {"a": "x", "b": False}, {"a": "x", "b": True},
        {"a": "y", "n": 0}, {"a": "y", "n": 1}, {"a": "y", "n": 2}]
    assert Grid(Space(a=Int(0, 10))).size == 3  # three levels unless told


@pytest.mark.parametrize("space", [
    # a controller declared after the genes it controls
    Space(c=Bool(when={"b": [1, 2]}), b=Choice([1, 2, 3], when={"a": "x"}),
          a=Choice(["y", "x"])),
    # the first value of a controller switches its dependant off
    Space(a=Choice(["y", "x"]), b=Choice([1, 2, 3], when={"a": "x"}),
          c=Bool(when={"b": [1, 2]})),
])
def test_grid_of_a_chain_of_conditions_in_any_order(space):
    grid = Grid(space, 3)
    keys = {config_key(grid.point(i)) for i in range(grid.size)}
    assert grid.size == len(keys) == 6  # y; x with b=3; x with b in 1, 2 times c
    assert config_key({"a": "y"}) in keys and config_key({"a": "x", "b": 3}) in keys


def test_grid_of_an_integer_controller_and_of_a_controller_inside_a_block():
    by_int = Grid(Space(n=Int(0, 10), x=Float(0.0, 1.0, when={"n": [0, 5]})), 3)
    assert by_int.size == 3 + 3 + 1  # n=0 and n=5 each with three x, n=10 alone
    inside = Space(o=Choice(["a", "b"]), L=Repeat(1, t=Choice(["d", "c"], when={"o": "a"}),
                                                 k=Int(1, 3, when={"t": "c"})))
    grid = Grid(inside, 3)
    points = {config_key(grid.point(i)) for i in range(grid.size)}
    assert grid.size == len(points) == 1 + 1 + 3  # b; a with d; a with c times k
    assert config_key({"o": "a", "L": [{"t": "c", "k": 3}]}) in points


def test_a_grid_of_too_many_condition_blocks_is_refused():
    space = Space(a=Choice(list(range(400))), b=Choice(list(range(400))),
                  x=Bool(when={"a": 0, "b": 0}))
    assert error(lambda: Grid(space, 2)) == (
        "the grid has over 100,000 condition blocks; give the genes that when= tests fewer "
        "values")


def test_grid_levels_and_index_are_checked():
    space = Space(a=Int(0, 10))
    for bad in (0, True, 1.5, "3"):
        assert error(lambda b=bad: Grid(space, b)) == (
            f"levels must be a whole number >= 1, got {bad!r}")
    with pytest.raises(IndexError, match=r"^grid index 3 outside \[0, 3\)$"):
        Grid(space).point(3)


def test_describe_shortens_floats_and_lists_blocks():
    assert describe({"lr": 0.000123456, "n": 3, "name": "adam", "on": True}) == (
        "lr=0.000123 n=3 name=adam on=True")
    assert describe({"sizes": [1, 2.5], "layers": []}) == "sizes=[1, 2.5] layers=[]"
    assert config_key({"b": [1, 2], "a": {"y": 0.5, "x": None}}) == (
        '{"a":{"x":null,"y":0.5},"b":[1,2]}')
