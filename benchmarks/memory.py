"""Issue 5 figure: resident memory of one worker over many evaluations in a row.

    .venv/bin/python benchmarks/memory.py [--evals 300] [--epochs 1] [--json]

Runs ``evohpo.fitness.evaluate`` on random configs of the default space (digits) in this one
process, exactly as a loky worker does, and prints its resident set size (RSS) after the first
evaluation (TensorFlow warmed up) and every 50 thereafter. The growth from the first to the
last evaluation is the leak a long campaign would see per worker.
"""

from __future__ import annotations

import argparse
import json
import random
import time


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evals", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from evohpo import SearchSpace, tasks
    from evohpo.fitness import evaluate

    space, rng, task = SearchSpace(), random.Random(0), tasks.digits()
    start, samples = time.perf_counter(), {}
    for i in range(args.evals):
        cfg = space.decode(space.sample(rng))
        evaluate(cfg, task, eval_id=i, generation=0, seed=i, epochs=args.epochs)
        if i == 0 or (i + 1) % 50 == 0 or i + 1 == args.evals:
            samples[i + 1] = round(rss_mb(), 1)
            print(f"after {i + 1:>4} evaluations: RSS {samples[i + 1]:7.1f} MB", flush=True)
    growth = samples[args.evals] - samples[1]
    print(f"growth from evaluation 1 to {args.evals}: {growth:.1f} MB "
          f"({time.perf_counter() - start:.0f} s)")
    if args.json:
        print(json.dumps({"evals": args.evals, "rss_mb": samples, "growth_mb": round(growth, 1)}))


if __name__ == "__main__":
    main()
