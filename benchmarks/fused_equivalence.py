"""Issues 11 and 21: does fused training score networks as training them one by one does?

    .venv/bin/python benchmarks/fused_equivalence.py [--configs 60] [--epochs 5] [--json]
    .venv/bin/python benchmarks/fused_equivalence.py --model experiments/digits_cnn.py:build \
        --configs 48

The same ``--configs`` networks are trained on ``tasks.digits()`` for ``--epochs`` epochs twice,
in this one process. With ``--model mlp`` (default) they are samples of the MLP preset's
default ``mlp.space()`` (depth 1-4, units 4-512 log-uniform, the 9 default activations, the 8
default optimizers, learning rate 1e-4 to 1e-1 log-uniform, batch size 32; drawn with
``random.Random(--seed)`` as ``peers.py`` draws them); with ``--model FILE.py:NAME`` they are
samples of that file's ``SPACE`` built by the user's own build function (the digits CNN
example: conv blocks, filters, kernels, pooling, dropout, adam/sgd, batch sizes 16-64).

* **one by one**: ``evohpo.engines.single.evaluate`` (Keras ``fit``, the per-model engine),
  config ``i`` seeded with ``eval_seed(seed, i)`` as a campaign seeds evaluation ``i``;
* **fused**: :func:`evohpo.engines.fused.train_group` on the groups
  ``split_groups(..., max_group=--group, n_workers=1)`` makes (groups of at most 12 that
  share a batch size),
  member ``i`` with the same seed, so the same initial weights; minibatch order comes from
  ``shuffle_seed=--seed`` instead of Keras' shuffling.

The two cannot agree bit for bit (different minibatch order, and Keras' ``fit`` computes the
step in other kernels), so the claim is about distributions: mean and best validation accuracy
within 0.01, and a two-sided Mann-Whitney U test that finds no difference. The per-config
pairs (same initial weights) are reported too. Groups alternate which path runs first, so a
slower stretch of a shared machine does not land on one path only; the times of each group
(fused) and of the same members one by one are the "12-member group" figure.

With ``--json`` the last line is one JSON object with every number printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from typing import Any

import numpy as np

from evohpo import tasks
from evohpo.engines.base import Job, Setup, eval_seed
from evohpo.engines.fused import train_group
from evohpo.engines.groups import group_key, split_groups
from evohpo.engines.single import evaluate
from evohpo.model import ModelSpec, load_object
from evohpo.objectives import default
from evohpo.presets import mlp
from evohpo.presets.mlp import MLP
from evohpo.space import Space
from evohpo.strategies.base import Evaluation


def model_and_space(name: str) -> tuple[ModelSpec, Space]:
    """``mlp`` (the preset and its default space), or ``FILE.py:NAME`` (a user's build
    function and the ``SPACE`` of the same file, as ``evohpo search --model`` reads them)."""
    if name == "mlp":
        return MLP, mlp.space()
    build = load_object(name, "model")
    space = load_object(name.rpartition(":")[0] + ":SPACE", "space")
    return ModelSpec(build=build, name=getattr(build, "__name__", "custom")), space


def sample_configs(n: int, seed: int, offset: int = 0,
                   space: Space | None = None) -> list[dict[str, Any]]:
    """n samples of ``space`` (default: the MLP preset's), as benchmarks/peers.py draws them;
    ``offset`` draws from ``random.Random(seed + offset)``."""
    rng, space = random.Random(seed + offset), space or mlp.space()
    return [space.decode(space.sample(rng)) for _ in range(n)]


def one_by_one(config: dict[str, Any], task: tasks.Task, eval_id: int, seed: int,
               epochs: int, spec: ModelSpec = MLP) -> Evaluation:
    """The per-model engine on one config, as a campaign's worker runs evaluation ``eval_id``
    of a campaign seeded ``seed`` (so its initial weights are eval_seed(seed, eval_id)'s)."""
    job = Job(config, eval_id, 0, eval_seed(seed, eval_id), epochs)
    return evaluate(job, Setup(task, spec, default(task.kind)))


def fused_run(spec: ModelSpec, configs: list[dict[str, Any]], seeds: list[int],
              task: tasks.Task, epochs: int, shuffle_seed: int) -> list[Any]:
    """The fused engine on one group (one batch size), as a campaign's worker runs it."""
    batch, _ = group_key(Job(configs[0], 0, 0, 0, epochs))
    return train_group(spec, configs, seeds, task, epochs, batch,
                       objectives=[default(task.kind)], shuffle_seed=shuffle_seed)


def warm_up(spec: ModelSpec, task: tasks.Task, configs: list[dict[str, Any]]) -> None:
    """TensorFlow's first-use costs, paid before any clock starts, for both paths."""
    fused_run(spec, configs[:1], [0], task, 1, 0)
    one_by_one(configs[0], task, 0, 0, 1, spec)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--group", type=int, default=12, help="max_group for split_groups")
    ap.add_argument("--model", default="mlp", help="mlp, or FILE.py:NAME with a SPACE beside")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from scipy.stats import mannwhitneyu, spearmanr

    task = tasks.digits()
    spec, space = model_and_space(args.model)
    configs = sample_configs(args.configs, args.seed, space=space)
    seeds = [eval_seed(args.seed, i) for i in range(len(configs))]
    jobs = [Job(c, i, 0, s, args.epochs) for i, (c, s) in enumerate(zip(configs, seeds))]
    groups = split_groups(jobs, lambda job: 1.0, max_group=args.group, n_workers=1)
    warm_up(spec, task, configs)
    load_before = load_average()
    fused_acc: dict[int, float | None] = {}
    single_acc: dict[int, float | None] = {}
    status = {"fused": {}, "one_by_one": {}}
    times = []
    for g, members in enumerate(groups):
        def run_fused(members: list[int] = members) -> float:
            t0 = time.perf_counter()
            results = fused_run(spec, [configs[i] for i in members],
                                [seeds[i] for i in members], task, args.epochs, args.seed)
            for i, r in zip(members, results):
                fused_acc[i] = r.scores.get("val_accuracy")
                status["fused"][r.status] = status["fused"].get(r.status, 0) + 1
            return time.perf_counter() - t0

        def run_single(members: list[int] = members) -> float:
            t0 = time.perf_counter()
            for i in members:
                ev = one_by_one(configs[i], task, i, args.seed, args.epochs, spec)
                single_acc[i] = ev.val_accuracy
                s = str(ev.status)
                status["one_by_one"][s] = status["one_by_one"].get(s, 0) + 1
            return time.perf_counter() - t0

        if g % 2 == 0:
            tf_, ts = run_fused(), run_single()
        else:
            ts, tf_ = run_single(), run_fused()
        times.append({"members": len(members), "fused_seconds": round(tf_, 2),
                      "one_by_one_seconds": round(ts, 2), "speedup": round(ts / tf_, 2)})
        print(f"group {g}: {len(members)} members, fused {tf_:.2f} s, one by one {ts:.2f} s "
              f"({ts / tf_:.2f}x)", file=sys.stderr, flush=True)

    both = [i for i in range(len(configs))
            if fused_acc.get(i) is not None and single_acc.get(i) is not None]
    f = np.array([fused_acc[i] for i in both])
    s = np.array([single_acc[i] for i in both])
    test = mannwhitneyu(f, s, alternative="two-sided")
    summary = {
        "model": args.model, "configs": len(configs), "epochs": args.epochs, "seed": args.seed,
        "groups": [len(m) for m in groups], "compared": len(both),
        "fused": {"mean": round(float(f.mean()), 4), "best": round(float(f.max()), 4),
                  "median": round(float(np.median(f)), 4), "status": status["fused"]},
        "one_by_one": {"mean": round(float(s.mean()), 4), "best": round(float(s.max()), 4),
                       "median": round(float(np.median(s)), 4), "status": status["one_by_one"]},
        "mean_diff": round(float(f.mean() - s.mean()), 4),
        "best_diff": round(float(f.max() - s.max()), 4),
        "mann_whitney_u": float(test.statistic), "mann_whitney_p": round(float(test.pvalue), 4),
        "paired_mean_abs_diff": round(float(np.mean(np.abs(f - s))), 4),
        "paired_spearman": round(float(spearmanr(f, s).statistic), 4),
        "paired_within_0.02": int(np.sum(np.abs(f - s) <= 0.02)),
        "group_times": times,
        "fused_seconds": round(sum(t["fused_seconds"] for t in times), 2),
        "one_by_one_seconds": round(sum(t["one_by_one_seconds"] for t in times), 2),
        "median_group_speedup": statistics.median(t["speedup"] for t in times),
        "load_average_before_after": [load_before, load_average()], "cores": os.cpu_count(),
    }
    summary["agree"] = bool(abs(summary["mean_diff"]) <= 0.01
                            and abs(summary["best_diff"]) <= 0.01)
    print(f"\n{len(configs)} configs of {args.model}, digits, {args.epochs} epochs, groups "
          f"{summary['groups']}; validation accuracy over the {len(both)} scored by both:")
    print(f"{'path':<12}{'mean':>8}{'best':>8}{'median':>8}  status")
    for name in ("fused", "one_by_one"):
        row = summary[name]
        print(f"{name:<12}{row['mean']:>8.4f}{row['best']:>8.4f}{row['median']:>8.4f}  "
              f"{row['status']}")
    print(f"mean diff {summary['mean_diff']:+.4f}, best diff {summary['best_diff']:+.4f}, "
          f"Mann-Whitney U p = {summary['mann_whitney_p']:.3f}; agree within 0.01: "
          f"{summary['agree']}")
    print(f"paired (same initial weights): mean |diff| {summary['paired_mean_abs_diff']:.4f}, "
          f"Spearman {summary['paired_spearman']:.3f}, within 0.02: "
          f"{summary['paired_within_0.02']}/{len(both)}")
    print(f"time: fused {summary['fused_seconds']} s, one by one "
          f"{summary['one_by_one_seconds']} s; median per-group speed-up "
          f"{summary['median_group_speedup']}x (load average {load_before} -> "
          f"{summary['load_average_before_after'][1]} on {os.cpu_count()} cores)")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
