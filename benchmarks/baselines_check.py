"""Are the peers' baselines faithful? Aging evolution, Optuna's TPE and CMA-ES against random
search (and the GA, for reference) on cheap pure-Python landscapes, many seeds, equal budget.

    nice -n 10 .venv/bin/python benchmarks/baselines_check.py --seeds 30 --budget 100 \\
        --batch 10 --json benchmarks/results/baselines_check.json

What the literature reports, and what this checks with a one-sided Mann-Whitney U test of each
method's best value per seed against random search's (lower is better everywhere):

* TPE beats random search at equal budget (Bergstra et al. 2011; Optuna's own benchmarks);
* regularized evolution beats random search (Real et al. 2019; Klein & Hutter 2019 on the
  tabular benchmarks; White et al. 2021 at 150 NAS-Bench-101 evaluations: 6.109 % vs 6.341 %);
* CMA-ES, Optuna's second model-based sampler, on what it models (numbers, ordered choices).

The strategies are driven through their ask/tell loop directly (``batch`` proposals asked, all
evaluated, all told; exactly what ``run_campaign`` does, without files or processes), so a
run costs milliseconds for random and aging evolution and a few seconds for TPE.

Landscapes (each minimised, its optimum known):

* ``mixed``: an MLP-like space with every gene kind evohpo has (a Repeat of 1-4 layers with
  log-scale units and dropout, a log learning rate whose best value depends on the optimiser,
  a momentum that only counts with SGD, an ordered batch size, an activation, a Bool); optimum
  0 at adam, lr 1e-3, three layers of 256/128/64 units, dropout 0.2, batch 64, elu, bn;
* ``hartmann6``: the 6-D Hartmann function on [0, 1]^6 (global minimum -3.32237), a standard
  test of Bayesian optimisation.

``tpe_flat`` is TPE with Optuna's plain ``group=False`` on the dynamic space: evohpo turns
``group=True`` on there (Optuna's advice for conditional spaces); this measures the choice.

Output: per landscape and method, the best value of every seed, median / mean / quartiles,
the p-value against random search (one-sided, ``less``), the GA's one-sided p-value against
the method (``p_ga_less``), TPE's two-sided one against ``tpe_flat``, the evaluations each
run needed to reach random search's median final best (runs that never do count budget + 1;
median over seeds) and the median seconds per run; plus the settings, the versions and the command.
``--reanalyse JSON`` recomputes the p-values of a JSON already written (from its per-seed bests).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evohpo.space import Bool, Choice, Float, Int, Repeat, Space  # noqa: E402
from evohpo.strategies import Evaluation, Status, make  # noqa: E402

MIXED = Space(
    layers=Repeat(Int(1, 4), units=Int(8, 512, log=True), dropout=Float(0.0, 0.6)),
    optimizer=Choice(["adam", "sgd", "rmsprop"]),
    momentum=Float(0.0, 0.99, when={"optimizer": "sgd"}),
    lr=Float(1e-5, 1e-1, log=True),
    batch=Choice([16, 32, 64, 128, 256], ordered=True),
    act=Choice(["relu", "tanh", "elu", "selu"]),
    bn=Bool(),
)
BEST_LR = {"adam": -3.0, "rmsprop": -3.3, "sgd": -1.7}  # log10 of each optimiser's best lr
OPT_COST = {"adam": 0.0, "rmsprop": 0.05, "sgd": 0.02}
ACT_COST = {"elu": 0.0, "selu": 0.02, "relu": 0.05, "tanh": 0.1}


def mixed(c: dict) -> float:
    """0 at the optimum named in the module docstring; interactions through the optimiser."""
    value = 0.25 * (math.log10(c["lr"]) - BEST_LR[c["optimizer"]]) ** 2 + OPT_COST[c["optimizer"]]
    if c["optimizer"] == "sgd":
        value += 2.0 * (c["momentum"] - 0.9) ** 2
    layers = c["layers"]
    value += 0.08 * abs(len(layers) - 3)
    value += sum(0.02 * (math.log2(b["units"]) - (8 - i)) ** 2 + 0.1 * (b["dropout"] - 0.2) ** 2
                 for i, b in enumerate(layers)) / len(layers)
    value += 0.03 * abs(math.log2(c["batch"]) - 6) + ACT_COST[c["act"]]
    return value + (0.0 if c["bn"] else 0.04)


HARTMANN6 = Space(**{f"x{j}": Float(0.0, 1.0) for j in range(6)})
H_ALPHA = (1.0, 1.2, 3.0, 3.2)
H_A = ((10, 3, 17, 3.5, 1.7, 8), (0.05, 10, 17, 0.1, 8, 14), (3, 3.5, 1.7, 10, 17, 8),
       (17, 8, 0.05, 10, 0.1, 14))
H_P = ((1312, 1696, 5569, 124, 8283, 5886), (2329, 4135, 8307, 3736, 1004, 9991),
       (2348, 1451, 3522, 2883, 3047, 6650), (4047, 8828, 8732, 5743, 1091, 381))


def hartmann6(c: dict) -> float:
    x = [c[f"x{j}"] for j in range(6)]
    return -sum(a * math.exp(-sum(aij * (xj - pij * 1e-4) ** 2
                                  for aij, xj, pij in zip(row_a, x, row_p)))
                for a, row_a, row_p in zip(H_ALPHA, H_A, H_P))


LANDSCAPES: dict[str, tuple[Space, Callable[[dict], float], float]] = {
    "mixed": (MIXED, mixed, 0.0),
    "hartmann6": (HARTMANN6, hartmann6, -3.32237),
}
METHODS = {  # name -> (registry method, options)
    "random": ("random", {}), "aging": ("aging", {}), "tpe": ("tpe", {}),
    "tpe_flat": ("tpe", {"group": False}), "cmaes": ("cmaes", {}), "ga": ("ga", {}),
}


def run(method: str, landscape: str, seed: int, budget: int, batch: int) -> dict:
    """One search: the best-so-far value after every evaluation, and its seconds."""
    space, objective, _ = LANDSCAPES[landscape]
    name, options = METHODS[method]
    strategy = make(name, space, seed=seed, population=batch, **options)
    started, values = time.perf_counter(), []
    while len(values) < budget and not strategy.done:
        proposals = strategy.ask(budget - len(values))
        told = []
        for p in proposals:
            y = objective(p.config)
            told.append(Evaluation(eval_id=len(values), generation=p.generation,
                                   config=p.config, status=Status.OK, objective=y))
            values.append(y)
        strategy.tell(told)
    curve = [min(values[:i + 1]) for i in range(len(values))]
    return {"curve": curve, "seconds": time.perf_counter() - started}


def reach(curve: list[float], target: float, budget: int) -> int:
    """Evaluations until the best-so-far is at or below ``target`` (never: budget + 1)."""
    return next((i + 1 for i, y in enumerate(curve) if y <= target), budget + 1)


def tests(finals: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Mann-Whitney U p-values per method: one-sided against random search (``less``), the
    GA's one-sided against it (``ga_less``), and TPE's two-sided against ``tpe_flat``."""
    from scipy.stats import mannwhitneyu

    out: dict[str, dict[str, float]] = {}
    for m, values in finals.items():
        row = {}
        if m != "random":
            row["p_less_than_random"] = float(
                mannwhitneyu(values, finals["random"], alternative="less").pvalue)
        if m != "ga" and "ga" in finals:
            row["p_ga_less"] = float(mannwhitneyu(finals["ga"], values, alternative="less").pvalue)
        if m == "tpe" and "tpe_flat" in finals:
            row["p_vs_tpe_flat"] = float(mannwhitneyu(values, finals["tpe_flat"]).pvalue)
        out[m] = row
    return out


def summarise(runs: dict[str, list[dict]], budget: int, optimum: float) -> dict:
    finals = {m: [r["curve"][-1] for r in rs] for m, rs in runs.items()}
    p_values = tests(finals)
    target = statistics.median(finals["random"])
    out = {}
    for m, values in finals.items():
        q = statistics.quantiles(values, n=4)
        row = {
            "median_best": statistics.median(values), "mean_best": statistics.fmean(values),
            "q1": q[0], "q3": q[2], "median_regret": statistics.median(values) - optimum,
            "evals_to_random_median": statistics.median(
                reach(r["curve"], target, budget) for r in runs[m]),
            "median_seconds_per_run": statistics.median(r["seconds"] for r in runs[m]),
            "best_per_seed": values,
            **p_values[m],
        }
        out[m] = row
    return out


def reanalyse(path: Path) -> None:
    """Recompute the p-values of a JSON this script wrote, from its best values per seed."""
    figures = json.loads(path.read_text())
    for block in figures["landscapes"].values():
        finals = {m: row["best_per_seed"] for m, row in block["methods"].items()}
        for m, p_values in tests(finals).items():
            block["methods"][m].update(p_values)
    path.write_text(json.dumps(figures, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=30)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--batch", type=int, default=10, help="proposals per ask (the population)")
    p.add_argument("--landscapes", default=",".join(LANDSCAPES))
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--json", type=Path, default=None, help="write the figures here")
    p.add_argument("--reanalyse", type=Path, default=None, metavar="JSON",
                   help="only recompute the p-values of a JSON written before")
    args = p.parse_args(argv)
    if args.reanalyse:
        reanalyse(args.reanalyse)
        return 0
    landscapes, methods = args.landscapes.split(","), args.methods.split(",")
    if "random" not in methods:
        methods.insert(0, "random")
    import optuna

    figures: dict = {
        "command": " ".join(["benchmarks/baselines_check.py", *(argv or sys.argv[1:])]),
        "settings": {"seeds": args.seeds, "budget": args.budget, "batch": args.batch},
        "versions": {"python": platform.python_version(), "optuna": optuna.__version__},
        "landscapes": {},
    }
    for landscape in landscapes:
        runs = {m: [] for m in methods}
        for seed in range(args.seeds):  # seed-major: an interrupted run still pairs methods
            for m in methods:
                runs[m].append(run(m, landscape, seed, args.budget, args.batch))
        optimum = LANDSCAPES[landscape][2]
        table = summarise(runs, args.budget, optimum)
        figures["landscapes"][landscape] = {"optimum": optimum, "methods": table}
        print(f"== {landscape} ({args.seeds} seeds x {args.budget} evaluations, batches of "
              f"{args.batch}; optimum {optimum})")
        for m, row in table.items():
            pv = row.get("p_less_than_random")
            print(f"  {m:9s} median best {row['median_best']:.4f}  mean {row['mean_best']:.4f}  "
                  f"evals to random's median {row['evals_to_random_median']:5.1f}  "
                  + (f"p(< random) {pv:.2g}  " if pv is not None else "")
                  + f"{row['median_seconds_per_run']:.2f} s/run", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
