"""Issue 13 figures: short campaigns on five tables shaped as users have them.

    .venv/bin/python benchmarks/tables_demo.py [--budget 12] [--epochs 3] [--keep DIR] [--json]

Writes the tables (from scikit-learn's bundled data sets, or generated with a fixed seed), runs
``evohpo search`` on each CSV exactly as a user types it (a subprocess; the DataFrame case goes
through ``tasks.from_frame`` + ``run_campaign``), and prints per table the command, the kind
evohpo inferred and why, the best validation score and the test score of that network, then
applies ``evohpo.predict`` to the table's own rows as a smoke test of the saved artefact.

| table | shape |
|---|---|
| diabetes.csv | whole-number regression target (sklearn diabetes, unscaled: 214 distinct values) |
| churn.csv | text and true/false columns, text labels (generated, 1,000 rows) |
| cancer_gaps.csv | breast cancer with 5% of the feature cells empty (`--impute median`) |
| wine_semicolon.csv | wine as a European spreadsheet exports it: `;` and decimal commas |
| iris DataFrame | a pandas DataFrame with species names as labels |
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def write_tables(folder: Path) -> dict[str, tuple[Path, str, list[str]]]:
    """name -> (csv path, target column, extra CLI flags)."""
    from sklearn import datasets

    d = datasets.load_diabetes(as_frame=True, scaled=False).frame
    d = d.rename(columns={"target": "progression"})
    d["progression"] = d["progression"].astype(int)
    d.to_csv(folder / "diabetes.csv", index=False)

    rng = np.random.default_rng(0)
    n = 1000
    churn = pd.DataFrame({
        "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2]),
        "country": rng.choice(["DE", "FR", "IT", "ES", "NL"], n),
        "autopay": rng.choice([True, False], n),
        "tenure_months": rng.integers(1, 72, n),
        "monthly_fee": rng.normal(40, 12, n).round(2),
    })
    logit = (-0.04 * churn.tenure_months + 0.05 * (churn.monthly_fee - 40)
             + 1.2 * (churn.plan == "basic") - 1.0 * churn.autopay + 0.6 * (churn.country == "IT")
             + 0.8)
    churn["churned"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    churn.to_csv(folder / "churn.csv", index=False)

    bc = datasets.load_breast_cancer(as_frame=True)
    cancer = bc.frame.drop(columns=["target"])
    cancer = cancer.mask(rng.random(cancer.shape) < 0.05)
    cancer["diagnosis"] = np.array(bc.target_names)[bc.target]
    cancer.to_csv(folder / "cancer_gaps.csv", index=False)

    wine = datasets.load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    wine.to_csv(folder / "wine_semicolon.csv", sep=";", decimal=",", index=False)
    return {
        "diabetes.csv": (folder / "diabetes.csv", "progression", []),
        "churn.csv": (folder / "churn.csv", "churned", []),
        "cancer_gaps.csv": (folder / "cancer_gaps.csv", "diagnosis", ["--impute", "median"]),
        "wine_semicolon.csv": (folder / "wine_semicolon.csv", "cultivar", []),
    }


def _scores(out: Path) -> dict:
    best = json.loads((out / "best.json").read_text())["best"]
    if best["val_accuracy"] is not None:
        return {"metric": "accuracy", "val": best["val_accuracy"], "test": best["test_accuracy"]}
    return {"metric": "loss (MSE, standardised)", "val": best["val_loss"],
            "test": best["test_loss"]}


def run_csv(name: str, path: Path, target: str, flags: list[str], out: Path, args) -> dict:
    import evohpo

    cmd = ["evohpo", "search", "--task", f"csv:{path.name}:{target}", *flags, "--method", "ga",
           "--budget", str(args.budget), "--epochs", str(args.epochs), "--n-jobs", "2",
           "--seed", "0", "--out", str(out), "--overwrite"]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "evohpo.cli", *cmd[1:]], cwd=path.parent,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name}: {done.stderr.strip()}")
    kind = [line for line in done.stderr.splitlines() if line.startswith("note: task ")]
    row = {"table": name, "command": " ".join(cmd[:-3]), "kind": kind[0].split(": ", 2)[2],
           "notes": [line.split(": ", 2)[2] for line in kind[1:]], **_scores(out),
           "seconds": round(seconds, 1)}
    preds = evohpo.predict(out, path)
    row["predicted_rows"] = len(preds)
    if not flags:  # what the same file gives without the option, if it needed one
        return row
    bare = subprocess.run([sys.executable, "-m", "evohpo.cli", *cmd[1:4], "--budget", "1",
                           "--out", str(out.parent / "bare")], cwd=path.parent,
                          capture_output=True, text=True)
    row["without_" + flags[0].lstrip("-")] = bare.stderr.strip()
    return row


def run_frame(out: Path, args) -> dict:
    from sklearn import datasets

    import evohpo
    from evohpo import GeneticSearch, run_campaign, tasks
    from evohpo.presets import mlp

    iris = datasets.load_iris(as_frame=True)
    frame = iris.frame.assign(species=np.array(iris.target_names)[iris.target]).drop(
        columns=["target"])
    start = time.perf_counter()
    task = tasks.from_frame(frame, "species", name="iris")
    run_campaign(GeneticSearch(mlp.space(), population=12, seed=0), task, budget=args.budget,
                 epochs=args.epochs, n_jobs=2, out=out, overwrite=True, progress=False)
    preds = evohpo.predict(out, frame)
    return {"table": "iris DataFrame",
            "command": 'tasks.from_frame(df, "species") + run_campaign(GeneticSearch(..., '
                       f'seed=0), budget={args.budget}, epochs={args.epochs}, n_jobs=2)',
            "kind": task.preprocess.kind_reason, "notes": list(task.preprocess.notes),
            **_scores(out), "seconds": round(time.perf_counter() - start, 1),
            "predicted_rows": len(preds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=12)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--keep", default=None, help="write tables and runs here (default: temp)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for name, (path, target, flags) in write_tables(folder).items():
            rows.append(run_csv(name, path, target, flags, folder / f"run-{path.stem}", args))
            print(json.dumps(rows[-1]), flush=True)
        rows.append(run_frame(folder / "run-iris-frame", args))
        print(json.dumps(rows[-1]), flush=True)
    print("\n| table | command | kind | best val | test | seconds |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['table']} | `{r['command']}` | {r['kind']} | {r['metric']} "
              f"{r['val']:.4f} | {r['test']:.4f} | {r['seconds']} |")
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
