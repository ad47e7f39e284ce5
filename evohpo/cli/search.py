"""``evohpo search``: one campaign, its results CSV, and what it found; on a task
(``--task``: a Keras model is trained) or a black box (``--bench``, ``--function``).

Everything that can be checked without the data is checked first (flags, folder, model files,
objectives, method), then the task is read, then what needs the task; then the campaign runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..backends import check_backend
from ..errors import EvohpoError
from ..files import folder_name
from ..space import Space
from .args import add_run_args, add_time_limit, as_flags, model_from_args
from .box_args import add_box_args, box_from_args
from .checks import check_out
from .task_args import predict_hint, task_from_args


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``search`` subcommand to an argparse subparsers object."""
    from ..strategies import registry

    p = subparsers.add_parser("search", help="run one search campaign and write its results CSV")
    p.add_argument("--method", default="ga",
                   help=f"{registry.listed()} ({registry.listed(registry.searches_for(2))} for "
                        "several objectives; default ga)")
    p.add_argument("--out", default=None, help="output folder (default results/TASK-METHOD-seedN)")
    p.add_argument("--resume", action="store_true",
                   help="continue the killed campaign in --out (same settings)")
    add_time_limit(p)
    add_run_args(p)
    add_box_args(p)
    p.set_defaults(func=run)
    return p


def make_strategy(method: str, space: Space, args: argparse.Namespace, seed: int,
                  n_objectives: int = 1):
    from ..strategies import make

    try:
        return make(method, space, seed=seed, population=args.population, levels=args.levels,
                    n_objectives=n_objectives)
    except EvohpoError as exc:
        raise as_flags(exc, ("population", "levels")) from None


def run(args: argparse.Namespace) -> int:
    """Everything that can be checked without the data first (flags, folder, model files,
    objectives, method), then the task, then what needs the task; then the campaign."""
    from .. import objectives
    from ..campaign import run_campaign

    if args.out is not None:
        check_out(Path(args.out), resume=args.resume, overwrite=args.overwrite)
    check_backend(args.backend, args.scheduler)
    box = box_from_args(args)  # --bench / --function: a black box, its own space
    if box is not None:
        space, model, named = box.space, None, box.objectives(args.objective)
    else:
        space, model = model_from_args(args)
        # the objectives the user named are known before the task (its kind only picks the
        # default); unknown method, nsga2 with one objective, ga with several: fails here
        named = objectives.resolve_many(args.objective, "binary") if args.objective else None
    strategy = make_strategy(args.method, space, args, args.seed, len(named) if named else 1)
    task = box or task_from_args(args)  # --kind/--impute; prints the inferred kind
    out = args.out or f"results/{folder_name(task.name)}-{args.method}-seed{args.seed}"
    if args.out is None:
        check_out(Path(out), resume=args.resume, overwrite=args.overwrite)
    result = run_campaign(
        strategy, task, budget=args.budget, model=model, objective=named,
        epochs=args.epochs, n_jobs=args.n_jobs, out=out, overwrite=args.overwrite,
        resume=args.resume, time_limit=args.time_limit, backend=args.backend,
        scheduler=args.scheduler, progress=not args.quiet, engine=args.engine, cv=args.cv,
    )
    print(f"task: {task.describe()}")
    print(f"method: {args.method}  seed: {args.seed}  evaluations: {len(result.evaluations)}  "
          f"cache hits: {result.cache_hits}  seconds: {result.seconds:.1f}")
    if result.extra.get("duplicates_avoided"):
        print(f"children re-mutated because their network was already tried: "
              f"{result.extra['duplicates_avoided']}")
    print(f"results: {result.csv}")
    if result.reference is not None:
        _print_front(result)
    if result.best is None:
        print("best: none (no evaluation finished cleanly; see the status and error columns)")
        return 1
    label = "best (knee of the front)" if result.reference is not None else "best"
    print(f"{label}: {result.best}")
    if result.best.model_path:
        print(f"model: {result.best.model_path}")
    elif box is None:  # a black box has no model to save
        print(f"model: not saved ({result.best.error})")
    if hint := predict_hint(task, result.out):
        print(hint)
    return 0


def _print_front(result: Any) -> None:
    """A multi-objective search's front, its hypervolume and where the files are."""
    from .. import analysis, plots
    from ..results import PARETO_NAME

    hv = ", ".join(f"{v:.4g}" for v in result.hypervolume)
    ref = ", ".join(f"{v:.4g}" for v in result.reference)
    n = len(result.pareto)
    print(f"pareto front: {n} network{'s' if n != 1 else ''} ({result.out / PARETO_NAME}); "
          f"hypervolume per generation: {hv} (reference point {ref})")
    plot = plots.pareto(analysis.load(result.csv), result.out / plots.FILES["pareto"])
    print(f"pareto plot: {plot}")
