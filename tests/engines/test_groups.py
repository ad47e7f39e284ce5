"""Splitting a batch into fused groups: pure, balanced, sized for the workers (no TensorFlow)."""

from __future__ import annotations

import numpy as np

from evohpo.engines.base import Job
from evohpo.engines.groups import group_key, split_groups


def _jobs(n: int, seed: int) -> list[Job]:
    rng = np.random.default_rng(seed)
    return [Job({"width": int(rng.integers(4, 512)), "batch_size": 32}, i, 0, i, 5)
            for i in range(n)]


def _cost(job: Job) -> float:
    return float(job.config["width"])


def test_split_groups_is_a_pure_balanced_partition():
    jobs = _jobs(24, 0)
    jobs[5] = Job({**jobs[5].config, "batch_size": 64}, 5, 0, 5, 5)  # trains with the others
    jobs[9] = Job({**jobs[9].config, "epochs": 2}, 9, 0, 9, 5)  # its own epochs gene
    groups = split_groups(jobs, _cost, max_group=12, n_workers=2)
    assert groups == split_groups(list(jobs), _cost, max_group=12, n_workers=2)
    assert sorted(i for g in groups for i in g) == list(range(24))
    assert all(len({group_key(jobs[i]) for i in g}) == 1 for g in groups)
    assert [9] in groups and all(len(g) <= 12 for g in groups)
    assert any(5 in g and len(g) > 1 for g in groups)
    big = [g for g in groups if g != [9]]
    assert sorted(len(g) for g in big) == [11, 12]  # 23 members cut in two for two workers
    loads = [sum(_cost(jobs[i]) for i in g) for g in big]
    heaviest = max(_cost(jobs[i]) for g in big for i in g)
    assert max(loads) - min(loads) <= heaviest  # longest-processing-time-first balance


def test_split_groups_uses_every_worker_and_respects_max_group():
    jobs = _jobs(12, 1)
    assert [len(g) for g in split_groups(jobs, _cost, 12, n_workers=2)] == [6, 6]
    assert [len(g) for g in split_groups(jobs, _cost, 12, n_workers=1)] == [12]
    assert all(len(g) <= 5 for g in split_groups(jobs, _cost, 5, n_workers=2))
    assert len(split_groups(jobs[:3], _cost, 12, n_workers=8)) == 3
    assert [len(g) for g in split_groups(jobs, _cost, 12, n_workers=16)] == [1] * 12


def test_group_key_is_the_epochs_and_not_the_batch_size():
    assert group_key(Job({}, 0, 0, 0, 5)) == 5
    assert group_key(Job({"batch_size": 8, "epochs": 3}, 0, 0, 0, 5)) == 3
    assert group_key(Job({"batch_size": 8}, 0, 0, 0, 5)) == group_key(Job({}, 0, 0, 0, 5))


def test_a_class_is_cut_further_only_while_that_shortens_the_batch():
    """Equal jobs: 12 in 2 groups of 6 on 2 workers; a third group would only add its cost.
    Two classes (epochs) on two workers: the heaviest class is cut so the workers finish
    together; batch sizes mix within a class, balanced on cost."""
    same = [Job({"batch_size": 32}, i, 0, i, 5) for i in range(12)]
    assert [len(g) for g in split_groups(same, lambda j: 1.0, 12, 2, group_cost=1.0)] == [6, 6]
    assert [len(g) for g in split_groups(same, lambda j: 1.0, 5, 2, group_cost=1.0)] == [
        3, 3, 3, 3]  # two groups per worker beat one worker with two groups of 4
    mixed = ([Job({"batch_size": 16}, i, 0, i, 5) for i in range(6)]
             + [Job({"batch_size": 64}, 6 + i, 0, i, 5) for i in range(6)])
    heavy = {16: 4.0, 64: 1.0}
    groups = split_groups(mixed, lambda j: heavy[j.config["batch_size"]], 12, 2, group_cost=0.5)
    assert [sorted(mixed[i].config["batch_size"] for i in g) for g in groups] == [
        [16, 16, 16, 64, 64, 64]] * 2  # 15 | 15, where one group per batch size was 24 | 6
    long = ([Job({"epochs": 20}, i, 0, i, 5) for i in range(6)]
            + [Job({"epochs": 5}, 6 + i, 0, i, 5) for i in range(6)])
    groups = split_groups(long, lambda j: 4.0 if j.config["epochs"] == 20 else 1.0, 12, 2,
                          group_cost=0.5)
    assert [len(g) for g in groups] == [3, 3, 3, 3]
    assert [long[g[0]].config["epochs"] for g in groups] == [20, 20, 5, 5]
    # heaviest first to the worker that frees first: 12.5 | 12.5, then 3.5 | 3.5 -> 16 each,
    # where one group per class (24.5 | 6.5) ends at 24.5
