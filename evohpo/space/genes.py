"""Typed genes: each one knows how it samples, mutates, decodes, encodes and lists grid levels.

A gene owns a fixed number of *slots* in the flat DEAP genome (``width``): one for Int, Float,
Choice and Bool, none for Fixed, and ``1 + max_count * block width`` for a Repeat. Slots hold
the gene's *internal* coordinate, so variation works where it is meaningful:

* ``Int``/``Float`` on a log scale keep log2 / log10 of the value and mutate by a Gaussian step
  there (halving and doubling a width are equally likely); on a linear scale, by a Gaussian
  step of ``sigma`` (default a sixth of the range). Narrow integer ranges (<= 10 values, such
  as a layer count) are reset uniformly instead. Integers stay integers, everything is clipped
  to its bounds, and a mutation always changes the value when the range allows it.
* ``step=`` puts an ``Int`` or ``Float`` on a grid (32, 64, ... or 1e-4, 1e-3, ... on a log
  scale, as KerasTuner's ``step``): the same moves, rounded to the grid (:mod:`.steps`).
* ``Choice`` keeps the index: unordered choices jump to another value, ordered ones step to a
  neighbour; ``Bool`` flips (DEAP ``mutFlipBit``).

``when={"optimizer": "sgd"}`` makes a gene conditional: it only counts (is decoded, keyed,
written to the CSV) when that gene has that value (or one of a list of values). A dormant gene
keeps its slots, so crossover and later mutations can bring it back.

(Slightly over 400 lines on purpose: the five leaf types share the bound and ``when=`` checks
above them, and reading them side by side shows they honour one interface.)
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from deap import tools

from ..errors import EvohpoError
from . import steps

JSON_SCALARS = (str, int, float, bool, type(None))
SIG_DIGITS = 6  # floats are decoded to 6 significant digits: they survive a CSV round trip


def _round_sig(x: float) -> float:
    return float(f"{x:.{SIG_DIGITS}g}")


def _native(value: Any) -> Any:
    """A numpy scalar (``np.float64(0.5)``, ``np.int64(3)``) as the Python value it holds, so
    configs only ever carry native types; anything else unchanged."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def _check_when(when: Mapping[str, Any] | None) -> dict[str, tuple[Any, ...]] | None:
    if when is None:
        return None
    if not isinstance(when, Mapping) or not when:
        raise EvohpoError(f"when= takes a dict such as {{'optimizer': 'sgd'}}, got {when!r}")
    out = {}
    for name, value in when.items():
        values = tuple(value) if isinstance(value, list | tuple | set | frozenset) else (value,)
        if not values:
            raise EvohpoError(f"when={{{name!r}: ...}} lists no value; give one or more")
        out[str(name)] = values
    return out


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EvohpoError(f"{name} must be a finite number, got {value!r}")
    return value


@dataclass(frozen=True)
class Gene:
    """Base of every gene type; ``when`` makes it conditional (see the module docstring)."""

    when: dict[str, tuple[Any, ...]] | None = field(default=None, kw_only=True)

    width = 1

    def sample(self, rng: random.Random) -> list[Any]:
        raise NotImplementedError

    def mutate(self, slots: list[Any], rng: random.Random) -> list[Any]:
        """New slots, different from ``slots`` whenever the gene can take another value."""
        raise NotImplementedError

    def decode(self, slots: Sequence[Any]) -> Any:
        raise NotImplementedError

    def encode(self, value: Any, where: str) -> list[Any]:
        raise NotImplementedError

    def default_slots(self) -> list[Any]:
        """Slots for a dormant gene that a config does not mention."""
        raise NotImplementedError

    def levels(self, n: int) -> list[Any]:
        """Grid values: ``n`` spread over a numeric range, every value of a choice."""
        raise NotImplementedError

    def can_be(self, value: Any) -> bool:
        """Whether a ``when=`` condition on this gene can ever hold for ``value``."""
        return False

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def _when_json(self) -> dict[str, Any]:
        return {} if self.when is None else {"when": {k: list(v) for k, v in self.when.items()}}


def _check_bounds(kind: str, low: Any, high: Any, log: bool) -> None:
    _number(f"{kind} low", low)
    _number(f"{kind} high", high)
    if low > high:
        raise EvohpoError(f"{kind}({low!r}, {high!r}): low is above high; swap them")
    if low == high:
        raise EvohpoError(f"{kind}({low!r}, {high!r}) has one value; use Fixed({low!r})")
    if log and low <= 0:
        raise EvohpoError(
            f"{kind}({low!r}, {high!r}, log=True): a log scale needs low > 0; "
            "give a positive lower bound or log=False"
        )


def _set_grid(gene: Int | Float, kind: str, whole: bool) -> None:
    """Check ``step`` and lay out the grid once: ``gene.grid``, the values a stepped gene can
    take in order (None without a step), for strategies that suggest from it."""
    step = steps.check_step(kind, gene.low, gene.high, gene.step, gene.log, whole)
    object.__setattr__(gene, "step", step)
    grid = None if step is None else steps.ladder(gene.low, gene.high, step, gene.log, whole)
    object.__setattr__(gene, "grid", grid)


def _grid_move(gene: Int | Float, current: float, rng: random.Random) -> int:
    """A stepped gene's mutation: the grid index it moves to from internal coordinate
    ``current`` (its Gaussian step of ``sigma``, default a sixth of the range, on the grid)."""
    points = [gene._internal(v) for v in gene.grid]
    sigma = gene.sigma if gene.sigma is not None else (points[-1] - points[0]) / 6
    return steps.move(points, steps.nearest(points, current), sigma, rng)


def _on_grid(gene: Int | Float, value: Any, where: str) -> int:
    i = steps.index_of(gene.grid, value)
    if i is None:
        shown = ", ".join(f"{v:g}" for v in gene.grid[:6])
        more = ", ..." if len(gene.grid) > 6 else ""
        raise EvohpoError(f"{where}={value!r} is not on the grid of step {gene.step:g}: "
                          f"{shown}{more}")
    return i


def _step_json(gene: Int | Float) -> dict[str, Any]:
    return {} if gene.step is None else {"step": gene.step}


@dataclass(frozen=True)
class Int(Gene):
    """A whole number in [low, high]; ``log=True`` samples and mutates on a log2 scale;
    ``step`` keeps it on a grid (low, low + step, ...; a factor with log: :mod:`.steps`)."""

    low: int = 0
    high: int = 1
    log: bool = False
    sigma: float | None = None  # mutation step in internal units (log2 units if log)
    step: int | None = None

    def __post_init__(self) -> None:
        for name, v in (("low", _native(self.low)), ("high", _native(self.high))):
            object.__setattr__(self, name, v)
            if isinstance(v, bool) or not isinstance(v, int):
                if isinstance(v, float) and v.is_integer():
                    object.__setattr__(self, name, int(v))
                else:
                    raise EvohpoError(f"Int {name} must be a whole number, got {v!r}; use Float")
        _check_bounds("Int", self.low, self.high, self.log)
        object.__setattr__(self, "when", _check_when(self.when))
        _set_grid(self, "Int", whole=True)

    def _internal(self, value: float) -> float:
        return math.log2(value) if self.log else float(value)

    @property
    def _narrow(self) -> bool:
        return not self.log and self.high - self.low < 10

    def _clip(self, v: float) -> int:
        return int(min(self.high, max(self.low, round(v))))

    def sample(self, rng: random.Random) -> list[Any]:
        if self.grid:
            return [rng.choice(self.grid)]
        if self.log:
            return [self._clip(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))]
        return [rng.randint(self.low, self.high)]

    def mutate(self, slots: list[Any], rng: random.Random) -> list[Any]:
        current = int(slots[0])
        if self.grid:
            return [self.grid[_grid_move(self, self._internal(current), rng)]]
        if self._narrow:
            return [rng.choice([v for v in range(self.low, self.high + 1) if v != current])]
        if self.log:
            span = math.log2(self.high) - math.log2(self.low)
            x, to_value = math.log2(current), lambda t: 2.0 ** t
        else:
            span, x, to_value = self.high - self.low, float(current), lambda t: t
        sigma = self.sigma if self.sigma is not None else span / 6
        (step,) = tools.mutGaussian([x], 0.0, sigma, 1.0)
        new = self._clip(to_value(step[0]))
        if new == current:  # a step too small to move an integer: take the nearest neighbour
            direction = -1 if rng.random() < 0.5 else 1
            new = self._clip(current + direction)
            if new == current:
                new = self._clip(current - direction)
        return [new]

    def decode(self, slots: Sequence[Any]) -> int:
        return int(slots[0])

    def encode(self, value: Any, where: str) -> list[Any]:
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise EvohpoError(f"{where} must be a whole number, got {value!r}")
        if not self.low <= value <= self.high:
            raise EvohpoError(f"{where}={value} is outside [{self.low}, {self.high}]")
        return [self.grid[_on_grid(self, value, where)] if self.grid else int(value)]

    def default_slots(self) -> list[Any]:
        if self.grid:
            return [self.grid[(len(self.grid) - 1) // 2]]
        if self.log:
            return [self._clip(math.sqrt(self.low * self.high))]
        return [self._clip((self.low + self.high) / 2)]

    def levels(self, n: int) -> list[int]:
        if self.grid:
            return steps.spread(self.grid, n, lambda: self.default_slots()[0])
        if self.high - self.low + 1 <= n:
            return list(range(self.low, self.high + 1))
        if n == 1:
            return self.default_slots()
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            points = [math.exp(a + i * (b - a) / (n - 1)) for i in range(n)]
        else:
            points = [self.low + i * (self.high - self.low) / (n - 1) for i in range(n)]
        return sorted({self._clip(p) for p in points})

    def can_be(self, value: Any) -> bool:
        return (not isinstance(value, bool) and isinstance(value, int | float)
                and int(value) == value and self.low <= value <= self.high
                and (not self.grid or steps.index_of(self.grid, value) is not None))

    def to_json(self) -> dict[str, Any]:
        return {"type": "int", "low": self.low, "high": self.high, "log": self.log,
                "sigma": self.sigma, **_step_json(self), **self._when_json()}


@dataclass(frozen=True)
class Float(Gene):
    """A real number in [low, high]; ``log=True`` samples and mutates on a log10 scale;
    ``step`` keeps it on a grid (low, low + step, ...; a factor with log: :mod:`.steps`)."""

    low: float = 0.0
    high: float = 1.0
    log: bool = False
    sigma: float | None = None  # mutation step in internal units (decades if log)
    step: float | None = None

    def __post_init__(self) -> None:
        _check_bounds("Float", self.low, self.high, self.log)
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))
        object.__setattr__(self, "when", _check_when(self.when))
        _set_grid(self, "Float", whole=False)

    def _internal(self, value: float) -> float:
        return math.log10(value) if self.log else float(value)

    def _bounds(self) -> tuple[float, float]:
        if self.log:
            return math.log10(self.low), math.log10(self.high)
        return self.low, self.high

    def sample(self, rng: random.Random) -> list[Any]:
        if self.grid:
            return [self._internal(rng.choice(self.grid))]
        return [rng.uniform(*self._bounds())]

    def mutate(self, slots: list[Any], rng: random.Random) -> list[Any]:
        if self.grid:
            return [self._internal(self.grid[_grid_move(self, float(slots[0]), rng)])]
        lo, hi = self._bounds()
        sigma = self.sigma if self.sigma is not None else (hi - lo) / 6
        (step,) = tools.mutGaussian([float(slots[0])], 0.0, sigma, 1.0)
        x = step[0]
        x = 2 * hi - x if x > hi else 2 * lo - x if x < lo else x  # reflect: a value at a
        return [float(min(hi, max(lo, x)))]  # bound moves away instead of sticking there

    def decode(self, slots: Sequence[Any]) -> float:
        x = float(slots[0])
        value = 10.0 ** x if self.log else x
        return min(self.high, max(self.low, _round_sig(value)))  # rounding stays in bounds

    def encode(self, value: Any, where: str) -> list[Any]:
        _number(where, value)
        if not self.low <= value <= self.high:
            raise EvohpoError(f"{where}={value} is outside [{self.low:g}, {self.high:g}]")
        if self.grid:
            return [self._internal(self.grid[_on_grid(self, value, where)])]
        return [self._internal(value)]

    def default_slots(self) -> list[Any]:
        if self.grid:
            return [self._internal(self.grid[(len(self.grid) - 1) // 2])]
        lo, hi = self._bounds()
        return [(lo + hi) / 2]

    def levels(self, n: int) -> list[float]:
        if self.grid:
            return steps.spread(self.grid, n, lambda: self.decode(self.default_slots()))
        lo, hi = self._bounds()
        xs = [(lo + hi) / 2] if n == 1 else [lo + i * (hi - lo) / (n - 1) for i in range(n)]
        return [self.decode([x]) for x in xs]

    def can_be(self, value: Any) -> bool:
        return (not isinstance(value, bool) and isinstance(value, int | float)
                and self.low <= value <= self.high
                and (not self.grid or steps.index_of(self.grid, value) is not None))

    def to_json(self) -> dict[str, Any]:
        return {"type": "float", "low": self.low, "high": self.high, "log": self.log,
                "sigma": self.sigma, **_step_json(self), **self._when_json()}


@dataclass(frozen=True)
class Choice(Gene):
    """One of ``values`` (JSON scalars); ``ordered=True`` mutates to a neighbouring value."""

    values: tuple[Any, ...] = ()
    ordered: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.values, str | bytes) or not isinstance(self.values, Sequence):
            raise EvohpoError(f"Choice takes a list of values, got {self.values!r}")
        values = tuple(_native(v) for v in self.values)
        if not values:
            raise EvohpoError("Choice([]) is empty; give at least one value")
        bad = [v for v in values if not isinstance(v, JSON_SCALARS)]
        if bad:
            raise EvohpoError(
                f"Choice values must be str, int, float, bool or None, got {bad[0]!r}; "
                "give a name and map it to the object in your build function"
            )
        keys = [(type(v).__name__, v) for v in values]
        if len(set(keys)) != len(keys):
            raise EvohpoError(f"Choice lists a value twice: {list(values)}; give each once")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "when", _check_when(self.when))

    def _index(self, value: Any) -> int | None:
        for i, v in enumerate(self.values):
            if type(v) is type(value) and v == value:
                return i
        for i, v in enumerate(self.values):  # 3 matches 3.0; True never matches 1
            if not isinstance(v, bool) and not isinstance(value, bool) and v == value:
                return i
        return None

    def sample(self, rng: random.Random) -> list[Any]:
        return [rng.randrange(len(self.values))]

    def mutate(self, slots: list[Any], rng: random.Random) -> list[Any]:
        current, n = int(slots[0]), len(self.values)
        if n == 1:
            return [0]
        if self.ordered:
            moves = [i for i in (current - 1, current + 1) if 0 <= i < n]
            return [rng.choice(moves)]
        return [rng.choice([i for i in range(n) if i != current])]

    def decode(self, slots: Sequence[Any]) -> Any:
        return self.values[int(slots[0])]

    def encode(self, value: Any, where: str) -> list[Any]:
        i = self._index(value)
        if i is None:
            shown = ", ".join(repr(v) for v in self.values[:10])
            raise EvohpoError(f"{where}={value!r} is not one of: {shown}")
        return [i]

    def default_slots(self) -> list[Any]:
        return [0]

    def levels(self, n: int) -> list[Any]:
        return list(self.values)

    def can_be(self, value: Any) -> bool:
        return self._index(value) is not None

    def to_json(self) -> dict[str, Any]:
        return {"type": "choice", "values": list(self.values), "ordered": self.ordered,
                **self._when_json()}


@dataclass(frozen=True)
class Bool(Gene):
    """True or False; mutation flips it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "when", _check_when(self.when))

    def sample(self, rng: random.Random) -> list[Any]:
        return [rng.randrange(2)]

    def mutate(self, slots: list[Any], rng: random.Random) -> list[Any]:
        (flipped,) = tools.mutFlipBit([int(slots[0])], 1.0)
        return [int(flipped[0])]

    def decode(self, slots: Sequence[Any]) -> bool:
        return bool(slots[0])

    def encode(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, bool):
            raise EvohpoError(f"{where} must be true or false, got {value!r}")
        return [int(value)]

    def default_slots(self) -> list[Any]:
        return [0]

    def levels(self, n: int) -> list[bool]:
        return [False, True]

    def can_be(self, value: Any) -> bool:
        return isinstance(value, bool)

    def to_json(self) -> dict[str, Any]:
        return {"type": "bool", **self._when_json()}


@dataclass(frozen=True)
class Fixed(Gene):
    """A constant that every config carries (a setting you may later want to search)."""

    value: Any = None

    width = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _native(self.value))
        if not isinstance(self.value, JSON_SCALARS):
            raise EvohpoError(f"Fixed value must be str, int, float, bool or None, "
                              f"got {self.value!r}")
        object.__setattr__(self, "when", _check_when(self.when))

    def sample(self, rng: random.Random) -> list[Any]:
        return []

    def mutate(self, slots: list[Any], rng: random.Random) -> list[Any]:
        return []

    def decode(self, slots: Sequence[Any]) -> Any:
        return self.value

    def encode(self, value: Any, where: str) -> list[Any]:
        if value != self.value:
            raise EvohpoError(f"{where}={value!r}, but the space fixes it at {self.value!r}")
        return []

    def default_slots(self) -> list[Any]:
        return []

    def levels(self, n: int) -> list[Any]:
        return [self.value]

    def can_be(self, value: Any) -> bool:
        return value == self.value

    def to_json(self) -> dict[str, Any]:
        return {"type": "fixed", "value": self.value, **self._when_json()}
