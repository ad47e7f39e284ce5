"""Search quality: does the GA find better networks than random and grid search at equal budget?

    .venv/bin/python benchmarks/search_quality.py --tasks synthetic --seeds 10 --budget 60 \\
        --methods ga,random,grid --out results/quality --json results/quality.json

Each task runs through ``evohpo.compare`` (one folder per task, ``OUT/<task>/<method>-seed<k>``,
with ``summary.csv``, plots and ``report.md`` as ``evohpo compare`` writes them). Then, from the
runs' CSVs, per method: median best validation score over seeds, the selected model's median
test score, the evaluations needed to reach random search's final median best (median over
seeds, runs that never reach it count as the budget + 1), the median wall time per run, and
two-sided Mann-Whitney p-values of each method's best scores against random search's.

``--fidelity E`` adds ``ga_mf``: the GA screening 3x the children at ``E`` epochs and promoting
the best third to full training (multi-fidelity); its training seconds to reach the
full-fidelity GA's median best are listed per run. It runs through ``run_campaign`` directly
(compare runs the methods' defaults); its figures count time as the sum of its evaluations'
training seconds over ``--n-jobs`` (less noisy than wall time on a shared machine), and
"reaching" is judged on full-fidelity rows only.

``--analyse-only`` recomputes the figures from the folders already there (a study that was
stopped half way still reports the seeds it finished).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evohpo import compare as compare_mod  # noqa: E402
from evohpo import tasks as tasks_mod  # noqa: E402
from evohpo.presets import mlp  # noqa: E402


def _runs(folder: Path) -> dict[tuple[str, int], Path]:
    found = {}
    for sub in sorted(folder.glob("*-seed*")):
        match = compare_mod.RUN_DIR.match(sub.name)
        if match and (sub / "results.csv").is_file() and (sub / "best.json").is_file():
            found[(match["method"], int(match["seed"]))] = sub
    return found


def _curve(run: Path, metric: str, full_epochs: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """Best-so-far of ``metric`` (maximised) over full-fidelity rows, and the cumulative
    training seconds, both per evaluation in eval_id order; plus best.json."""
    frame = pd.read_csv(run / "results.csv").sort_values("eval_id")
    ok = (frame["status"] == "ok") & (frame["epochs"] >= full_epochs)
    score = frame[metric].where(ok).astype(float)
    sign = -1.0 if metric == "val_loss" else 1.0
    best = (score * sign).cummax().ffill().to_numpy() * sign  # cummax leaves NaN rows NaN
    seconds = frame["train_seconds"].fillna(0).cumsum().to_numpy()
    return best, seconds, json.loads((run / "best.json").read_text())


def figures(folder: Path, metric: str, epochs: int, n_jobs: int, budget: int) -> dict:
    """The study's numbers for one task folder (see the module docstring)."""
    from scipy.stats import mannwhitneyu

    lower = metric == "val_loss"
    per: dict[str, list[dict]] = {}
    for (method, _seed), run in _runs(folder).items():
        best, seconds, best_json = _curve(run, metric, epochs)
        test_key = "test_loss" if lower else "test_accuracy"
        per.setdefault(method, []).append({
            "best": float(best[-1]), "curve": best, "seconds": seconds,
            "test": (best_json.get("best") or {}).get(test_key),
            "wall": float(best_json.get("seconds") or math.nan),
        })
    if "random" not in per:
        return {"methods": {m: {"runs": len(r)} for m, r in per.items()}}
    target = float(np.median([r["best"] for r in per["random"]]))
    reached = (lambda v: v <= target) if lower else (lambda v: v >= target)
    out: dict = {"target_random_median_best": target, "methods": {}}
    rand = [r["best"] for r in per["random"]]
    for method, rows in sorted(per.items()):
        to_target, time_to = [], []
        for r in rows:
            hit = [i for i, v in enumerate(r["curve"]) if not math.isnan(v) and reached(v)]
            to_target.append(hit[0] + 1 if hit else len(r["curve"]) + 1)
            time_to.append(r["seconds"][hit[0]] / n_jobs if hit else math.nan)
        bests = [r["best"] for r in rows]
        if "ga" in per:  # multi-fidelity is judged against the full-fidelity GA's median best
            ga_target = float(np.median([r["best"] for r in per["ga"]]))
            sign = -1.0 if lower else 1.0
            secs = []
            for r in rows:
                hit = [i for i, v in enumerate(r["curve"])
                       if not math.isnan(v) and sign * v >= sign * ga_target]
                secs.append(r["seconds"][hit[0]] / n_jobs if hit else math.nan)
            out.setdefault("train_seconds_to_ga_median_best", {})[method] = secs
        p = (float(mannwhitneyu(bests, rand, alternative="two-sided").pvalue)
             if method != "random" and len(bests) > 1 else None)
        tests = [t for t in (r["test"] for r in rows) if t is not None]
        out["methods"][method] = {
            "runs": len(rows),
            "median_best": float(np.median(bests)),
            "median_test": float(np.median(tests)) if tests else None,
            "median_evals_to_random_median": float(np.median(to_target)),
            "reached_random_median": int(sum(t <= len(rows[0]["curve"]) for t in to_target)),
            "median_train_seconds_to_random_median": float(np.nanmedian(time_to))
            if any(not math.isnan(t) for t in time_to) else None,
            "median_train_seconds_per_run": float(np.median([r["seconds"][-1] / n_jobs
                                                             for r in rows])),
            "median_wall_seconds": float(np.nanmedian([r["wall"] for r in rows])),
            "p_vs_random": p,
        }
    return out


def _run_mf(task, seeds: list[int], budget: int, epochs: int, n_jobs: int, out: Path,
            fidelity: int, population: int) -> None:
    from evohpo.campaign import run_campaign
    from evohpo.strategies import GeneticSearch

    for seed in seeds:
        folder = out / f"ga_mf-seed{seed}"
        if (folder / "best.json").is_file():
            continue
        ga = GeneticSearch(mlp.space(), population=population, seed=seed, fidelity=fidelity)
        ga.name = "ga_mf"  # its own method name in the CSV and the report
        run_campaign(ga, task, budget=budget, epochs=epochs, n_jobs=n_jobs, out=folder,
                     overwrite=True, progress=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="synthetic")
    ap.add_argument("--methods", default="ga,random,grid")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--population", type=int, default=8)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--fidelity", type=int, default=None,
                    help="also run ga_mf, screening at this many epochs")
    ap.add_argument("--mf-budget", type=int, default=None,
                    help="ga_mf's budget in evaluations (default: --budget)")
    ap.add_argument("--out", default="results/quality")
    ap.add_argument("--json", default=None, help="write the figures to this file")
    ap.add_argument("--analyse-only", action="store_true")
    args = ap.parse_args(argv)
    report = {"settings": vars(args), "tasks": {}}
    for name in args.tasks.split(","):
        task = tasks_mod.get(name)
        folder = Path(args.out) / name
        if not args.analyse_only:
            plan = compare_mod.make_plan(task, mlp.space(), methods=tuple(args.methods.split(",")),
                                         seeds=args.seeds, budget=args.budget,
                                         epochs=args.epochs, n_jobs=args.n_jobs,
                                         population=args.population, out=folder)
            resume = (folder / "compare.json").is_file()
            compare_mod.compare(plan, resume=resume, overwrite=not resume, progress=False)
            if args.fidelity:
                _run_mf(task, list(range(args.seeds)), args.mf_budget or args.budget,
                        args.epochs, args.n_jobs, folder, args.fidelity, args.population)
        result = figures(folder, task.metric, args.epochs, args.n_jobs, args.budget)
        summary = folder / "summary.csv"
        if summary.is_file():
            result["summary_csv"] = pd.read_csv(summary).to_dict(orient="records")
        report["tasks"][name] = result
        print(f"== {task.describe()}")
        print(json.dumps({k: v for k, v in result.items() if k != "summary_csv"}, indent=1))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
