"""Where a batch of jobs goes: one worker call per job, or one per fused group; and what
happens when a worker does not come back.

The campaign hands every batch to :func:`dispatch`. With the per-model engine each job is one
worker call (:func:`evohpo.engines.single.evaluate`, or the campaign's own evaluator); with the
fused engine the jobs are cut into groups (:func:`evohpo.engines.groups.split_groups`), each
one worker call (:func:`evohpo.engines.fused_worker.train_members`). Either way results come
back as Evaluations as they finish, and the same failure rules hold:

* a worker that dies takes its call with it: the jobs that did not come back are retried one
  at a time, so the network that kills its worker is found and recorded as ``crashed``;
* with a time limit, a group gets ``limit x members``; a member still training when that runs
  out is retrained alone with the plain limit, so ``timeout`` means what it means one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from ..strategies.base import Evaluation, Status
from . import cv, limits
from .base import Job, Setup
from .fused_worker import train_members
from .groups import GROUP_COST, MAX_GROUP, job_cost, split_groups


def crashed(job: Job, exc: BaseException) -> Evaluation:
    return Evaluation(
        eval_id=job.eval_id, generation=job.generation, config=job.config,
        status=Status.CRASHED, worker="crashed",
        error=f"worker process died (killed or out of memory): {type(exc).__name__}",
    )


def ended_by_limit(job: Job, what: str) -> Evaluation:
    """An evaluation whose worker the hard time limit ended (:mod:`evohpo.engines.limits`)."""
    return Evaluation(
        eval_id=job.eval_id, generation=job.generation, config=job.config,
        status=Status.TIMEOUT, worker="ended",
        error=f"stopped: {what}, still running {limits.GRACE + limits.KILL_AFTER:g} s later "
              "(in native code, which no signal interrupts): its worker was ended and replaced",
    )


def _calls(backend: Any, jobs: list[Job], setup: Setup, evaluator: Callable, fused: bool,
           shuffle_seed: int, n_workers: int, task: Any) -> list[tuple[list[Job], Any]]:
    """(jobs, worker call) pairs: fused groups heaviest first, or one call per job. With
    cross-validation a job is K members: groups hold MAX_GROUP members' worth of whole
    jobs (a job's folds never split), and a job costs K trainings of a fold's rows."""
    if not fused:
        return [([j], backend.delayed(evaluator)(j, setup)) for j in jobs]
    k = max(setup.cv, 1)
    one = job_cost(replace(setup, task=task), cv.train_rows(task, setup.cv))
    groups = split_groups(jobs, lambda j: k * one(j), max(1, MAX_GROUP // k), n_workers,
                          GROUP_COST)
    return [([jobs[i] for i in group],
             backend.delayed(train_members)([jobs[i] for i in group], setup, shuffle_seed))
            for group in groups]


def dispatch(backend: Any, jobs: list[Job], setup: Setup, *, evaluator: Callable, fused: bool,
             shuffle_seed: int, n_workers: int, task: Any) -> Iterator[Evaluation]:
    """Yield the evaluations of ``jobs`` as they finish (see the module docstring)."""
    setup = replace(setup, task=backend.task_arg, scratch=backend.scratch)
    calls = _calls(backend, jobs, setup, evaluator, fused, shuffle_seed, n_workers, task)
    finished_ids: set[int] = set()
    retry_alone: list[Job] = []
    by_id = {j.eval_id: j for j in jobs}
    grouped = {j.eval_id for members, _ in calls if len(members) > 1 for j in members}
    try:
        for out in backend.run(call for _, call in calls):
            for ev in out if isinstance(out, list) else [out]:
                finished_ids.add(ev.eval_id)
                if (ev.status == Status.TIMEOUT and ev.eval_id in grouped
                        and not ev.extra.get("own_limit")):
                    retry_alone.append(by_id[ev.eval_id])  # the group's limit was shared
                    continue
                yield ev
    except backend.worker_died:
        pass
    lost = [j for j in jobs if j.eval_id not in finished_ids]
    ended = limits.read_markers(setup.scratch, [j.eval_id for j in lost])
    for job in lost:
        if job.eval_id in ended and job.eval_id not in grouped:
            finished_ids.add(job.eval_id)
            yield ended_by_limit(job, ended[job.eval_id])
    retry_alone += [j for j in jobs if j.eval_id not in finished_ids]
    for job in sorted(retry_alone, key=lambda j: j.eval_id):
        solo = _calls(backend, [job], setup, evaluator, fused, shuffle_seed, 1, task)
        try:
            (out,) = list(backend.run([solo[0][1]]))
            (ev,) = out if isinstance(out, list) else [out]
        except backend.worker_died as exc:
            marks = limits.read_markers(setup.scratch, [job.eval_id])
            ev = ended_by_limit(job, marks[job.eval_id]) if marks else crashed(job, exc)
        yield ev
