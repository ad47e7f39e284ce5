"""The ask/tell protocol every search method speaks, and the records that cross it.

A strategy is pure: no TensorFlow, no joblib, no files; it owns a seeded ``random.Random``.
The campaign loop asks for a batch, evaluates it (in parallel, anywhere), and tells the
strategy the results in the order it asked. Strategies minimise ``Evaluation.objective``.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..space import Config


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"  # the evaluation raised
    DIVERGED = "diverged"  # NaN or infinite loss
    TIMEOUT = "timeout"  # over the per-evaluation time limit
    CRASHED = "crashed"  # the worker process died


WORST = math.inf  # the objective of any evaluation that did not finish cleanly


@dataclass(frozen=True)
class Proposal:
    """One candidate a strategy asks to have evaluated.

    ``epochs`` (None: the campaign's ``epochs``) lets a multi-fidelity strategy ask for a cheap
    screening run; the campaign trains that many epochs, writes them in the CSV ``epochs``
    column, and never mixes such a row with a full one in its cache or its choice of the best.
    The budget still counts evaluations (rows), whatever their epochs.
    """

    config: Config
    generation: int = 0
    epochs: int | None = None


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """What training one config measured. ``objective`` is minimised (the objective's value,
    negated when it is maximised) and ``WORST`` for anything that did not finish cleanly;
    ``scores`` holds the validation metrics in their natural units (``val_accuracy``,
    ``val_loss``, the objective's own metric, ...). Built by keyword only, so adding a field
    can never shift another's value."""

    eval_id: int
    generation: int
    config: Config
    status: Status
    objective: float = WORST
    objectives: tuple[float, ...] = ()  # every objective, minimised, in a multi-objective run
    scores: dict[str, float] = field(default_factory=dict)
    params: int | None = None
    epochs: int = 0
    train_seconds: float = 0.0
    worker: str = ""
    error: str = ""
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == Status.OK

    @property
    def val_accuracy(self) -> float | None:
        return self.scores.get("val_accuracy")

    @property
    def val_loss(self) -> float | None:
        return self.scores.get("val_loss")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rng_state(rng: random.Random) -> list:
    """A ``random.Random`` state as JSON-ready lists (checkpoints are JSON, never pickle)."""
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def set_rng_state(rng: random.Random, state: list) -> None:
    version, internal, gauss = state
    rng.setstate((int(version), tuple(int(v) for v in internal), gauss))


def json_float(x: float) -> float | str:
    """Finite floats stay numbers; inf and nan become strings, which strict JSON allows."""
    return x if math.isfinite(x) else str(x)


@runtime_checkable
class Strategy(Protocol):
    """The one protocol: ``ask`` a batch, ``tell`` its evaluations, stop when ``done``;
    ``state_dict``/``load_state_dict`` checkpoint it; ``space`` and ``seed`` say what it
    searches and how it was seeded. :func:`check_strategy` enforces it in ``run_campaign``.
    Optional members (``n_objectives``, ``fidelity``, ``duplicates_avoided``) and their
    defaults are declared once, in :class:`Traits`."""

    name: str
    seed: int
    space: Any

    def ask(self, max_n: int) -> list[Proposal]:
        """Up to ``max_n`` proposals (never more; the campaign passes the budget left)."""
        ...

    def tell(self, evaluations: list[Evaluation]) -> None:
        """The evaluations of the last ``ask``, in the order asked."""
        ...

    @property
    def done(self) -> bool:
        """True when the strategy has nothing more to propose."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue later, as JSON-ready data (taken between batches)."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a ``state_dict`` of a strategy built with the same arguments."""
        ...


REQUIRED = ("name", "seed", "space", "done", "ask", "tell", "state_dict", "load_state_dict")


@dataclass(frozen=True)
class Traits:
    """The protocol's optional members and their defaults: what a strategy may declare beyond
    :data:`REQUIRED`. A strategy that leaves one out (a user's, random search) is read as the
    default, here and nowhere else, so callers read ``Traits.of(strategy).fidelity`` instead
    of probing the strategy by name."""

    n_objectives: int | None = None  # the objectives it is built for; None: any (it proposes)
    fidelity: int | None = None  # epochs of its screening runs; None: every run is full
    duplicates_avoided: int | None = None  # children re-mutated because their network was tried

    @classmethod
    def of(cls, strategy: object) -> Traits:
        """The strategy's declared values now (``duplicates_avoided`` grows as it runs)."""
        return cls(**{f.name: getattr(strategy, f.name, f.default) for f in fields(cls)})

L = TypeVar("L", bound=Callable[..., None])


def restores(load: L) -> L:
    """Decorate a strategy's ``load_state_dict``: a state that is not what its
    ``state_dict`` wrote (a hand-edited or foreign checkpoint) becomes one line naming the
    fix, not a KeyError or TypeError from deep inside the strategy."""
    from ..errors import EvohpoError

    @functools.wraps(load)
    def checked(self: Any, state: Any) -> None:
        try:
            load(self, state)
        except EvohpoError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise EvohpoError(
                f"the {getattr(self, 'name', 'strategy')} strategy state in the checkpoint is "
                f"not one it wrote ({type(exc).__name__}: {exc}); restore checkpoint.json as "
                "evohpo wrote it, or start again with --overwrite") from None

    return checked  # type: ignore[return-value]


def check_strategy(strategy: object) -> None:
    """The protocol is required, not probed: a strategy missing a part is refused up front,
    before anything trains, with the names of what it lacks."""
    from ..errors import EvohpoError
    from ..space import Space

    missing = [n for n in REQUIRED if not hasattr(strategy, n)]
    if missing:
        raise EvohpoError(
            f"strategy {type(strategy).__name__} lacks {', '.join(missing)}; a strategy provides "
            f"{', '.join(REQUIRED)} (see evohpo.strategies.base.Strategy)"
        )
    if not isinstance(strategy.space, Space):  # type: ignore[attr-defined]
        raise EvohpoError(f"strategy {type(strategy).__name__}.space is not an evohpo.Space; "
                          "run_campaign runs strategies over a Space")
