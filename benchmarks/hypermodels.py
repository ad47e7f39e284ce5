"""Issue 26 figures: KerasTuner hypermodels run by evohpo's GA (fused engine) against KerasTuner's
own RandomSearch and BayesianOptimization, the same function, epochs and budget, in one run.

    nice -n 10 .venv/bin/python benchmarks/hypermodels.py --json            # the default run
    nice -n 10 .venv/bin/python benchmarks/hypermodels.py --budget 8 --epochs 1 --seeds 1  # smoke

Needs the benchmark extras (``pip install 'evohpo[bench]'``: keras-tuner and tensorboard,
which KerasTuner imports in every trial). The hypermodels are those of
``experiments/keras_tuner_hypermodels.py``: keras.io's getting-started ``build_model`` (units
Int 32..512 step 32, activation relu/tanh, dropout Boolean, lr Float 1e-4..1e-2 log) and
``build_conditional`` (an MLP or a CNN under ``conditional_scope``, a layer count, momentum
under ``parent_name``), on ``evohpo.tasks.digits()`` (the same splits for everyone).

Per hypermodel and seed, each contestant gets ``--budget`` evaluations of ``--epochs`` epochs
at batch size 32 (Keras' and evohpo's default), in an order that rotates with the seed:

* ``evohpo_ga``: ``space_from_hypermodel`` (its builds counted in the wall), then
  ``run_campaign`` with ``GeneticSearch(population=--population)``, ``engine="fused"``, 2 loky
  workers x 1 TensorFlow thread, started cold (its wall includes their TensorFlow import, as a
  user waits for it), no final retrain (``save_best=False``).
* ``kt_random`` / ``kt_bayes``: ``keras_tuner.RandomSearch`` / ``BayesianOptimization`` with
  ``max_trials=--budget``, ``objective="val_accuracy"``, ``validation_data`` = the validation
  split, in this process with TensorFlow's default threading (both cores). TensorFlow and
  KerasTuner are imported, and a warm-up fit run, before any clock starts (which favours them).

Scores: ``best_val_accuracy`` is the best validation accuracy **after the last epoch** over the
contestant's evaluations (what evohpo scores; for KerasTuner read from each trial's history);
KerasTuner's own score (the best *epoch's* val_accuracy, an optimistic pick) is reported
beside it as ``kt_best_epoch_score``. ``evals_per_min`` = evaluations / wall minutes.
The summary gives, per hypermodel and contestant, the medians over seeds, and per seed the
ratio of evohpo's evaluations per minute to each KerasTuner tuner's (their median too).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from peers import main_process_keras, shutdown_loky, versions  # noqa: E402

from evohpo import GeneticSearch, run_campaign, space_from_hypermodel, tasks  # noqa: E402
from evohpo.model import load_object  # noqa: E402

EXPERIMENT = ROOT / "experiments" / "keras_tuner_hypermodels.py"
HYPERMODELS = ("build_model", "build_conditional")
CONTESTANTS = ("evohpo_ga", "kt_random", "kt_bayes")


def run_evohpo(fn: Any, task: Any, args: argparse.Namespace, seed: int, out: Path
               ) -> dict[str, Any]:
    start = time.perf_counter()
    space = space_from_hypermodel(fn)
    discovered = time.perf_counter() - start
    result = run_campaign(GeneticSearch(space, population=args.population, seed=seed), task,
                          model=fn, budget=args.budget, epochs=args.epochs, n_jobs=2,
                          engine="fused", out=out, save_best=False, progress=False)
    wall = time.perf_counter() - start
    shutdown_loky()  # the next evohpo run starts its workers cold, as a user's does
    ok = [e for e in result.evaluations if e.ok]
    engine = json.loads((out / "checkpoint.json").read_text()).get("engine")
    return {"wall_seconds": wall, "evaluations": len(result.evaluations),
            "trained": sum(not e.cached for e in result.evaluations),
            "best_val_accuracy": max((e.val_accuracy for e in ok), default=None),
            "discovery_seconds": discovered, "genes": len(space.genes), "engine": engine,
            "statuses": sorted({str(e.status) for e in result.evaluations})}


def run_kerastuner(kind: str, fn: Any, task: Any, args: argparse.Namespace, seed: int,
                   out: Path, keras: Any) -> dict[str, Any]:
    import keras_tuner as kt

    tuner_class = kt.RandomSearch if kind == "kt_random" else kt.BayesianOptimization
    start = time.perf_counter()
    tuner = tuner_class(fn, objective="val_accuracy", max_trials=args.budget, seed=seed,
                        directory=str(out), project_name=kind, overwrite=True)
    tuner.search(task.x_train, task.y_train, epochs=args.epochs, batch_size=32, verbose=0,
                 validation_data=(task.x_val, task.y_val))
    wall = time.perf_counter() - start
    trials = [t for t in tuner.oracle.trials.values() if t.status == "COMPLETED"]
    last = [t.metrics.get_history("val_accuracy")[-1].value[0] for t in trials
            if t.metrics.exists("val_accuracy")]
    keras.backend.clear_session()
    return {"wall_seconds": wall, "evaluations": len(trials), "trained": len(trials),
            "best_val_accuracy": max(last, default=None),
            "kt_best_epoch_score": max((t.score for t in trials if t.score is not None),
                                       default=None),
            "statuses": sorted({str(t.status) for t in tuner.oracle.trials.values()})}


def warm_up(keras: Any, fn: Any, task: Any) -> None:
    """One fit in this process before the clocks: KerasTuner pays no first-use costs."""
    import keras_tuner as kt

    model = fn(kt.HyperParameters())
    model.fit(task.x_train[:128], task.y_train[:128], epochs=1, verbose=0,
              validation_data=(task.x_val[:32], task.y_val[:32]))
    keras.backend.clear_session()


def _median(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def summarise(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for hm, by_name in runs.items():
        rows: dict[str, Any] = {}
        for name, seeds in by_name.items():
            for r in seeds:
                r["evals_per_min"] = round(60 * r["evaluations"] / r["wall_seconds"], 2)
            rows[name] = {key: _median([r.get(key) for r in seeds]) for key in (
                "evals_per_min", "wall_seconds", "best_val_accuracy", "kt_best_epoch_score",
                "discovery_seconds")}
            rows[name]["best_val_accuracy_per_seed"] = [r["best_val_accuracy"] for r in seeds]
        for peer in ("kt_random", "kt_bayes"):
            pairs = [e["evals_per_min"] / p["evals_per_min"]
                     for e, p in zip(by_name["evohpo_ga"], by_name[peer])]
            rows[f"speed_ratio_vs_{peer}"] = {"per_seed": [round(x, 3) for x in pairs],
                                              "median": _median(pairs)}
        out[hm] = rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=12, help="evaluations per contestant")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--population", type=int, default=6, help="evohpo GA population")
    ap.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 per hypermodel")
    ap.add_argument("--hypermodels", default=",".join(HYPERMODELS))
    ap.add_argument("--json", action="store_true", help="end with one line of JSON")
    args = ap.parse_args()
    chosen = [h for h in args.hypermodels.split(",") if h]
    if not chosen or any(h not in HYPERMODELS for h in chosen):
        ap.error(f"--hypermodels: choose from {', '.join(HYPERMODELS)}")
    started = time.perf_counter()
    keras = main_process_keras()
    import keras_tuner  # noqa: F401  (imported before the clocks start, like TensorFlow)

    task = tasks.digits()
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with tempfile.TemporaryDirectory(prefix="evohpo-hypermodels-") as tmp:
        for hm in chosen:
            fn = load_object(f"{EXPERIMENT}:{hm}", "model")
            warm_up(keras, fn, task)
            runs[hm] = {name: [] for name in CONTESTANTS}
            for seed in range(args.seeds):
                k = seed % len(CONTESTANTS)  # who goes first rotates with the seed
                for name in CONTESTANTS[k:] + CONTESTANTS[:k]:
                    out = Path(tmp) / f"{hm}-{name}-{seed}"
                    run = (run_evohpo(fn, task, args, seed, out) if name == "evohpo_ga"
                           else run_kerastuner(name, fn, task, args, seed, out, keras))
                    runs[hm][name].append(run)
                    print(f"{hm} seed {seed} {name}: {run['evaluations']} evaluations in "
                          f"{run['wall_seconds']:.1f} s, best val_accuracy "
                          f"{run['best_val_accuracy']:.4f}", file=sys.stderr, flush=True)
    summary = summarise(runs)
    for hm, rows in summary.items():
        print(f"\n{hm} (budget {args.budget}, {args.epochs} epochs, medians over "
              f"{args.seeds} seeds)")
        print(f"{'contestant':<10} {'evals/min':>9} {'wall s':>7} {'best val acc':>12} "
              f"{'KT best-epoch':>13}")
        for name in CONTESTANTS:
            r = rows[name]
            kt_score = r["kt_best_epoch_score"]
            print(f"{name:<10} {r['evals_per_min']:>9.1f} {r['wall_seconds']:>7.1f} "
                  f"{r['best_val_accuracy']:>12.4f} "
                  f"{'' if kt_score is None else f'{kt_score:.4f}':>13}")
        for peer in ("kt_random", "kt_bayes"):
            ratio = rows[f"speed_ratio_vs_{peer}"]
            print(f"evohpo evals/min / {peer}: median {ratio['median']} "
                  f"(per seed {ratio['per_seed']})")
    print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        print(json.dumps({"command": " ".join(sys.argv), "budget": args.budget,
                          "epochs": args.epochs, "population": args.population,
                          "seeds": args.seeds, "cores": os.cpu_count(), "summary": summary,
                          "runs": runs, "versions": versions()}))


if __name__ == "__main__":
    main()
