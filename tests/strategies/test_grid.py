"""Grid search (evohpo/strategies/grid.py): every point once in a seeded order, part of a grid at a
smaller budget, huge grids sampled without replacement, checkpoints.
"""

from __future__ import annotations

import pytest

from evohpo.errors import EvohpoError
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
from evohpo.strategies import (
    GridSearch,
)
from tests._checks import error
from tests.strategies.landscapes import SMALL, drive, ok, proposals_of, round_trip

# -- grid search ----------------------------------------------------------------------------------
GRID_SPACE = Space(opt=Choice(["adam", "sgd", "rms"]), m=Float(0.0, 0.9, when={"opt": "sgd"}),
                   layers=Repeat(Int(0, 3), w=Int(8, 64, log=True)), fixed=Fixed(1))


def test_grid_search_proposes_every_point_once_then_is_done():
    gs = GridSearch(GRID_SPACE, seed=0, levels=3, batch=7)
    size = gs.size
    assert size == (1 + 1 + 3) * (1 + 3 + 3)  # opt x m, times counts 0, 2, 3 x widths
    keys, coverages = [], []
    while not gs.done:
        proposals = gs.ask(100)
        assert 0 < len(proposals) <= 7
        keys += [config_key(p.config) for p in proposals]
        coverages.append(gs.coverage)
        gs.tell([ok(i, p.generation, p.config, 0.0) for i, p in enumerate(proposals)])
    assert len(keys) == size == len(set(keys))
    assert set(keys) == {config_key(c) for c in gs.all_points()}
    assert coverages == [min(7 * (i + 1), size) / size for i in range(len(coverages))]
    assert gs.coverage == 1.0 and gs.ask(10) == []


def test_grid_order_is_seeded_and_the_points_the_same():
    def order(seed):
        gs = GridSearch(GRID_SPACE, seed=seed, batch=100)
        return [config_key(p.config) for p in gs.ask(100)]

    assert order(0) == order(0)
    assert order(0) != order(1)
    assert sorted(order(0)) == sorted(order(1))


def test_grid_smaller_budget_covers_part_of_the_grid():
    gs = GridSearch(GRID_SPACE, seed=0, batch=4)
    evals = drive(gs, 10, objective=lambda c: 0.0)
    assert len(evals) == 10 and not gs.done
    assert gs.coverage == pytest.approx(10 / gs.size)


def test_huge_grid_is_sampled_without_replacement_and_resumes():
    space = Space(**{f"b{i}": Bool() for i in range(21)})  # 2 097 152 points
    gs = GridSearch(space, seed=0, batch=100)
    assert gs.size == 2**21
    first = proposals_of(gs, 5, lambda c: 0.0)
    again = GridSearch(space, seed=0, batch=100)
    again.load_state_dict(round_trip(gs.state_dict()))
    later = proposals_of(gs, 5, lambda c: 0.0)
    assert proposals_of(again, 5, lambda c: 0.0) == later
    keys = [config_key(c) for batch in first + later for c in batch]
    assert len(set(keys)) == len(keys) == 1000


def test_grid_checkpoint_of_another_grid_is_refused():
    gs = GridSearch(GRID_SPACE, seed=0, levels=3)
    other = GridSearch(GRID_SPACE, seed=0, levels=2)
    with pytest.raises(EvohpoError, match="resume with the same space and --levels"):
        other.load_state_dict(gs.state_dict())


def test_grid_settings_are_checked():
    with pytest.raises(EvohpoError, match="levels must be a whole number >= 1, got 0"):
        GridSearch(GRID_SPACE, levels=0)
    with pytest.raises(EvohpoError, match="batch must be a whole number >= 1, got 0"):
        GridSearch(GRID_SPACE, batch=0)


def test_grid_search_defaults_and_batch_numbers():
    default = GridSearch(SMALL)
    explicit = GridSearch(SMALL, seed=0, levels=3, batch=12)
    assert default.size == explicit.size == Grid(SMALL, 3).size == 27
    first = default.ask(100)
    assert [p.config for p in first] == [p.config for p in explicit.ask(100)]
    assert len(first) == 12 and {p.generation for p in first} == {0}
    default.tell([])
    second = default.ask(100)
    assert {p.generation for p in second} == {1}  # the batch number, as the CSV shows it
    default.tell([])
    assert {p.generation for p in default.ask(100)} == {2}
    assert GridSearch(SMALL, levels=1, batch=1).size == 3  # the smallest settings are fine
    for bad in (True, 1.5, 0):
        assert error(lambda b=bad: GridSearch(SMALL, levels=b)) == (
            f"levels must be a whole number >= 1, got {bad!r}")
        assert error(lambda b=bad: GridSearch(SMALL, batch=b)) == (
            f"batch must be a whole number >= 1, got {bad!r}")
    other = GridSearch(SMALL, levels=2)
    assert error(lambda: other.load_state_dict(explicit.state_dict())) == (
        "grid size 27 in the checkpoint, 12 now; resume with the same space and --levels")
    huge = GridSearch(Space(**{f"b{i}": Bool() for i in range(21)}))
    assert huge.all_points() == []  # too many to list
