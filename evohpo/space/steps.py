"""Numeric genes on a grid of steps: ``Int(32, 512, step=32)``, ``Float(1e-4, 1e-1, step=10,
log=True)``.

A step is added on a linear scale (32, 64, 96, ... up to ``high``) and multiplied on a log
scale (1e-4, 1e-3, 1e-2, 1e-1), as KerasTuner's ``step`` is, so a hypermodel's stepped
hyperparameter keeps its exact values. Why a module of its own: the grid is one rule (its
values, the nearest one, a move along it) that Int and Float both follow, each in its own
internal coordinate (:mod:`evohpo.space.genes`). A slot still holds that coordinate, always of
a grid value; a mutation takes the gene's usual Gaussian step and rounds it to the nearest grid
value (a step that rounds back moves to a neighbour), and a grid of at most ``NARROW`` values
is reset uniformly, as a narrow Int is.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from deap import tools

from ..errors import EvohpoError

NARROW = 10  # a grid this small is reset uniformly: each value is a distinct choice
_SLACK = 1e-9  # relative: 0.1 * 3 still reaches 0.3, the top of a float grid
MAX_VALUES = 100_000  # a finer grid is a continuous range: no step
SIG_DIGITS = 6  # as decoded floats are rounded (:data:`evohpo.space.genes.SIG_DIGITS`)


def check_step(kind: str, low: Any, high: Any, step: Any, log: bool, whole: bool) -> Any:
    """The step as the gene keeps it (None: no grid), or a one-line refusal."""
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, int | float) or not math.isfinite(step):
        raise EvohpoError(f"{kind} step must be a finite number, got {step!r}")
    if whole and int(step) != step:
        raise EvohpoError(f"{kind} step must be a whole number, got {step!r}")
    step = int(step) if whole else float(step)
    if log and step <= 1:
        raise EvohpoError(f"{kind}({low!r}, {high!r}, log=True, step={step!r}): on a log scale "
                          "the step is a factor; give one above 1 (2 doubles)")
    if not log and step <= 0:
        raise EvohpoError(f"{kind} step must be > 0, got {step!r}")
    if not log and whole and step == 1:
        return None  # every whole number: the plain Int
    return step


def ladder(low: Any, high: Any, step: Any, log: bool, whole: bool) -> tuple[Any, ...]:
    """The grid: ``low`` and every step from it that stays within ``high``."""
    kind = "Int" if whole else "Float"
    values: list[Any] = []
    top = high if whole else high + abs(high) * _SLACK
    while len(values) <= MAX_VALUES:
        i = len(values)
        value = low * step ** i if log else low + i * step
        if value > top:
            break
        if not whole:  # 0.1 * 3 is 0.3 on the grid, as a decoded float (and a CSV) shows it
            value = min(high, max(low, float(f"{value:.{SIG_DIGITS}g}")))
        if values and value == values[-1]:
            raise EvohpoError(f"{kind}({low!r}, {high!r}, step={step!r}): the step is below "
                              f"{SIG_DIGITS} significant digits of the values; use a larger "
                              "step or none")
        values.append(value)
    if len(values) > MAX_VALUES:
        raise EvohpoError(f"{kind}({low!r}, {high!r}, step={step!r}) has more than "
                          f"{MAX_VALUES:,} grid values; use a larger step or none")
    if len(values) < 2:
        raise EvohpoError(f"{kind}({low!r}, {high!r}, step={step!r}) has one value on its grid; "
                          f"use Fixed({low!r}) or a smaller step")
    return tuple(values)


def index_of(values: Sequence[Any], value: Any) -> int | None:
    """Where ``value`` is on the grid (a float within rounding of a grid value), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    i = nearest(values, value)
    v = values[i]
    return i if value == v or (isinstance(v, float) and math.isclose(value, v, rel_tol=1e-6)) \
        else None


def nearest(points: Sequence[float], x: float) -> int:
    """The grid index whose internal coordinate (ascending) is nearest ``x``."""
    i = bisect.bisect_left(points, x)
    if i == 0:
        return 0
    if i == len(points):
        return len(points) - 1
    return i if points[i] - x < x - points[i - 1] else i - 1


def move(points: Sequence[float], current: int, sigma: float, rng: random.Random) -> int:
    """A mutation along the grid (``points``: each value's internal coordinate): a uniform
    jump on a narrow grid, else a Gaussian step of ``sigma`` rounded to the grid, never back to
    ``current``."""
    n = len(points)
    if n <= NARROW:
        return rng.choice([i for i in range(n) if i != current])
    (step,) = tools.mutGaussian([points[current]], 0.0, sigma, 1.0)
    new = nearest(points, step[0])
    if new == current:  # a step too small to leave the grid point: the nearest neighbour
        direction = -1 if rng.random() < 0.5 else 1
        new = current + direction if 0 <= current + direction < n else current - direction
    return new


def spread(values: Sequence[Any], n: int, middle: Callable[[], Any]) -> list[Any]:
    """``n`` grid levels: the whole grid when it is that small, else evenly spread indices."""
    if len(values) <= n:
        return list(values)
    if n == 1:
        return [middle()]
    return [values[round(i * (len(values) - 1) / (n - 1))] for i in range(n)]
