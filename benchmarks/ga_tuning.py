"""GA settings on the tuning seeds: how the issue-14 defaults were chosen, kept re-runnable.

    .venv/bin/python benchmarks/ga_tuning.py --variant random --variant defaults \\
        --variant 'tournament5={"tournament": 5}' --first-seed 100 --seeds 40 --out results/tuning

Each variant is ``NAME`` or ``NAME=JSON`` (keyword arguments of ``GeneticSearch`` on top of
``population=8``); ``random`` is random search. Every (variant, seed) runs the synthetic task
at budget 60, 5 epochs, through ``run_campaign``, and appends one JSON line (best validation
accuracy and its best-so-far curve) to ``OUT/NAME.jsonl``; a seed already there is skipped, so
a stopped run resumes. The table then gives, per variant: median and mean best, runs below
0.53, the evaluations needed to reach random search's median best (runs that never do count
as 61), the Mann-Whitney p against random and the paired Wilcoxon p against ``defaults``.

Tuning uses seeds 100 and up only: ``benchmarks/search_quality.py`` reports seeds from 0, and
neither looks at a test split.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evohpo import GeneticSearch, RandomSearch, run_campaign  # noqa: E402
from evohpo.presets import mlp  # noqa: E402
from evohpo.tasks.generated import synthetic  # noqa: E402

BUDGET, EPOCHS, POPULATION = 60, 5, 8
DIGITS = 4  # the stored curves are rounded to this many decimals


def _parse(variant: str) -> tuple[str, dict]:
    name, _, options = variant.partition("=")
    return name, (json.loads(options) if options else {})


def _run(name: str, options: dict, seed: int, task, n_jobs: int) -> dict:
    if name == "random":
        strategy = RandomSearch(mlp.space(), seed=seed, batch=POPULATION)
    else:
        strategy = GeneticSearch(mlp.space(), seed=seed, **{"population": POPULATION, **options})
    with tempfile.TemporaryDirectory() as tmp:
        result = run_campaign(strategy, task, budget=BUDGET, epochs=EPOCHS, n_jobs=n_jobs,
                              out=tmp, progress=False, save_best=False, seed=seed)
        rows = pd.read_csv(Path(tmp) / "results.csv").sort_values("eval_id")
    curve = rows["val_accuracy"].cummax().ffill().fillna(0.0).round(DIGITS).tolist()
    return {"seed": seed, "options": options, "best": result.best.val_accuracy, "curve": curve}


def _load(path: Path) -> dict[int, dict]:
    if not path.is_file():
        return {}
    return {d["seed"]: d for d in map(json.loads, path.read_text().splitlines())}


def table(runs: dict[str, dict[int, dict]]) -> pd.DataFrame:
    """The figures in the module docstring, one row per variant."""
    from scipy.stats import mannwhitneyu, wilcoxon

    if "random" not in runs:
        raise SystemExit("add --variant random: the figures are relative to random search")
    randoms = [d["best"] for d in runs["random"].values()]
    target = float(np.median(randoms))
    reached = round(target, DIGITS)  # the curves' precision: a run at the target reaches it
    rows = []
    for name, by_seed in runs.items():
        best = np.array([d["best"] for d in by_seed.values()])
        reach = [next((i + 1 for i, v in enumerate(d["curve"]) if v >= reached),
                      BUDGET + 1) for d in by_seed.values()]
        row = {"variant": name, "seeds": len(best), "median": np.median(best),
               "mean": best.mean(), "below_0.53": int((best < 0.53).sum()),
               "evals_to_random_median": float(np.median(reach)),
               "p_vs_random": (mannwhitneyu(best, randoms).pvalue if name != "random"
                               else np.nan)}
        common = sorted(set(by_seed) & set(runs.get("defaults", {})))
        if name not in ("defaults", "random") and len(common) >= 6:
            a = [runs["defaults"][s]["best"] for s in common]
            b = [by_seed[s]["best"] for s in common]
            row["paired_p_vs_defaults"] = wilcoxon(a, b).pvalue if a != b else 1.0
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("variant")
    frame.attrs["target"] = target
    return frame


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", action="append", required=True, metavar="NAME[=JSON]")
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("results/tuning"))
    ap.add_argument("--analyse-only", action="store_true")
    args = ap.parse_args(argv)
    if args.first_seed < 100:
        raise SystemExit("tune on seeds >= 100: seeds 0-99 belong to search_quality.py")
    args.out.mkdir(parents=True, exist_ok=True)
    variants = [_parse(v) for v in args.variant]
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    if not args.analyse_only:
        task = synthetic()
        for name, options in variants:
            path = args.out / f"{name}.jsonl"
            done = _load(path)
            for seed in seeds:
                if seed in done:
                    continue
                with path.open("a") as f:
                    f.write(json.dumps(_run(name, options, seed, task, args.n_jobs)) + "\n")
    runs = {name: {s: d for s, d in _load(args.out / f"{name}.jsonl").items() if s in seeds}
            for name, _ in variants}
    frame = table(runs)
    print(f"random search's median best: {frame.attrs['target']:.4f}")
    print(frame.to_string(float_format=lambda v: f"{v:.4g}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
