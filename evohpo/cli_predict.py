"""``evohpo predict``: the best model of a table campaign applied to new raw rows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def run(args: argparse.Namespace) -> int:
    from . import results
    from .predictor import load
    from .tables import read_csv

    predictor = load(args.model)
    rows = read_csv(args.csv)
    preds = predictor.predict(rows, source=str(args.csv))
    target = predictor.prep.target
    table = rows.drop(columns=[target], errors="ignore").join(preds)
    if args.out:
        results.write_table(Path(args.out), table)
        print(f"predicted {target!r} ({predictor.prep.kind}) for {len(table)} rows: {args.out}",
              file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``predict`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "predict", help="apply a table campaign's best model to new rows of a CSV",
        description="Predict the target for new raw rows with the best.keras and "
                    "preprocess.joblib a campaign on a table wrote",
    )
    p.add_argument("--model", required=True, metavar="DIR",
                   help="the --out folder of a finished campaign on a csv:PATH:TARGET task")
    p.add_argument("--csv", required=True, metavar="FILE",
                   help="new rows with the training feature columns (extra columns ignored)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="write the rows with prediction columns here (default: stdout)")
    p.set_defaults(func=run)
    return p
