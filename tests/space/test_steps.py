"""Numeric genes on a grid of steps: the grid KerasTuner's ``step`` describes, sampled uniformly,
mutated along it, encoded, listed as grid levels and saved (evohpo/space/steps.py).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from evohpo.space import Float, Int, Repeat, Space
from tests._checks import binomial_near, error, mutations, std


def test_the_grids_are_keras_tuners_documented_examples():
    assert Int(6, 13, step=3).grid == (6, 9, 12)  # up to high, never past it
    assert Int(2, 32, step=2, log=True).grid == (2, 4, 8, 16, 32)  # a factor on a log scale
    assert Float(0, 1, step=0.2).grid == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # 1.0 reached
    assert Float(0.001, 10, step=10, log=True).grid == (0.001, 0.01, 0.1, 1.0, 10.0)
    assert Int(32, 512, step=32).grid == tuple(range(32, 513, 32))
    assert Int(1, 9, step=1).step is None and Int(1, 9, step=1) == Int(1, 9)  # every integer


def test_sampling_is_uniform_over_the_grid_so_log_grids_sample_log_uniformly():
    units = Int(2, 32, step=2, log=True)
    rng = random.Random(0)
    counts = Counter(units.sample(rng)[0] for _ in range(5000))
    assert set(counts) == {2, 4, 8, 16, 32}
    assert all(binomial_near(c, 5000, 0.2) for c in counts.values())
    lr = Float(1e-4, 1e-1, step=10, log=True)  # slots hold log10 of a grid value
    assert {round(lr.sample(rng)[0], 9) for _ in range(200)} == {-4.0, -3.0, -2.0, -1.0}


def test_a_narrow_grid_jumps_uniformly_and_a_wide_one_takes_its_gaussian_step_on_the_grid():
    jumps = Counter(mutations(Int(6, 13, step=3), [9], 3000))
    assert set(jumps) == {6, 12} and binomial_near(jumps[6], 3000, 0.5)
    units = Int(32, 512, step=32)  # 16 values: a Gaussian step of (512 - 32) / 6 = 80 units
    moves = mutations(units, [256], 3000)
    assert all(m % 32 == 0 and 32 <= m <= 512 and m != 256 for m in moves)
    assert 70 < std([m - 256 for m in moves]) < 100  # 80, rounded to the grid
    assert binomial_near(sum(m > 256 for m in moves), 3000, 0.5)
    fine = Int(32, 512, step=32, sigma=1.0)  # a step that rounds back: to a neighbour
    assert Counter(mutations(fine, [256], 1000)).keys() == {224, 288}
    assert set(mutations(fine, [32], 100)) == {64} and set(mutations(fine, [512], 100)) == {480}


def test_a_log_grid_halves_as_often_as_it_doubles():
    units = Int(1, 4096, step=2, log=True)  # 13 values, a factor of 2 apart
    octaves = [math.log2(m / 64) for m in mutations(units, [64], 3000)]
    assert all(o == int(o) and o != 0 for o in octaves)
    assert binomial_near(sum(o > 0 for o in octaves), 3000, 0.5)
    lr = Float(1e-6, 1e-1, step=10 ** 0.25, log=True)  # 21 values, a quarter decade apart
    slots = mutations(lr, [lr.encode(1e-3, "lr")[0]], 2000)
    decoded = {lr.decode([s]) for s in slots}
    assert decoded <= set(lr.grid) and 1e-3 not in decoded


def test_encode_takes_grid_values_only_and_says_which_they_are():
    units = Int(32, 512, step=32)
    assert units.encode(64, "units") == [64] and units.encode(64.0, "units") == [64]
    assert error(lambda: units.encode(100, "config['units']")) == (
        "config['units']=100 is not on the grid of step 32: 32, 64, 96, 128, 160, 192, ...")
    rate = Float(0, 1, step=0.1)
    assert rate.decode(rate.encode(0.30000000000000004, "r")) == 0.3  # within rounding
    assert error(lambda: rate.encode(0.25, "r")).startswith("r=0.25 is not on the grid")
    lr = Float(1e-4, 1e-2, step=10, log=True)
    assert lr.decode(lr.encode(0.001, "lr")) == 0.001


def test_can_be_levels_and_the_default_follow_the_grid():
    units = Int(32, 512, step=32)
    assert [units.can_be(v) for v in (32, 64.0, 100, 544, True)] == [
        True, True, False, False, False]
    assert units.levels(3) == [32, 288, 512] and units.levels(20) == list(range(32, 513, 32))
    assert units.levels(1) == [256] and units.default_slots() == [256]  # the middle value
    lr = Float(1e-4, 1e-1, step=10, log=True)
    assert lr.levels(2) == [1e-4, 0.1] and lr.levels(1) == [0.001]
    assert Float(0, 1, step=0.5).can_be(0.5) and not Float(0, 1, step=0.5).can_be(0.25)


@pytest.mark.parametrize("make, message", [
    (lambda: Int(1, 10, step=0), "Int step must be > 0, got 0"),
    (lambda: Int(1, 10, step=1.5), "Int step must be a whole number, got 1.5"),
    (lambda: Int(1, 64, step=1, log=True),
     "Int(1, 64, log=True, step=1): on a log scale the step is a factor; give one above 1 "
     "(2 doubles)"),
    (lambda: Float(0, 1, step=float("nan")), "Float step must be a finite number, got nan"),
    (lambda: Int(1, 3, step=5), "Int(1, 3, step=5) has one value on its grid; use Fixed(1) or "
                                "a smaller step"),
    (lambda: Float(1000.0, 1001.0, step=1e-5),
     "Float(1000.0, 1001.0, step=1e-05): the step is below 6 significant digits of the "
     "values; use a larger step or none"),
    (lambda: Float(0.0, 1.0, step=1e-6),
     "Float(0.0, 1.0, step=1e-06) has more than 100,000 grid values; use a larger step or "
     "none"),
    (lambda: Repeat(Int(1, 4, step=2), u=Int(1, 2)),
     "Repeat count takes a plain Int(low, high) (no log=, step= or when=)"),
])
def test_a_bad_step_is_one_line_naming_the_fix(make, message):
    assert error(make) == message


def test_the_step_is_saved_only_when_given_so_older_spaces_load_unchanged():
    space = Space(units=Int(32, 512, step=32), lr=Float(1e-4, 1e-1, step=10, log=True),
                  plain=Int(1, 4))
    data = json.loads(json.dumps(space.to_json()))
    assert data["genes"]["units"]["step"] == 32 and data["genes"]["lr"]["step"] == 10.0
    assert "step" not in data["genes"]["plain"]
    again = Space.from_json(data)
    assert again == space and again.genes["units"].grid == space.genes["units"].grid
    rng = random.Random(3)
    for _ in range(20):
        config = space.decode(space.sample(rng))
        assert config["units"] % 32 == 0 and config["lr"] in (1e-4, 1e-3, 1e-2, 0.1)
        assert again.decode(again.encode(config)) == config
