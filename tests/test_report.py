"""A report of existing results (evohpo/report.py): summary.csv, the plots and report.md in one
folder, with relative links.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evohpo import analysis
from evohpo.report import write_report
from tests.analysis.runs import _is_png


def test_plots_and_report_files(compare_dir: Path, tmp_path: Path) -> None:
    frame = analysis.load(compare_dir)
    out = tmp_path / "report"
    report = write_report(frame, out, title="Toy comparison")
    assert set(report.plots) == {"best_so_far", "distribution", "gene", "params"}
    assert report.plots["gene"].name == "score_vs_learning_rate.png"
    for png in report.plots.values():
        assert png.parent == out and _is_png(png) and png.stat().st_size > 5_000
    summary = pd.read_csv(out / "summary.csv")
    assert summary["method"].tolist() == ["ga", "random", "grid"]
    assert {"best_val_accuracy_mean", "selected_test_accuracy_std", "p_vs_ga",
            "grid_coverage", "evals_to_target_mean", "not_ok"} <= set(summary.columns)
    md = (out / "report.md").read_text()
    assert md.startswith("# Toy comparison")
    for png in report.plots.values():
        assert f"]({png.name})" in md  # relative links: the folder can move
    assert "| ga |" in md and "ga vs random: U=" in md
    assert "Which hyperparameters matter" in md and "| optimizer |" in md
    assert "../cmp/ga-seed0" in md
