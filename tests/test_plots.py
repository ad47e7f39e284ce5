"""Headless plots of result frames (evohpo/plots.py): what each figure's axes, legend and file name
say, for the MLP, a custom space and a loss; runs where nothing finished; no TensorFlow.
"""

from __future__ import annotations

import math
from pathlib import Path

from evohpo import analysis, plots
from evohpo.report import write_report
from tests.analysis.runs import LOSS, _custom_dir, _is_png, config, write_run


def _labels(monkeypatch) -> dict[str, dict[str, str]]:
    """Record each saved figure's axis labels, title and legend title, by file name."""
    seen: dict[str, dict[str, str]] = {}
    save = plots._save

    def spy(fig, path):
        ax = fig.axes[0]
        legend = ax.get_legend()
        seen[Path(path).name] = {
            "x": ax.get_xlabel(), "y": ax.get_ylabel(), "title": ax.get_title(),
            "legend": legend.get_title().get_text() if legend else "",
            "xscale": ax.get_xscale(),
        }
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", spy)
    return seen


def test_plots_of_a_custom_space_name_its_objective_and_genes(tmp_path: Path,
                                                              monkeypatch) -> None:
    frame = analysis.load(_custom_dir(tmp_path / "runs"))
    seen = _labels(monkeypatch)
    paths = plots.plot_all(frame, tmp_path / "p")
    # momentum moves val_auc most; it counts only with sgd, so colouring by optimizer would
    # show one colour: another gene that varies among the sgd networks colours it
    x, colour = plots.gene_axes(frame)
    assert x == "momentum" and colour not in (None, "optimizer")
    assert frame.loc[frame["optimizer"] == "sgd", colour].nunique() > 1
    assert paths["gene"].name == "score_vs_momentum.png" and _is_png(paths["gene"])
    gene = seen["score_vs_momentum.png"]
    assert gene["y"] == "val_auc (higher is better)"
    assert gene["x"] == "momentum" and gene["xscale"] == "linear"
    assert gene["legend"] == f"{colour} (n)"
    assert seen["distribution.png"]["y"] == "val_auc (higher is better)"
    assert seen["best_so_far.png"]["y"] == "best val_auc so far (higher is better)"
    assert "accuracy" not in " ".join(v for d in seen.values() for v in d.values())
    md = write_report(frame, tmp_path / "rep").markdown.read_text()
    assert f"### Score vs momentum, by {colour}" in md
    assert "objective: `val_auc:max`" in md


def test_plots_of_a_loss_say_lower_is_better(tmp_path: Path, monkeypatch) -> None:
    write_run(tmp_path / "r", "ga", 0, [3.0, 1.0, 2.0],
              configs=[config(lr=1e-4), config(lr=1e-3), config(lr=1e-1)], objective=LOSS)
    seen = _labels(monkeypatch)
    plots.plot_all(analysis.load(tmp_path / "r"), tmp_path / "p")
    lr = seen["score_vs_learning_rate.png"]
    assert lr["y"] == "val_loss (lower is better)" and lr["xscale"] == "log"
    assert lr["x"] == "learning_rate (log scale)"


def test_plots_survive_runs_where_nothing_finished(tmp_path: Path) -> None:
    write_run(tmp_path / "ga-seed0", "ga", 0, [None, None])
    frame = analysis.load(tmp_path)
    paths = plots.plot_all(frame, tmp_path / "p")
    assert paths and all(_is_png(p) for p in paths.values())
    s = analysis.summarize(frame)
    assert s.table["not_ok"].iloc[0] == 2
    assert math.isnan(s.table["best_val_accuracy_mean"].iloc[0])


def test_analysis_and_plots_never_import_tensorflow() -> None:
    import subprocess
    import sys

    code = ("import sys, evohpo.analysis, evohpo.plots, evohpo.report, evohpo.cli.report; "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
