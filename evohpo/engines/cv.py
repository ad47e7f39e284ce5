"""Cross-validation in the engines: one evaluation of a config is K trainings, one per fold,
recorded as one Evaluation.

The folds themselves are data (:mod:`evohpo.tasks.folds`); here is what both engines do with
them: each worker cuts the campaign task's folds once (:func:`folds_of`); the folds' results
become one record (:func:`combine`: the mean of every score over the folds, and each score's
spread as ``<name>_std``; the first fold that did not finish makes the evaluation that status,
its error saying ``fold k of K:``); and the chosen config is refit on all of train+validation
(:func:`refit_task`), as scikit-learn's ``refit`` does. Every fold trains with the
evaluation's own seed, so the K models start from the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..results import SPREAD
from ..strategies.base import Evaluation, Status
from ..tasks import Task
from ..tasks.folds import Folds, folds, pooled
from .base import Job, Setup, finished

_FOLDS: dict[str, Folds] = {}  # per process: the campaign task's folds, cut once


def folds_of(task: Task, k: int) -> Folds:
    """``task``'s K folds, cut once per process (the task a worker keeps, :func:`resolve`)."""
    cached = _FOLDS.get("folds")
    if cached is None or cached.task is not task or cached.k != k:
        _FOLDS["folds"] = folds(task, k)
    return _FOLDS["folds"]


def refit_task(task: Task, k: int) -> Task:
    """What the chosen config is finally trained on: train+validation with cross-validation
    (its scores came from the folds), the training split without."""
    return pooled(task) if k else task


def train_rows(task: Task, k: int) -> int:
    """Training rows of one evaluation's model (of one fold's, with cross-validation)."""
    n = len(task.y_train)
    return n if not k else math.ceil((n + len(task.y_val)) * (k - 1) / k)


def combine(job: Job, setup: Setup, per_fold: Sequence[Evaluation]) -> Evaluation:
    """The folds' results (in fold order; the last may be the first that did not finish) as
    one evaluation: the first fold that did not finish gives its status, scores and error
    (``fold 2 of 5: ...``); otherwise every score's mean over the folds, each score's spread
    (population standard deviation, as scikit-learn reports) as ``<name>_std``, the longest
    fold's epochs and the folds' seconds added up."""
    seconds = sum(e.train_seconds for e in per_fold)
    extra = {k: v for e in per_fold for k, v in e.extra.items()}
    for k, ev in enumerate(per_fold):
        if ev.status != Status.OK:
            return replace(ev, train_seconds=seconds, extra=extra,
                           error=f"fold {k + 1} of {setup.cv}: {ev.error}")
    names = [n for n in per_fold[0].scores if all(n in e.scores for e in per_fold)]
    scores = {}
    for name in names:
        values = np.array([e.scores[name] for e in per_fold], dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):  # a fold's inf: diverged below
            scores[name] = float(values.mean())
            if name != "params":
                scores[name + SPREAD] = float(values.std())
    return finished(job, setup, scores=scores, params=per_fold[0].params,
                    epochs=max(e.epochs for e in per_fold), seconds=seconds,
                    worker=per_fold[-1].worker, extra=extra)
