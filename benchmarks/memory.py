"""Issue 5 figure: how much a worker's resident memory grows over many evaluations.

    .venv/bin/python benchmarks/memory.py [--evals 300] [--growth-mb 150] [--no-cleanup] [--json]

Runs ``--evals`` random-search evaluations (digits, 1 epoch) through the real campaign loop on
the per-model engine (``engine="single"``: the fused engine trains groups, not one model per
call) with one loky worker, and records the worker's resident set size (RSS) after every
evaluation. It prints, per worker process, the RSS after its first evaluation, its largest
growth beyond that, and its growth per evaluation (last minus first RSS, over the evaluations
in between). TensorFlow leaks a few MB per trained model (keras-team/keras#17458), so evohpo
lets loky recycle a worker once it grew by ``--growth-mb`` (EVOHPO_WORKER_MAX_GROWTH_MB); pass
a huge value (e.g. 100000) to see the leak without recycling. ``--no-cleanup`` switches off the
per-model engine's clean-up of TensorFlow's gradient registry
(``evohpo.engines.hygiene.forget_custom_gradients``, which ``single.evaluate`` wraps around
every evaluation) in the worker, to show what it saves.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from dataclasses import replace

from evohpo import RandomSearch, run_campaign, tasks
from evohpo.engines import hygiene, single
from evohpo.engines.hygiene import GROWTH_ENV
from evohpo.presets import mlp

NO_CLEANUP_ENV = "EVOHPO_BENCH_NO_CLEANUP"  # read in the worker, inherited from this process


def evaluate_and_measure(job, setup):
    """evohpo's evaluate, plus the worker's pid and RSS afterwards (runs in the worker)."""
    import psutil

    if os.environ.get(NO_CLEANUP_ENV):  # single.evaluate calls hygiene.forget_custom_gradients
        hygiene.forget_custom_gradients = contextlib.nullcontext
    ev = single.evaluate(job, setup)
    rss = psutil.Process().memory_info().rss / 2**20
    return replace(ev, extra={"pid": os.getpid(), "rss_mb": rss})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evals", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--growth-mb", type=float, default=150)
    ap.add_argument("--no-cleanup", action="store_true",
                    help="switch off the gradient-registry clean-up around each evaluation")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    os.environ[GROWTH_ENV] = str(args.growth_mb)  # inherited by the loky worker
    if args.no_cleanup:
        os.environ[NO_CLEANUP_ENV] = "1"
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_campaign(RandomSearch(mlp.space(), seed=0), tasks.digits(),
                              budget=args.evals, epochs=args.epochs, n_jobs=1, out=tmp,
                              progress=False, save_best=False, evaluator=evaluate_and_measure,
                              engine="single")
    per_worker: dict[int, list[float]] = {}
    for ev in result.evaluations:
        if not ev.cached:
            per_worker.setdefault(ev.extra["pid"], []).append(ev.extra["rss_mb"])
    rows = []
    for pid, rss in per_worker.items():
        slope = (rss[-1] - rss[0]) / (len(rss) - 1) if len(rss) > 1 else 0.0
        rows.append({"pid": pid, "evaluations": len(rss), "first_mb": round(rss[0], 1),
                     "max_growth_mb": round(max(rss) - rss[0], 1),
                     "mb_per_eval": round(slope, 2)})
        print(f"worker {pid}: {len(rss):>4} evaluations, RSS after the first {rss[0]:7.1f} MB, "
              f"largest growth {max(rss) - rss[0]:6.1f} MB, {slope:5.2f} MB per evaluation")
    worst = max(r["max_growth_mb"] for r in rows)
    evals = sum(r["evaluations"] - 1 for r in rows)
    per_eval = (sum(r["mb_per_eval"] * (r["evaluations"] - 1) for r in rows) / evals
                if evals else 0.0)
    seconds = time.perf_counter() - start
    print(f"{args.evals} evaluations in {seconds:.0f} s on {len(rows)} worker process(es) "
          f"(recycle at {args.growth_mb:g} MB growth, clean-up "
          f"{'off' if args.no_cleanup else 'on'}); largest growth of any worker: {worst} MB; "
          f"{per_eval:.2f} MB per evaluation; load average {os.getloadavg()[0]:.1f}")
    if args.json:
        print(json.dumps({"evals": args.evals, "growth_limit_mb": args.growth_mb,
                          "cleanup": not args.no_cleanup, "workers": rows,
                          "max_growth_mb": worst, "mb_per_eval": round(per_eval, 2),
                          "seconds": round(seconds), "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
