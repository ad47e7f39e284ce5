"""What a worker runs for the fused engine: a group's training, the probe, the final retrain.

The counterpart of :mod:`evohpo.engines.single` for groups: around
:func:`evohpo.engines.fused.train_group` it puts the worker's clean-up
(:mod:`evohpo.engines.hygiene`) and the hard time limit (:mod:`evohpo.engines.limits`), trains a
member the fused step cannot train one by one in the same worker (its record says why,
``extra["alone"]``), and turns each member's result into the same Evaluation the per-model
engine returns.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..runtime import keras as _keras
from ..strategies.base import Evaluation, Status
from . import cv, fit_args, fused, hygiene, limits
from .base import Job, Setup, batch_size_of, epochs_of, finished, resolve
from .members import GroupRun, NotTrainable
from .single import evaluate, final_scores, train_final

_STATUS = {"ok": Status.OK, "diverged": Status.DIVERGED, "failed": Status.FAILED,
           "timeout": Status.TIMEOUT}


def to_evaluation(job: Job, result: Any, setup: Setup, worker: str) -> Evaluation:
    """A fused member's result as the same record the per-model engine returns."""
    if result.status in ("ok", "diverged"):
        return finished(job, setup, scores=dict(result.scores), params=result.params,
                        epochs=result.epochs, seconds=result.seconds, worker=worker,
                        diverged=result.error if result.status == "diverged" else "")
    return Evaluation(eval_id=job.eval_id, generation=job.generation, config=job.config,
                      status=_STATUS[result.status], scores=dict(result.scores),
                      params=result.params, epochs=result.epochs,
                      train_seconds=result.seconds, worker=worker, error=result.error,
                      extra={"own_limit": True} if result.own_limit else {})


def train_members(jobs: list[Job], setup: Setup, shuffle_seed: int) -> list[Evaluation]:
    """Worker side: train ``jobs`` (one group: one :func:`evohpo.engines.groups.group_key`)
    as one fused group; with cross-validation each job is K members, one per fold, whose
    results become its one evaluation (:func:`evohpo.engines.cv.combine`). A job the fused
    step cannot train is trained one by one here, its reason recorded."""
    hygiene.limit_worker_growth()
    task = resolve(setup.task)
    _keras()  # TensorFlow's import is never under the alarm: interrupted, it would stay broken
    k = max(setup.cv, 1)
    members = [job for job in jobs for _ in range(k)]  # a job's folds side by side
    limit = jobs[0].time_limit
    shared = None if limit is None else limit * len(members)
    epochs = epochs_of(jobs[0])
    with limits.lease(shared, setup.scratch, [j.eval_id for j in jobs],
                      "group's time limit") as hard:
        try:
            with limits.alarm(hard) as clock:
                results = fused.train_group(
                    setup.model, [j.config for j in members], [j.seed for j in members], task,
                    epochs, [batch_size_of(j.config) for j in members],
                    objectives=setup.objectives, time_limit=shared,
                    shuffle_seed=shuffle_seed,
                    folds=cv.folds_of(task, setup.cv) if setup.cv else None,
                    fold_of=list(range(k)) * len(jobs) if setup.cv else ())
        except limits.OverTime as exc:  # the campaign retries each one alone
            if exc.clock is not clock:
                raise
            hygiene.retire_worker()
            results = [fused.MemberResult(fused.TIMEOUT, {}, None, 0, 0.0, "stopped: over the "
                                          f"group's time limit of {shared:g} s")] * len(members)
    worker = hygiene.worker_name()
    out = []
    for i, job in enumerate(jobs):
        own = results[i * k:(i + 1) * k]
        alone = next((r.error for r in own if r.status == fused.ALONE), None)
        if alone is not None:
            ev = evaluate(job, setup)
            out.append(replace(ev, extra={**ev.extra, "alone": alone}))
        elif setup.cv:
            out.append(cv.combine(job, setup, [to_evaluation(job, r, setup, worker)
                                               for r in own]))
        else:
            out.append(to_evaluation(job, own[0], setup, worker))
    return out


def probe(setup: Setup, config: dict, epochs: int, time_limit: float | None = None) -> str:
    """Worker side: why this campaign's model cannot train in a fused group, or ""
    (:func:`fusable` on one sample config). A build that runs past
    ``time_limit`` tells nothing: "" (its evaluations will be ``timeout`` rows)."""
    task = resolve(setup.task)
    _keras()  # TensorFlow's import is never under the alarm: interrupted, it would stay broken
    with limits.lease(time_limit, setup.scratch, [], "probe's time limit") as hard:
        try:
            with limits.alarm(hard):
                return fusable(setup.model, config, task, epochs)
        except limits.OverTime:
            hygiene.retire_worker()
            return ""


def train_final_fused(job: Job, setup: Setup, shuffle_seed: int,
                      save_to: str | None = None) -> dict[str, Any]:
    """Retrain the chosen member alone (its numbers do not depend on its group; with
    cross-validation, refit on all of train+validation) and report validation and test
    scores of exactly that trained model, saved if asked."""
    task = cv.refit_task(resolve(setup.task), setup.cv)
    (result,) = fused.train_group(setup.model, [job.config], [job.seed], task,
                                  epochs_of(job), batch_size_of(job.config),
                                  objectives=setup.objectives,
                                  shuffle_seed=shuffle_seed, keep_models=True)
    if result.model is None:  # it trained one by one in the search, so it does so here
        return train_final(job, setup, save_to)
    return final_scores(result.model, task, setup, save_to)


def fusable(spec: Any, config: dict, task: Any, epochs: int, seed: int = 0) -> str:
    """Why a model ``spec`` builds from ``config`` cannot train in a fused group, or "".

    Builds one member as :func:`train_group` would (no training): the answer comes from what
    the model and its fit arguments *can do*, never from a name. A config that fails to build
    says "": its evaluation will be a failed row like any bad network.
    """
    keras = _keras()
    import tensorflow as tf

    run = GroupRun(tf, keras, spec, task, None, None, (1,), int(epochs), 0, None, None)
    try:
        run.member(0, config, seed)
    except (fit_args.NotFusable, NotTrainable) as exc:
        return str(exc)
    except Exception:
        return ""
    finally:
        hygiene.fresh_session(keras)
    return ""
