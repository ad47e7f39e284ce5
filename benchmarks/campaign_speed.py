"""Issue 2 figures: the demo campaign's wall time, best accuracy and n_jobs=1 vs 2 throughput.

    .venv/bin/python benchmarks/campaign_speed.py [--budget 72] [--json]

Runs the demo GA campaign (digits, population 12, 5 epochs, seed 0) once with n_jobs=1 and once
with n_jobs=2, checks the two CSVs are identical apart from timing and worker columns, and
prints wall time, evaluations per minute, the speed-up and the best validation accuracy.
Worker start-up (TensorFlow import) is included in the wall time: it is what a user waits for.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from evohpo import GeneticSearch, run_campaign, tasks
from evohpo.presets import mlp
from evohpo.results import VOLATILE, read


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=72)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--jobs", default="2,1", help="n_jobs values to run, in this order")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    task = tasks.digits()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n_jobs in (int(j) for j in args.jobs.split(",")):
            start = time.perf_counter()
            result = run_campaign(
                GeneticSearch(mlp.space(), population=12, seed=0), task, budget=args.budget,
                epochs=args.epochs, n_jobs=n_jobs, out=Path(tmp) / f"n{n_jobs}", progress=False,
                campaign="demo",
            )
            wall = time.perf_counter() - start
            search = sum(e.train_seconds for e in result.evaluations)
            rows[n_jobs] = {
                "wall_seconds": round(wall, 1),
                "evals_per_minute": round(len(result.evaluations) / wall * 60, 1),
                "best_val_accuracy": round(result.best.val_accuracy, 4),
                "best_test_accuracy": round(result.best.test_accuracy, 4),
                "mean_train_seconds": round(search / len(result.evaluations), 2),
                "frame": read(result.csv).drop(columns=list(VOLATILE)),
            }
            print(f"n_jobs={n_jobs}: {rows[n_jobs]['wall_seconds']} s wall, "
                  f"{rows[n_jobs]['evals_per_minute']} evals/min, best val_accuracy "
                  f"{rows[n_jobs]['best_val_accuracy']}, test {rows[n_jobs]['best_test_accuracy']}",
                  flush=True)
    summary = {f"n_jobs_{k}": {kk: vv for kk, vv in v.items() if kk != "frame"}
               for k, v in rows.items()}
    if 1 in rows and 2 in rows:
        summary["speedup_2_vs_1"] = round(
            rows[2]["evals_per_minute"] / rows[1]["evals_per_minute"], 2
        )
        summary["csv_identical"] = bool(rows[1]["frame"].equals(rows[2]["frame"]))
        print(f"speed-up n_jobs=2 vs 1: {summary['speedup_2_vs_1']}x; "
              f"CSVs identical (timing/worker aside): {summary['csv_identical']}")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
