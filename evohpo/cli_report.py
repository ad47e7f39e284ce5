"""``evohpo report``: plots, summary.csv and report.md for result CSVs that already exist.

    evohpo report results/compare-digits --out results/compare-digits
    evohpo report runA/results.csv runB/ --out report/

Paths are results.csv files or folders searched recursively for them. The report embeds the
plots by relative links, so the output folder can be moved or committed as a whole.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import analysis, plots
from . import results as results_mod
from .errors import EvohpoError

PLOT_CAPTIONS = {
    "best_so_far": "Best so far vs evaluations (mean over seeds, band min-max)",
    "distribution": "Every distinct clean evaluation per method",
    "learning_rate": "Score vs learning rate, by optimizer",
    "params": "Score vs parameter count, by method",
}


@dataclass(frozen=True)
class Report:
    """What a report wrote, and the summary it was made from (for printing)."""

    out: Path
    summary: analysis.Summary
    summary_csv: Path
    markdown: Path
    plots: dict[str, Path]


def _sources(frame, out: Path) -> list[str]:
    runs = sorted(set(frame["run"]))
    return [os.path.relpath(r, out) for r in runs]


def markdown(frame, summary: analysis.Summary, images: dict[str, Path], out: Path, *,
             title: str = "evohpo report", notes: Sequence[str] = ()) -> str:
    """report.md text: summary table, U tests, plots (relative links), importance tables."""
    m = summary.metric
    lines = [f"# {title}", ""]
    lines += [f"- {n}" for n in notes]
    n_runs = len(summary.runs)
    lines += [
        f"- runs: {n_runs} ({', '.join(f'`{s}`' for s in _sources(frame, out))})",
        f"- metric: `{m.column}` ({m.direction}); the test score is the one of the model each "
        "run selected on validation",
        f"- evaluations that did not finish cleanly: {int((frame['status'] != 'ok').sum())} of "
        f"{len(frame)} (left out of the plots, counted in the table)",
        "", "## Summary", "", analysis.describe_summary(summary, markdown=True), "",
        f"Written to `{results_mod.SUMMARY_NAME}`.", "", "## Plots", "",
    ]
    for name, path in images.items():
        rel = Path(os.path.relpath(path, out)).as_posix()
        lines += [f"### {PLOT_CAPTIONS.get(name, name)}", "", f"![{name}]({rel})", ""]
    lines += ["## Which hyperparameters matter", "",
              analysis.effects_tables(frame, m, markdown=True), ""]
    return "\n".join(lines)


def write_report(frame, out: str | os.PathLike, *, title: str = "evohpo report",
                 notes: Sequence[str] = ()) -> Report:
    """Summary CSV, four PNGs and report.md for ``frame`` (from :func:`analysis.load`)."""
    out = Path(out)
    summary = analysis.summarize(frame)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvohpoError(
            f"cannot write the report to {out} ({exc.strerror}); choose a writable folder"
        ) from None
    summary_csv = out / results_mod.SUMMARY_NAME
    results_mod.write_table(summary_csv, summary.table)
    images = plots.plot_all(frame, out, summary.metric)
    md_path = out / results_mod.REPORT_NAME
    results_mod.write_text(md_path, markdown(frame, summary, images, out, title=title,
                                             notes=notes))
    return Report(out, summary, summary_csv, md_path, images)


def print_report(report: Report) -> None:
    print(analysis.describe_summary(report.summary))
    print()
    print(f"summary: {report.summary_csv}")
    print(f"report:  {report.markdown}")
    print(f"plots:   {', '.join(str(p) for p in report.plots.values())}")


def run(args: argparse.Namespace) -> int:
    frame = analysis.load(args.paths)
    report = write_report(frame, args.out, title=args.title)
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
    p.set_defaults(func=run)
    return p
