"""``evohpo weights``: search a small network's weights with the (1+1)-ES, optionally beside SGD.

    evohpo weights --task xor --seeds 100 --budget 5000 [--hidden 2] [--activation tanh]
                   [--compare-sgd K] [--json]

One ES run per seed (seeds ``first_seed ... first_seed + seeds - 1``); the table gives runs,
solved, median and 90th-percentile evaluations to solve (an unsolved run counts as never
solving, so a percentile that lands on one is shown as "-" / null) and wall seconds. With
``--compare-sgd K`` the Keras SGD recipe (same network, SGD lr 0.1, batch size 1, 200 epochs,
MSE) runs for the first K seeds. ``--json`` makes the last line one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from .. import tasks as tasks_mod
from .. import weights
from ..errors import EvohpoError, file_in_the_way
from .checks import positive, whole


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``weights`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "weights",
        help="search a small network's weights directly with the (1+1)-ES",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--task", default="xor", help="binary or multiclass task name (default xor)")
    p.add_argument("--seeds", type=whole(1), default=100,
                   help="ES runs, one per seed (default 100)")
    p.add_argument("--first-seed", type=whole(0), default=0, help="first seed (default 0)")
    p.add_argument(
        "--budget", type=whole(1), default=5000, help="evaluations per run (default 5000)"
    )
    p.add_argument(
        "--hidden", default="2", help="hidden widths, comma separated, e.g. 2 or 8,8 (default 2)"
    )
    p.add_argument(
        "--activation", default="tanh",
        help="hidden activation, or one per layer comma separated (default tanh)",
    )
    p.add_argument(
        "--mse-target", type=positive, default=None,
        help=f"binary tasks: solved also needs MSE below this (default "
        f"{weights.DEFAULT_MSE_TARGET})",
    )
    p.add_argument(
        "--compare-sgd", type=whole(0), default=0, metavar="K",
        help="also train the Keras SGD recipe for the first K seeds",
    )
    p.add_argument(
        "--sgd-epochs", type=whole(1), default=200,
        help="epochs of the SGD recipe (default 200)"
    )
    p.add_argument(
        "--save-model", metavar="PATH.keras", default=None,
        help="save the best ES network (first solved seed) as a Keras model",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    p.set_defaults(func=run)
    return p


def _widths(text: str) -> list[int]:
    try:
        widths = [int(part) for part in str(text).split(",")]
    except ValueError:
        widths = []
    if not widths or any(w < 1 for w in widths):
        raise EvohpoError(
            f"--hidden {text!r} is not a list of positive widths; write e.g. --hidden 2 or 8,8"
        )
    return widths


def _activations(text: str, depth: int) -> str | list[str]:
    parts = [a.strip() for a in str(text).split(",")]
    if len(parts) == 1:
        return parts[0]
    if len(parts) != depth:
        layers = f"{depth} hidden layer{'s' if depth != 1 else ''}"
        raise EvohpoError(f"--activation has {len(parts)} names for {layers}; give one name"
                          + (f" or {depth}" if depth > 1 else ""))
    return parts


def _check(args: argparse.Namespace) -> None:
    """What argparse's types cannot check (every number is checked as it is read)."""
    if args.save_model is not None:
        if not str(args.save_model).endswith(".keras"):
            raise EvohpoError(f"--save-model {args.save_model!r} must end in .keras (Keras 3 "
                              "format)")
        file = file_in_the_way(Path(args.save_model).parent)
        if file is not None:  # found now, not after every run has finished
            raise EvohpoError(f"--save-model {args.save_model}: {file} is a file, not a "
                              "folder; give a path in a folder (created if missing)")


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def run(args: argparse.Namespace) -> int:
    """Run the ES (and SGD) per seed and print the table; bad input raises EvohpoError."""
    _check(args)
    task = tasks_mod.get(args.task)
    hidden = _widths(args.hidden)
    activation = _activations(args.activation, len(hidden))
    net = weights.NumpyMLP.for_task(task, hidden, activation)  # checks task kind + activation
    weights.WeightFitness(net, task, args.mse_target)  # checks the target before any run
    seeds = range(args.first_seed, args.first_seed + args.seeds)

    print(
        f"task {task.name}: network {net.describe()}, {net.n_weights} weights; "
        f"(1+1)-ES, budget {args.budget} evaluations per seed"
    )
    start = time.perf_counter()
    runs = [
        weights.search_weights(
            task, hidden, activation, seed, args.budget, mse_target=args.mse_target
        )
        for seed in seeds
    ]
    es = weights.summarise_es(runs, time.perf_counter() - start)

    sgd = None
    if args.compare_sgd:
        sgd_runs = [
            weights.train_sgd(
                task, hidden, activation, seed, epochs=args.sgd_epochs,
                mse_target=args.mse_target,
            )
            for seed in range(args.first_seed, args.first_seed + args.compare_sgd)
        ]
        sgd = weights.summarise_sgd(sgd_runs, sum(r.seconds for r in sgd_runs))  # no TF import

    print(f"{'method':<12} {'runs':>5} {'solved':>7} {'median evals':>13} {'p90 evals':>10} "
          f"{'seconds':>9} {'s/run':>7}")
    print(
        f"{'(1+1)-ES':<12} {es['runs']:>5} {es['solved']:>7} {_fmt(es['median_evals']):>13} "
        f"{_fmt(es['p90_evals']):>10} {es['seconds']:>9.2f} {es['seconds'] / es['runs']:>7.3f}"
    )
    if sgd is not None:
        print(
            f"{'Keras SGD':<12} {sgd['runs']:>5} {sgd['solved']:>7} {'-':>13} {'-':>10} "
            f"{sgd['seconds']:>9.2f} {sgd['seconds_per_run']:>7.3f}"
        )
        print(
            f"  SGD: lr 0.1, batch size 1, {args.sgd_epochs} epochs, MSE loss; all rows "
            f"classified right at any MSE: {sgd['correct']}/{sgd['runs']}"
        )

    if args.save_model:
        solved = [r for r in runs if r.solved]
        chosen = solved[0] if solved else min(runs, key=lambda r: r.loss)
        path = Path(args.save_model)
        path.parent.mkdir(parents=True, exist_ok=True)
        weights.run_model(chosen, task).save(path)
        state = "solved" if chosen.solved else "unsolved, lowest loss"
        print(f"saved the seed-{chosen.seed} network ({state}) to {path}")

    if args.json:
        print(json.dumps({"task": task.name, "es": es, "sgd": sgd}))
    return 0
