"""``evohpo predict``: the best model of a table campaign applied to new raw rows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def run(args: argparse.Namespace) -> int:
    from .. import files
    from ..errors import EvohpoError
    from ..predictor import load

    if (args.csv is None) == (args.npz is None):
        raise EvohpoError("predict takes new rows as --csv FILE (a table campaign) or new "
                          "inputs as --npz FILE (an array campaign): give one of them")
    if args.out:
        _check_out(Path(args.out))
    predictor = load(args.model)
    if args.npz is not None:
        table, what = _from_npz(predictor, args.npz)
    else:
        from ..tasks.csv_files import read_csv

        if hasattr(predictor.prep, "shape"):
            raise EvohpoError(f"{args.model} is a campaign on arrays: give new inputs with "
                              "--npz FILE (key x)")
        rows = read_csv(args.csv)
        preds = predictor.predict(rows, source=str(args.csv))
        clash = [c for c in preds.columns if c in rows.columns]
        if clash:
            preds = preds.rename(columns={c: f"predicted_{c}" for c in clash})
        table = rows.join(preds)  # every input column kept, the true target included
        what = repr(predictor.prep.target)
    if args.out:
        files.write_table(Path(args.out), table)
        print(f"predicted {what} ({predictor.prep.kind}) for {len(table)} rows: {args.out}",
              file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _check_out(out: Path) -> None:
    """``--out`` names a file to write: refused now, before any model loads, if it is a folder
    or lies under a file (writing would fail after the predictions, naming free space)."""
    from ..errors import EvohpoError, file_in_the_way

    if out.is_dir():
        raise EvohpoError(f"--out {out} is a folder; give the name of a CSV file to write, "
                          f"e.g. --out {out / 'predictions.csv'}")
    file = file_in_the_way(out.parent)
    if file is not None:
        raise EvohpoError(f"--out {out}: {file} is a file, not a folder; give a CSV file name "
                          "in a folder (it is created if missing)")


def _from_npz(predictor: Any, path: str) -> tuple[Any, str]:
    """An array campaign's predictions for the inputs in an .npz: one row per input, its
    index, the prediction (and probability), and the true label where the file has one."""
    from ..errors import EvohpoError
    from ..tasks.arrays import read_new_inputs

    if not hasattr(predictor.prep, "shape"):
        raise EvohpoError(f"{predictor.folder} is a table campaign: give new rows with --csv")
    x, labels, key = read_new_inputs(path)
    table = predictor.predict(x, source=f"{path}: {key}")
    table.insert(0, "row", range(len(table)))
    if labels is not None:
        table["true"] = labels
    return table, f"the labels of {key}"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``predict`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "predict", help="apply a campaign's best model to new rows (CSV) or inputs (npz)",
        description="Predict for new raw rows or arrays with the best.keras and "
                    "preprocess.joblib a campaign on a table or on arrays wrote",
    )
    p.add_argument("--model", required=True, metavar="DIR",
                   help="the --out folder of a finished campaign on a csv:PATH:TARGET task")
    p.add_argument("--csv", default=None, metavar="FILE",
                   help="new rows with the training feature columns (extra columns kept)")
    p.add_argument("--npz", default=None, metavar="FILE",
                   help="new raw inputs of an array campaign (npz:PATH, mnist): key x, or "
                        "x_test/x_val/x_train; y beside it adds a true column")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="write the rows with prediction columns here (default: stdout)")
    p.set_defaults(func=run)
    return p
