"""Who trains with whom: a batch of jobs cut into fused groups, a pure function of the batch.

Members of a group train for the same epochs (:func:`group_key`), each with its own batch size;
within that, groups are balanced on an estimated cost (:func:`job_cost`) so that the batch's
wall time on the campaign's workers is short and no worker idles. Nothing here touches
TensorFlow or a worker: the same batch always trains in the same groups, so a member's numbers
(which depend on its config, seed, epochs and ``shuffle_seed`` only, never on its group) and the
CSV are the same for any n_jobs and after resume.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .base import Job, Setup, batch_size_of, epochs_of

MAX_GROUP = 12  # members per group: 12-24 is the measured sweet spot (benchmarks/README.md)
MEMBER_COST = 100.0  # a member's build and share of the trace, in member-steps (job_cost)
GROUP_COST = 150.0  # a group's clean-up and graph set-up, in the same units


def group_key(job: Job) -> int:
    """Members of one group must share this: they step through the same epochs. Everything
    else may differ, the batch size included (:func:`evohpo.engines.fused.train_group`)."""
    return epochs_of(job)


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
    classes: dict[int, list[int]] = {}
    for i, job in enumerate(jobs):
        classes.setdefault(group_key(job), []).append(i)
    weight = {i: float(cost(jobs[i])) for members in classes.values() for i in members}
    keys = list(classes)

    def cut(n_groups: dict[int, int]) -> list[list[int]]:
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


def job_cost(setup: Setup, n_rows: int) -> Callable[[Job], float]:
    """A job's training cost for balancing groups, in steps of one member at batch 32.

    A step costs a fixed part plus a part per row, so the estimate per epoch is half the
    steps plus the rows over 64 (a batch of 16 costs 1.6x a batch of 64 per epoch, as
    measured for the digits CNN); a member adds ``MEMBER_COST`` (its build and its share of
    the trace). A model spec's own ``cost(config, task)`` replaces the per-epoch estimate."""
    estimate = setup.model.cost
    task = setup.task

    def cost(job: Job) -> float:
        batch, epochs = batch_size_of(job.config), group_key(job)
        if estimate is not None:
            per_epoch = float(estimate(job.config, task))
        else:
            per_epoch = math.ceil(n_rows / batch) / 2 + n_rows / 64
        return MEMBER_COST + epochs * per_epoch

    return cost
