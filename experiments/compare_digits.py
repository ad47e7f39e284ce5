"""GA vs random vs grid search on digits at equal budget, over several seeds.

Copy this file and edit SPACE (or --task); try it small first:

    python experiments/compare_digits.py --budget 8 --seeds 2 --epochs 1 --out /tmp/cmp

The full comparison (defaults: 60 evaluations x 5 seeds x 3 methods, 5 epochs each) takes a
while on two cores. It writes one folder per method and seed under ``--out``
(``ga-seed0/results.csv``, ...), then ``summary.csv``, ``report.md`` and the plots, and prints
the table. ``evohpo report OUT --out OUT`` redraws the report later, e.g. after editing
``evohpo/plots.py``; ``evohpo.analysis.load(OUT)`` gives every evaluation as one DataFrame.
"""

from __future__ import annotations

import argparse
import sys

from evohpo import analysis
from evohpo.compare import compare, make_plan
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.report import print_report

# Every method searches this same space (the built-in MLP's); edit it here.
SPACE = mlp.space(
    layers=(1, 3),
    units=(8, 256),
    activations=("relu", "tanh", "elu", "gelu"),
    optimizers=("adam", "sgd", "rmsprop", "nadam"),
    learning_rate=(1e-4, 1e-1),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="digits")
    p.add_argument("--budget", type=int, default=60, help="evaluations per run (default 60)")
    p.add_argument("--seeds", type=int, default=5, help="runs per method, seeds 0..K-1")
    p.add_argument("--n-jobs", type=int, default=2, help="parallel worker processes")
    p.add_argument("--epochs", type=int, default=5, help="training epochs per evaluation")
    p.add_argument("--population", type=int, default=12, help="GA population (= batch size)")
    p.add_argument("--levels", type=int, default=3, help="grid levels per numeric gene")
    p.add_argument("--out", default="results/compare-digits")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier comparison")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = make_plan(
        args.task, SPACE, methods=("ga", "random", "grid"), seeds=args.seeds,
        budget=args.budget, epochs=args.epochs, n_jobs=args.n_jobs,
        population=args.population, levels=args.levels, out=args.out,
    )
    report = compare(plan, overwrite=args.overwrite)
    print_report(report)

    # Everything is also available as pandas for your own analysis:
    frame = analysis.load(plan.out)
    per_run = report.summary.runs[["method", "seed", "best", "test", "evals_to_target"]]
    print()
    print(per_run.to_string(index=False))
    print(f"\n{len(frame)} evaluations in {frame['run'].nunique()} runs")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except EvohpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
