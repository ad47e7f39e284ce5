"""What cross-validation buys: the winner's curse on a small validation split, with and
without ``--cv``.

    nice -n 10 .venv/bin/python benchmarks/cv_winners_curse.py --seeds 20 --budget 12 \\
        --population 6 --epochs 8 --cv 5 --out results/cv-curse \\
        --json results/cv_winners_curse.json

A GA campaign picks the config with the best validation score; on a small validation split
that score is partly luck, so the winner looks better than it is (the winner's curse). For
each seed a task is drawn (by default 360 train+validation rows, 47 of them validation, and
2,000 test rows, sampled afresh from one generated 3-class population that is not easy, so
accuracy is not at its ceiling and each seed's rows are independent of the others'; or an
sklearn table split anew) and searched twice with the same GA seed and the same budget in
configs: once scored on the validation split, once by K-fold
cross-validation of train+validation (``cv=K``: K trainings per config, so K times the
trainings; the chosen config is then refit on train+validation). For each arm, over the seeds:

* the Spearman rank correlation between the selected model's validation (or CV) score and
  its test score: does a better search score mean a better model on unseen rows?
* the optimism gap, validation (or CV) accuracy minus test accuracy of the selected model,
  its mean and spread: how much the search score flatters the winner;
* the mean test accuracy of the selected models, and the wall seconds and trainings spent.

The two arms run alternately, seed by seed, on the fused engine (the default). The JSON holds
every per-seed number.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evohpo import GeneticSearch, run_campaign, tasks  # noqa: E402
from evohpo.presets import mlp  # noqa: E402

POOL_ROWS = 40_000  # the generated problem's population, of which each seed samples rows


def make_task(args: argparse.Namespace, seed: int) -> tasks.Task:
    """Seed ``seed``'s task. ``generated``: a fresh sample of ``--rows`` rows plus
    ``--test-rows`` test rows from one fixed population (a 3-class problem), so each seed's
    train, validation and test rows are independent draws. An sklearn ``load_<name>`` table:
    the table split anew with ``split_seed=seed`` (its rows are shared between seeds, so
    train+validation and test are complements of each other)."""
    import sklearn.datasets

    if args.task == "generated":
        x, y = sklearn.datasets.make_classification(
            n_samples=POOL_ROWS, n_features=20, n_informative=6, n_redundant=4, n_classes=3,
            n_clusters_per_class=2, flip_y=0.08, class_sep=0.8, random_state=7)
        rows = np.random.default_rng(seed).choice(POOL_ROWS, args.rows + args.test_rows,
                                                  replace=False)
        test_fraction = args.test_rows / len(rows)
        return tasks.from_arrays(x[rows], y[rows], name="generated",
                                 val_fraction=args.val_fraction * (1 - test_fraction),
                                 test_fraction=test_fraction, split_seed=seed)
    data = getattr(sklearn.datasets, f"load_{args.task}")()
    return tasks.from_arrays(data.data, data.target, name=args.task,
                             val_fraction=args.val_fraction, test_fraction=args.test_fraction,
                             split_seed=seed)


def one_run(task: tasks.Task, seed: int, cv: int, args: argparse.Namespace) -> dict:
    space = mlp.space(layers=(1, 3), units=(4, 128))
    start = time.perf_counter()
    result = run_campaign(GeneticSearch(space, population=args.population, seed=seed), task,
                          budget=args.budget, epochs=args.epochs, n_jobs=args.n_jobs,
                          out=Path(args.out) / f"{'cv' if cv else 'val'}-seed{seed}",
                          overwrite=True, progress=False, cv=cv or None)
    best = result.best
    return {"seed": seed, "search_score": best.value, "test_score": best.test_value,
            "gap": best.value - best.test_value, "eval_id": best.eval_id,
            "seconds": round(time.perf_counter() - start, 1),
            "trainings": len(result.evaluations) * max(cv, 1) + 1}


def summarise(runs: list[dict]) -> dict:
    from scipy.stats import spearmanr

    search = [r["search_score"] for r in runs]
    test = [r["test_score"] for r in runs]
    gaps = np.array([r["gap"] for r in runs])
    rho = spearmanr(search, test)
    return {"spearman_search_vs_test": float(rho.statistic),
            "spearman_p": float(rho.pvalue),
            "gap_mean": float(gaps.mean()), "gap_std": float(gaps.std(ddof=1)),
            "gap_positive_seeds": int((gaps > 0).sum()),
            "search_score_mean": float(np.mean(search)), "test_score_mean": float(np.mean(test)),
            "seconds_total": round(sum(r["seconds"] for r in runs), 1),
            "trainings_total": sum(r["trainings"] for r in runs)}


def paired(arms: dict[str, list[dict]]) -> dict:
    """The two arms seed by seed: the Wilcoxon signed-rank test of their optimism gaps."""
    from scipy.stats import wilcoxon

    plain, cv = ([r["gap"] for r in runs] for runs in arms.values())
    return {"gap_difference_mean": float(np.mean(np.subtract(plain, cv))),
            "gap_wilcoxon_p": float(wilcoxon(plain, cv).pvalue)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="generated",
                    help="generated (20 features, 3 noisy classes: a linear model reaches "
                         "about 0.63) or an sklearn load_* table, e.g. breast_cancer")
    ap.add_argument("--rows", type=int, default=360,
                    help="generated: train+validation rows per seed")
    ap.add_argument("--test-rows", type=int, default=2000, help="generated: test rows")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--budget", type=int, default=12, help="configs per campaign")
    ap.add_argument("--population", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--val-fraction", type=float, default=0.13,
                    help="of train+validation for generated (0.13 of 360: 47 rows), of the "
                         "table for an sklearn one")
    ap.add_argument("--test-fraction", type=float, default=0.4, help="an sklearn table's")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--out", default="results/cv-curse")
    ap.add_argument("--json", default="results/cv_winners_curse.json")
    ap.add_argument("--summarise", metavar="JSON", default=None,
                    help="recompute the summary of a JSON this script wrote, and rewrite it")
    args = ap.parse_args()
    if args.summarise:
        out = json.loads(Path(args.summarise).read_text())
        out["summary"] = {arm: summarise(runs) for arm, runs in out["runs"].items()}
        out["paired"] = paired(out["runs"])
        Path(args.summarise).write_text(json.dumps(out, indent=1))
        print(json.dumps({"summary": out["summary"], "paired": out["paired"]}, indent=1))
        return
    arms: dict[str, list[dict]] = {"validation": [], f"cv{args.cv}": []}
    for seed in range(args.seeds):
        task = make_task(args, seed)
        order = [0, args.cv] if seed % 2 == 0 else [args.cv, 0]  # alternate who goes first
        for cv in order:
            run = one_run(task, seed, cv, args)
            arms[f"cv{cv}" if cv else "validation"].append(run)
            print(f"seed {seed} {'cv' + str(cv) if cv else 'validation':>10}: search "
                  f"{run['search_score']:.4f} test {run['test_score']:.4f} "
                  f"({run['seconds']:.0f} s)", file=sys.stderr, flush=True)
    task = make_task(args, 0)
    out = {
        "command": " ".join(sys.argv),
        "task": f"{args.task}: {len(task.y_train)}/{len(task.y_val)}/{len(task.y_test)} "
                "train/val/test rows, " + ("drawn anew per seed" if args.task == "generated"
                                           else "split anew per seed"),
        "settings": {k: getattr(args, k) for k in ("task", "seeds", "budget", "population",
                                                   "epochs", "cv", "rows", "test_rows",
                                                   "val_fraction", "test_fraction", "n_jobs")},
        "metric": "accuracy (the selected model's validation or CV mean vs its test score)",
        "summary": {arm: summarise(runs) for arm, runs in arms.items()},
        "paired": paired(arms),
        "runs": arms,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=1))
    print(json.dumps({"summary": out["summary"], "paired": out["paired"]}, indent=1))


if __name__ == "__main__":
    main()
