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
import sys
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
    """A task saved to a file: what loky workers receive instead of the arrays themselves."""

    path: str
    fingerprint: str

    def load(self) -> Task:
        return tasks_mod.load(self.path)


_TASKS: dict[str, Task] = {}  # per-process cache: the data reaches each worker once


def resolve(task: Any) -> Task:
    """The Task itself, or a reference (``.fingerprint`` + ``.load()``) loaded once per process."""
    if isinstance(task, Task):
        return task
    if task.fingerprint not in _TASKS:
        _TASKS.clear()  # one campaign's task at a time is all a worker needs to keep
        _TASKS[task.fingerprint] = task.load()
    return _TASKS[task.fingerprint]


def eval_seed(campaign_seed: int, eval_id: int) -> int:
    """The seed of one evaluation, a pure function of (campaign seed, evaluation id)."""
    return int(np.random.SeedSequence([campaign_seed, eval_id]).generate_state(1)[0] % 2**31)


GROWTH_ENV = "EVOHPO_WORKER_MAX_GROWTH_MB"


def _limit_worker_growth() -> None:
    """Recycle a loky worker whose memory grew more than $EVOHPO_WORKER_MAX_GROWTH_MB (default
    150) since its first evaluation.

    TensorFlow keeps a few MB of every traced training graph even after ``clear_session``
    (keras-team/keras#17458, tensorflow/tensorflow#61791), so a long-lived worker grows without
    bound. loky already has the cure: with psutil installed, a worker that outgrew its size after
    the first task by ``_MAX_MEMORY_LEAK_SIZE`` finishes its task, exits cleanly and is replaced.
    We only set that threshold; it is read in the worker process, so it is set from here.
    loky checks after a task, so the threshold is 80% of the limit: the next evaluation's few MB
    (about 6 for a digits MLP) cannot push a worker past the limit itself.
    """
    executor = sys.modules.get("joblib.externals.loky.process_executor")
    if executor is not None and hasattr(executor, "_MAX_MEMORY_LEAK_SIZE"):
        limit = float(os.environ.get(GROWTH_ENV, "150")) * 2**20
        executor._MAX_MEMORY_LEAK_SIZE = int(0.8 * limit)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _fresh_session(keras: Any, seed: int | None = None, *, collect: bool = True) -> None:
    """Drop Keras' global state; ``collect`` also runs the garbage collector (as
    ``clear_session`` does), which costs ~0.3 s in a worker, so it runs once per evaluation."""
    keras.backend.clear_session(free_memory=False)
    if collect:
        gc.collect()
    if seed is not None:
        keras.utils.set_random_seed(seed)


_EPS = 1e-7  # Keras' epsilon: probabilities are clipped to [eps, 1 - eps] in cross-entropy


def score(model: Any, task: Task, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss and accuracy of ``model`` on (x, y), as Keras' evaluate() defines them.

    One forward pass outside ``model.evaluate``: evaluate() traces a test graph for every new
    model (about half a second each here), a plain call does not.
    """
    out = np.concatenate(
        [np.asarray(model(x[i:i + 4096], training=False)) for i in range(0, len(x), 4096)]
    ).astype(np.float64)
    if task.kind == "regression":
        return {"loss": float(np.mean((out[:, 0] - y) ** 2))}
    if task.kind == "binary":
        p = np.clip(out[:, 0], _EPS, 1 - _EPS)
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        return {"loss": float(loss), "accuracy": float(np.mean((out[:, 0] > 0.5) == y))}
    p = np.clip(out / out.sum(axis=1, keepdims=True), _EPS, 1 - _EPS)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    return {"loss": float(loss), "accuracy": float(np.mean(out.argmax(axis=1) == y))}


def _score(task: Task, metrics: dict[str, float]) -> tuple[float, float | None, float]:
    """(objective, val_accuracy, val_loss) from a :func:`score` dict."""
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
    _limit_worker_growth()
    data = resolve(task)
    worker = worker_name()
    _fresh_session(keras, seed)
    start = time.perf_counter()
    model = None
    try:
        from .builder import build_model

        model = build_model(config, data, seed=seed)
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
        metrics = score(model, data, data.x_val, data.y_val)
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
        _fresh_session(keras, collect=False)  # the next evaluation collects


def train_final(
    config: Config, task: Task | TaskRef, *, seed: int, epochs: int, save_to: str | None = None
) -> dict[str, Any]:
    """Retrain the chosen config with its own seed (so it is the model the search scored),
    report validation and **test** metrics, and save it as ``.keras`` if asked."""
    keras = _keras()
    data = resolve(task)
    _fresh_session(keras, seed)
    from .builder import build_model

    model = build_model(config, data, seed=seed)
    model.fit(
        data.x_train, data.y_train, epochs=epochs, batch_size=int(config["batch_size"]),
        verbose=0, shuffle=True,
    )
    val = score(model, data, data.x_val, data.y_val)
    test = score(model, data, data.x_test, data.y_test)
    if save_to:
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        model.save(save_to)
    _, val_acc, val_loss = _score(data, val)
    _, test_acc, test_loss = _score(data, test)
    del model
    _fresh_session(keras, collect=False)
    return {
        "val_accuracy": val_acc, "val_loss": val_loss,
        "test_accuracy": test_acc, "test_loss": test_loss,
        "params": None, "saved_to": save_to,
    }
