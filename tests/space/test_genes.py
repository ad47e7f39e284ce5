"""Typed genes: each samples, mutates with its documented step, reflects off its bounds, lists grid
levels, says which values a when= may name, saves and loads its settings
(evohpo/space/genes.py).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter

from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Int,
    Repeat,
    Space,
)
from tests._checks import binomial_near, error, mutations, std


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
