"""A (1+1) evolution strategy over a real vector, with Rechenberg's 1/5 success rule and restarts.

One parent, one Gaussian child per step: ``child = parent + sigma * scale * N(0, I)``. The child
replaces the parent when its loss is at least as good (``<=``), so the search can drift across
flat regions; a *success* is a strict improvement. Every ``window`` steps the step size follows
the 1/5 rule: with ``k`` successes out of ``window`` mutations,

    sigma <- sigma * exp((k - window / 5) / damping)

so sigma grows when more than 1/5 of the recent mutations succeeded and shrinks when fewer
(Rechenberg 1973; ``window=1`` is the per-step form of Kern et al. 2004). The default damping
``1 + dim / 2`` lets sigma change at the rate the (1+1)-ES makes progress, about 1/dim per step.

A single (1+1)-ES converges to whatever basin it starts in: on XOR (2-2-1 tanh) that is a wrong
local minimum (MSE creeping down to 0.125: two rows stuck at output 0.5) for about a third of the
random starts, so only 63/100 seeds solve without restarts. So the search **restarts** from a
fresh random point (with the initial sigma) when progress stalls: sigma fell below ``sigma_min``,
or the parent's loss has not dropped by a relative ``ftol`` within the last ``stall``
evaluations. The best vector over all restarts is kept.

Defaults (tuned on XOR seeds 1000-1199, checked on and/or/slash_backslash/seven_segment; the
benchmark reports seeds 0-99): ``sigma0=0.1`` (in units of ``scale``), ``window=5``,
``ftol=0.02`` and ``stall=5 * dim + 20`` (65 evaluations for XOR's 9 weights: the wrong minimum
is approached ever more slowly, so a 2% relative test catches it early, while a run heading for
a solution improves far faster than that), ``sigma_min=1e-6``.

The strategy is pure (numpy only, its own seeded ``numpy.random.Generator``). The ask/tell face
(``ask`` -> one :class:`Proposal` with ``config={"weights": vector}``, ``tell`` its
:class:`Evaluation`) is what the campaign loop speaks; ``ask_vector``/``tell_loss`` is the same
step without the records, for loops that run hundreds of thousands of cheap evaluations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import EvohpoError
from .base import WORST, Evaluation, Proposal, Status, json_float, restores

SUCCESS_TARGET = 0.2  # Rechenberg's 1/5


@dataclass(frozen=True)
class Restart:
    """Why and when a (re)start began: ``reason`` is "start", "stall" or "sigma"."""

    eval: int  # evaluations spent before this start
    reason: str
    loss: float  # parent loss when the previous start was abandoned (inf for the first)


@dataclass
class ESHistory:
    """What the search did, step by step (cheap list appends) and window by window.

    ``loss[i]`` and ``sigma[i]`` are the parent's loss and the step size after evaluation
    ``i + 1``; ``window_evals``/``success_rate`` give the success fraction of each 1/5-rule
    window; ``restarts`` lists every start including the first.
    """

    loss: list[float] = field(default_factory=list)
    sigma: list[float] = field(default_factory=list)
    window_evals: list[int] = field(default_factory=list)
    success_rate: list[float] = field(default_factory=list)
    restarts: list[Restart] = field(default_factory=list)
    failed: int = 0  # evaluations with a non-finite loss (rejected, counted here)

    @property
    def evals(self) -> np.ndarray:
        """The evaluation number (1-based) of each entry of ``loss`` and ``sigma``."""
        return np.arange(1, len(self.loss) + 1)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (an infinite loss becomes the string "inf")."""
        return {
            "loss": [json_float(v) for v in self.loss],
            "sigma": list(self.sigma),
            "window_evals": list(self.window_evals),
            "success_rate": list(self.success_rate),
            "restarts": [
                {"eval": r.eval, "reason": r.reason, "loss": json_float(r.loss)}
                for r in self.restarts
            ],
            "failed": self.failed,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ESHistory:
        return cls(
            loss=[float(v) for v in data["loss"]],
            sigma=[float(v) for v in data["sigma"]],
            window_evals=[int(v) for v in data["window_evals"]],
            success_rate=[float(v) for v in data["success_rate"]],
            restarts=[
                Restart(int(r["eval"]), str(r["reason"]), float(r["loss"]))
                for r in data["restarts"]
            ],
            failed=int(data["failed"]),
        )


class OnePlusOneES:
    """(1+1)-ES minimising a loss over ``dim`` reals; see the module docstring for the rules.

    ``scale`` (a float or one value per coordinate) is the spread of a fresh start,
    ``N(0, scale**2)``, and the per-coordinate unit of a mutation, so ``sigma`` is unit-free.
    ``budget`` caps evaluations (``None``: no cap); ``target`` stops once the loss is at or
    below it; ``max_restarts`` caps restarts (``None``: as many as the budget allows).
    """

    name = "es"

    def __init__(
        self,
        dim: int,
        seed: int = 0,
        *,
        budget: int | None = None,
        scale: float | np.ndarray = 1.0,
        sigma0: float = 0.1,
        window: int = 5,
        damping: float | None = None,
        stall: int | None = None,
        ftol: float = 2e-2,
        sigma_min: float = 1e-6,
        sigma_max: float = 1e3,
        target: float | None = None,
        max_restarts: int | None = None,
    ) -> None:
        if int(dim) != dim or dim < 1:
            raise EvohpoError(f"the ES needs a vector of at least one value, got dim={dim}")
        if budget is not None and budget <= 0:
            raise EvohpoError(f"budget must be a positive number of evaluations, got {budget}")
        scale_arr = np.broadcast_to(np.asarray(scale, dtype=float), (int(dim),)).copy()
        if not np.all(np.isfinite(scale_arr)) or np.any(scale_arr <= 0):
            raise EvohpoError("scale must be positive and finite (one float or one per value)")
        if not (math.isfinite(sigma0) and sigma0 > 0):
            raise EvohpoError(f"sigma0 must be a positive number, got {sigma0}")
        if window < 1:
            raise EvohpoError(f"window must be >= 1 step, got {window}")
        if not 0 < sigma_min < sigma_max:
            raise EvohpoError(f"need 0 < sigma_min < sigma_max, got {sigma_min}, {sigma_max}")
        self.dim = int(dim)
        self.seed = seed
        self.budget = budget
        self.scale = scale_arr
        self.sigma0 = float(sigma0)
        self.window = int(window)
        self.damping = float(damping) if damping is not None else 1.0 + self.dim / 2.0
        if self.damping <= 0:
            raise EvohpoError(f"damping must be positive, got {damping}")
        # a stalled start is given up after about as many steps as it takes to converge
        self.stall = int(stall) if stall is not None else 5 * self.dim + 20
        if self.stall < 1:
            raise EvohpoError(f"stall must be >= 1 evaluation, got {stall}")
        self.ftol = float(ftol)
        self.sigma_min, self.sigma_max = float(sigma_min), float(sigma_max)
        self.target = target
        self.max_restarts = max_restarts
        self.rng = np.random.default_rng(seed)
        self.history = ESHistory()

        self.evals = 0
        self.sigma = self.sigma0
        self.parent: np.ndarray | None = None
        self.parent_loss = math.inf
        self.best: np.ndarray | None = None
        self.best_loss = math.inf
        self._pending: np.ndarray | None = None
        self._successes = 0
        self._steps_in_window = 0
        self._mark_loss = math.inf  # loss at the last significant improvement
        self._mark_eval = 0
        self._stopped = False
        self.history.restarts.append(Restart(0, "start", math.inf))

    # -- state ------------------------------------------------------------------------------
    @property
    def restarts(self) -> int:
        """Restarts so far (the first start is not counted)."""
        return len(self.history.restarts) - 1

    @property
    def done(self) -> bool:
        return (
            self._stopped
            or (self.budget is not None and self.evals >= self.budget)
            or (self.target is not None and self.best_loss <= self.target)
        )

    def stop(self) -> None:
        """Mark the search finished (a runner calls this when its own goal is met)."""
        self._stopped = True

    # -- fast path --------------------------------------------------------------------------
    def ask_vector(self) -> np.ndarray:
        """The next vector to evaluate: a fresh start, or the parent plus a Gaussian step."""
        if self._pending is not None:
            raise RuntimeError("ask called twice without tell; tell the last loss first")
        if self.parent is None:
            x = self.scale * self.rng.standard_normal(self.dim)
        else:
            x = self.parent + (self.sigma * self.scale) * self.rng.standard_normal(self.dim)
        self._pending = x
        return x

    def tell_loss(self, loss: float) -> None:
        """The loss of the last asked vector; non-finite losses are rejected and counted."""
        x = self._pending
        if x is None:
            raise RuntimeError("tell called without a pending ask")
        self._pending = None
        self.evals += 1
        loss = float(loss)
        hist = self.history
        if not math.isfinite(loss):
            hist.failed += 1
            loss = math.inf
        if self.parent is None:  # first point of a start becomes the parent, whatever it is
            self.parent, self.parent_loss = x, loss
            self._mark_loss, self._mark_eval = loss, self.evals
        else:
            if loss < self.parent_loss:
                self._successes += 1
            if loss <= self.parent_loss and loss < math.inf:
                self.parent, self.parent_loss = x, loss
            self._steps_in_window += 1
            if self._steps_in_window == self.window:
                self._adapt()
        if loss < self.best_loss:
            self.best, self.best_loss = x, loss
        hist.loss.append(self.parent_loss)
        hist.sigma.append(self.sigma)
        if self.parent_loss < self._mark_loss * (1.0 - self.ftol) or (
            self._mark_loss == math.inf and self.parent_loss < math.inf
        ):
            self._mark_loss, self._mark_eval = self.parent_loss, self.evals
        elif self.evals - self._mark_eval >= self.stall:
            self._restart("stall")
            return
        if self.sigma < self.sigma_min:
            self._restart("sigma")

    def _adapt(self) -> None:
        rate = self._successes / self.window
        self.sigma *= math.exp((self._successes - self.window * SUCCESS_TARGET) / self.damping)
        self.sigma = min(self.sigma, self.sigma_max)
        self.history.window_evals.append(self.evals)
        self.history.success_rate.append(rate)
        self._successes = 0
        self._steps_in_window = 0

    def _restart(self, reason: str) -> None:
        if self.max_restarts is not None and self.restarts >= self.max_restarts:
            if reason == "sigma":  # nothing left to search with; a stall may still creep on
                self._stopped = True
            return
        self.history.restarts.append(Restart(self.evals, reason, self.parent_loss))
        self.parent, self.parent_loss = None, math.inf
        self.sigma = self.sigma0
        self._successes = self._steps_in_window = 0
        self._mark_loss, self._mark_eval = math.inf, self.evals

    # -- checkpoints ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue, as JSON-ready data (take it after a tell)."""
        if self._pending is not None:
            raise RuntimeError("state_dict() between ask and tell; take it after tell")

        def vec(x: np.ndarray | None) -> list[float] | None:
            return None if x is None else [float(v) for v in x]

        return {
            "rng": self.rng.bit_generator.state,
            "evals": self.evals,
            "sigma": self.sigma,
            "parent": vec(self.parent),
            "parent_loss": json_float(self.parent_loss),
            "best": vec(self.best),
            "best_loss": json_float(self.best_loss),
            "successes": self._successes,
            "steps_in_window": self._steps_in_window,
            "mark_loss": json_float(self._mark_loss),
            "mark_eval": self._mark_eval,
            "stopped": self._stopped,
            "history": self.history.to_dict(),
        }

    @restores
    def load_state_dict(self, state: dict) -> None:
        """Continue from a :meth:`state_dict` of an ES built with the same arguments."""

        def vec(x: list[float] | None) -> np.ndarray | None:
            return None if x is None else np.asarray(x, dtype=float)

        self.rng.bit_generator.state = state["rng"]
        self.evals = int(state["evals"])
        self.sigma = float(state["sigma"])
        self.parent, self.parent_loss = vec(state["parent"]), float(state["parent_loss"])
        self.best, self.best_loss = vec(state["best"]), float(state["best_loss"])
        self._successes = int(state["successes"])
        self._steps_in_window = int(state["steps_in_window"])
        self._mark_loss, self._mark_eval = float(state["mark_loss"]), int(state["mark_eval"])
        self._stopped = bool(state["stopped"])
        self.history = ESHistory.from_dict(state["history"])
        self._pending = None

    # -- ask/tell protocol ------------------------------------------------------------------
    def ask(self, max_n: int) -> list[Proposal]:
        """At most one proposal: a (1+1)-ES is sequential, each step needs the last loss."""
        if max_n < 1 or self.done:
            return []
        return [Proposal({"weights": self.ask_vector()}, generation=self.evals)]

    def tell(self, evaluations: list[Evaluation]) -> None:
        """The evaluation of the last ask; one that did not finish cleanly counts as ``WORST``."""
        if self._pending is None:
            if evaluations:
                raise ValueError(f"told {len(evaluations)} evaluations for 0 asked")
            return
        if len(evaluations) != 1:
            raise ValueError(f"told {len(evaluations)} evaluations for 1 asked")
        ev = evaluations[0]
        self.tell_loss(ev.objective if ev.status == Status.OK else WORST)
