"""Train and score one config: the function every worker runs. TensorFlow hygiene lives here.

Workers receive plain data only: a config dict, a task (or a :class:`TaskRef` to a file the
worker loads once and keeps), and integer seeds. Each evaluation is seeded from (campaign seed,
evaluation id), never from the worker or the order of completion, so any n_jobs gives the same
numbers.
"""

from __future__ import annotations

import gc
import math
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import tasks as tasks_mod
from .runtime import keras as _keras
from .space import Config
from .strategies.base import WORST, Evaluation, Status
from .tasks import Task


@dataclass(frozen=True)
class TaskRef:
    """A task saved to a file: what workers receive instead of the arrays themselves."""

    path: str
    fingerprint: str


_TASKS: dict[str, Task] = {}  # per-process cache: the data reaches each worker once


def resolve(task: Task | TaskRef) -> Task:
    if isinstance(task, Task):
        return task
    if task.fingerprint not in _TASKS:
        _TASKS.clear()  # one campaign's task at a time is all a worker needs to keep
        _TASKS[task.fingerprint] = tasks_mod.load(task.path)
    return _TASKS[task.fingerprint]


def eval_seed(campaign_seed: int, eval_id: int) -> int:
    """The seed of one evaluation, a pure function of (campaign seed, evaluation id)."""
    return int(np.random.SeedSequence([campaign_seed, eval_id]).generate_state(1)[0] % 2**31)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _fresh_session(keras: Any, seed: int | None = None) -> None:
    keras.backend.clear_session()
    gc.collect()
    if seed is not None:
        keras.utils.set_random_seed(seed)


def _score(task: Task, metrics: dict[str, float]) -> tuple[float, float | None, float]:
    """(objective, val_accuracy, val_loss) from Keras' evaluate() dict."""
    loss = float(metrics["loss"])
    if task.kind == "regression":
        return loss, None, loss
    acc = float(metrics["accuracy"])
    return -acc, acc, loss


def _error_text(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"[:300]


class _Deadline:
    """A Keras callback that stops training once ``limit`` seconds have passed."""

    def __init__(self, keras: Any, start: float, limit: float | None) -> None:
        self.expired = False
        if limit is None:
            self.callback = None
            return
        deadline = self

        class _Stop(keras.callbacks.Callback):
            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                if time.perf_counter() - start > limit:
                    deadline.expired = True
                    self.model.stop_training = True

        self.callback = _Stop()


def evaluate(
    config: Config,
    task: Task | TaskRef,
    *,
    eval_id: int,
    generation: int,
    seed: int,
    epochs: int,
    time_limit: float | None = None,
) -> Evaluation:
    """Train ``config`` on the task's train split for ``epochs``; score on validation.

    Never raises for a bad network: failures come back as an Evaluation with a status.
    ``time_limit`` (seconds) stops training at the next batch past it: status ``timeout``.
    """
    keras = _keras()
    data = resolve(task)
    worker = worker_name()
    _fresh_session(keras, seed)
    start = time.perf_counter()
    model = None
    try:
        from .builder import build_model

        model = build_model(config, data)
        params = int(model.count_params())
        clock = _Deadline(keras, start, time_limit)
        history = model.fit(
            data.x_train, data.y_train, epochs=epochs, batch_size=int(config["batch_size"]),
            verbose=0, shuffle=True, callbacks=[clock.callback] if time_limit else None,
        )
        epochs_run = len(history.history.get("loss", []))
        if clock.expired:
            return Evaluation(
                eval_id, generation, config, Status.TIMEOUT, WORST, None, None, params,
                epochs_run, time.perf_counter() - start, worker,
                f"stopped: over the time limit of {time_limit:g} s after {epochs_run} epochs",
            )
        train_loss = history.history["loss"][-1] if epochs_run else math.nan
        metrics = model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)
        seconds = time.perf_counter() - start
        objective, acc, loss = _score(data, metrics)
        if not (math.isfinite(train_loss) and math.isfinite(loss)):
            return Evaluation(
                eval_id, generation, config, Status.DIVERGED, WORST, acc, loss, params,
                epochs_run, seconds, worker, "loss is NaN or infinite (diverged)",
            )
        return Evaluation(
            eval_id, generation, config, Status.OK, objective, acc, loss, params, epochs_run,
            seconds, worker,
        )
    except Exception as exc:  # a bad network is data, not a crash of the campaign
        return Evaluation(
            eval_id, generation, config, Status.FAILED, WORST, None, None, None, 0,
            time.perf_counter() - start, worker, _error_text(exc),
        )
    finally:
        del model
        _fresh_session(keras)


def train_final(
    config: Config, task: Task | TaskRef, *, seed: int, epochs: int, save_to: str | None = None
) -> dict[str, Any]:
    """Retrain the chosen config with its own seed (so it is the model the search scored),
    report validation and **test** metrics, and save it as ``.keras`` if asked."""
    keras = _keras()
    data = resolve(task)
    _fresh_session(keras, seed)
    from .builder import build_model

    model = build_model(config, data)
    model.fit(
        data.x_train, data.y_train, epochs=epochs, batch_size=int(config["batch_size"]),
        verbose=0, shuffle=True,
    )
    val = model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)
    test = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
    if save_to:
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        model.save(save_to)
    _, val_acc, val_loss = _score(data, val)
    _, test_acc, test_loss = _score(data, test)
    del model
    _fresh_session(keras)
    return {
        "val_accuracy": val_acc, "val_loss": val_loss,
        "test_accuracy": test_acc, "test_loss": test_loss,
        "params": None, "saved_to": save_to,
    }
