"""``evohpo compare``: the command line face of :mod:`evohpo.compare`."""

from __future__ import annotations

import argparse
from typing import Any

from .cli import add_run_args, space_from_args
from .cli_report import print_report
from .cli_tables import task_from_args
from .compare import compare, make_plan


def run(args: argparse.Namespace) -> int:
    plan = make_plan(
        task_from_args(args),  # hook (issue 13): --kind, --impute
        space_from_args(args), seeds=args.seeds, budget=args.budget,
        epochs=args.epochs, n_jobs=args.n_jobs, population=args.population, levels=args.levels,
        out=args.out, backend=args.backend, scheduler=args.scheduler,
    )
    report = compare(plan, overwrite=args.overwrite, progress=not args.quiet)
    print(f"task: {plan.task.describe()}")
    print_report(report)
    table = report.summary.table
    return 0 if table["best_" + report.summary.metric.column + "_mean"].notna().any() else 1


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``compare`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "compare", help="GA vs random vs grid at equal budget over several seeds",
        description="GA, random and grid search at the same budget over several seeds",
    )
    p.add_argument("--out", default=None,
                   help="output folder (default results/compare-TASK)")
    add_run_args(p, seeds=True)
    p.set_defaults(func=run)
    return p
