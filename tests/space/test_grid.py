"""The grid over a space: its exact size, every point a distinct valid config, its fixed order,
conditional and repeated genes, and its limits (evohpo/space/grid.py).
"""

from __future__ import annotations

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
)
from tests._checks import error
from tests.space.examples import NESTED, SPACE


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
    assert "levels must be a whole number >= 1, got 0" in error(lambda: Grid(SPACE, 0))
    grid = Grid(SPACE, 2)
    with pytest.raises(IndexError):
        grid.point(grid.size)
    with pytest.raises(IndexError):
        grid.point(-1)
