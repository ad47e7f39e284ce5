"""Pareto dominance, non-dominated filtering, exact hypervolume, reference point and knee for
minimised objectives (evohpo/pareto.py).
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from evohpo.errors import EvohpoError
from evohpo.pareto import dominates, hypervolume, knee, non_dominated, reference_point
from tests._checks import error


# -- pareto helpers: exact values on hand examples ---------------------------------------------
def test_dominates_needs_no_worse_everywhere_and_better_somewhere():
    assert dominates((1, 2), (1, 3))
    assert dominates((0, 0, 0), (1, 1, 1))
    assert not dominates((1, 2), (1, 2))  # equal points do not dominate each other
    assert not dominates((1, 3), (2, 2))
    assert not dominates((2, 2), (1, 3))
    assert dominates((1.0, 5.0), (math.inf, math.inf))


def test_non_dominated_keeps_every_copy_of_a_front_point_in_input_order():
    points = [(3, 3), (1, 3), (2, 2), (3, 1), (2, 2), (4, 0.5), (4, 4)]
    assert non_dominated(points) == [1, 2, 3, 4, 5]
    assert non_dominated([]) == []
    assert non_dominated([(1, 1, 1)]) == [0]
    assert non_dominated([(1, 2, 3), (3, 2, 1), (2, 2, 2), (3, 3, 3)]) == [0, 1, 2]


def test_hypervolume_2d_staircase_by_hand():
    # rectangles to (4, 4): 3x1 + 2x1 + 1x1
    assert hypervolume([(1, 3), (2, 2), (3, 1)], (4, 4)) == 6.0
    # a dominated point, a duplicate and points on or beyond the reference change nothing
    assert hypervolume([(1, 3), (2, 2), (3, 1), (3, 3), (2, 2), (4, 0), (5, -1)], (4, 4)) == 6.0
    assert hypervolume([(0, 0)], (2, 3)) == 6.0
    assert hypervolume([], (1, 1)) == 0.0
    assert hypervolume([(2, 2)], (1, 1)) == 0.0
    assert hypervolume([(math.inf, math.inf), (math.nan, 0)], (1, 1)) == 0.0  # failures


def test_hypervolume_3d_and_4d_by_hand():
    assert hypervolume([(1, 1, 1)], (2, 2, 2)) == 1.0
    # boxes 2*2*1 and 1*1*2 overlapping in a unit cube: 4 + 2 - 1
    assert hypervolume([(0, 0, 1), (1, 1, 0)], (2, 2, 2)) == 5.0
    # three unit "corner" points of a 2-cube: 3 boxes of 1*2*2 ... by inclusion-exclusion
    pts = [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    # each box is 1x2x2 = 4; pairwise overlaps 1x1x2 = 2; triple overlap 1
    assert hypervolume(pts, (2, 2, 2)) == 3 * 4 - 3 * 2 + 1
    assert hypervolume([(0, 0, 0, 0)], (1, 2, 3, 4)) == 24.0
    assert hypervolume([(0, 0, 0, 1), (1, 1, 1, 0)], (2, 2, 2, 2)) == 8 + 2 - 1


def test_hypervolume_matches_a_monte_carlo_estimate_in_3d():
    rng = np.random.default_rng(3)
    pts = [tuple(p) for p in rng.random((12, 3))]
    ref = (1.0, 1.0, 1.0)
    samples = rng.random((200_000, 3))
    covered = np.zeros(len(samples), dtype=bool)
    for p in pts:
        covered |= np.all(samples >= np.array(p), axis=1)
    assert hypervolume(pts, ref) == pytest.approx(covered.mean(), abs=0.005)


def test_hypervolume_agrees_with_moocore_when_installed():
    moocore = pytest.importorskip("moocore")
    rng = np.random.default_rng(0)
    for d in (2, 3, 4):
        pts = rng.random((25, d))
        ref = np.full(d, 1.1)
        assert hypervolume([tuple(p) for p in pts], tuple(ref)) == pytest.approx(
            float(moocore.hypervolume(pts, ref=ref)), rel=1e-12)


def test_hypervolume_bad_input_names_the_problem():
    with pytest.raises(EvohpoError, match="reference must be finite"):
        hypervolume([(0, 0)], (1, math.inf))
    with pytest.raises(EvohpoError, match="has 3 objectives, the reference 2"):
        hypervolume([(0, 0, 0)], (1, 1))


def test_non_dominated_agrees_with_the_definition_on_random_points_with_ties():
    rng = random.Random(0)
    for _ in range(200):
        d = rng.choice([2, 3, 4])
        pts = [tuple(rng.randint(0, 4) for _ in range(d)) for _ in range(rng.randint(0, 30))]
        if pts and rng.random() < 0.3:
            pts[0] = (math.nan, *pts[0][1:])  # nan neither dominates nor is dominated
        brute = [i for i, p in enumerate(pts)
                 if not any(dominates(q, p) for j, q in enumerate(pts) if j != i)]
        assert non_dominated(pts) == brute
    grid = list(itertools.product([0, 1, 2], repeat=2))
    assert [grid[i] for i in non_dominated(grid)] == [(0, 0)]


def test_pure_reference_point_and_knee_by_hand():
    # worst + 10% of the range; one value everywhere: 10% of its size (or 1 at 0)
    assert reference_point([(-0.9, 100.0), (-0.5, 1100.0)]) == pytest.approx((-0.46, 1200.0))
    assert reference_point([(2.0, 0.0), (2.0, 0.0)]) == pytest.approx((2.2, 0.1))
    assert reference_point([(-4.0, 1.0)], margin=0.5) == pytest.approx((-2.0, 1.5))
    with pytest.raises(EvohpoError, match="at least one point"):
        reference_point([])
    # scaled to [0, 1] over the front: (0,1), (0.2, 0.1), (1, 0): the middle one is nearest
    assert knee([(0.0, 1000.0), (2.0, 100.0), (10.0, 0.0)]) == 1
    assert knee([(5.0, 5.0)]) == 0
    assert knee([(0.0, 1.0), (1.0, 0.0)]) == 0  # equally near: the first, reproducibly


def test_the_reference_point_sits_a_tenth_of_the_range_beyond_the_worst():
    from evohpo.pareto import knee, reference_point

    assert reference_point([(0.0, 10.0), (2.0, 0.0)]) == (2.2, 11.0)
    assert reference_point([(1.0, -3.0), (1.0, -5.0)]) == (1.1, -2.8)  # one value: 10% of it
    assert reference_point([(0.0, 4.0)]) == (0.1, 4.4)  # zero: 10% of 1
    assert reference_point([(-2.0, 1.0)]) == (-1.8, 1.1)
    assert reference_point([(0.0, 1.0), (math.inf, math.nan), (1.0, 3.0)]) == (1.1, 3.2)
    assert reference_point([(0.0, 10.0), (2.0, 0.0)], margin=0.5) == (3.0, 15.0)
    assert error(lambda: reference_point([])) == "a reference point needs at least one point"
    assert error(lambda: reference_point([(0.0, math.inf)])) == (
        "a reference point needs a finite value of every objective")
    assert knee([(0.0, 10.0), (4.0, 4.0), (10.0, 0.0)]) == 1
    assert knee([(0.0, 100.0), (0.2, 10.0), (1.0, 0.0)]) == 1  # scaled: units do not matter
    assert knee([(5.0, 1.0), (5.0, 0.0)]) == 1  # a shared objective counts as 0
    assert knee([(1.0, 0.0), (0.0, 1.0)]) == 0  # equally near: the first
    assert knee([(3.0, 3.0)]) == 0
    assert error(lambda: knee([])) == "the knee of an empty front is undefined"


def test_the_knee_is_nearest_to_the_ideal_in_euclidean_distance_from_each_minimum():
    from evohpo.pareto import knee

    # scaled by range from each objective's own minimum, not from zero
    assert knee([(10.0, 1000.0), (10.2, 100.0), (11.0, 0.0)]) == 1
    # Euclidean: (0.65, 0.2) is nearer than (0.5, 0.5); Manhattan would agree, cubes would not
    assert knee([(0.0, 1.0), (0.5, 0.5), (0.65, 0.2), (1.0, 0.0)]) == 2
    # Euclidean: (0.5, 0.5) is nearer than (0.8, 0.1); Manhattan would pick the latter
    assert knee([(0.0, 1.0), (0.5, 0.5), (0.8, 0.1), (1.0, 0.0)]) == 1


def test_points_of_different_lengths_are_an_error_not_a_silent_truncation():
    from evohpo.pareto import dominates, knee, reference_point

    with pytest.raises(ValueError):
        dominates((1.0, 2.0), (1.0, 2.0, 3.0))
    with pytest.raises(ValueError):
        dominates((0.0, 0.0, 0.0), (1.0, 1.0))
    with pytest.raises(ValueError):
        reference_point([(0.0, 1.0), (1.0,)])
    with pytest.raises(ValueError):
        knee([(0.0, 1.0), (1.0,)])


def test_nan_never_hides_a_dominated_point():
    from evohpo.pareto import non_dominated

    assert non_dominated([(2.0, 2.0), (math.nan, 0.0), (1.0, 1.0)]) == [1, 2]
    assert non_dominated([(math.nan, 5.0), (3.0, 3.0), (2.0, 2.0)]) == [0, 2]


def test_hypervolume_in_one_dimension_and_of_an_unbounded_point():
    assert hypervolume([(0.5,), (0.2,), (2.0,)], (1.0,)) == 0.8
    assert hypervolume([(0.5, 0.0)], (2.0, 1.0)) == 1.5
    assert error(lambda: hypervolume([(-math.inf, 0.0)], (1.0, 1.0))) == (
        "point (-inf, 0.0) is unbounded below; its volume is infinite")
