"""``evohpo compare``: the command line face of :mod:`evohpo.compare`."""

from __future__ import annotations

import argparse
from typing import Any

from .args import add_run_args, add_time_limit, model_from_args, names
from .box_args import add_box_args, box_from_args
from .task_args import task_from_args


def run(args: argparse.Namespace) -> int:
    # imported here, not above: pandas, scipy and matplotlib would slow every ``evohpo`` command
    from ..compare import compare, make_plan
    from ..report import print_report

    box = box_from_args(args)  # --bench / --function: a black box, its own space
    if box is not None:
        target, space, model = box, box.space, None
    else:
        space, model = model_from_args(args)
        target = task_from_args(args)
    plan = make_plan(
        target, space, model=model, objective=args.objective,
        methods=args.methods,
        seeds=args.seeds,
        budget=args.budget, epochs=args.epochs, n_jobs=args.n_jobs, population=args.population,
        levels=args.levels, out=args.out, backend=args.backend, scheduler=args.scheduler,
        cv=args.cv or 0,
    )
    report = compare(plan, overwrite=args.overwrite, resume=args.resume, progress=not args.quiet,
                     engine=args.engine, time_limit=args.time_limit)
    print(f"task: {plan.task.describe()}")
    print_report(report)
    table = report.summary.table
    return 0 if table["best_" + report.summary.metric.column + "_mean"].notna().any() else 1


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``compare`` subcommand to an argparse subparsers object."""
    from ..strategies import registry

    one, several = registry.default_methods(1), registry.default_methods(2)
    p = subparsers.add_parser(
        "compare", help="search methods at equal budget over several seeds",
        description=f"search methods (default {registry.listed(registry.labels(one), 'and')}; "
                    f"{registry.listed(registry.labels(several), 'and')} with several "
                    "objectives) at the same budget over several seeds",
    )
    p.add_argument("--methods", type=names, default=None, metavar="A,B,...",
                   help=f"methods to compare: {', '.join(registry.METHODS)} (default "
                        f"{','.join(one)}; {','.join(several)} with several --objectives)")
    p.add_argument("--out", default=None,
                   help="output folder (default results/compare-TASK, or -BENCH)")
    p.add_argument("--resume", action="store_true",
                   help="continue the killed comparison in --out (same settings)")
    add_time_limit(p)
    add_run_args(p, seeds=True)
    add_box_args(p)
    p.set_defaults(func=run)
    return p
