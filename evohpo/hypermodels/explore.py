"""Discovering a hypermodel's hyperparameters: build it with our recording ``hp`` under chosen
values until every hyperparameter it can declare has been seen, keeping what each build asked.

KerasTuner finds conditional hyperparameters by building with the default values, then with
values that open each conditional scope it saw closed (``BaseTuner._activate_all_conditions``);
one declared for some values only *without* a scope (``for i in range(hp.Int("num_layers",
1, 4))``, ``if hp.Boolean("dropout")``) it meets only when a trial happens to draw those
values. Here every build that uses a new set of hyperparameters becomes a *base*, and each
hyperparameter the base uses is tried at other values from it: every value of a Choice or a
Boolean, both ends of a range, and every value of an Int whose ends change what is declared
(a layer count). The builds, with what each declared and used, are what
:mod:`evohpo.hypermodels.mapping` turns into genes and their conditions.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import EvohpoError
from .hp import Call, Declared, HyperParameters

MAX_BUILDS = 200  # builds one exploration may make (each one is a model built and compiled)
CONTROLLER_VALUES = 64  # an Int with at most this many values is tried at each of them


@dataclass
class Build:
    """One call of the hypermodel: the values it was given and what it asked for."""

    assignment: dict[str, Any]
    calls: list[Call]
    values: dict[str, Any]  # hp.values afterwards: the value of every active hyperparameter
    error: str = ""  # the exception it raised, in one line ("" when it returned)

    @cached_property
    def declared(self) -> list[Declared]:
        """Each hyperparameter it declared, once, in the order of its first call."""
        seen: dict[tuple[str, Any], Declared] = {}
        for call in self.calls:
            seen.setdefault((call.declared.name, call.declared.conditions), call.declared)
        return list(seen.values())

    @cached_property
    def used(self) -> dict[str, int]:
        """Active hyperparameters -> the position of their first call."""
        order: dict[str, int] = {}
        for i, call in enumerate(self.calls):
            if call.active:
                order.setdefault(call.declared.name, i)
        return order

    @cached_property
    def pattern(self) -> frozenset[str]:
        return frozenset(self.used)


@dataclass
class Exploration:
    """Every build an exploration made, and whether it finished before its limit."""

    builds: list[Build] = field(default_factory=list)
    complete: bool = True
    seconds: float = 0.0


def probe_values(declared: Declared) -> list[Any]:
    """The values a hyperparameter is first tried at: all of a Choice or Boolean, the ends
    of a range (the last grid value within it when it has a step)."""
    if declared.kind in ("Choice", "Boolean"):
        return list(declared.values)
    if declared.kind not in ("Int", "Float"):
        return []
    low, high, step = declared.low, declared.high, declared.step
    if step is None or declared.sampling == "reverse_log" or (declared.kind == "Int"
                                                               and step == 1):
        return [low, high]
    if declared.sampling == "log":
        top = low * step ** math.floor(math.log(high / low) / math.log(step) + 1e-9)
    else:
        top = low + math.floor((high - low) / step + 1e-9) * step
    return [low, int(top) if declared.kind == "Int" else float(f"{top:.12g}")]


def grid_values(declared: Declared, limit: int = CONTROLLER_VALUES) -> list[Any] | None:
    """Every value an Int (or a stepped Float) can take, or None when they are more than
    ``limit`` (or continuous)."""
    low, high, step = declared.low, declared.high, declared.step
    multiply = declared.sampling == "log" and step is not None
    if declared.kind == "Int" and (step is None or declared.sampling == "reverse_log"):
        step, multiply = 1, False  # every whole number in the range
    if step is None or declared.sampling == "reverse_log":
        return None
    values: list[Any] = []
    while len(values) <= limit:
        value = low * step ** len(values) if multiply else low + len(values) * step
        if value > high + abs(high) * 1e-9:
            return values
        values.append(int(value) if declared.kind == "Int" else value)
    return None


def _key(assignment: dict[str, Any]) -> str:
    return json.dumps(sorted(assignment.items()), default=repr)


def one_build(build_model: Callable[[Any], Any], assignment: dict[str, Any],
              keras: Any = None) -> Build:
    """Call the hypermodel once with ``assignment``; an exception it raises is recorded (what
    it declared before raising still counts)."""
    hp = HyperParameters(assignment)
    error = ""
    try:
        build_model(hp)
    except Exception as exc:  # noqa: BLE001 - the user's code: recorded, never a crash here
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        error = f"{type(exc).__name__}: {first}"[:300]
    finally:
        if keras is not None:  # the models built here are thrown away
            keras.backend.clear_session(free_memory=False)
    return Build(dict(assignment), hp.calls, dict(hp.values), error)


def explore(build_model: Callable[[Any], Any], *, name: str = "build_model",
            max_builds: int = MAX_BUILDS, keras: Any = None) -> Exploration:
    """Build ``build_model`` from its defaults, then from every base (see the module doc),
    until nothing new is found or ``max_builds`` builds were made."""
    start = time.perf_counter()
    found = Exploration()
    done: dict[str, Build] = {}

    def run(assignment: dict[str, Any]) -> Build | None:
        key = _key(assignment)
        if key not in done:
            if len(done) >= max_builds:
                found.complete = False
                return None
            done[key] = one_build(build_model, assignment, keras)
            found.builds.append(done[key])
        return done[key]

    first = run({})
    assert first is not None
    if first.error:
        raise EvohpoError(f"{name}(hp) fails with its default hyperparameters ({first.error}); "
                          "fix it so that it builds a model")
    bases, patterns = [first], {first.pattern}

    def tried(base: Build, name: str, value: Any) -> Build | None:
        if base.values.get(name) == value and type(base.values.get(name)) is type(value):
            return base
        build = run({**base.assignment, name: value})
        if build is not None and not build.error and build.pattern not in patterns:
            patterns.add(build.pattern)
            bases.append(build)
        return build

    for base in bases:  # grows while it is walked: each new pattern is explored in turn
        declared = {d.name: d for d in base.declared}
        for name in base.used:
            d = declared[name]
            builds = [tried(base, name, v) for v in probe_values(d)]
            if d.kind == "Int" and any(b is not None and b.pattern != base.pattern
                                       for b in builds):
                for value in grid_values(d) or []:  # a count: every value, for its thresholds
                    tried(base, name, value)
        if not found.complete:
            break
    found.seconds = time.perf_counter() - start
    return found
