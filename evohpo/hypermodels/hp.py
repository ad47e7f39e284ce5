"""Our own ``hp``: KerasTuner's ``HyperParameters`` methods and semantics, without keras-tuner.

A KerasTuner hypermodel is ``build_model(hp)``; it asks ``hp`` for each value it needs
(``hp.Int``, ``hp.Float``, ``hp.Choice``, ``hp.Boolean``, ``hp.Fixed``), possibly inside
``hp.conditional_scope`` or with ``parent_name``/``parent_values``. This class answers those
calls exactly as KerasTuner's does (same defaults, same checks and exceptions, ``None`` for an
inactive hyperparameter, ``values``, ``get``, ``hp[name]``, ``name in hp``, ``name_scope``),
so the same function runs unchanged under both. It is given the values of one config and
records every declaration and call: evohpo builds with it to discover a hypermodel's space
(:mod:`evohpo.hypermodels.explore`) and to build the network of each config
(:mod:`evohpo.hypermodels.replay`). Pure Python: no Keras here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SAMPLINGS = ("linear", "log", "reverse_log")


def gene_name(name: str) -> str:
    """The gene (and CSV column) of a hyperparameter: its name, every character a Python name
    cannot hold made ``_`` (``name_scope``'s ``block/units`` is ``block_units``)."""
    out = re.sub(r"\W", "_", name)
    return out if out.isidentifier() else f"hp_{out}"


@dataclass(frozen=True)
class Parent:
    """KerasTuner's condition: active when hyperparameter ``name`` has one of ``values``."""

    name: str
    values: tuple[Any, ...]

    @classmethod
    def make(cls, name: str, values: Any) -> Parent:
        values = list(values) if isinstance(values, list | tuple) else [values]
        first = values[0]  # standardised as KerasTuner does: on the first value's type
        if isinstance(first, str):
            values = [str(v) for v in values]
        elif isinstance(first, int) and not isinstance(first, bool):
            values = [int(v) for v in values]
        elif not isinstance(first, bool | float):
            raise TypeError("Can contain only `int`, `float`, `str`, or `bool`, found values: "
                            f"{values}with types: {type(first)}")
        return cls(name, tuple(values))

    def is_active(self, values: Mapping[str, Any]) -> bool:
        return self.name in values and values[self.name] in self.values


@dataclass(frozen=True)
class Declared:
    """One hyperparameter as a build declared it: its kind, settings, default and conditions.

    ``kind`` is KerasTuner's class name (Int, Float, Choice, Boolean, Fixed); ``values`` are
    a Choice's values (a Fixed's one value); ``low``/``high``/``step``/``sampling`` a number's.
    """

    kind: str
    name: str
    default: Any
    conditions: tuple[Parent, ...] = ()
    low: Any = None
    high: Any = None
    step: Any = None
    sampling: str = "linear"
    values: tuple[Any, ...] = ()
    ordered: bool = False

    def settings(self) -> tuple[Any, ...]:
        """What makes two declarations of one name the same hyperparameter."""
        return (self.kind, self.low, self.high, self.step, self.sampling, self.values,
                self.ordered, self.default)


def _whole(value: Any, arg: str) -> int:
    if int(value) != value:
        raise ValueError(f"{arg} must be an int, Received: {value} of type {type(value)}.")
    return int(value)


def _numeric(kind: str, name: str, low: Any, high: Any, step: Any, sampling: Any) -> str:
    """KerasTuner's checks of a numeric hyperparameter; the sampling, lower-cased."""
    where = f"For HyperParameters.{kind}(name='{name}')"
    if low > high:
        raise ValueError(f"{where}, min_value {low} is greater than the max_value {high}.")
    sampling = "linear" if sampling is None else str(sampling).lower()
    if sampling not in SAMPLINGS:
        raise ValueError(f"{where}, sampling must be one of {set(SAMPLINGS)}")
    if sampling != "linear" and low <= 0:
        raise ValueError(f"{where}, sampling='{sampling}' does not support negative values, "
                         f"found min_value: {low}.")
    if sampling != "linear" and step is not None and step <= 1:
        raise ValueError(f"{where}, expected step > 1 with sampling='{sampling}'. "
                         f"Received: step={step}.")
    return sampling


def declare_int(name: str, min_value: Any, max_value: Any, step: Any, sampling: Any,
                default: Any, conditions: tuple[Parent, ...]) -> Declared:
    if step is not None:
        step = _whole(step, "step")
    elif sampling == "linear":
        step = 1
    low, high = _whole(min_value, "min_value"), _whole(max_value, "max_value")
    sampling = _numeric("Int", name, low, high, step, sampling)
    return Declared("Int", name, low if default is None else default, conditions, low, high,
                    step, sampling)


def declare_float(name: str, min_value: Any, max_value: Any, step: Any, sampling: Any,
                  default: Any, conditions: tuple[Parent, ...]) -> Declared:
    low, high = float(min_value), float(max_value)
    step = None if step is None else float(step)
    sampling = _numeric("Float", name, low, high, step, sampling)
    return Declared("Float", name, low if default is None else default, conditions, low, high,
                    step, sampling)


def declare_choice(name: str, values: Any, ordered: Any, default: Any,
                   conditions: tuple[Parent, ...]) -> Declared:
    if not values:
        raise ValueError("`values` must be provided for `Choice`.")
    values = list(values)
    types = {type(v) for v in values}
    if len(types) > 1:
        raise TypeError("A `Choice` can contain only one type of value, found values: "
                        f"{values} with types {types}.")
    first = values[0]
    if isinstance(first, str):  # standardised on str, int, float, bool, as KerasTuner does
        values = [str(v) for v in values]
        default = None if default is None else str(default)
    elif isinstance(first, int):  # bools too: KerasTuner turns Choice([True, False]) into 1, 0
        values = [int(v) for v in values]
        default = None if default is None else int(default)
    elif not isinstance(first, float):
        raise TypeError("A `Choice` can contain only `int`, `float`, `str`, or `bool`, found "
                        f"values: {values}with types: {type(first)}")
    if default is not None and default not in values:
        raise ValueError("The default value should be one of the choices. "
                         f"You passed: values={values}, default={default}")
    numeric = isinstance(first, int | float)
    if ordered and not numeric:
        raise ValueError("`ordered` must be `False` for non-numeric types.")
    return Declared("Choice", name, values[0] if default is None else default, conditions,
                    values=tuple(values), ordered=numeric if ordered is None else bool(ordered))


def declare_boolean(name: str, default: Any, conditions: tuple[Parent, ...]) -> Declared:
    if default not in {True, False}:
        raise ValueError(f"`default` must be a Python boolean. You passed: default={default}")
    return Declared("Boolean", name, default, conditions, values=(True, False))


def declare_fixed(name: str, value: Any, conditions: tuple[Parent, ...]) -> Declared:
    if isinstance(value, bool):
        value = bool(value)
    elif isinstance(value, int):
        value = int(value)
    elif not isinstance(value, float | str):
        raise ValueError(f"`Fixed` value must be an `int`, `float`, `str`, or `bool`, found "
                         f"{value}")
    return Declared("Fixed", name, value, conditions, values=(value,))


@dataclass
class Call:
    """One ``hp.*`` call of a build, in order: what it declared and whether it was active."""

    declared: Declared
    active: bool


class HyperParameters:
    """KerasTuner's ``hp``, given the values of one config (``values``: name -> value).

    A hyperparameter the values do not mention takes its default, as in KerasTuner; one
    declared under a condition that does not hold is ``None``. ``space`` lists the
    declarations in order, ``calls`` every call (the same name may be asked for again).
    """

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self._conditions: list[Parent] = []
        self._name_scopes: list[str] = []
        self._hps: dict[str, list[Declared]] = defaultdict(list)
        self._space: list[Declared] = []
        self._calls: list[Call] = []
        self.active_scopes: list[list[Parent]] = []
        self.inactive_scopes: list[list[Parent]] = []

    def __repr__(self) -> str:
        return f"HyperParameters(values={self.values!r})"

    # -- what a build reads ----------------------------------------------------------------
    @property
    def space(self) -> list[Declared]:
        return list(self._space)

    @property
    def calls(self) -> list[Call]:
        return list(self._calls)

    def get(self, name: str) -> Any:
        """The current value of ``name``; KeyError if it was never declared, ValueError if it
        is inactive (KerasTuner's exceptions)."""
        name = self._get_name(name)
        if name in self.values:
            return self.values[name]
        if name in self._hps:
            raise ValueError(f"{name} is currently inactive.")
        raise KeyError(f"{name} does not exist.")

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
            return True
        except (KeyError, ValueError):
            return False

    def copy(self) -> HyperParameters:
        """A copy with the same values and declarations (KerasTuner's, for ``tunable=False``
        hypermodels: what they declare then stays out of the search space)."""
        other = HyperParameters(self.values)
        for d in self._space:
            other._hps[d.name].append(d)
            other._space.append(d)
        return other

    def is_active(self, hyperparameter: Declared | str) -> bool:
        if isinstance(hyperparameter, Declared):
            return self._holds(hyperparameter.conditions)
        return any(self._holds(d.conditions) for d in self._hps[str(hyperparameter)])

    # -- scopes ----------------------------------------------------------------------------
    @contextmanager
    def name_scope(self, name: str) -> Iterator[None]:
        self._name_scopes.append(name)
        try:
            yield
        finally:
            self._name_scopes.pop()

    @contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Hyperparameters declared inside are active only when ``parent_name`` has one of
        ``parent_values``; the code inside runs either way (as in KerasTuner)."""
        parent_name = self._get_name(parent_name)
        if not self._exists(parent_name, tuple(self._conditions)):
            raise ValueError(f"`HyperParameter` named: {parent_name} not defined.")
        self._conditions.append(Parent.make(parent_name, parent_values))
        scopes = self.active_scopes if self._holds(self._conditions) else self.inactive_scopes
        scopes.append(list(self._conditions))
        try:
            yield
        finally:
            self._conditions.pop()

    # -- the declarations ------------------------------------------------------------------
    def Int(self, name: str, min_value: int, max_value: int, step: int | None = None,
            sampling: str = "linear", default: int | None = None,
            parent_name: str | None = None, parent_values: Any = None) -> int | None:
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(declare_int(self._get_name(name), min_value, max_value, step,
                                              sampling, default, tuple(self._conditions)))

    def Float(self, name: str, min_value: float, max_value: float, step: float | None = None,
              sampling: str = "linear", default: float | None = None,
              parent_name: str | None = None, parent_values: Any = None) -> float | None:
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(declare_float(self._get_name(name), min_value, max_value,
                                                step, sampling, default,
                                                tuple(self._conditions)))

    def Choice(self, name: str, values: Any, ordered: bool | None = None, default: Any = None,
               parent_name: str | None = None, parent_values: Any = None) -> Any:
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(declare_choice(self._get_name(name), values, ordered, default,
                                                 tuple(self._conditions)))

    def Boolean(self, name: str, default: bool = False, parent_name: str | None = None,
                parent_values: Any = None) -> bool | None:
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(declare_boolean(self._get_name(name), default,
                                                  tuple(self._conditions)))

    def Fixed(self, name: str, value: Any, parent_name: str | None = None,
              parent_values: Any = None) -> Any:
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(declare_fixed(self._get_name(name), value,
                                                tuple(self._conditions)))

    # -- KerasTuner's bookkeeping ----------------------------------------------------------
    @contextmanager
    def _maybe_scope(self, parent_name: str | None, parent_values: Any) -> Iterator[None]:
        if parent_name:
            with self.conditional_scope(parent_name, parent_values):
                yield
        else:
            yield

    def _get_name(self, name: Any) -> str:
        return "/".join([*self._name_scopes, str(name)])

    def _holds(self, conditions: Any) -> bool:
        return all(c.is_active(self.values) for c in conditions)

    def _exists(self, name: str, conditions: tuple[Parent, ...]) -> bool:
        return any(d.conditions == conditions for d in self._hps.get(name, ()))

    def _retrieve(self, declared: Declared) -> Any:
        """The value of a hyperparameter declared before (the first declaration of a name
        under the same conditions wins, as in KerasTuner), or of a new one."""
        if self._exists(declared.name, declared.conditions):
            first = next(d for d in self._hps[declared.name]
                         if d.conditions == declared.conditions)
            active = self._holds(first.conditions)
            self._calls.append(Call(first, active))
            return self.values.get(first.name) if active else None
        for condition in self._conditions:
            if condition.name == declared.name:
                raise ValueError("A conditional `HyperParameter` cannot have the same name as "
                                 f"its parent. Found: {declared.name} and parent_name: "
                                 f"{condition.name}")
        self._hps[declared.name].append(declared)
        self._space.append(declared)
        active = self._holds(declared.conditions)
        self._calls.append(Call(declared, active))
        if not active:  # only active hyperparameters have values (KerasTuner's rule)
            self.values.pop(declared.name, None)
            return None
        alias = gene_name(declared.name)  # a config names it by its gene
        if declared.name not in self.values and alias in self.values:
            self.values[declared.name] = self.values.pop(alias)
        self.values.setdefault(declared.name, declared.default)
        return self.values[declared.name]
