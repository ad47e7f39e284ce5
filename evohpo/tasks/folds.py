"""Cross-validation folds: one seeded rule that cuts a task's train+validation rows into K
(training rows, held-out rows) pairs, and each fold's view of the task.

Why here: folds are data, like the train/validation/test split (:mod:`evohpo.tasks.splits`).
Both engines and the final refit read them from this one place, so fold k of a config is the
same rows wherever and with whomever it trains. The pool is the training rows followed by the
validation rows; the test split is never in a fold. Classification folds are stratified
(``StratifiedKFold``), regression folds are not (``KFold``); both shuffled with a fixed seed,
so a task always has the same folds, as it always has the same split. A fold's view keeps the
inputs' scaling, which a task fitted on its training split.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import EvohpoError
from .task import Task

FOLD_SEED = 0  # folds are part of the task, like its split: one seed for every campaign


def take(data: Any, index: np.ndarray) -> Any:
    """The rows at ``index`` of an array, or of every array in a list/dict of inputs."""
    if isinstance(data, dict):
        return {k: np.asarray(v)[index] for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [np.asarray(v)[index] for v in data]
    return np.asarray(data)[index]


def join(first: Any, second: Any) -> Any:
    """Rows of ``first`` then of ``second`` (arrays, or lists/dicts of arrays alike)."""
    if isinstance(first, dict):
        return {k: np.concatenate([first[k], second[k]]) for k in first}
    if isinstance(first, list | tuple):
        return [np.concatenate([a, b]) for a, b in zip(first, second, strict=True)]
    return np.concatenate([first, second])


def pooled(task: Task) -> Task:
    """The task with train+validation as its training rows (what the folds cut, and what the
    chosen config is refit on); its validation split stays the same rows, now trained on."""
    return replace(task, x_train=join(task.x_train, task.x_val),
                   y_train=np.concatenate([task.y_train, task.y_val]))


def check_k(k: object) -> int:
    """``k`` is a number of folds: a whole number >= 2."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise EvohpoError(f"cv must be a whole number of folds >= 2, got {k!r}; pass e.g. "
                          "cv=5 (--cv 5), or leave it out to score on the validation split")
    return int(k)


def _labels(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    return y if y.ndim == 1 else y.reshape(len(y), -1).argmax(axis=1)


def split(task: Task, k: int, seed: int = FOLD_SEED) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """K (training rows, held-out rows) pairs of indices into the pool (train then
    validation rows): disjoint held-out parts that cover the pool, stratified by class for
    classification. A refusal names the fix."""
    from sklearn.model_selection import KFold, StratifiedKFold

    k = check_k(k)
    y = np.concatenate([_labels(task.y_train), _labels(task.y_val)])
    if k > len(y):
        raise EvohpoError(f"cv={k} folds but the task has only {len(y)} train+validation rows; "
                          f"pass cv={len(y)} or fewer")
    if task.kind == "regression":
        cut = KFold(n_splits=k, shuffle=True, random_state=seed).split(y)
    else:
        values, counts = np.unique(y, return_counts=True)
        if counts.min() < k:
            rare = values[counts.argmin()]
            names = task.class_names
            name = names[int(rare)] if 0 <= int(rare) < len(names) else rare
            fewer = f"pass cv={counts.min()} or fewer, or " if counts.min() >= 2 else ""
            raise EvohpoError(
                f"cv={k} folds but class {str(name)!r} has only {counts.min()} train+validation "
                f"row(s); stratified folds need at least {k} rows per class: {fewer}add rows "
                "of that class")
        cut = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(
            np.zeros(len(y)), y)
    return tuple((np.sort(train), np.sort(held)) for train, held in cut)


@dataclass(frozen=True, eq=False)
class Folds:
    """A task's K folds: the pool (train+validation as one task), each fold's row indices
    into it, and each fold's view of the task, made when first asked for."""

    task: Task
    pool: Task
    rows: tuple[tuple[np.ndarray, np.ndarray], ...]
    _views: dict[int, Task] = field(default_factory=dict, repr=False)

    @property
    def k(self) -> int:
        return len(self.rows)

    def view(self, fold: int) -> Task:
        """Fold ``fold`` (0..K-1) as a task: its training rows as the training split, its
        held-out rows as the validation split, the test split untouched."""
        if fold not in self._views:
            train, held = self.rows[fold]
            pool = self.pool
            self._views[fold] = replace(
                self.task, x_train=take(pool.x_train, train), y_train=pool.y_train[train],
                x_val=take(pool.x_train, held), y_val=pool.y_train[held])
        return self._views[fold]


def folds(task: Task, k: int, seed: int = FOLD_SEED) -> Folds:
    """The K folds of ``task``'s train+validation rows (see :func:`split`)."""
    return Folds(task, pooled(task), split(task, k, seed))
