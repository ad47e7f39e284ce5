"""A report of existing results: summary.csv, the plots and report.md in one folder.

Library code (``compare`` writes its report through here); the command line face is
:mod:`evohpo.cli.report`. The markdown embeds the plots by relative links, so the output
folder can be moved or committed as a whole.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import analysis, files, plots
from . import results as results_mod
from .errors import EvohpoError, file_in_the_way

PLOT_CAPTIONS = {
    "best_so_far": "Best so far vs evaluations (mean over seeds, band min-max)",
    "distribution": "Every distinct clean evaluation per method",
    "params": "Score vs parameter count, by method",
    "pareto": "Pareto front per method (runs pooled), every clean evaluation faint",
}


@dataclass(frozen=True)
class Report:
    """What a report wrote, and the summary it was made from (for printing)."""

    out: Path
    summary: analysis.Summary
    summary_csv: Path
    markdown: Path
    plots: dict[str, Path]


def _sources(frame: pd.DataFrame, out: Path) -> list[str]:
    runs = sorted(set(frame["run"]))
    return [os.path.relpath(r, out) for r in runs]


def _caption(name: str, frame: pd.DataFrame, metric: analysis.Metric) -> str:
    if name != "gene":
        return PLOT_CAPTIONS.get(name, name)
    x, colour = plots.gene_axes(frame, metric)
    return f"Score vs {x}, by {colour or 'method'}"


def markdown(frame: pd.DataFrame, summary: analysis.Summary, images: dict[str, Path],
             out: Path, *, title: str = "evohpo report", notes: Sequence[str] = ()) -> str:
    """report.md text: summary table, U tests, plots (relative links), importance tables."""
    score = analysis.metric_of(frame)  # what each network scored (the first objective)
    lines = [f"# {title}", ""]
    lines += [f"- {n}" for n in notes]
    n_runs = len(summary.runs)
    lines += [
        f"- runs: {n_runs} ({', '.join(f'`{s}`' for s in _sources(frame, out))})",
        _objective_note(summary),
        f"- evaluations that did not finish cleanly: {int((frame['status'] != 'ok').sum())} of "
        f"{len(frame)} (left out of the plots, counted in the table)",
        "", "## Summary", "", analysis.describe_summary(summary, markdown=True), "",
        f"Written to `{results_mod.SUMMARY_NAME}`.", "", "## Plots", "",
    ]
    for name, path in images.items():
        rel = Path(os.path.relpath(path, out)).as_posix()
        lines += [f"### {_caption(name, frame, score)}", "", f"![{name}]({rel})", ""]
    lines += ["## Which hyperparameters matter", "",
              analysis.effects_tables(frame, score, markdown=True), ""]
    return "\n".join(lines)


def _objective_note(summary: analysis.Summary) -> str:
    m = summary.metric
    if summary.reference is None:
        return (f"- objective: `{m.spec}` ({m.column}, {m.direction}); the test score is the "
                "one of the model each run selected on validation")
    return (f"- objectives: `{summary.objective}`; runs are ranked by the hypervolume of their "
            "clean evaluations against one reference point common to every run (the worst "
            "value of each objective over all runs, widened by 10% of its range); the test "
            "score is the one of each run's knee (the front's point nearest the ideal point, "
            "each objective scaled to [0, 1] over the front)")


def write_report(frame: pd.DataFrame, out: str | os.PathLike, *, title: str = "evohpo report",
                 notes: Sequence[str] = (), overwrite: bool = True) -> Report:
    """Summary CSV, the PNGs and report.md for ``frame`` (from :func:`analysis.load`).
    ``overwrite=False`` refuses a folder that already holds a report.md or summary.csv."""
    out = Path(out)
    there = [n for n in (results_mod.REPORT_NAME, results_mod.SUMMARY_NAME) if (out / n).exists()]
    if there and not overwrite:
        raise EvohpoError(f"{out} already holds {' and '.join(there)}; pass --overwrite to "
                          "replace them, or choose another --out folder")
    file = file_in_the_way(out)
    if file is not None:
        what = f"--out {out}" + ("" if file == out else f": {file}")
        raise EvohpoError(f"{what} is a file, not a folder; give --out a folder (it is created "
                          "if missing)")
    summary = analysis.summarize(frame)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvohpoError(
            f"cannot write the report to {out} ({exc.strerror}); choose a writable folder"
        ) from None
    summary_csv = out / results_mod.SUMMARY_NAME
    files.write_table(summary_csv, summary.table)
    images = plots.plot_all(frame, out, summary.metric)
    md_path = out / results_mod.REPORT_NAME
    files.write_text(md_path, markdown(frame, summary, images, out, title=title,
                                             notes=notes))
    return Report(out, summary, summary_csv, md_path, images)


def print_report(report: Report) -> None:
    """The comparison table and where the files went, on stdout."""
    print(analysis.describe_summary(report.summary))
    print()
    print(f"summary: {report.summary_csv}")
    print(f"report:  {report.markdown}")
    print(f"plots:   {', '.join(str(p) for p in report.plots.values())}")
