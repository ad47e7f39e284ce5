"""Issue 6/13 figures: the demo campaign on loky, a 2-worker Dask LocalCluster and a local Ray
instance (same machine).

    .venv/bin/python benchmarks/backends_speed.py [--budget 72] [--backends loky,dask,ray] [--json]

Runs the demo GA campaign (digits, population 12, 5 epochs, seed 0, n_jobs 2) on each backend,
checks each CSV is identical to loky's apart from timing/worker columns, and prints wall time and
the overhead per evaluation each backend adds: (wall_backend - wall_loky) / evaluations. Wall
time includes starting the workers (and the Dask cluster or Ray instance), as a user waits for
both.
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
    ap.add_argument("--backends", default="loky,dask,ray")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    task, out = tasks.digits(), {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            start = time.perf_counter()
            result = run_campaign(
                GeneticSearch(mlp.space(), population=12, seed=0), task, budget=args.budget,
                epochs=args.epochs, n_jobs=2, out=Path(tmp) / backend, backend=backend,
                progress=False, campaign="demo",
            )
            wall = time.perf_counter() - start
            fit = sum(e.train_seconds for e in result.evaluations)
            frame = read(result.csv)
            out[backend] = {"wall_seconds": round(wall, 1),
                            "mean_train_seconds": round(fit / len(result.evaluations), 3),
                            "best_val_accuracy": round(result.best.val_accuracy, 4),
                            "test_accuracy": round(result.best.test_accuracy, 4),
                            "workers": int(frame["worker"].nunique()),
                            "frame": frame.drop(columns=list(VOLATILE))}
            print(f"{backend}: wall {wall:.1f} s, mean train {out[backend]['mean_train_seconds']} s"
                  f"/eval, best val_accuracy {out[backend]['best_val_accuracy']}, test "
                  f"{out[backend]['test_accuracy']}", flush=True)
    summary = {k: {kk: vv for kk, vv in v.items() if kk != "frame"} for k, v in out.items()}
    if "loky" in out:
        for backend in out:
            if backend == "loky":
                continue
            same = bool(out[backend]["frame"].equals(out["loky"]["frame"]))
            extra = (out[backend]["wall_seconds"] - out["loky"]["wall_seconds"]) / args.budget
            summary[backend].update(identical_csv_to_loky=same,
                                    overhead_per_eval_s=round(extra, 3))
            print(f"{backend}: CSV identical to loky's: {same}; adds {extra:.3f} s per evaluation")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
