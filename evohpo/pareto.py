"""Pareto dominance, non-dominated filtering and the hypervolume, for minimised objectives.

Pure functions on plain tuples, so NSGA-II, the analysis and the tests score fronts the same
way. The hypervolume is exact: a sweep in 2-D and slicing along the last objective above that
(Zitzler's HSO), which is quick for the few hundred points a tuning campaign produces. DEAP 1.4
no longer ships its own ``hv`` module (it calls the optional ``moocore``), hence our own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .errors import EvohpoError

Point = tuple[float, ...]


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is no worse than ``b`` in every objective and better in one (all minimised)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True))


def non_dominated(points: Sequence[Sequence[float]]) -> list[int]:
    """Indices, in input order, of the points no other point dominates. Equal points do not
    dominate each other, so every copy of a non-dominated point is kept."""
    # in lexicographic order a point's dominators all come before it, and if one of them is
    # itself dominated, whatever dominates it is kept and dominates the point too: so each point
    # is only checked against the kept ones (fast when the front is small)
    kept: list[int] = []
    for i in sorted(range(len(points)), key=lambda k: _sort_key(points[k])):
        if not any(dominates(points[j], points[i]) for j in kept):
            kept.append(i)
    return sorted(kept)


def _sort_key(point: Sequence[float]) -> tuple[float, ...]:
    """Lexicographic order with nan last (nan compares false, so it dominates nothing)."""
    return tuple(math.inf if math.isnan(x) else x for x in point)


def hypervolume(points: Sequence[Sequence[float]], reference: Sequence[float]) -> float:
    """The volume dominated by ``points`` and bounded by ``reference`` (all minimised): the
    one number that says how good a whole front is. Only points strictly better than the
    reference in every objective count; dominated points change nothing."""
    ref = tuple(float(r) for r in reference)
    if not ref or not all(math.isfinite(r) for r in ref):
        raise EvohpoError(f"the hypervolume reference must be finite numbers, got {reference!r}")
    inside: list[Point] = []
    for p in points:
        point = tuple(float(x) for x in p)
        if len(point) != len(ref):
            raise EvohpoError(f"point {tuple(p)!r} has {len(point)} objectives, the reference "
                              f"{len(ref)}; give every point one value per objective")
        if all(x < r for x, r in zip(point, ref)):  # also drops nan; -inf would be unbounded
            if not all(math.isfinite(x) for x in point):
                raise EvohpoError(f"point {point!r} is unbounded below; its volume is infinite")
            inside.append(point)
    front = sorted(set(inside))
    if len(ref) > 2:  # the 2-D sweep skips dominated points by itself
        front = [front[i] for i in non_dominated(front)]
    return _volume(front, ref)


def _volume(front: list[Point], ref: Point) -> float:
    """Exact volume of mutually non-dominated points, each strictly inside ``ref``."""
    if not front:
        return 0.0
    if len(ref) == 1:
        return ref[0] - min(p[0] for p in front)
    if len(ref) == 2:
        area, floor = 0.0, ref[1]
        for x, y in sorted(front):  # x ascending; a non-dominated y then descends
            if y < floor:
                area += (ref[0] - x) * (floor - y)
                floor = y
        return area
    # slice along the last objective: between consecutive values, the points at or below the
    # slice's bottom dominate a (d-1)-dimensional area that is constant through the slab
    front = sorted(front, key=lambda p: p[-1])
    volume = 0.0
    for i, p in enumerate(front):
        top = front[i + 1][-1] if i + 1 < len(front) else ref[-1]
        if top > p[-1]:
            below = sorted({q[:-1] for q in front[:i + 1]})
            if len(ref) > 3:  # the 2-D sweep skips dominated points by itself
                below = [below[k] for k in non_dominated(below)]
            volume += (top - p[-1]) * _volume(below, ref[:-1])
    return volume


MARGIN = 0.1  # the reference sits 10% of each objective's range beyond its worst value


def reference_point(points: Sequence[Sequence[float]], margin: float = MARGIN) -> Point:
    """A hypervolume reference every given point is strictly inside: per objective, the worst
    (largest) value widened by ``margin`` of that objective's range, or of the value's own size
    (1 if it is 0) when every point has the same value. Non-finite values are ignored.

    A campaign fixes it once from its first clean generation, a comparison from every run's
    clean evaluations together, so that every volume it ranks is measured in the same box."""
    if not points:
        raise EvohpoError("a reference point needs at least one point")
    ref = []
    for values in zip(*points, strict=True):
        finite = [float(v) for v in values if math.isfinite(float(v))]
        if not finite:
            raise EvohpoError("a reference point needs a finite value of every objective")
        worst, spread = max(finite), max(finite) - min(finite)
        ref.append(worst + margin * (spread if spread > 0 else (abs(worst) or 1.0)))
    return tuple(ref)


def knee(points: Sequence[Sequence[float]]) -> int:
    """Index of the front's knee: the point nearest (Euclidean) to the ideal point once each
    objective is scaled to [0, 1] over the given points (an objective all points share counts
    as 0). Scaling makes the choice independent of units (parameters vs accuracy); among equally
    near points the first wins, so the choice is reproducible."""
    if not points:
        raise EvohpoError("the knee of an empty front is undefined")
    columns = list(zip(*points, strict=True))
    lows = [min(c) for c in columns]
    spans = [max(c) - min(c) for c in columns]

    def distance(p: Sequence[float]) -> float:
        return math.sqrt(sum(((x - lo) / s if s > 0 else 0.0) ** 2
                             for x, lo, s in zip(p, lows, spans)))

    return min(range(len(points)), key=lambda i: (distance(points[i]), i))
