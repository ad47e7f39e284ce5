"""Issue 5 figure: how much a worker's resident memory grows over many evaluations.

    .venv/bin/python benchmarks/memory.py [--evals 300] [--growth-mb 150] [--json]

Runs ``--evals`` random-search evaluations (digits, 1 epoch) through the real campaign loop with
one loky worker, and records the worker's resident set size (RSS) after every evaluation. It
prints, per worker process, the RSS after its first evaluation and its largest growth beyond
that. TensorFlow leaks a few MB per trained model (keras-team/keras#17458), so evohpo lets loky
recycle a worker once it grew by ``--growth-mb`` (EVOHPO_WORKER_MAX_GROWTH_MB); pass a huge
value (e.g. 100000) to see the leak without recycling.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace

from evohpo.fitness import GROWTH_ENV, evaluate

from evohpo import RandomSearch, run_campaign, tasks
from evohpo.presets import mlp


def evaluate_and_measure(config, task, **kw):
    """evohpo's evaluate, plus the worker's pid and RSS afterwards (runs in the worker)."""
    import psutil

    ev = evaluate(config, task, **kw)
    rss = psutil.Process().memory_info().rss / 2**20
    return replace(ev, extra={"pid": os.getpid(), "rss_mb": rss})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evals", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--growth-mb", type=float, default=150)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    os.environ[GROWTH_ENV] = str(args.growth_mb)  # inherited by the loky worker
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_campaign(RandomSearch(mlp.space(), seed=0), tasks.digits(),
                              budget=args.evals, epochs=args.epochs, n_jobs=1, out=tmp,
                              progress=False, save_best=False, evaluator=evaluate_and_measure)
    per_worker: dict[int, list[float]] = {}
    for ev in result.evaluations:
        if not ev.cached:
            per_worker.setdefault(ev.extra["pid"], []).append(ev.extra["rss_mb"])
    rows = []
    for pid, rss in per_worker.items():
        rows.append({"pid": pid, "evaluations": len(rss), "first_mb": round(rss[0], 1),
                     "max_growth_mb": round(max(rss) - rss[0], 1)})
        print(f"worker {pid}: {len(rss):>4} evaluations, RSS after the first {rss[0]:7.1f} MB, "
              f"largest growth {max(rss) - rss[0]:6.1f} MB")
    worst = max(r["max_growth_mb"] for r in rows)
    seconds = time.perf_counter() - start
    print(f"{args.evals} evaluations in {seconds:.0f} s on {len(rows)} worker process(es) "
          f"(recycle at {args.growth_mb:g} MB growth); largest growth of any worker: {worst} MB")
    if args.json:
        print(json.dumps({"evals": args.evals, "growth_limit_mb": args.growth_mb,
                          "workers": rows, "max_growth_mb": worst, "seconds": round(seconds)}))


if __name__ == "__main__":
    main()
