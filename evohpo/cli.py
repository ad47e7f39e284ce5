"""``evohpo`` command line: search, compare, report, weights.

Every user mistake ends as one line ``error: …`` on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .cli_tables import add_table_args, predict_hint, task_from_args
from .errors import EvohpoError
from .space import SearchSpace

# cli_<name>.py modules, each adding one subcommand
COMMAND_MODULES: tuple[str, ...] = ("compare", "report", "weights", "predict")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors, like every other evohpo error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers like 1,4, got {text!r}") from None


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1e-4,1e-1, got {text!r}") from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def add_space_args(p: argparse.ArgumentParser) -> None:
    d = SearchSpace()
    g = p.add_argument_group("search space")
    g.add_argument("--layers", type=_ints, default=d.layers, metavar="MIN,MAX",
                   help="hidden layers (default 1,4)")
    g.add_argument("--units", type=_ints, default=d.units, metavar="MIN,MAX",
                   help="width of each layer, sampled on a log scale (default 4,512)")
    g.add_argument("--activations", type=_names, default=d.activations, metavar="A,B,...")
    g.add_argument("--optimizers", type=_names, default=d.optimizers, metavar="A,B,...")
    g.add_argument("--learning-rate", type=_floats, default=d.learning_rate, metavar="MIN,MAX",
                   help="sampled on a log scale (default 1e-4,1e-1)")
    g.add_argument("--batch-sizes", type=_ints, default=None, metavar="A,B,...",
                   help="make batch size a gene with these choices (default: fixed 32)")


def space_from_args(args: argparse.Namespace) -> SearchSpace:
    return SearchSpace(
        layers=args.layers, units=args.units, activations=args.activations,
        optimizers=args.optimizers, learning_rate=args.learning_rate,
        batch_sizes=args.batch_sizes,
    )


def add_run_args(p: argparse.ArgumentParser, *, seeds: bool = False) -> None:
    p.add_argument("--task", required=True,
                   help="digits, iris, wine, breast_cancer, diabetes, xor, ..., or csv:PATH:TARGET")
    p.add_argument("--budget", type=int, default=60, help="evaluations per run (default 60)")
    if seeds:
        p.add_argument("--seeds", type=int, default=5, help="runs per method (default 5)")
    else:
        p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-jobs", type=int, default=1, help="parallel worker processes")
    p.add_argument("--epochs", type=int, default=5, help="training epochs per evaluation")
    p.add_argument("--population", type=int, default=12, help="GA population size")
    p.add_argument("--levels", type=int, default=3, help="grid levels per numeric gene")
    p.add_argument("--backend", default="loky", help="loky (default), threading, dask or ray")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="an existing Dask scheduler (tcp://HOST:8786) or Ray cluster address")
    p.add_argument("--overwrite", action="store_true", help="replace results already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    add_table_args(p)  # hook (issue 13): --kind, --impute
    add_space_args(p)


def make_strategy(method: str, space: SearchSpace, args: argparse.Namespace, seed: int):
    from .strategies import make

    return make(method, space, seed=seed, population=args.population, levels=args.levels,
                budget=args.budget)


def cmd_search(args: argparse.Namespace) -> int:
    from .campaign import run_campaign

    space = space_from_args(args)
    strategy = make_strategy(args.method, space, args, args.seed)  # unknown method: fails here
    task = task_from_args(args)  # hook (issue 13): --kind/--impute, prints the inferred kind
    out = args.out or f"results/{task.name}-{args.method}-seed{args.seed}"
    result = run_campaign(
        strategy, task, budget=args.budget, epochs=args.epochs, n_jobs=args.n_jobs, out=out,
        overwrite=args.overwrite, resume=args.resume, time_limit=args.time_limit,
        backend=args.backend, scheduler=args.scheduler, progress=not args.quiet,
    )
    print(f"task: {task.describe()}")
    print(f"method: {args.method}  seed: {args.seed}  evaluations: {len(result.evaluations)}  "
          f"cache hits: {result.cache_hits}  seconds: {result.seconds:.1f}")
    if result.extra.get("duplicates_avoided"):
        print(f"children re-mutated because their network was already tried: "
              f"{result.extra['duplicates_avoided']}")
    print(f"results: {result.csv}")
    if result.best is None:
        print("best: none (no evaluation finished cleanly; see the status and error columns)")
        return 1
    print(f"best: {result.best}")
    print(f"model: {result.best.model_path}")
    if hint := predict_hint(task, result.out):  # hook (issue 13)
        print(hint)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evohpo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("search", help="run one search campaign and write its results CSV")
    p.add_argument("--method", default="ga", help="ga, random or grid (default ga)")
    p.add_argument("--out", default=None, help="output folder (default results/TASK-METHOD-seedN)")
    p.add_argument("--resume", action="store_true",
                   help="continue the killed campaign in --out (same settings)")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop an evaluation's training after this long (status timeout)")
    add_run_args(p)
    p.set_defaults(func=cmd_search)
    for name in COMMAND_MODULES:
        _optional_command(sub, name)
    return parser


def _optional_command(sub, name: str) -> None:
    """Commands living in their own modules register themselves through ``add_parser``."""
    import importlib

    module = importlib.import_module(f".cli_{name}", __package__)
    module.add_parser(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except EvohpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; finished rows are in the results CSV", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
