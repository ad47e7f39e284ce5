"""A black box: any Python function of a config that returns its scores, evaluated by a
campaign instead of a Keras model trained on a task.

``fn(config) -> float | dict[str, float]``; it may also take ``seed=`` (the evaluation's seed,
a pure function of the campaign seed and the evaluation id, as a network's training gets), so
a noisy function gives the same CSV again for the same campaign seed, whatever the workers.
A float is the campaign's one objective; a dict names its scores: the objectives (several,
for NSGA-II) and any others. The objective's direction is always declared
(``objective="loss:min"``): nothing about a function says whether more is better. ``metrics``
lists every score the dict holds, when known: each becomes a CSV column, and an objective
that is not among them is refused before anything runs.

A black box stands where a task and a model stand in a campaign: it has a name, a
fingerprint (checked on resume), the scores it reports, and no data to ship, no network to
build, no TensorFlow, no model to save. Raising is a failed row with the error, as for a
network; a return value that is not a number, or a dict without an objective, is a failed row
whose error names the fix (:class:`ReturnError`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from .errors import EvohpoError
from .model import parameters
from .objectives import Objective, resolve_many
from .space import Space

KIND = "blackbox"  # a black box's kind, where a task has binary, multiclass or regression


class ReturnError(Exception):
    """The function returned what a campaign cannot score; the message names the fix."""


@dataclass(frozen=True, eq=False)
class BlackBox:
    """A function of a config and what the campaign needs to know about it (see the module
    docstring). ``space`` (optional) is the space it is defined on (a benchmark's); ``facts``
    go into best.json (a benchmark's best recorded values); ``describe`` is its one line."""

    fn: Callable[..., Any]
    objective: str | Objective | Sequence[str | Objective] | None = None
    name: str = ""
    space: Space | None = None
    metrics: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    version: str = ""  # part of the fingerprint: a benchmark's data version

    kind: ClassVar[str] = KIND
    preprocess: ClassVar[None] = None  # no table encoding to save for predict
    cost: ClassVar[None] = None  # no training cost to order a batch by

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise EvohpoError(f"a black box needs a function of a config, got {self.fn!r}")
        if not self.name:
            object.__setattr__(self, "name", getattr(self.fn, "__name__", "function"))
        if isinstance(self.metrics, str) or not all(isinstance(m, str) and m
                                                    for m in self.metrics):
            raise EvohpoError(f"black box {self.name}: metrics= lists score names, got "
                              f"{self.metrics!r}; write metrics=('loss', 'seconds')")
        object.__setattr__(self, "metrics", tuple(self.metrics))
        if self.space is not None and not isinstance(self.space, Space):
            raise EvohpoError(f"black box {self.name}: space= must be an evohpo.Space, got "
                              f"{type(self.space).__name__}")

    @cached_property
    def takes_seed(self) -> bool:
        found = parameters(self.fn)
        return "seed" in found or "**" in found

    def call(self, config: Mapping[str, Any], seed: int) -> Any:
        """The function's value for ``config`` (a copy: the function may change it)."""
        config = copy.deepcopy(dict(config))
        return self.fn(config, seed=seed) if self.takes_seed else self.fn(config)

    def fingerprint(self) -> str:
        """Name, function and version: a resume with another function is refused."""
        fn = f"{getattr(self.fn, '__module__', '')}.{getattr(self.fn, '__qualname__', '')}"
        text = json.dumps([self.name, fn, self.version, list(self.metrics)])
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        return f"{self.name} ({self.description or 'a black-box function'})"

    def reports(self, kind: str = KIND) -> tuple[str, ...] | None:
        """The scores it returns, when declared; None when only its calls tell."""
        return self.metrics or None

    def check_campaign(self, space: Space | None, *, model: Any = None, fit: Any = None,
                       epochs: int | None = None) -> Space:
        """What a campaign on this box cannot honour is refused, not ignored: a model or fit
        hook (the function is the model), epochs (nothing trains), a space other than the
        box's own. Returns the space to search (``space``, else the box's)."""
        if model is not None and model is not self:
            raise EvohpoError(f"model= builds Keras models, and {self.name} is a black box "
                              "that scores configs itself: leave model= (--model) out")
        if fit is not None:
            raise EvohpoError(f"fit= adds model.fit arguments, and {self.name} is a black box "
                              "that trains nothing: leave fit= (--fit) out")
        if epochs is not None:
            raise EvohpoError(f"epochs= is for training Keras models, and {self.name} is a "
                              "black box: leave epochs (--epochs) out")
        if space is None:
            if self.space is None:
                raise EvohpoError(f"black box {self.name} needs a search space: pass space= "
                                  "(--space FILE.py:NAME), or BlackBox(..., space=...)")
            return self.space
        if self.space is not None and self.space != space:
            raise EvohpoError(f"this search space is not {self.name}'s own; search the box's "
                              f"space (box.space, e.g. GeneticSearch(box.space))")
        return space

    def objectives(self, given: Any = None) -> tuple[Objective, ...]:
        """``given`` (the campaign's ``objective=``) or the box's own, each with a declared
        direction, and each among its metrics when those are declared."""
        raw = self.objective if given is None else given
        if raw is None:
            raise EvohpoError(f"black box {self.name}: name its value and say which way is "
                              "better: objective='loss:min' (or 'score:max')")
        parts = raw.split(",") if isinstance(raw, str) else (
            list(raw) if isinstance(raw, list | tuple) else [raw])
        for part in parts:
            if isinstance(part, str) and part.strip().count(":") == 0:
                raise EvohpoError(f"objective {part.strip()!r} of black box {self.name} needs "
                                  f"a direction: write {part.strip()}:min or "
                                  f"{part.strip()}:max")
        objs = resolve_many(raw, KIND)
        known = self.reports()
        for obj in objs:
            if obj.fn is not None:
                raise EvohpoError(f"objective {obj.name!r} computes from a trained model (fn=); "
                                  f"a black box's objectives are among its own scores")
            if known is not None and obj.name not in known:
                raise EvohpoError(f"black box {self.name} reports no {obj.name!r}; it reports "
                                  f"{', '.join(known)}: choose the objective among them")
        return objs


def as_black_box(target: Any) -> BlackBox | None:
    """``target`` as a black box if it is one (a BlackBox, or a plain function of a config);
    None for a task or a task name."""
    if isinstance(target, BlackBox):
        return target
    if callable(target) and not isinstance(target, str | type):
        return BlackBox(target)
    return None


def scores(value: Any, objectives: Sequence[Objective], name: str) -> dict[str, float]:
    """What the function returned, as named scores; a ReturnError naming the fix otherwise."""
    wanted = [o.name for o in objectives]
    if isinstance(value, Mapping):
        found = {str(k): _number(v, f"{name}() returned {v!r} for {k!r}") for k, v in
                 value.items()}
        missing = [w for w in wanted if w not in found]
        if missing:
            there = ", ".join(sorted(found)) or "nothing"
            raise ReturnError(f"{name}() returned a dict without {missing[0]!r}, the "
                              f"objective (it holds {there}); return {missing[0]!r} too, or "
                              "pass an objective it holds")
        return found
    if len(wanted) > 1:
        raise ReturnError(f"{name}() returned one value, and the campaign has {len(wanted)} "
                          f"objectives ({', '.join(wanted)}); return a dict with each of them")
    return {wanted[0]: _number(value, f"{name}() returned {value!r}")}


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ReturnError(f"{what}, not a number; return a float, or a dict of floats "
                          "(one per score)")
    return float(value)


def not_finite(found: Mapping[str, float]) -> str:
    """The error of a row whose function returned NaN or infinity ("" if every score is
    finite): such a row is recorded as diverged, as a network whose loss went NaN."""
    bad = [k for k, v in found.items() if not math.isfinite(v)]
    return f"the function returned {found[bad[0]]} for {bad[0]!r}" if bad else ""
