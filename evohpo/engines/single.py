"""Train and score one config at a time: the function every worker runs for a Job.

Keras hygiene (:mod:`evohpo.engines.hygiene`): a fresh session and explicit seeds before each
build, TensorFlow's gradient-registry entries of each evaluation dropped after it (without it
every traced training step's graph stays in the process), and a worker recycled once it has
leaked too much anyway. Scoring is :func:`evohpo.engines.scoring.measure`, as in the fused
engine. Bad networks and bad build functions never raise: they come back as an Evaluation
with a status and the error, so the campaign goes on.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..runtime import keras as _keras
from ..strategies.base import Evaluation, Status
from ..tasks import Task
from . import cv, hygiene, limits
from .base import Job, Setup, batch_size_of, epochs_of, error_text, finished, resolve, save_model
from .scoring import measure


class _Deadline:
    """A Keras callback that stops training once ``limit`` seconds have passed (the soft
    limit), and counts the epochs that finished."""

    def __init__(self, keras: Any, start: float, limit: float | None) -> None:
        self.expired = False
        self.epochs_done = 0
        deadline = self

        class _Count(keras.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                if not deadline.expired:
                    deadline.epochs_done = epoch + 1

        class _Stop(_Count):  # a batch hook only with a limit: Keras skips absent ones
            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                if time.perf_counter() - start > limit:
                    deadline.expired = True
                    self.model.stop_training = True

        self.callback = _Count() if limit is None else _Stop()


def _train(model: Any, job: Job, setup: Setup, data: Task, callbacks: list[Any]) -> Any:
    """``model.fit`` on the train split with the config's batch size and epochs."""
    extra = setup.model.fit_kwargs(job.config, data)
    callbacks = [*extra.pop("callbacks", []), *callbacks]
    return model.fit(
        data.x_train, data.y_train, epochs=epochs_of(job), batch_size=batch_size_of(job.config),
        verbose=0, shuffle=True, callbacks=callbacks or None, **extra,
    )


def evaluate(job: Job, setup: Setup) -> Evaluation:
    """Train ``job.config`` on the task's train split; score it on validation. With
    cross-validation (``setup.cv`` = K) train it on each fold in turn, with the same seed,
    until one does not finish (:func:`evohpo.engines.cv.combine` makes them one record).

    Never raises for a bad network: failures come back as an Evaluation with a status.
    ``job.time_limit`` (seconds) stops training at the next batch past it: status ``timeout``
    (per fold, with cross-validation).
    """
    keras = _keras()
    hygiene.limit_worker_growth()
    data = resolve(setup.task)
    if not setup.cv:
        return _evaluate_on(keras, job, setup, data)
    folds = cv.folds_of(data, setup.cv)
    per_fold: list[Evaluation] = []
    for fold in range(setup.cv):
        per_fold.append(_evaluate_on(keras, job, setup, folds.view(fold)))
        if per_fold[-1].status != Status.OK:
            break
    return cv.combine(job, setup, per_fold)


def _evaluate_on(keras: Any, job: Job, setup: Setup, data: Task) -> Evaluation:
    """One training of ``job`` on ``data``'s train split, scored on its validation split."""
    hygiene.fresh_session(keras, job.seed)
    with limits.lease(job.time_limit, setup.scratch, [job.eval_id]) as hard, \
            hygiene.forget_custom_gradients():  # else every traced step's graph stays (5 MB)
        return _train_and_score(keras, job, setup, data, hard)


def _train_and_score(keras: Any, job: Job, setup: Setup, data: Task,
                     hard: float | None) -> Evaluation:
    start = time.perf_counter()
    worker = hygiene.worker_name()
    model, params, clock = None, 0, _Deadline(keras, start, job.time_limit)

    def timeout(what: str) -> Evaluation:
        return Evaluation(eval_id=job.eval_id, generation=job.generation, config=job.config,
                          worker=worker, status=Status.TIMEOUT, params=params,
                          epochs=clock.epochs_done, train_seconds=time.perf_counter() - start,
                          error=f"stopped: over the time limit of {job.time_limit:g} s "
                                f"{what}")

    try:
        with limits.alarm(hard) as alarm:
            if alarm:
                alarm.what = "while building the model (the build function or the fit hook)"
            model = setup.model.make(job.config, data, seed=job.seed, epochs=epochs_of(job))
            params = int(model.count_params())
            if alarm:
                alarm.what = "while training"
            history = _train(model, job, setup, data, [clock.callback])
            epochs_run = len(history.history.get("loss", []))
            if clock.expired:
                return timeout(f"in epoch {clock.epochs_done + 1} "
                               f"({clock.epochs_done} of {epochs_of(job)} finished)")
            if alarm:
                alarm.what = "while scoring"
            train_loss = history.history["loss"][-1] if epochs_run else math.nan
            scores = measure(model, data, setup.model, setup.objectives, data.x_val,
                             data.y_val, "val_")
        scores["params"] = float(params)
        return finished(job, setup, scores=scores, params=params, epochs=epochs_run,
                        seconds=time.perf_counter() - start, worker=worker,
                        diverged="" if math.isfinite(train_loss) else
                        "training loss is NaN or infinite (diverged)")
    except limits.OverTime as exc:
        hygiene.retire_worker()
        return timeout(exc.clock.what + (f" ({clock.epochs_done} of {epochs_of(job)} epochs "
                                         "finished)" if "training" in exc.clock.what else ""))
    except Exception as exc:  # a bad network is data, not a crash of the campaign
        return Evaluation(eval_id=job.eval_id, generation=job.generation, config=job.config,
                          worker=worker, status=Status.FAILED,
                          train_seconds=time.perf_counter() - start, error=error_text(exc))
    finally:
        del model
        hygiene.fresh_session(keras, collect=False)  # the next evaluation collects


def final_scores(model: Any, data: Task, setup: Setup, save_to: str | None) -> dict[str, Any]:
    """Validation and **test** scores of the chosen, trained model, saved if asked: what
    best.json reports, the same from either engine."""
    val = measure(model, data, setup.model, setup.objectives, data.x_val, data.y_val, "val_")
    test = measure(model, data, setup.model, setup.objectives, data.x_test, data.y_test,
                   "test_")
    saved, error = save_model(model, save_to)
    return {"val": val, "test": test, "params": int(model.count_params()), "saved_to": saved,
            "error": error}


def train_final(job: Job, setup: Setup, save_to: str | None = None) -> dict[str, Any]:
    """Retrain the chosen config with its own seed (so it is the model the search scored;
    with cross-validation, refit on all of train+validation), report validation and **test**
    metrics, and save it as ``.keras`` if asked."""
    keras = _keras()
    data = cv.refit_task(resolve(setup.task), setup.cv)
    hygiene.fresh_session(keras, job.seed)
    with hygiene.forget_custom_gradients():
        model = setup.model.make(job.config, data, seed=job.seed, epochs=epochs_of(job))
        _train(model, job, setup, data, [])
        out = final_scores(model, data, setup, save_to)
        del model
    hygiene.fresh_session(keras, collect=False)
    return out
