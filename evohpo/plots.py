"""Headless matplotlib plots of result frames (from :func:`evohpo.analysis.load`), as PNG files.

Four views answer the questions a comparison raises: how fast each method finds good networks
(best so far vs evaluations), how good a typical network it tries is (distribution), and where
the good ones are (score vs the numeric gene that matters most, coloured by the categorical
gene that matters most, and score vs parameter count). Every label names the campaigns'
objective (``val_auc (higher is better)``), and genes come from the results, so the plots work
for any search space. Evaluations that did not finish cleanly have no score, so they are left
out of these plots (the summary counts them).

With several objectives, the Pareto plot shows every clean evaluation faintly and each method's
front (its runs pooled) as a step line, and the best-so-far plot follows the hypervolume.
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
from .objectives import Objective  # noqa: E402

DPI = 120
FIGSIZE = (7.5, 4.6)
METHOD_COLORS = {"ga": "tab:blue", "random": "tab:orange", "grid": "tab:green", "es": "tab:red",
                 "nsga2": "tab:purple", "aging": "tab:cyan", "tpe": "tab:brown",
                 "cmaes": "tab:olive"}
METHOD_LINES = {"ga": "-", "random": "--", "grid": "-.", "es": ":", "nsga2": "-",  # overlaps
                "aging": ":", "tpe": "-", "cmaes": "-."}  # show
METHOD_MARKERS = {"ga": "o", "random": "s", "grid": "^", "es": "D", "nsga2": "o", "aging": "v",
                  "tpe": "P", "cmaes": "X"}
FILES = {  # plus score_vs_<gene>.png for the gene plot (named after its gene)
    "best_so_far": "best_so_far.png",
    "distribution": "distribution.png",
    "params": "score_vs_params.png",
    "pareto": "pareto.png",
}
MAX_COLOURS = 10  # a colour gene with more values would need a legend nobody can read


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
    ax.set_ylabel(f"best {metric.column} so far ({metric.direction})")
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


def _finish_scatter(fig, ax, xlabel: str, metric: Metric, title: str,
                    path: str | os.PathLike) -> Path:
    """Labels, title and major/minor grid shared by the scatter plots, then save."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric.axis_label)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.grid(alpha=0.12, which="minor")
    return _save(fig, path)


def _varies(frame: pd.DataFrame, gene: str) -> bool:
    return frame[gene].dropna().nunique() > 1


def gene_axes(frame: pd.DataFrame, metric: Metric | None = None) -> tuple[str | None, str | None]:
    """Which genes the gene plot shows: on x ``learning_rate`` when it was tuned, else the
    numeric gene most rank-correlated with the score; colours ``optimizer`` when it varies
    where x is active, else the gene with few values whose values move the mean score most
    there, preferring genes active wherever x is (never x's own controller, constant where x
    counts). None: nothing to plot / colour by method."""
    metric = metric or analysis.metric_of(frame)
    ok = analysis.ok_rows(frame, unique=True)
    numeric = [g for g in analysis.numeric_genes(frame) if _varies(ok, g)]
    if not numeric:
        return None, None
    if "learning_rate" in numeric:
        x = "learning_rate"
    else:
        effects = analysis.numeric_effects(frame, metric).set_index("gene")["spearman"].abs()
        x = max(numeric, key=lambda g: (float(np.nan_to_num(effects.get(g, 0.0))),
                                        -numeric.index(g)))
    where = frame[frame[x].notna()]
    ok = analysis.ok_rows(where, unique=True)
    few = [g for g in analysis.gene_columns(frame) if g != x and _varies(ok, g)
           and ok[g].dropna().nunique() <= MAX_COLOURS
           and (not analysis.is_numeric(frame[g]) or analysis.has_levels(ok[g]))]
    if "optimizer" in few:
        return x, "optimizer"
    spread = analysis.gene_spread(analysis.categorical_effects(where, metric))
    ranked = [g for g in spread["gene"] if g in few] + [g for g in few]
    ranked.sort(key=lambda g: bool(ok[g].isna().any()))  # stable: always-active genes first
    return x, ranked[0] if ranked else None


def gene_file(gene: str) -> str:
    return f"score_vs_{gene}.png"


def score_vs_gene(frame: pd.DataFrame, path: str | os.PathLike, gene: str,
                  colour: str | None = None, metric: Metric | None = None) -> Path:
    """Score against one numeric gene (log x when it spans decades), coloured by ``colour``'s
    values (evaluations where that gene was dormant in grey), or by method without one.
    Evaluations where ``gene`` itself was dormant are left out."""
    metric = metric or analysis.metric_of(frame)
    ok = analysis.ok_rows(frame, unique=True).dropna(subset=[gene, metric.column])
    fig, ax = plt.subplots(figsize=FIGSIZE)
    log = analysis.log_scale(ok[gene])
    if ok.empty:
        _empty(ax)
    elif colour is None:
        for i, m in enumerate(analysis.method_order(ok["method"])):
            g = ok[ok["method"] == m]
            ax.scatter(g[gene], g[metric.column], s=18, alpha=0.7, color=method_color(m, i),
                       marker=METHOD_MARKERS.get(m, "o"), label=f"{m} ({len(g)})")
        _scatter_legend_outside(ax, "method (n)")
    else:
        cmap = plt.get_cmap("tab10")
        for i, (value, g) in enumerate(_groups(ok, colour)):
            ax.scatter(g[gene], g[metric.column], s=18, alpha=0.7, color=cmap(i % 10),
                       label=f"{_value_label(value)} ({len(g)})")
        dormant = ok[ok[colour].isna()]
        if not dormant.empty:
            ax.scatter(dormant[gene], dormant[metric.column], s=14, alpha=0.5, color="0.6",
                       marker="x", label=f"inactive ({len(dormant)})")
        _scatter_legend_outside(ax, f"{colour} (n)")
    if log:
        ax.set_xscale("log")
    by = colour or "method"
    return _finish_scatter(fig, ax, f"{gene} (log scale)" if log else gene, metric,
                           f"{metric.column} vs {gene}, by {by}", path)


def _groups(rows: pd.DataFrame, gene: str) -> list[tuple[object, pd.DataFrame]]:
    """Rows per value of ``gene`` where it was active, in value order (8 before 16)."""
    active = rows[rows[gene].notna()]
    try:
        return list(active.groupby(gene, sort=True))
    except TypeError:  # values of mixed types do not sort
        return list(active.groupby(gene, sort=False))


def _value_label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def score_vs_params(frame: pd.DataFrame, path: str | os.PathLike,
                    metric: Metric | None = None) -> Path:
    """Score against trainable parameter count (log x when it spans decades), by method."""
    metric = metric or analysis.metric_of(frame)
    ok = analysis.ok_rows(frame, unique=True).dropna(subset=["params", metric.column])
    ok = ok[ok["params"] > 0]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    log = analysis.log_scale(ok["params"])
    if ok.empty:
        _empty(ax)
    else:
        for i, m in enumerate(analysis.method_order(ok["method"])):
            g = ok[ok["method"] == m]
            ax.scatter(g["params"], g[metric.column], s=18, alpha=0.7,
                       color=method_color(m, i), marker=METHOD_MARKERS.get(m, "o"),
                       label=f"{m} ({len(g)})")
        if log:
            ax.set_xscale("log")
        _scatter_legend_outside(ax, "method (n)")
    return _finish_scatter(fig, ax, "trainable parameters" + (" (log scale)" if log else ""),
                           metric, f"{metric.column} vs network size", path)


def _objective_label(obj: Objective, log: bool) -> str:
    direction = "lower is better" if obj.lower_is_better else "higher is better"
    return f"{obj.name} ({direction}{', log scale' if log else ''})"


def _staircase(ax, xs: np.ndarray, ys: np.ndarray, x_obj: Objective, x_end: float,
               color: str, label: str) -> None:
    """A front as the boundary of what it dominates: a step after each point when x is
    minimised (worse x to the right), before it when x is maximised; carried on to ``x_end``,
    the worst x shown, so the region it dominates reads at a glance."""
    order = np.lexsort((ys, xs))
    xs, ys = xs[order], ys[order]
    if len(xs):
        if x_obj.lower_is_better:
            line_x, line_y, where = [*xs, x_end], [*ys, ys[-1]], "post"
        else:
            line_x, line_y, where = [x_end, *xs], [ys[0], *ys], "pre"
        ax.step(line_x, line_y, where=where, color=color, lw=2, zorder=4)
    ax.scatter(xs, ys, s=34, color=color, edgecolor="black", linewidth=0.6, zorder=5,
               label=label)


def pareto(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """The first objective (y) against the second (x): every clean evaluation faint, each
    method's front (non-dominated over its runs pooled; in those two objectives when there are
    more) as a step line, one colour per method; log x for parameter counts and spreads over
    decades."""
    objs = analysis.objectives_in(frame)
    y_obj, x_obj = objs[0], objs[1]
    ok = analysis.ok_rows(frame).dropna(subset=[y_obj.name, x_obj.name])
    fig, ax = plt.subplots(figsize=FIGSIZE)
    log = not ok.empty and bool((ok[x_obj.name] > 0).all()) and (
        x_obj.name == "params" or analysis.log_scale(ok[x_obj.name]))
    if ok.empty:
        _empty(ax)
    for i, m in enumerate(analysis.method_order(ok["method"])):
        rows = ok[ok["method"] == m]
        color = method_color(m, i)
        ax.scatter(rows[x_obj.name], rows[y_obj.name], s=14, alpha=0.3, color=color,
                   marker=METHOD_MARKERS.get(m, "o"), lw=0, zorder=2)
        front = rows[analysis.front_mask(rows, (y_obj, x_obj))]
        n_runs = rows["run"].nunique() if "run" in rows else 1
        runs = f", {n_runs} runs pooled" if n_runs > 1 else ""
        worst_x = ok[x_obj.name].max() if x_obj.lower_is_better else ok[x_obj.name].min()
        _staircase(ax, front[x_obj.name].to_numpy(float), front[y_obj.name].to_numpy(float),
                   x_obj, float(worst_x), color,
                   f"{m}: {len(front)} on the front of {len(rows)}{runs}")
    if log:
        ax.set_xscale("log")
    if not ok.empty:
        _scatter_legend_outside(ax, "method: front of clean evaluations")
    more = f" (first two of {len(objs)} objectives)" if len(objs) > 2 else ""
    ax.set_xlabel(_objective_label(x_obj, log))
    ax.set_ylabel(_objective_label(y_obj, False))
    ax.set_title(f"Pareto front: {y_obj.name} vs {x_obj.name}{more}; faint: every clean "
                 "evaluation", fontsize=10)
    ax.grid(alpha=0.3)
    ax.grid(alpha=0.12, which="minor")
    return _save(fig, path)


def plot_all(frame: pd.DataFrame, out: str | os.PathLike,
             metric: Metric | None = None) -> dict[str, Path]:
    """Draw every plot into folder ``out``; returns {plot name: PNG path}. The gene plot
    (name ``gene``, file ``score_vs_<gene>.png``) is left out when no numeric gene varied, the
    parameter-count plot when no row has one (a black box's).
    With several objectives the best-so-far plot follows the hypervolume (common reference),
    the others the first objective, and the Pareto plot is added."""
    out = Path(out)
    if analysis.is_multi(frame):
        hv = analysis.hypervolume_metric(frame)
        curves = best_so_far(analysis.with_hypervolume(frame), out / FILES["best_so_far"], hv)
        metric = analysis.metric_of(frame)
    else:
        metric = metric or analysis.metric_of(frame)
        curves = best_so_far(frame, out / FILES["best_so_far"], metric)
    paths = {
        "best_so_far": curves,
        "distribution": distribution(frame, out / FILES["distribution"], metric),
    }
    x, colour = gene_axes(frame, metric)
    if x is not None:
        paths["gene"] = score_vs_gene(frame, out / gene_file(x), x, colour, metric)
    if "params" in frame and frame["params"].notna().any():  # a black box has no size
        paths["params"] = score_vs_params(frame, out / FILES["params"], metric)
    if analysis.is_multi(frame):
        paths["pareto"] = pareto(frame, out / FILES["pareto"])
    return paths
