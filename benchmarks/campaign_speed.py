"""Issues 2, 11 and 21: a campaign's speed per engine, best score, n_jobs speed-up.

    .venv/bin/python benchmarks/campaign_speed.py [--campaign demo] [--engine both] [--jobs 2]
        [--rounds 1] [--json]

``--campaign`` picks the campaign, each as its README command runs it (GA, seed 0):

* ``demo``: the built-in MLP on digits, population 12, 72 evaluations, 5 epochs;
* ``cnn``: ``experiments/digits_cnn.py`` (the user's own CNN build and SPACE) on digits,
  population 12, 48 evaluations, 5 epochs;
* ``wide_deep``: ``experiments/wide_deep_regression.py`` (functional Wide & Deep, its fit hook's
  EarlyStopping honoured) on diabetes, population 10, 40 evaluations, at most 30 epochs,
  objective val_loss.

``--budget`` and ``--epochs`` override the campaign's. Each runs with ``--jobs`` workers with
the fused engine and with the per-model engine (``--engine fused|single|both``) in this one
invocation, and prints for each its wall time, evaluations per minute, best validation score
and that network's test score; with both engines, the ratio of their evaluations per minute
(fused / single). With several ``--jobs`` values (e.g.
``2,1``) it also prints each engine's n_jobs speed-up and checks that the CSVs of one engine
are identical apart from timing and worker columns. Every campaign starts cold (joblib's
reusable loky workers are shut down after each), so worker start-up (TensorFlow import) and
the final model's retraining are in every wall time: they are what a user waits for.
``--rounds R`` repeats the whole sequence R times, alternating which engine goes first, and
reports medians (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from evohpo import GeneticSearch, run_campaign, tasks
from evohpo.model import load_object
from evohpo.presets import mlp
from evohpo.results import VOLATILE, read

ENGINES = ("fused", "single")
HERE = Path(__file__).resolve().parent.parent / "experiments"
# name -> (task, space, build, fit hook, objective, population, budget, epochs)
CAMPAIGNS: dict[str, tuple] = {
    "demo": ("digits", "mlp", None, None, None, 12, 72, 5),
    "cnn": ("digits", "digits_cnn.py:SPACE", "digits_cnn.py:build", None, "val_accuracy",
            12, 48, 5),
    "wide_deep": ("diabetes", "wide_deep_regression.py:SPACE", "wide_deep_regression.py:build",
                  "wide_deep_regression.py:fit", "val_loss:min", 10, 40, 30),
}


def _user(ref: str | None, what: str) -> Any:
    return None if ref is None else load_object(str(HERE / ref), what)


def shutdown_loky() -> None:
    """Stop joblib's reusable loky workers, so the next campaign starts cold like a user's."""
    from joblib.externals.loky import reusable_executor

    executor = reusable_executor._executor
    if executor is not None:
        executor.shutdown(wait=True)


def one_campaign(name: str, task: Any, engine: str, n_jobs: int, budget: int, epochs: int,
                 out: Path) -> dict[str, Any]:
    _, space, build, fit, objective, population, _, _ = CAMPAIGNS[name]
    space = mlp.space() if space == "mlp" else _user(space, "space")
    start = time.perf_counter()
    result = run_campaign(
        GeneticSearch(space, population=population, seed=0), task, budget=budget,
        epochs=epochs, model=_user(build, "model"), fit=_user(fit, "fit"), objective=objective,
        n_jobs=n_jobs, out=out, progress=False, campaign=name, engine=engine, overwrite=True,
    )
    wall = time.perf_counter() - start
    shutdown_loky()
    search = sum(e.train_seconds for e in result.evaluations)
    return {
        "wall_seconds": round(wall, 1),
        "evals_per_minute": round(len(result.evaluations) / wall * 60, 1),
        "best_val_accuracy": round(result.best.value, 4),
        "best_test_accuracy": round(result.best.test_value, 4),
        "mean_train_seconds": round(search / len(result.evaluations), 2),
        "evaluations": len(result.evaluations),
        "load_average": round(os.getloadavg()[0], 2),
        "frame": read(result.csv).drop(columns=list(VOLATILE)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--campaign", default="demo", choices=tuple(CAMPAIGNS))
    ap.add_argument("--budget", type=int, help="default: the campaign's")
    ap.add_argument("--epochs", type=int, help="default: the campaign's")
    ap.add_argument("--engine", default="both", choices=(*ENGINES, "both"))
    ap.add_argument("--jobs", default="2", help="n_jobs values to run, in this order")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    engines = list(ENGINES) if args.engine == "both" else [args.engine]
    jobs = [int(j) for j in args.jobs.split(",")]
    task_name, *_, budget, epochs = CAMPAIGNS[args.campaign]
    args.budget, args.epochs = args.budget or budget, args.epochs or epochs
    task = tasks.get(task_name)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for engine in engines if r % 2 == 0 else engines[::-1]:
                for n_jobs in jobs:
                    row = one_campaign(args.campaign, task, engine, n_jobs, args.budget,
                                       args.epochs,
                                       Path(tmp) / f"{engine}-n{n_jobs}-r{r}")
                    runs.setdefault((engine, n_jobs), []).append(row)
                    print(f"round {r + 1}, engine={engine}, n_jobs={n_jobs}: "
                          f"{row['wall_seconds']} s wall, {row['evals_per_minute']} evals/min, "
                          f"best val {row['best_val_accuracy']}, test "
                          f"{row['best_test_accuracy']} (load average {row['load_average']})",
                          flush=True)
    summary: dict[str, Any] = {"campaign": args.campaign, "budget": args.budget,
                               "epochs": args.epochs,
                               "rounds": args.rounds, "cores": os.cpu_count()}
    for (engine, n_jobs), rows in runs.items():
        summary[f"{engine}_n_jobs_{n_jobs}"] = {
            "wall_seconds": statistics.median(x["wall_seconds"] for x in rows),
            "walls": [x["wall_seconds"] for x in rows],
            "evals_per_minute": statistics.median(x["evals_per_minute"] for x in rows),
            **{k: rows[0][k] for k in ("best_val_accuracy", "best_test_accuracy",
                                        "mean_train_seconds", "evaluations")},
            "same_every_round": all(x["frame"].equals(rows[0]["frame"]) for x in rows),
            "load_averages": [x["load_average"] for x in rows],
        }
    print()
    for n_jobs in jobs:
        if len(engines) == 2:
            f, s = (summary[f"{e}_n_jobs_{n_jobs}"] for e in ENGINES)
            ratio = round(f["evals_per_minute"] / s["evals_per_minute"], 2)
            summary[f"fused_vs_single_n_jobs_{n_jobs}"] = ratio
            print(f"n_jobs={n_jobs}: fused {f['evals_per_minute']} evals/min "
                  f"({f['wall_seconds']} s), single {s['evals_per_minute']} evals/min "
                  f"({s['wall_seconds']} s): fused / single = {ratio}x; best val "
                  f"fused {f['best_val_accuracy']} (test {f['best_test_accuracy']}), single "
                  f"{s['best_val_accuracy']} (test {s['best_test_accuracy']})")
        for engine in engines:
            row = summary[f"{engine}_n_jobs_{n_jobs}"]
            if len(engines) == 1:
                print(f"{engine}, n_jobs={n_jobs}: {row['evals_per_minute']} evals/min "
                      f"({row['wall_seconds']} s), best val "
                      f"{row['best_val_accuracy']}, test {row['best_test_accuracy']}")
    for engine in engines:
        if 1 in jobs and 2 in jobs:
            one, two = runs[(engine, 1)], runs[(engine, 2)]
            speedup = round(statistics.median(x["evals_per_minute"] for x in two)
                            / statistics.median(x["evals_per_minute"] for x in one), 2)
            same = bool(one[0]["frame"].equals(two[0]["frame"]))
            summary[f"{engine}_speedup_2_vs_1"] = speedup
            summary[f"{engine}_csv_identical_1_vs_2"] = same
            print(f"{engine}: speed-up n_jobs=2 vs 1 {speedup}x; CSVs identical (timing/worker "
                  f"aside): {same}")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
