"""Conditional genes (when=): which genes of a group count, across groups, types and values left
out of a config (evohpo/space/conditions.py).
"""

from __future__ import annotations

import random

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
)
from tests._checks import error
from tests.space.examples import NESTED


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
