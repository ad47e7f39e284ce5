"""Headless matplotlib plots of result frames (from :func:`evohpo.analysis.load`), as PNG files.

Four views answer the questions a comparison raises: how fast each method finds good networks
(best so far vs evaluations), how good a typical network it tries is (distribution), and where
the good ones are (score vs learning rate, score vs parameter count). Evaluations that did not
finish cleanly have no score, so they are left out of these plots (the summary counts them).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import analysis  # noqa: E402
from .analysis import Metric  # noqa: E402

DPI = 120
FIGSIZE = (7.5, 4.6)
METHOD_COLORS = {"ga": "tab:blue", "random": "tab:orange", "grid": "tab:green", "es": "tab:red"}
METHOD_LINES = {"ga": "-", "random": "--", "grid": "-.", "es": ":"}  # overlaps stay visible
METHOD_MARKERS = {"ga": "o", "random": "s", "grid": "^", "es": "D"}
FILES = {
    "best_so_far": "best_so_far.png",
    "distribution": "distribution.png",
    "learning_rate": "score_vs_learning_rate.png",
    "params": "score_vs_params.png",
}


def method_color(method: str, i: int = 0) -> str:
    extra = ["tab:purple", "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]
    return METHOD_COLORS.get(method, extra[i % len(extra)])


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _empty(ax, text: str = "no evaluation finished cleanly") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def best_so_far(frame: pd.DataFrame, path: str | os.PathLike,
                metric: Metric | None = None) -> Path:
    """Mean best-so-far score per method over its runs, with a min-max band across seeds."""
    metric = metric or analysis.metric_of(frame)
    curves = analysis.best_so_far(frame, metric)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    methods = analysis.method_order(curves["method"])
    drawn = False
    for i, m in enumerate(methods):
        wide = curves[curves["method"] == m].pivot(index="evaluations", columns="run",
                                                   values="best")
        if wide.notna().sum().sum() == 0:
            continue
        n_runs = wide.shape[1]
        mean, lo, hi = wide.mean(axis=1), wide.min(axis=1), wide.max(axis=1)
        color = method_color(m, i)
        ax.plot(wide.index, mean, color=color, lw=2, ls=METHOD_LINES.get(m, "-"),
                zorder=3 + i, label=f"{m} (mean of {n_runs} run{'s' if n_runs != 1 else ''})")
        if n_runs > 1:
            ax.fill_between(wide.index, lo, hi, color=color, alpha=0.18, lw=0)
        drawn = True
    if drawn:
        overall = metric.best(analysis.ok_rows(frame)[metric.column])
        ax.axhline(metric.target(overall), color="0.35", ls="--", lw=1,
                   label="within 1% of the best found")
        ax.legend(loc="lower right" if not metric.lower_is_better else "upper right",
                  fontsize=9, framealpha=0.9)
    else:
        _empty(ax)
    ax.set_xlabel("evaluations")
    ax.set_ylabel(f"best {metric.axis_label.split(' (')[0]} so far")
    ax.set_title(f"Best {metric.column} so far (band: min-max over seeds)")
    ax.grid(alpha=0.3)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _save(fig, path)


def distribution(frame: pd.DataFrame, path: str | os.PathLike,
                 metric: Metric | None = None) -> Path:
    """Box plot of the score of every distinct clean evaluation per method, points on top."""
    metric = metric or analysis.metric_of(frame)
    ok = analysis.ok_rows(frame, unique=True)
    methods = analysis.method_order(frame["method"])
    fig, ax = plt.subplots(figsize=FIGSIZE)
    data, labels = [], []
    for m in methods:
        values = ok.loc[ok["method"] == m, metric.column].dropna().to_numpy(float)
        not_ok = int((frame.loc[frame["method"] == m, "status"] != "ok").sum())
        data.append(values)
        labels.append(f"{m}\nn={len(values)}" + (f", {not_ok} not ok" if not_ok else ""))
    if any(len(d) for d in data):
        positions = np.arange(1, len(methods) + 1)
        ax.boxplot([d if len(d) else [np.nan] for d in data], positions=positions,
                   widths=0.5, showfliers=False, medianprops={"color": "black"})
        rng = np.random.default_rng(0)  # fixed jitter: the same results give the same picture
        for i, (m, d) in enumerate(zip(methods, data)):
            x = positions[i] + rng.uniform(-0.15, 0.15, size=len(d))
            ax.scatter(x, d, s=14, alpha=0.6, color=method_color(m, i), zorder=3)
        ax.set_xticks(positions, labels)
    else:
        ax.set_xticks(np.arange(1, len(methods) + 1), labels)
        _empty(ax)
    ax.set_xlabel("method (n = distinct networks trained cleanly)")
    ax.set_ylabel(metric.axis_label)
    ax.set_title(f"{metric.column} of every evaluated network")
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def _scatter_legend_outside(ax, title: str) -> None:
    ax.legend(title=title, fontsize=8, title_fontsize=9, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, markerscale=1.3)


def score_vs_learning_rate(frame: pd.DataFrame, path: str | os.PathLike,
                           metric: Metric | None = None) -> Path:
    """Score against learning rate (log x), coloured by optimizer: where each optimizer works."""
    metric = metric or analysis.metric_of(frame)
    ok = analysis.ok_rows(frame, unique=True).dropna(subset=["learning_rate", metric.column])
    ok = ok[ok["learning_rate"] > 0]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    if ok.empty:
        _empty(ax)
    else:
        cmap = plt.get_cmap("tab10")
        for i, (opt, g) in enumerate(sorted(ok.groupby("optimizer"), key=lambda kv: kv[0])):
            ax.scatter(g["learning_rate"], g[metric.column], s=18, alpha=0.7,
                       color=cmap(i % 10), label=f"{opt} ({len(g)})")
        ax.set_xscale("log")
        _scatter_legend_outside(ax, "optimizer (n)")
    return _finish_log_scatter(fig, ax, "learning rate (log scale)", metric,
                               f"{metric.column} vs learning rate", path)


def _finish_log_scatter(fig, ax, xlabel: str, metric: Metric, title: str,
                        path: str | os.PathLike) -> Path:
    """Labels, title and major/minor grid shared by the two log-x scatter plots, then save."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric.axis_label)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.grid(alpha=0.12, which="minor")
    return _save(fig, path)


def score_vs_params(frame: pd.DataFrame, path: str | os.PathLike,
                    metric: Metric | None = None) -> Path:
    """Score against trainable parameter count (log x), coloured by method."""
    metric = metric or analysis.metric_of(frame)
    ok = analysis.ok_rows(frame, unique=True).dropna(subset=["params", metric.column])
    ok = ok[ok["params"] > 0]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    if ok.empty:
        _empty(ax)
    else:
        for i, m in enumerate(analysis.method_order(ok["method"])):
            g = ok[ok["method"] == m]
            ax.scatter(g["params"], g[metric.column], s=18, alpha=0.7,
                       color=method_color(m, i), marker=METHOD_MARKERS.get(m, "o"),
                       label=f"{m} ({len(g)})")
        ax.set_xscale("log")
        _scatter_legend_outside(ax, "method (n)")
    return _finish_log_scatter(fig, ax, "trainable parameters (log scale)", metric,
                               f"{metric.column} vs network size", path)


def plot_all(frame: pd.DataFrame, out: str | os.PathLike,
             metric: Metric | None = None) -> dict[str, Path]:
    """Draw every plot into folder ``out``; returns {plot name: PNG path}."""
    metric = metric or analysis.metric_of(frame)
    out = Path(out)
    draw = {
        "best_so_far": best_so_far, "distribution": distribution,
        "learning_rate": score_vs_learning_rate, "params": score_vs_params,
    }
    return {name: fn(frame, out / FILES[name], metric) for name, fn in draw.items()}
