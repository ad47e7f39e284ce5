"""Where a batch of jobs goes: one worker call per job, or one per fused group.

The campaign hands every batch to :func:`dispatch`. With the per-model engine each job is one
worker call (``evaluate``); with the fused engine the jobs are split into groups
(:func:`split_groups`, a pure function of the batch), each group one worker call that trains
all its members in one traced function (:mod:`evohpo.engines.fused`). A member the fused step
cannot train is trained one by one in the same worker, and its record says why
(``extra["alone"]``; the campaign prints each reason once). Either way results come back as
Evaluations as they finish, and the same failure rules hold:

* a worker that dies takes its call with it: the jobs that did not come back are retried one
  at a time, so the network that kills its worker is found and recorded as ``crashed``;
* with a time limit, a group gets ``limit x members``; a member still training when that runs
  out is retrained alone with the plain limit, so ``timeout`` means what it means one by one.

A member's numbers depend on its config, seed, epochs and the campaign's ``shuffle_seed``
only, never on the group it shares, so the CSV is the same for any n_jobs and after resume.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from ..runtime import keras as _keras
from ..strategies.base import Evaluation, Status
from . import hygiene, limits
from .base import Job, Setup, finished, resolve
from .single import batch_size_of, epochs_of, evaluate, final_scores

MAX_GROUP = 12  # members per group: 12-24 is the measured sweet spot (benchmarks/README.md)
MEMBER_COST = 100.0  # a member's build and share of the trace, in member-steps (job_cost)
GROUP_COST = 150.0  # a group's clean-up and graph set-up, in the same units
_STATUS = {"ok": Status.OK, "diverged": Status.DIVERGED, "failed": Status.FAILED,
           "timeout": Status.TIMEOUT}


def group_key(job: Job) -> tuple[int, int]:
    """Members of one group must share this: they step through the same minibatches (batch
    size) for the same number of epochs. Everything else may differ."""
    return batch_size_of(job.config), epochs_of(job)


def split_groups(jobs: Sequence[Job], cost: Callable[[Job], float], max_group: int,
                 n_workers: int, group_cost: float = 0.0) -> list[list[int]]:
    """Indices of ``jobs`` in groups: a pure function of the batch (never of worker timing),
    so the same batch always trains in the same groups.

    Jobs are grouped by :func:`group_key` (in order of first appearance), each class cut into
    the fewest groups of at most ``max_group``. Then a class is cut once more while that
    shortens the batch's estimated wall time on ``n_workers`` (groups handed out heaviest
    first, as the backend does; each group costs ``group_cost`` on top of its members), and
    always until there are ``n_workers`` groups if the batch allows, so no worker idles.
    Inside a class members go to groups by longest-processing-time-first on ``cost`` (equal
    group sizes, balanced cost). Groups come heaviest first; indices inside a group ascend.
    """
    if max_group < 1 or n_workers < 1:
        raise ValueError(f"max_group and n_workers must be >= 1, got {max_group}, {n_workers}")
    classes: dict[tuple, list[int]] = {}
    for i, job in enumerate(jobs):
        classes.setdefault(group_key(job), []).append(i)
    weight = {i: float(cost(jobs[i])) for members in classes.values() for i in members}
    keys = list(classes)

    def cut(n_groups: dict[tuple, int]) -> list[list[int]]:
        groups: list[list[int]] = []
        for k in keys:
            members, g = classes[k], n_groups[k]
            cap = math.ceil(len(members) / g)
            bins: list[list[int]] = [[] for _ in range(g)]
            loads = [0.0] * g
            for i in sorted(members, key=lambda i: (-weight[i], i)):
                b = min((b for b in range(g) if len(bins[b]) < cap),
                        key=lambda b: (loads[b], b))
                bins[b].append(i)
                loads[b] += weight[i]
            groups += [sorted(b) for b in bins if b]
        return sorted(groups, key=lambda grp: (-sum(weight[i] for i in grp), grp[0]))

    def makespan(groups: list[list[int]]) -> float:
        workers = [0.0] * n_workers
        for grp in groups:  # heaviest first, each to the worker that frees up first
            workers[workers.index(min(workers))] += group_cost + sum(weight[i] for i in grp)
        return max(workers)

    n_groups = {k: math.ceil(len(classes[k]) / max_group) for k in keys}
    groups = cut(n_groups)
    span = makespan(groups)
    while True:
        splittable = [k for k in keys if n_groups[k] < len(classes[k])]
        if not splittable:
            return groups
        trials = []
        for k in splittable:
            trial = {**n_groups, k: n_groups[k] + 1}
            trial_groups = cut(trial)
            trials.append((makespan(trial_groups), keys.index(k), trial, trial_groups))
        best_span, _, trial, trial_groups = min(trials, key=lambda t: (t[0], t[1]))
        if best_span < span - 1e-9 or len(groups) < n_workers:
            n_groups, groups, span = trial, trial_groups, best_span
        else:
            return groups


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
    """Worker side: train ``jobs`` (one group: one :func:`group_key`) as one fused group;
    a member the fused step cannot train is trained one by one here, its reason recorded."""
    from . import fused

    hygiene.limit_worker_growth()
    task = resolve(setup.task)
    _keras()  # TensorFlow's import is never under the alarm: interrupted, it would stay broken
    limit = jobs[0].time_limit
    shared = None if limit is None else limit * len(jobs)
    batch_size, epochs = group_key(jobs[0])
    with limits.lease(shared, setup.scratch, [j.eval_id for j in jobs],
                      "group's time limit") as hard:
        try:
            with limits.alarm(hard) as clock:
                results = fused.train_group(
                    setup.model, [j.config for j in jobs], [j.seed for j in jobs], task,
                    epochs, batch_size, objectives=setup.objectives, time_limit=shared,
                    shuffle_seed=shuffle_seed)
        except limits.OverTime as exc:  # the campaign retries each one alone
            if exc.clock is not clock:
                raise
            hygiene.retire_worker()
            results = [fused.MemberResult(fused.TIMEOUT, {}, None, 0, 0.0, "stopped: over the "
                                          f"group's time limit of {shared:g} s")] * len(jobs)
    worker = hygiene.worker_name()
    out = []
    for job, result in zip(jobs, results, strict=True):
        if result.status == fused.ALONE:
            ev = evaluate(job, setup)
            out.append(replace(ev, extra={**ev.extra, "alone": result.error}))
        else:
            out.append(to_evaluation(job, result, setup, worker))
    return out


def probe(setup: Setup, config: dict, epochs: int, time_limit: float | None = None) -> str:
    """Worker side: why this campaign's model cannot train in a fused group, or ""
    (:func:`evohpo.engines.fused.fusable` on one sample config). A build that runs past
    ``time_limit`` tells nothing: "" (its evaluations will be ``timeout`` rows)."""
    from . import fused

    task = resolve(setup.task)
    _keras()  # TensorFlow's import is never under the alarm: interrupted, it would stay broken
    with limits.lease(time_limit, setup.scratch, [], "probe's time limit") as hard:
        try:
            with limits.alarm(hard):
                return fused.fusable(setup.model, config, task, epochs)
        except limits.OverTime:
            hygiene.retire_worker()
            return ""


def train_final_fused(job: Job, setup: Setup, shuffle_seed: int,
                      save_to: str | None = None) -> dict[str, Any]:
    """Retrain the chosen member alone (its numbers do not depend on its group) and report
    validation and test scores of exactly that trained model, saved if asked."""
    from . import fused
    from .single import train_final

    task = resolve(setup.task)
    batch_size, epochs = group_key(job)
    (result,) = fused.train_group(setup.model, [job.config], [job.seed], task, epochs,
                                  batch_size, objectives=setup.objectives,
                                  shuffle_seed=shuffle_seed, keep_models=True)
    if result.model is None:  # it trained one by one in the search, so it does so here
        return train_final(job, setup, save_to)
    return final_scores(result.model, task, setup, save_to)


def job_cost(setup: Setup, n_rows: int) -> Callable[[Job], float]:
    """A job's training cost for balancing groups, in steps of one member at batch 32.

    A step costs a fixed part plus a part per row, so the estimate per epoch is half the
    steps plus the rows over 64 (a batch of 16 costs 1.6x a batch of 64 per epoch, as
    measured for the digits CNN); a member adds ``MEMBER_COST`` (its build and its share of
    the trace). A model spec's own ``cost(config, task)`` replaces the per-epoch estimate."""
    estimate = setup.model.cost
    task = setup.task

    def cost(job: Job) -> float:
        batch, epochs = group_key(job)
        if estimate is not None:
            per_epoch = float(estimate(job.config, task))
        else:
            per_epoch = math.ceil(n_rows / batch) / 2 + n_rows / 64
        return MEMBER_COST + epochs * per_epoch

    return cost


def _calls(backend: Any, jobs: list[Job], setup: Setup, evaluator: Callable, fused: bool,
           shuffle_seed: int, n_workers: int, task: Any) -> list[tuple[list[Job], Any]]:
    """(jobs, worker call) pairs: fused groups heaviest first, or one call per job."""
    if not fused:
        return [([j], backend.delayed(evaluator)(j, setup)) for j in jobs]
    groups = split_groups(jobs, job_cost(replace(setup, task=task), len(task.y_train)),
                          MAX_GROUP, n_workers, GROUP_COST)
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
