"""Accuracy against size on digits: NSGA-II finds the trade-off, not one network.

Copy this file and edit SPACE, OBJECTIVES (or pass --model FILE.py:build for your own model,
with SPACE in that file). Try it small first:

    python experiments/pareto_digits.py --budget 16 --population 8 --epochs 1 --out /tmp/pareto

The full run (96 evaluations of 5 epochs, population 16) takes a few minutes on two cores. It
writes ``results.csv`` (with a ``pareto`` column), ``pareto.csv`` (the front, best accuracy
first), ``best.json`` (hypervolume per generation, its reference point, the front) and
``best.keras`` (the knee: the front's most balanced network), draws ``pareto.png`` and prints
the front. The same from the shell:

    evohpo search --task digits --method nsga2 --objectives val_accuracy:max,params:min:log \\
        --budget 96 --population 16 --n-jobs 2 --epochs 5 --out results/digits-pareto

Objectives are any metric the model reports (``val_loss:min``, ``val_auc:max``) and the built-in
``params`` (trainable parameters) and ``latency`` (ms to predict 1,000 validation rows), two to
four of them.
"""

from __future__ import annotations

import argparse
import sys

from evohpo import NSGA2Search, plots, run_campaign, tasks
from evohpo.errors import EvohpoError
from evohpo.model import load_object
from evohpo.objectives import resolve_many
from evohpo.presets import mlp

# Every network NSGA-II may try; edit it here (or give --model with its own SPACE).
SPACE = mlp.space(
    layers=(1, 3),
    units=(4, 256),
    activations=("relu", "tanh", "elu"),
    optimizers=("adam", "rmsprop", "nadam"),
    learning_rate=(1e-4, 1e-1),
)
OBJECTIVES = "val_accuracy:max,params:min:log"  # first: what each network is best at; then costs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="digits")
    p.add_argument("--objectives", default=OBJECTIVES, help=f"default {OBJECTIVES}")
    p.add_argument("--model", default=None, metavar="FILE.py:BUILD",
                   help="your build function; its file's SPACE is searched")
    p.add_argument("--budget", type=int, default=96, help="evaluations (default 96)")
    p.add_argument("--population", type=int, default=16, help="NSGA-II population (>= 4)")
    p.add_argument("--epochs", type=int, default=5, help="training epochs per evaluation")
    p.add_argument("--n-jobs", type=int, default=2, help="parallel worker processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/digits-pareto")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run in --out")
    p.add_argument("--resume", action="store_true", help="continue a killed run in --out")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    task = tasks.get(args.task)
    space, model = SPACE, None
    if args.model:
        model = load_object(args.model, "model")
        space = load_object(args.model.rpartition(":")[0] + ":SPACE", "space")
    objectives = resolve_many(args.objectives, task.kind)
    search = NSGA2Search(space, population=args.population, seed=args.seed,
                         n_objectives=len(objectives))
    result = run_campaign(search, task, model=model, objective=objectives, budget=args.budget,
                          epochs=args.epochs, n_jobs=args.n_jobs, out=args.out,
                          overwrite=args.overwrite, resume=args.resume)

    # The front, best first objective first: pick the trade-off you can afford.
    names = [o.name for o in objectives]
    print(f"\nPareto front ({len(result.pareto)} of {len(result.evaluations)} evaluations):")
    print("  eval  " + "  ".join(f"{n:>14}" for n in names))
    by_first = sorted(result.pareto, key=lambda e: e.objectives)
    for e in by_first:
        print(f"  {e.eval_id:>4}  " + "  ".join(f"{e.scores[n]:>14.4g}" for n in names))
    hv = ", ".join(f"{v:.4g}" for v in result.hypervolume)
    print(f"\nhypervolume per generation: {hv}")
    print(f"reference point: {dict(zip(names, result.reference or []))}")
    if result.best is not None:
        print(f"knee (saved as {result.best.model_path}): {result.best}")
    print(f"plot: {plots.pareto(result.frame(), result.out / 'pareto.png')}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except EvohpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
