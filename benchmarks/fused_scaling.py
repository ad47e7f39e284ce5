"""Issue 11 figures: how fused training scales with group size, and what it does to memory.

    .venv/bin/python benchmarks/fused_scaling.py [--sizes 6,12,24,48] [--rounds 3] [--json]

All in this one process, one TensorFlow thread (``EVOHPO_TF_THREADS``, default 1), as a worker:

* **scaling**: the first N of one list of samples of the MLP preset's default ``mlp.space()``
  (drawn as ``peers.py`` draws them, batch size 32) trained as one group on ``tasks.digits()``
  for ``--epochs`` epochs, N in ``--sizes``: :func:`evohpo.engines.fused.train_group` with the
  preset's spec (``evohpo.presets.MLP``), which builds each member with the preset's build
  function, as a campaign's worker does. Seconds per member = group wall / N, median over
  ``--rounds``; mean parameters are the built members' ``count_params()``. The first 12 also
  go one by one through ``evohpo.engines.single.evaluate`` (Keras ``fit``) in every round: the
  "12 members fused vs one by one" figure; and the first 12 fused twice more with one design
  choice undone (one Python call per batch instead of per epoch, ``chunk_steps=1``; Grappler
  left on, ``hygiene.grappler_off`` switched off), to show what each choice is worth.
* **memory**: ``--rss-groups`` groups of ``--rss-size`` fresh samples (300 evaluations by
  default), ``--rss-epochs`` epoch each; the process's resident set size (RSS) after every
  group. Growth is counted from the RSS after the first group (TensorFlow's one-off start-up
  is not growth). Then ``--leak-groups`` more groups with the clean-up of TensorFlow's
  gradient registry (``evohpo.engines.hygiene.forget_custom_gradients``, around every group)
  switched off, to show what it prevents (MB per group).
* **per-model path** (``--per-model-evals``, 0 to skip): that many ``single.evaluate`` calls
  (1 epoch) as shipped (it wraps its training in the same clean-up), then as many with the
  clean-up switched off: what it saves on the per-model path.

With ``--json`` the last line is one JSON object with every number printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

from fused_equivalence import load_average, one_by_one, sample_configs, warm_up

from evohpo import tasks
from evohpo.engines import hygiene
from evohpo.engines.base import Job, eval_seed
from evohpo.engines.fused import MemberResult, train_group
from evohpo.engines.groups import group_key
from evohpo.objectives import default
from evohpo.presets import MLP

VARIANTS = ("one_call_per_batch", "grappler_on")


@contextlib.contextmanager
def variant(name: str) -> Iterator[None]:
    """The engine with one design choice undone: Python calls the traced function once per
    batch instead of once per epoch (``chunk_steps=1``, passed by the caller), or Grappler
    stays on (``hygiene.grappler_off`` made a no-op; only the fused engine uses it)."""
    saved = hygiene.grappler_off
    if name == "grappler_on":
        hygiene.grappler_off = lambda tf: contextlib.nullcontext()
    try:
        yield
    finally:
        hygiene.grappler_off = saved


def fused_group(configs: list[dict[str, Any]], seeds: list[int], task: tasks.Task, epochs: int,
                shuffle_seed: int, chunk_steps: int | None = None) -> list[MemberResult]:
    """One group of MLP configs (one batch size) through the fused engine, as a campaign's
    worker trains it (``fused_equivalence.fused_run``, plus ``chunk_steps``)."""
    batch, _ = group_key(Job(configs[0], 0, 0, 0, epochs))
    return train_group(MLP, configs, seeds, task, epochs, batch,
                       objectives=[default(task.kind)], shuffle_seed=shuffle_seed,
                       chunk_steps=chunk_steps)


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def scaling(task: tasks.Task, sizes: list[int], epochs: int, rounds: int,
            seed: int) -> dict[str, Any]:
    configs = sample_configs(max(*sizes, 12), seed)
    seeds = [eval_seed(seed, i) for i in range(len(configs))]
    per_member: dict[int, list[float]] = {n: [] for n in sizes}
    params: dict[int, list[int]] = {}
    one_by_one_12: list[float] = []
    fused12: list[float] = []
    variants: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for r in range(rounds):
        for n in sizes:
            t0 = time.perf_counter()
            results = fused_group(configs[:n], seeds[:n], task, epochs, seed)
            wall = time.perf_counter() - t0
            assert all(x.status in ("ok", "diverged") for x in results), \
                [(x.status, x.error) for x in results if x.status not in ("ok", "diverged")]
            params[n] = [x.params for x in results if x.params is not None]
            per_member[n].append(wall / n)
            if n == 12:
                fused12.append(wall)
            print(f"round {r + 1}: {n:>3} members fused {wall:6.2f} s ({wall / n:.3f} s each)",
                  file=sys.stderr, flush=True)
        for name in VARIANTS:
            t0 = time.perf_counter()
            with variant(name):
                fused_group(configs[:12], seeds[:12], task, epochs, seed,
                            chunk_steps=1 if name == "one_call_per_batch" else None)
            variants[name].append(time.perf_counter() - t0)
            print(f"round {r + 1}:  12 members fused, {name.replace('_', ' ')} "
                  f"{variants[name][-1]:6.2f} s", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        for i in range(12):
            one_by_one(configs[i], task, i, seed, epochs)
        one_by_one_12.append(time.perf_counter() - t0)
        print(f"round {r + 1}:  12 members one by one {one_by_one_12[-1]:6.2f} s", file=sys.stderr,
              flush=True)
    out: dict[str, Any] = {
        "seconds_per_member": {n: round(statistics.median(v), 3) for n, v in per_member.items()},
        "params_mean": {n: round(statistics.mean(params[n])) for n in sizes},
        "one_by_one_12_seconds": round(statistics.median(one_by_one_12), 2),
        "variants_12_seconds": {k: round(statistics.median(v), 2) for k, v in variants.items()},
    }
    if fused12:
        out["fused_12_seconds"] = round(statistics.median(fused12), 2)
        out["speedup_12"] = round(statistics.median(one_by_one_12) / statistics.median(fused12),
                                  2)
    return out


def memory(task: tasks.Task, groups: int, size: int, epochs: int, leak_groups: int,
           seed: int) -> dict[str, Any]:
    configs = iter(sample_configs(groups * size + leak_groups * size, seed, offset=1))
    trace: list[float] = []
    t0 = time.perf_counter()

    def one_group(g: int) -> None:
        batch = [next(configs) for _ in range(size)]
        fused_group(batch, [eval_seed(seed + 1, g * size + i) for i in range(size)],
                    task, epochs, seed)

    for g in range(groups):
        one_group(g)
        trace.append(rss_mb())
    seconds = time.perf_counter() - t0
    growth = [round(x - trace[0], 1) for x in trace]
    print(f"memory: {groups} groups x {size} = {groups * size} evaluations in {seconds:.0f} s; "
          f"RSS after the first group {trace[0]:.0f} MB, largest growth {max(growth)} MB, "
          f"final {growth[-1]} MB", file=sys.stderr, flush=True)
    out: dict[str, Any] = {
        "evaluations": groups * size, "rss_first_mb": round(trace[0], 1),
        "max_growth_mb": max(growth), "final_growth_mb": growth[-1],
        "growth_per_group_mb": growth, "seconds": round(seconds, 1),
    }
    if leak_groups:
        saved = hygiene.forget_custom_gradients
        hygiene.forget_custom_gradients = contextlib.nullcontext
        try:
            start = rss_mb()
            for g in range(leak_groups):
                one_group(groups + g)
            leaked = rss_mb() - start
        finally:
            hygiene.forget_custom_gradients = saved
        out["without_cleanup_mb_per_group"] = round(leaked / leak_groups, 1)
        print(f"memory without the gradient-registry clean-up: {leaked / leak_groups:.1f} MB "
              f"per group of {size}", file=sys.stderr, flush=True)
    return out


@contextlib.contextmanager
def single_cleanup(on: bool) -> Iterator[None]:
    """``single.evaluate`` with its gradient-registry clean-up
    (``hygiene.forget_custom_gradients``) on (as shipped) or off."""
    saved = hygiene.forget_custom_gradients
    if not on:
        hygiene.forget_custom_gradients = contextlib.nullcontext
    try:
        yield
    finally:
        hygiene.forget_custom_gradients = saved


def per_model(task: tasks.Task, n: int, seed: int) -> dict[str, Any]:
    configs = sample_configs(2 * n, seed, offset=2)
    out = {}
    for label, on in (("with_cleanup", True), ("without_cleanup", False)):
        part = configs[:n] if on else configs[n:]
        start = None
        with single_cleanup(on):
            for i, config in enumerate(part):
                one_by_one(config, task, i, seed, 1)
                if start is None:
                    start = rss_mb()
        growth = rss_mb() - start
        out[label + "_mb_per_eval"] = round(growth / max(n - 1, 1), 2)
        print(f"per-model path, {n} evaluations {label.replace('_', ' ')}: "
              f"{growth / max(n - 1, 1):.2f} MB per evaluation", file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="6,12,24,48")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rss-groups", type=int, default=25)
    ap.add_argument("--rss-size", type=int, default=12)
    ap.add_argument("--rss-epochs", type=int, default=1)
    ap.add_argument("--leak-groups", type=int, default=5)
    ap.add_argument("--per-model-evals", type=int, default=30)
    ap.add_argument("--skip", default="", help="comma list of parts to skip: scaling,memory")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    skip = set(args.skip.split(","))
    task = tasks.digits()
    warm_up(MLP, task, sample_configs(1, args.seed))
    summary: dict[str, Any] = {"epochs": args.epochs, "rounds": args.rounds,
                               "cores": os.cpu_count(), "load_average_start": load_average(),
                               "tf_threads": int(os.environ.get("EVOHPO_TF_THREADS", "1"))}
    if "scaling" not in skip:
        summary["scaling"] = scaling(task, sizes, args.epochs, args.rounds, args.seed)
    if "memory" not in skip:
        summary["memory"] = memory(task, args.rss_groups, args.rss_size, args.rss_epochs,
                                   args.leak_groups, args.seed)
    if args.per_model_evals:
        summary["per_model"] = per_model(task, args.per_model_evals, args.seed)
    summary["load_average_end"] = load_average()
    if "scaling" in summary:
        s = summary["scaling"]
        print(f"\ngroup size  seconds/member  mean params   ({args.epochs} epochs, digits, "
              f"median of {args.rounds})")
        for n in sizes:
            print(f"{n:>10}  {s['seconds_per_member'][n]:>14.3f}  {s['params_mean'][n]:>11}")
        print(f"12 members: fused {s.get('fused_12_seconds')} s, one by one "
              f"{s['one_by_one_12_seconds']} s ({s.get('speedup_12')}x); fused with one call "
              f"per batch {s['variants_12_seconds']['one_call_per_batch']} s, with Grappler on "
              f"{s['variants_12_seconds']['grappler_on']} s")
    if "memory" in summary:
        m = summary["memory"]
        print(f"RSS over {m['evaluations']} fused evaluations: largest growth "
              f"{m['max_growth_mb']} MB after the first group ({m['rss_first_mb']} MB); "
              f"without the clean-up {m.get('without_cleanup_mb_per_group')} MB per group")
    if "per_model" in summary:
        p = summary["per_model"]
        print(f"per-model path: {p['with_cleanup_mb_per_eval']} MB per evaluation with the "
              f"clean-up, {p['without_cleanup_mb_per_eval']} MB without")
    print(f"load average {summary['load_average_start']} -> {summary['load_average_end']} on "
          f"{os.cpu_count()} cores")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
