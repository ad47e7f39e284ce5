"""Train and score one config at a time: the function every worker runs for a Job.

Keras hygiene lives here: a fresh session and explicit seeds before each build, thread limits
set before TensorFlow starts (``runtime``), TensorFlow's gradient-registry entries of each
evaluation dropped after it (``fused.forget_custom_gradients``: without it every traced
training step's graph stays in the process), and a worker recycled once it has leaked too
much anyway.
Bad networks and bad build functions never raise: they come back as an Evaluation with a
status and the error, so the campaign goes on.
"""

from __future__ import annotations

import gc
import math
import os
import socket
import sys
import time
from typing import Any

import numpy as np

from ..model import DEFAULT_BATCH_SIZE
from ..runtime import keras as _keras
from ..strategies.base import Evaluation, Status
from ..tasks import Task
from .base import Job, Setup, error_text, resolve, save_model
from .fused import forget_custom_gradients
from .scoring import score

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


def measure(model: Any, task: Task, setup: Setup, x: np.ndarray, y: np.ndarray,
            prefix: str) -> dict[str, float]:
    """The model's metrics on (x, y), named ``prefix + name`` (``val_accuracy``, ``test_loss``).

    Presets with the task's standard head are scored with one forward pass (:func:`score`);
    any other model with ``model.evaluate``, so every metric the user compiled is reported.
    """
    if setup.model.fast_score:
        metrics = score(model, task, x, y)
    else:
        batch = min(len(y), 1024)
        raw = model.evaluate(x, y, batch_size=batch, verbose=0, return_dict=True)
        metrics = {k: float(np.asarray(v)) for k, v in raw.items()
                   if np.asarray(v).size == 1}
    out = {prefix + k: float(v) for k, v in metrics.items()}
    if prefix == "val_":
        for obj in setup.objectives:
            if obj.fn is not None:
                out[obj.name] = float(obj.fn(model, task))
            elif obj.name == LATENCY:
                out[LATENCY] = latency(model, x)
    return out


LATENCY = "latency"  # built-in objective: milliseconds to predict 1,000 validation rows


def latency(model: Any, x: np.ndarray, repeats: int = 5) -> float:
    """Median wall time, in ms per 1,000 rows, of a forward pass over the validation split
    (one warm-up call first). Measured the same way in every worker; noisy all the same,
    since workers share the machine."""
    rows = x[:1000] if len(x) >= 1000 else x
    model(rows[:1], training=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(rows, training=False)
        times.append(time.perf_counter() - start)
    return float(np.median(times) / len(rows) * 1e6)


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


def _train(model: Any, job: Job, setup: Setup, data: Task, callbacks: list[Any]) -> Any:
    """``model.fit`` on the train split with the config's batch size and epochs."""
    config = job.config
    extra = setup.model.fit_kwargs(config, data)
    callbacks = [*extra.pop("callbacks", []), *callbacks]
    return model.fit(
        data.x_train, data.y_train, epochs=int(config.get("epochs", job.epochs)),
        batch_size=int(config.get("batch_size", DEFAULT_BATCH_SIZE)), verbose=0, shuffle=True,
        callbacks=callbacks or None, **extra,
    )


def _missing_objective(name: str, scores: dict[str, float]) -> str:
    there = ", ".join(sorted(scores))
    return (f"objective {name!r} is not among the model's metrics ({there}); "
            "compile the model with that metric or choose one of these")


def evaluate(job: Job, setup: Setup) -> Evaluation:
    """Train ``job.config`` on the task's train split; score it on validation.

    Never raises for a bad network: failures come back as an Evaluation with a status.
    ``job.time_limit`` (seconds) stops training at the next batch past it: status ``timeout``.
    """
    keras = _keras()
    _limit_worker_growth()
    data = resolve(setup.task)
    record = {"eval_id": job.eval_id, "generation": job.generation, "config": job.config,
              "worker": worker_name()}
    _fresh_session(keras, job.seed)
    with forget_custom_gradients():  # else every traced step's graph stays (about 5 MB)
        return _train_and_score(keras, job, setup, data, record)


def _train_and_score(keras: Any, job: Job, setup: Setup, data: Task,
                     record: dict[str, Any]) -> Evaluation:
    start = time.perf_counter()
    model = None
    try:
        epochs = int(job.config.get("epochs", job.epochs))
        model = setup.model.make(job.config, data, seed=job.seed, epochs=epochs)
        params = int(model.count_params())
        clock = _Deadline(keras, start, job.time_limit)
        history = _train(model, job, setup, data, [clock.callback] if clock.callback else [])
        epochs_run = len(history.history.get("loss", []))
        if clock.expired:
            return Evaluation(**record, status=Status.TIMEOUT, params=params, epochs=epochs_run,
                              train_seconds=time.perf_counter() - start,
                              error=f"stopped: over the time limit of {job.time_limit:g} s "
                                    f"after {epochs_run} epochs")
        train_loss = history.history["loss"][-1] if epochs_run else math.nan
        scores = measure(model, data, setup, data.x_val, data.y_val, "val_")
        scores["params"] = float(params)
        seconds = time.perf_counter() - start
        done = {**record, "params": params, "epochs": epochs_run, "train_seconds": seconds}
        if not math.isfinite(train_loss) or not all(math.isfinite(v) for v in scores.values()):
            return Evaluation(**done, status=Status.DIVERGED, scores=scores,
                              error="loss or a metric is NaN or infinite (diverged)")
        missing = [o.name for o in setup.objectives if o.name not in scores]
        if missing:
            return Evaluation(**done, status=Status.FAILED, scores=scores,
                              error=_missing_objective(missing[0], scores))
        vector = tuple(o.minimised(scores[o.name]) for o in setup.objectives)
        return Evaluation(**done, status=Status.OK, scores=scores, objective=vector[0],
                          objectives=vector if setup.others else ())
    except Exception as exc:  # a bad network is data, not a crash of the campaign
        return Evaluation(**record, status=Status.FAILED,
                          train_seconds=time.perf_counter() - start, error=error_text(exc))
    finally:
        del model
        _fresh_session(keras, collect=False)  # the next evaluation collects


def train_final(job: Job, setup: Setup, save_to: str | None = None) -> dict[str, Any]:
    """Retrain the chosen config with its own seed (so it is the model the search scored),
    report validation and **test** metrics, and save it as ``.keras`` if asked."""
    keras = _keras()
    data = resolve(setup.task)
    _fresh_session(keras, job.seed)
    epochs = int(job.config.get("epochs", job.epochs))
    with forget_custom_gradients():
        model = setup.model.make(job.config, data, seed=job.seed, epochs=epochs)
        _train(model, job, setup, data, [])
        val = measure(model, data, setup, data.x_val, data.y_val, "val_")
        test = measure(model, data, setup, data.x_test, data.y_test, "test_")
        saved, error = save_model(model, save_to)
        params = int(model.count_params())
        del model
    _fresh_session(keras, collect=False)
    return {"val": val, "test": test, "params": params, "saved_to": saved, "error": error}
