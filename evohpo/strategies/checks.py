"""Constructor arguments checked against a table each strategy class declares once.

scikit-learn's ``_parameter_constraints`` is the model: a class says what each argument may be
(``constraints``), one decorator (:func:`validated`) checks every call of its ``__init__``
against that table, so a strategy's constructor only stores values, and every refusal is the
same one line, ``NAME must be WHAT, got VALUE``. A rule may also give the default that ``None``
stands for, computed from the arguments checked before it (``elites`` from ``population``).
"""

from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import EvohpoError

Args = Mapping[str, Any]
Default = Callable[[Args], Any] | None
Bound = int | str | None  # a number, another argument's name, or "a - b" of two names


def _bound(bound: Bound, args: Args) -> Any:
    """A bound's value: a number as it is, a name (or ``a - b``) from the arguments."""
    if not isinstance(bound, str):
        return bound
    first, _, second = bound.partition(" - ")
    return args[first] - args[second] if second else args[first]


@dataclass(frozen=True)
class Whole:
    """A whole number (never a bool) in ``[low, high]``, or ``[low, high)`` with ``open_high``.
    ``optional``: ``None`` is allowed (off, or ``default`` when one is given)."""

    low: Bound = None
    high: Bound = None
    open_high: bool = False
    optional: bool = False
    default: Default = None
    label: str = ""  # the name the message says, when it is not the argument's
    unit: str = ""  # "of epochs": a whole number of epochs
    note: str = ""  # after the requirement: "(1: off)", "for nsga2"

    def what(self, args: Args) -> str:
        number = "a whole number" + (f" {self.unit}" if self.unit else "")
        if self.high is not None:
            close = ")" if self.open_high else "]"
            return f"{number} in [{self.low}, {self.high}{close}"
        low = self.low
        if isinstance(low, str):  # say what the other argument is
            low = f"{low} ({_bound(low, args)})"
        return f"{number} >= {low}"

    def holds(self, value: Any, args: Args) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            return False
        low, high = _bound(self.low, args), _bound(self.high, args)
        if low is not None and value < low:
            return False
        return high is None or (value < high if self.open_high else value <= high)


@dataclass(frozen=True)
class Probability:
    """A real number in ``[0, 1]``; ``optional``: ``None`` is allowed (``default`` applies)."""

    optional: bool = False
    default: Default = None
    label: str = ""
    note: str = ""

    def what(self, args: Args) -> str:
        return "a probability in [0, 1]"

    def holds(self, value: Any, args: Args) -> bool:
        return (isinstance(value, numbers.Real) and not isinstance(value, bool)
                and 0 <= value <= 1)


@dataclass(frozen=True)
class OneOf:
    """One of a few named values."""

    values: tuple[str, ...]
    optional: bool = False
    default: Default = None
    label: str = ""
    note: str = ""

    def what(self, args: Args) -> str:
        return f"one of {', '.join(self.values)}"

    def holds(self, value: Any, args: Args) -> bool:
        return isinstance(value, str) and value in self.values


Rule = Whole | Probability | OneOf


def check(constraints: Mapping[str, Rule], args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` with every ``None`` that has a default replaced by it, each argument with a
    rule checked in the table's order; the first that breaks its rule raises one line."""
    out = dict(args)
    for name, rule in constraints.items():
        if name not in out:
            continue
        value = out[name]
        if value is None and rule.default is not None:
            value = out[name] = rule.default(out)
        if value is None and rule.optional:
            continue
        if not rule.holds(value, out):
            note = f" {rule.note}" if rule.note else ""
            raise EvohpoError(f"{rule.label or name} must be {rule.what(out)}{note}, "
                              f"got {value!r}")
    return out


F = TypeVar("F", bound=Callable[..., None])


def validated(init: F) -> F:
    """Decorate ``__init__``: its arguments are checked against the class's ``constraints``
    (defaults filled in) before the body runs; the signature stays the one written."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def checked(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = check(type(self).constraints, dict(bound.arguments))
        init(**values)

    return checked  # type: ignore[return-value]
