"""``evohpo report``: plots, summary.csv and report.md for result CSVs that already exist.

    evohpo report results/compare-digits --out results/compare-digits
    evohpo report runA/results.csv runB/ --out report/

Paths are results.csv files or folders searched recursively for them (any search space and
objective, but one objective per report). The report itself is :mod:`evohpo.report`.
"""

from __future__ import annotations

import argparse
from typing import Any


def run(args: argparse.Namespace) -> int:
    # imported here, not above: pandas and matplotlib would slow every ``evohpo`` command
    from .. import analysis
    from ..report import print_report, write_report

    frame = analysis.load(args.paths)
    report = write_report(frame, args.out, title=args.title, overwrite=args.overwrite)
    print_report(report)
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``report`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "report", help="plots, summary.csv and report.md for existing result CSVs",
        description=__doc__.split("\n\n")[0].replace("``", ""),
    )
    p.add_argument("paths", nargs="+", metavar="CSV_OR_DIR",
                   help="results.csv files or folders searched recursively for them")
    p.add_argument("--out", required=True, help="folder for summary.csv, report.md and plots")
    p.add_argument("--title", default="evohpo report", help="heading of report.md")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a report.md and summary.csv already in --out")
    p.set_defaults(func=run)
    return p
