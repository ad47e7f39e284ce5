"""The plans: every setting of a campaign or a comparison, checked and resolved once, before
anything trains, into one frozen record that every later step reads (objectives with their
directions, the model spec, the engine, the workers, the task). Nothing downstream resolves a
raw user value again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import checkpoint as ckpt_mod
from . import files
from . import front as front_mod
from .blackbox import BlackBox
from .engines.base import Setup
from .model import ModelSpec
from .objectives import Objective
from .results import SCORE_COLUMNS
from .space import Space
from .strategies import make
from .strategies.base import Strategy
from .tasks import Task


@dataclass(frozen=True)
class CampaignPlan:
    """Everything fixed before a campaign's first evaluation, checked and resolved once by
    :func:`evohpo.campaign.run_campaign`; every later step reads it and resolves nothing."""

    strategy: Strategy
    space: Space
    task: Task | BlackBox  # what is evaluated: a task (for a model) or a black box
    setup: Setup
    objective: Objective  # the first objective: the one a single-objective strategy minimises
    objectives: tuple[Objective, ...]
    out: Path
    method: str
    seed: int
    budget: int
    epochs: int
    time_limit: float | None
    front: front_mod.Tracker | None = None  # with several objectives: hypervolume per batch
    engine: str = "single"  # "single" (one model per worker call) or "fused" (groups)
    engine_asked: str = "single"  # "auto" lets a resume keep the engine the campaign began with
    n_workers: int = 1  # the backend's real worker count (a cluster's size), once it is open
    custom_evaluator: bool = False  # evaluator= replaced the per-model evaluate
    evaluator: Callable | None = None  # what each job runs (single.evaluate, call.evaluate, ...)
    black_box: bool = False  # a function, not a model: no engine to probe, nothing to retrain
    scores: tuple[str, ...] = SCORE_COLUMNS  # the CSV's score columns beside the objectives
    spent: float = 0.0  # wall seconds earlier processes spent on this campaign (a resume)
    started: float = 0.0  # time.perf_counter() when this process began it

    def checkpoint(self, n_evals: int, finished: bool = False) -> None:
        files.write_json(self.out / ckpt_mod.CHECKPOINT_NAME, ckpt_mod.build(
            method=self.method, seed=self.seed, task=self.task.name,
            fingerprint=self.task.fingerprint(), epochs=self.epochs, budget=self.budget,
            n_evals=n_evals, strategy_state=self.strategy.state_dict(), space=self.space,
            objective=self.objectives, model=self.setup.model.name, engine=self.engine,
            cv=self.cv, finished=finished,
            pareto=self.front.state_dict() if self.front else None,
            settings=self.settings(), seconds=self.seconds(),
        ))

    @property
    def cv(self) -> int:
        """Folds of cross-validation (0: scored on the validation split), held by the setup
        every worker receives."""
        return self.setup.cv

    def seconds(self) -> float:
        """Wall seconds of the whole campaign so far, every process of it."""
        return self.spent + time.perf_counter() - self.started

    def settings(self) -> dict[str, Any]:
        """What the checkpoint holds a resume to (see :func:`evohpo.checkpoint.settings`)."""
        return ckpt_mod.settings(self.strategy, time_limit=self.time_limit)


@dataclass(frozen=True)
class ComparisonPlan:
    """What a comparison will run, fixed and checked by :func:`evohpo.compare.make_plan` before
    anything trains; every run of it reads the same resolved objectives and model."""

    task: Task | BlackBox
    space: Space
    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    budget: int
    epochs: int | None  # None for a black box: nothing is trained
    n_jobs: int
    out: Path
    population: int = 12
    levels: int = 3
    backend: str = "loky"
    scheduler: str | None = None
    model: ModelSpec | BlackBox | None = None  # None: the MLP preset; a black box is its own
    objectives: tuple[Objective, ...] = ()  # resolved for the task's kind
    cv: int = 0  # folds of cross-validation in every run (0: the validation split)

    def folder(self, method: str, seed: int) -> Path:
        return self.out / f"{method}-seed{seed}"

    @property
    def runs(self) -> list[tuple[str, int]]:
        # seed-major: stopped half way, the finished seeds still compare all methods
        return [(m, s) for s in self.seeds for m in self.methods]

    @property
    def n_objectives(self) -> int:
        return len(self.objectives)

    def strategy(self, method: str, seed: int) -> Strategy:
        return make(method, self.space, seed=seed, population=self.population,
                    levels=self.levels, n_objectives=self.n_objectives)
