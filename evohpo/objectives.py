"""What a campaign optimises: one metric and its direction, in one record used everywhere.

The strategies minimise; users read metrics in their natural direction. ``Objective`` is the
one place that knows both: ``minimised`` turns a score into the strategies' number, and the
CSV, progress line, analysis and plots read ``name`` and ``direction`` from it.

An objective is any metric the trained model reports on the validation split (``val_accuracy``,
``val_loss``, ``val_auc``, a custom metric: Keras' own names with ``val_`` in front), the
built-in ``params`` (trainable parameters), or a function ``fn(model, task) -> float`` that the
worker calls after training (define it at module level so workers can receive it).

An objective may be compared on a log scale (``params:min:log``): then a network half the size
is the same step at 1,000 parameters as at 100,000. That changes nothing for a single
objective (the order is the same) but decides, with several, how NSGA-II spreads its front
(crowding distance) and what the hypervolume measures: in raw parameters it is dominated by
the wide stretch of large networks, in decades every factor of ten counts alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import EvohpoError

DIRECTIONS = ("max", "min")
SCALES = ("linear", "log")
LOG_FLOOR = 1e-9  # a log-scaled value at or below 0 (a 0 ms latency) counts as this
_MIN_HINTS = ("loss", "error", "mse", "mae", "rmse", "params", "latency", "time", "seconds")


@dataclass(frozen=True)
class Objective:
    """A metric name, a direction (``max`` or ``min``), optionally how to compute it, and the
    scale it is compared on (``linear``, or ``log`` for sizes and times; see the module
    docstring)."""

    name: str
    direction: str = "max"
    fn: Callable[[Any, Any], float] | None = None
    scale: str = "linear"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise EvohpoError(f"an objective needs a metric name, got {self.name!r}")
        if self.direction not in DIRECTIONS:
            raise EvohpoError(
                f"objective {self.name!r}: direction {self.direction!r} is neither max nor min; "
                f"write {self.name}:max or {self.name}:min"
            )
        if self.scale not in SCALES:
            raise EvohpoError(
                f"objective {self.name!r}: scale {self.scale!r} is neither linear nor log; "
                f"write {self.name}:{self.direction}:log or leave the scale out"
            )
        if self.fn is not None and not callable(self.fn):
            raise EvohpoError(f"objective {self.name!r}: fn must be a function (model, task)")

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "min"

    @property
    def spec(self) -> str:
        """``name:direction`` (``:log`` added on a log scale), as the CSV's objective column and
        the command line write it."""
        return f"{self.name}:{self.direction}" + (":log" if self.scale == "log" else "")

    def scaled(self, value: float) -> float:
        """The value on the objective's scale: itself, or its log10 (floored at LOG_FLOOR)."""
        return math.log10(max(value, LOG_FLOOR)) if self.scale == "log" else value

    def minimised(self, value: float | None) -> float:
        """The strategies' number: lower is better; no value or NaN is the worst (inf)."""
        if value is None or not math.isfinite(float(value)):
            return math.inf
        v = self.scaled(float(value))
        return v if self.lower_is_better else -v

    def natural(self, minimised: float) -> float:
        """Inverse of :meth:`minimised` for finite values."""
        v = minimised if self.lower_is_better else -minimised
        return 10.0 ** v if self.scale == "log" else v


def minimised(objectives: Sequence[Objective], scores: Mapping[str, float]) -> tuple[float, ...]:
    """Scores -> the strategies' vector, one minimised value per objective (a missing score is
    the worst): the one place an evaluation's scores become what strategies compare."""
    return tuple(o.minimised(scores.get(o.name)) for o in objectives)


def guess_direction(name: str) -> str:
    """``min`` for losses, errors, sizes and times; ``max`` for everything else."""
    return "min" if any(h in name.lower() for h in _MIN_HINTS) else "max"


def parse(text: str) -> Objective:
    """``val_auc``, ``val_auc:max``, ``val_loss:min`` or ``params:min:log`` -> Objective; or
    ``FILE.py:NAME`` / ``MODULE:NAME`` naming an ``Objective(..., fn=...)`` the user wrote."""
    parts = [p.strip() for p in text.strip().split(":")]
    if _names_code(parts):
        return _load(text.strip())
    name = parts[0]
    if not name:
        raise EvohpoError(f"objective {text!r} has no metric name; write e.g. val_accuracy:max")
    if len(parts) > 3:
        raise EvohpoError(f"objective {text!r} has too many parts; write name:max|min[:log]")
    direction = parts[1] if len(parts) > 1 else guess_direction(name)
    return Objective(name, direction, scale=parts[2] if len(parts) > 2 else "linear")


def _names_code(parts: list[str]) -> bool:
    """``FILE.py:NAME`` always; ``MODULE:NAME`` when NAME is no direction and MODULE exists."""
    if len(parts) != 2 or not parts[1] or parts[1] in ("max", "min"):
        return False
    if parts[0].endswith(".py") or "/" in parts[0]:
        return True
    import importlib.util
    import sys
    from pathlib import Path

    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.util.find_spec(parts[0]) is not None
    except (ImportError, ValueError):
        return False


def _load(text: str) -> Objective:
    from .model import load_object

    found = load_object(text, "objective")
    if isinstance(found, Objective):
        return found
    name = getattr(found, "__name__", text.rpartition(":")[2])
    what = "a function" if callable(found) else f"a {type(found).__name__}"
    raise EvohpoError(f"--objective {text} is {what}, not an Objective; in "
                      f"that file write {name.upper()} = Objective({name!r}, 'max' or 'min', "
                      f"fn={name}) and pass --objective {text.rpartition(':')[0]}:"
                      f"{name.upper()}")


def default(kind: str) -> Objective:
    """Validation accuracy for classification, validation loss for regression."""
    return Objective("val_loss", "min") if kind == "regression" else Objective("val_accuracy")


def resolve(objective: str | Objective | Callable | None, kind: str) -> Objective:
    """Whatever a user passed as ``objective=`` -> an Objective, or a one-line error."""
    if objective is None:
        return default(kind)
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        return parse(objective)
    if callable(objective):
        name = getattr(objective, "__name__", "objective")
        raise EvohpoError(
            f"objective={name} needs a direction: pass "
            f"Objective({name!r}, 'max' or 'min', fn={name})"
        )
    raise EvohpoError(f"objective must be a metric name, 'name:max|min' or an Objective, "
                      f"got {objective!r}")


BUILT_IN = ("params", "latency")  # measured by evohpo for any model


def check_reported(objs: tuple[Objective, ...], spec: Any, kind: str) -> None:
    """Refuse, before anything trains, an objective the model is known not to report (the
    built-in MLP reports val_loss, and val_accuracy for classification): a misspelled
    ``val_acuracy`` would otherwise fail only after a whole batch has trained. ``spec`` is
    the campaign's :class:`evohpo.model.ModelSpec`; a user's build function reports what
    it compiles, known only once built, so it is not checked here."""
    import difflib

    reported = spec.reports(kind)
    if reported is None:
        return
    known = [*reported, *BUILT_IN]
    for obj in objs:
        if obj.fn is None and obj.name not in known:
            close = difflib.get_close_matches(obj.name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            who = "the built-in MLP" if spec.name == "mlp" else f"model {spec.name}"
            raise EvohpoError(
                f"objective {obj.name!r}: {who} reports no {obj.name!r} on a {kind} task"
                f"{hint}; it reports {', '.join(known)}; for another metric, pass your own "
                "model (--model FILE.py:NAME) that compiles it, or an Objective with fn="
            )


def resolve_many(objective: Any, kind: str) -> tuple[Objective, ...]:
    """One objective or several (a list, or ``"val_accuracy:max,params:min"``), checked:
    distinct names, each with a direction."""
    if isinstance(objective, str) and "," in objective:
        objective = [part for part in objective.split(",") if part.strip()]
    if isinstance(objective, list | tuple):
        if not objective:
            raise EvohpoError("--objective lists no metric (objective= is empty); give one or "
                              "more metric names, e.g. val_accuracy:max")
        found = tuple(resolve(o, kind) for o in objective)
    else:
        found = (resolve(objective, kind),)
    names = [o.name for o in found]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise EvohpoError(f"objective {dup!r} is given twice; list each objective once")
    return found
