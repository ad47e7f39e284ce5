"""``--kind`` and ``--impute`` for ``evohpo search`` and ``evohpo compare``, and building the
task they describe, saying which kind it is and why before anything trains."""

from __future__ import annotations

import argparse
import sys

from ..tasks import KINDS, Task
from ..tasks.tables import IMPUTE


def add_table_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("tables (csv:PATH:TARGET)")
    g.add_argument("--kind", choices=KINDS, default=None,
                   help="the problem's kind (default: inferred from the target and printed)")
    g.add_argument("--impute", choices=IMPUTE, default=None,
                   help="what to do with missing values (default: refuse them and name the "
                        "columns)")


def task_from_args(args: argparse.Namespace) -> Task:
    """The task of ``--task``, ``--kind`` and ``--impute``; a table task's kind, its reason and
    what was done to the table go to stderr as ``note:`` lines (unless ``--quiet``), one line
    each, like every other line evohpo prints beside an error."""
    from .. import tasks

    task = tasks.get(args.task, kind=args.kind, impute=args.impute)
    prep = task.preprocess
    if prep is not None and not getattr(args, "quiet", False):
        hint = "" if args.kind else "; --kind to override"
        print(f"note: task {task.name}: {prep.kind_reason}{hint}", file=sys.stderr)
        for note in prep.notes:
            print(f"note: task {task.name}: {note}", file=sys.stderr)
    return task


def predict_hint(task: Task, out: object) -> str | None:
    """The command that applies a table campaign's best model to new rows."""
    if task.preprocess is None:
        return None
    if hasattr(task.preprocess, "shape"):  # arrays (arrays.ArrayScaling)
        return f"predict: evohpo predict --model {out} --npz NEW_INPUTS.npz --out predictions.csv"
    return f"predict: evohpo predict --model {out} --csv NEW_ROWS.csv --out predictions.csv"
