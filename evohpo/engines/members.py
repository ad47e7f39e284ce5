"""One member of a fused group, built as the per-model engine builds it, and what a group
shares: why a module of its own is that building a member (the user's build function, the
fit hook read into what the fused step honours, the compiled loss and optimizer built before
tracing) is one job, and training the group (:mod:`evohpo.engines.fused`) is another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..model import ModelSpec
from ..tasks import Task
from ..tasks.folds import Folds
from . import fit_args
from .base import error_text
from .scoring import compiled_metrics, rows

OK, DIVERGED, FAILED, TIMEOUT, ALONE = "ok", "diverged", "failed", "timeout", "alone"


class NotTrainable(Exception):
    """The model's own training step is not Keras' standard one."""


@dataclass
class Member:
    """A member while its group trains."""

    slot: int  # index into the caller's lists
    config: dict
    seed: int
    model: Any
    params: int
    args: fit_args.FitArgs
    batch: int  # its minibatch size: members of one group may differ
    task: Task  # what it is built, fit-hooked and scored with (its fold's view, with CV)
    n: int  # its training rows per epoch
    fold: int = 0  # its cross-validation fold (0 without)
    weights: Any = None  # per-row sample weights as a tensor the traced function gathers
    status: str = "running"  # then "stopped" (a callback), DIVERGED, TIMEOUT or FAILED
    epochs: int = 0
    error: str = ""
    frozen: list[np.ndarray] | None = None  # weights when a callback stopped it

    @property
    def running(self) -> bool:
        return self.status == "running"

    def steps(self) -> int:
        """Its batches per epoch, the last one possibly shorter."""
        return math.ceil(self.n / self.batch)


@dataclass
class GroupRun:
    """What every step of one group's training shares.

    With cross-validation (``folds``) the group's ``x``/``y`` are the pool of train+validation
    rows, and each fold trains on its own rows of it: the members of one fold are built,
    fit-hooked and scored with that fold's view of the task (:mod:`evohpo.tasks.folds`).
    Without, there is one "fold": the task's training rows in their order."""

    tf: Any
    keras: Any
    spec: ModelSpec  # the campaign's: build and fit hook
    task: Task
    x: Any  # the training inputs (the pool with folds), as tensors the traced function captures
    y: Any
    batches: tuple[int, ...]  # each slot's minibatch size
    epochs: int
    shuffle_seed: int | None  # None: the rows in their order (fit(shuffle=False)'s)
    deadline: float | None
    chunk_steps: int | None
    folds: Folds | None = None  # cross-validation: the task's folds
    fold_of: tuple[int, ...] = ()  # with folds: each slot's fold

    def view(self, fold: int) -> Task:
        """The task a member of ``fold`` sees: the fold's view, or the task itself."""
        return self.task if self.folds is None else self.folds.view(fold)

    @cached_property
    def sizes(self) -> tuple[int, ...]:
        """Training rows of each fold (one entry without folds)."""
        if self.folds is None:
            return (len(self.task.y_train),)
        return tuple(len(train) for train, _ in self.folds.rows)

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """Where each fold's rows start in an epoch's order (:meth:`order`)."""
        return tuple(int(o) for o in np.cumsum((0, *self.sizes[:-1])))

    def member(self, slot: int, config: dict, seed: int) -> Member:
        """A member built from scratch as the per-model engine builds it. Raises for a model
        that cannot be built, :class:`fit_args.NotFusable` / :class:`NotTrainable` for one
        the fused step cannot train."""
        keras = self.keras
        fold = self.fold_of[slot] if self.folds is not None else 0
        task, n = self.view(fold), self.sizes[fold]
        keras.utils.set_random_seed(seed)
        model = self.spec.make(config, task, seed=seed, epochs=self.epochs)
        args = fit_args.read(self.spec.fit_kwargs(config, task), n, task.y_train, keras)
        if own(model, "train_step", keras):
            raise NotTrainable(f"{type(model).__name__} overrides train_step")
        model.stop_training = False
        model.optimizer.build(model.trainable_variables)  # before tracing: else twice
        head = rows(task.x_train, 0, 2)  # builds the compiled loss eagerly
        model._compute_loss(x=head, y=task.y_train[:2],
                            y_pred=_stand_in_outputs(model, head, keras), training=False)
        weights = None
        if args.sample_weight is not None:
            weights = args.sample_weight
            if self.folds is not None:  # gathered by pool row: the fold's rows carry them
                weights = np.zeros(len(self.folds.pool.y_train), np.float32)
                weights[self.folds.rows[fold][0]] = args.sample_weight
            weights = self.tf.constant(weights)
        return Member(slot, config, seed, model, int(model.count_params()), args,
                      self.batches[slot], task, n, fold, weights)

    def order(self, epoch: int) -> Any:
        """Row order of one epoch: each fold's training rows (rows of ``x``) permuted by a
        function of (shuffle_seed, epoch) only, the folds one after another."""
        parts = []
        for fold, size in enumerate(self.sizes):
            if self.shuffle_seed is None:
                perm = np.arange(size)
            else:
                perm = np.random.default_rng([self.shuffle_seed, epoch]).permutation(size)
            parts.append(perm if self.folds is None else self.folds.rows[fold][0][perm])
        return self.tf.constant(np.concatenate(parts).astype(np.int32))


def own(model: Any, method: str, keras: Any) -> bool:
    """True when the model's class overrides Keras' ``method`` (``train_step``, ...)."""
    owner = next(c for c in type(model).__mro__ if method in vars(c))
    return issubclass(owner, keras.Model) and not owner.__module__.startswith("keras.")


def _stand_in_outputs(model: Any, head: Any, keras: Any) -> Any:
    """Zeros shaped like the model's outputs for ``head`` (what building its loss needs):
    read off a functional model's symbolic outputs (10 ms cheaper per member than a forward
    pass), or from a forward pass for a model that has none (a subclassed one)."""
    struct = getattr(model, "_outputs_struct", None)
    if struct is None:
        return model(head)
    rows = len(keras.tree.flatten(head)[0])
    return keras.tree.map_structure(
        lambda o: keras.ops.zeros((rows, *o.shape[1:]), dtype=o.dtype), struct)


def tensor(tf: Any, keras: Any, a: Any) -> Any:
    """An input array as ``fit`` feeds it: floats as Keras' floatx, other types as they are."""
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.floating):
        return tf.constant(a, dtype=keras.backend.floatx())
    return tf.constant(a)


def end_epoch(m: Member, run: GroupRun, epoch: int, loss: float) -> None:
    """After an epoch: divergence, then the member's callbacks with fit's logs (its
    validation_data scored by its own ``test_step``, eagerly: a traced validation step cost
    as much to trace as it saved over 30 epochs of a Wide & Deep group)."""
    m.epochs = epoch + 1
    if not math.isfinite(loss):
        m.status, m.error = DIVERGED, "training loss is NaN or infinite (diverged)"
        return
    if not m.args.callbacks:
        return
    logs = {"loss": float(loss)}
    if m.args.validation is not None:
        try:
            val = compiled_metrics(m.model, *m.args.validation)
        except Exception as exc:
            m.status, m.error = FAILED, f"validation_data: {error_text(exc)}"
            return
        logs.update({f"val_{k}": v for k, v in val.items()})
    callbacks(m, "on_epoch_end", run, epoch, logs)
    if m.running and m.model.stop_training:
        m.status, m.frozen = "stopped", m.model.get_weights()


def callbacks(m: Member, hook: str, run: GroupRun, *args: Any) -> None:
    """Call ``hook`` on each of the member's callbacks; a callback that raises fails the
    member (as it would fail its ``fit``), never the group."""
    if not m.args.callbacks or m.status == FAILED:
        return
    try:
        for callback in m.args.callbacks:
            if hook == "on_train_begin":
                callback.set_model(m.model)
                callback.set_params({"verbose": 0, "epochs": run.epochs,
                                     "steps": m.steps()})
            getattr(callback, hook)(*args)
    except Exception as exc:
        m.status, m.error = FAILED, f"callback {type(callback).__name__}: {error_text(exc)}"
