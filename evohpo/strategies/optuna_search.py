"""Optuna's samplers as evohpo strategies: TPE and CMA-ES, the peers' methods, through ask/tell.

Optuna is an optional extra (``pip install 'evohpo[optuna]'``), imported only when one of these
is built. Each strategy holds an in-memory Optuna study; ``ask`` opens ``batch`` trials at once
and suggests the space's genes in each (:mod:`~evohpo.strategies.optuna_space`), ``tell`` closes
them with the evaluations' minimised objectives, or as ``FAIL`` when an evaluation did not
finish cleanly (Optuna's own convention: failed trials are not learnt from).

Parallel batches: every trial of a batch is asked before any is told, which is Optuna's
ask-and-tell form of parallel optimisation; TPE's ``constant_liar=True`` (Optuna 5's default)
makes the trials still running count as bad ones, so a batch spreads out instead of asking the
same point ``batch`` times.

Checkpoints hold the told batches (configs and values), never a pickle: restoring builds a new
study with the same seed and replays every ask and tell in order, so the sampler's random
streams and model are exactly those of an uninterrupted run, and a resumed campaign proposes
what it would have. A replay that proposes something else (another Optuna version) is refused
in one line.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

from ..errors import EvohpoError
from ..space import Space
from .base import Evaluation, Proposal, restores
from .checks import Whole, validated
from .optuna_space import is_dynamic, suggest

EXTRA = "pip install 'evohpo[optuna]'"


def require(module: str, method: str) -> Any:
    """The optional package ``module``, or one line naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise EvohpoError(f"the {method} method needs the {module} package, which is not "
                          f"installed; {EXTRA}") from None


class OptunaSearch:
    """The ask/tell bridge every Optuna sampler shares; a subclass says which sampler."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ("optuna",)
    constraints: ClassVar[dict[str, Any]] = {"batch": Whole(1)}

    def __init__(self, space: Space, seed: int, batch: int, n_objectives: int = 1) -> None:
        for module in self.needs:
            require(module, self.name)
        self.space, self.seed, self.batch = space, seed, batch
        self.n_objectives = n_objectives
        self.batches = 0
        self._history: list[list[dict[str, Any]]] = []  # per batch: config and values told
        self._pending: list[tuple[Any, dict]] = []  # (trial, config) asked, not yet told
        self._study = self._new_study()

    done = False  # the campaign's budget stops it

    def _sampler(self) -> Any:
        raise NotImplementedError

    def _new_study(self) -> Any:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial on stderr
        with warnings.catch_warnings():  # the documented options we pass, not the user's
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = self._sampler()
        return optuna.create_study(sampler=sampler, directions=["minimize"] * self.n_objectives)

    # -- ask / tell -------------------------------------------------------------------------
    def ask(self, max_n: int) -> list[Proposal]:
        if self._pending:
            raise RuntimeError("ask() called twice without tell(); tell the last batch first")
        for _ in range(min(max_n, self.batch)):
            trial = self._study.ask()
            config = self.space.decode(self.space.encode(suggest(trial, self.space)))
            self._pending.append((trial, config))
        return [Proposal(config, self.batches) for _, config in self._pending]

    def tell(self, evaluations: list[Evaluation]) -> None:
        if len(evaluations) != len(self._pending):
            raise ValueError(f"told {len(evaluations)} evaluations for {len(self._pending)} asked")
        self._told([self._values(ev) for ev in evaluations])

    def _values(self, ev: Evaluation) -> list[float] | None:
        """The minimised objective(s) Optuna is told; None (a FAIL) for anything unclean."""
        values = list(ev.objectives) if self.n_objectives > 1 else [ev.objective]
        if not ev.ok or len(values) != self.n_objectives or not all(map(math.isfinite, values)):
            return None
        return [float(v) for v in values]

    def _told(self, told: list[list[float] | None]) -> None:
        from optuna.trial import TrialState

        for (trial, _), values in zip(self._pending, told, strict=True):
            if values is None:
                self._study.tell(trial, state=TrialState.FAIL)
            else:
                self._study.tell(trial, values)
        self._history.append([{"config": config, "values": values}
                              for (_, config), values in zip(self._pending, told)])
        self._pending = []
        self.batches += 1

    @property
    def trials(self) -> int:
        """Trials told so far (Optuna's count, failures included)."""
        return len(self._study.trials) - len(self._pending)

    # -- checkpoint -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        if self._pending:
            raise RuntimeError("state_dict() between ask() and tell(); take it after tell()")
        import optuna

        return {"optuna": optuna.__version__, "batches": self._history}

    @restores
    def load_state_dict(self, state: dict[str, Any]) -> None:
        import optuna

        history = state["batches"]
        self._study, self._history, self._pending, self.batches = self._new_study(), [], [], 0
        for batch in history:
            proposed = [p.config for p in self.ask(len(batch))]
            if proposed != [told["config"] for told in batch]:
                raise EvohpoError(
                    f"cannot resume the {self.name} search: Optuna {optuna.__version__} replays "
                    f"it differently from the Optuna {state.get('optuna')} that wrote the "
                    "checkpoint (or another population); resume with that version, or start "
                    "again with --overwrite")
            self._told([None if told["values"] is None else [float(v) for v in told["values"]]
                        for told in batch])


class TPESearch(OptunaSearch):
    """Optuna's ``TPESampler`` with the defaults Optuna 5 ships: 10 random startup trials, 24
    expected-improvement candidates, multivariate TPE for one objective (independent for
    several), ``constant_liar=True``. ``group=None`` turns on ``group=True`` when the space is
    dynamic (``when=`` genes, a Repeat of varying count) and there is one objective: Optuna's
    own advice for such spaces, since multivariate TPE without it falls back to independent
    sampling for every parameter not in all trials."""

    name = "tpe"
    constraints = {"batch": Whole(1), "n_startup_trials": Whole(0),
                   "n_ei_candidates": Whole(1)}

    @validated
    def __init__(self, space: Space, seed: int = 0, *, batch: int = 12, n_objectives: int = 1,
                 n_startup_trials: int = 10, n_ei_candidates: int = 24,
                 multivariate: bool | None = None, group: bool | None = None,
                 constant_liar: bool = True) -> None:
        self.n_startup_trials, self.n_ei_candidates = n_startup_trials, n_ei_candidates
        self.multivariate, self.constant_liar = multivariate, constant_liar
        self.group = group if group is not None else (is_dynamic(space) and n_objectives == 1
                                                      and multivariate is not False)
        super().__init__(space, seed, batch, n_objectives)

    def _sampler(self) -> Any:
        from optuna.samplers import TPESampler

        return TPESampler(seed=self.seed, n_startup_trials=self.n_startup_trials,
                          n_ei_candidates=self.n_ei_candidates, multivariate=self.multivariate,
                          group=self.group, constant_liar=self.constant_liar)


class CmaEsSearch(OptunaSearch):
    """Optuna's ``CmaEsSampler`` (backend: the ``cmaes`` package) with Optuna's defaults: one
    startup trial, the population size CMA-ES derives from the dimension, no margin. It models
    the numeric parameters every trial holds (numbers, ordered choices as indices); unordered
    choices, booleans and conditional genes go to its independent sampler, Optuna's
    ``RandomSampler`` on the same seed. One objective."""

    name = "cmaes"
    n_objectives = 1
    needs = ("optuna", "cmaes")
    constraints = {"batch": Whole(1), "n_startup_trials": Whole(0),
                   "popsize": Whole(2, optional=True)}

    @validated
    def __init__(self, space: Space, seed: int = 0, *, batch: int = 12,
                 n_startup_trials: int = 1, popsize: int | None = None,
                 with_margin: bool = False) -> None:
        self.n_startup_trials, self.popsize, self.with_margin = (n_startup_trials, popsize,
                                                                 with_margin)
        super().__init__(space, seed, batch, 1)

    def _sampler(self) -> Any:
        from optuna.samplers import CmaEsSampler

        return CmaEsSampler(seed=self.seed, n_startup_trials=self.n_startup_trials,
                            popsize=self.popsize, with_margin=self.with_margin,
                            warn_independent_sampling=False)
