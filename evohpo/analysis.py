"""Pandas summaries over result CSVs: load runs, best-so-far curves, the method comparison and
which hyperparameters matter. No TensorFlow: analysing results never starts a training stack.

A *run* is one campaign folder (one ``results.csv``, usually with a ``best.json`` beside it).
Everything here reads the metric the way users do: validation accuracy (higher is better), or
validation loss (lower is better) for regression tasks, chosen once per frame by
:func:`metric_of` and used consistently by every table and plot.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import results as results_mod
from .errors import EvohpoError

PathLike = str | os.PathLike
METHOD_ORDER = ("ga", "random", "grid")  # the comparison first, other methods after
TARGET_SHARE = 0.99  # "evaluations to reach 99% of the best accuracy any method found"
NUMERIC_GENES = ("learning_rate", "batch_size", "params")  # plus units_1..units_L
LOG_GENES = ("learning_rate", "params")  # sampled / spread over decades: correlate on log10


@dataclass(frozen=True)
class Metric:
    """The score users read: its column, its direction, and the matching test column."""

    column: str
    lower_is_better: bool

    @property
    def test_column(self) -> str:
        """The merged best.json column holding the selected model's test score."""
        return "best_test_loss" if self.lower_is_better else "best_test_accuracy"

    @property
    def test_name(self) -> str:
        return "test_loss" if self.lower_is_better else "test_accuracy"

    @property
    def direction(self) -> str:
        return "lower is better" if self.lower_is_better else "higher is better"

    @property
    def label(self) -> str:
        return f"{self.column} ({self.direction})"

    @property
    def value_format(self) -> str:
        """Accuracies to 4 decimals; losses (any magnitude) to 4 significant digits."""
        return ".4g" if self.lower_is_better else ".4f"

    @property
    def axis_label(self) -> str:
        what = "validation loss" if self.lower_is_better else "validation accuracy"
        return f"{what} ({self.direction})"

    def best(self, values: Iterable[float]) -> float:
        """The best finite value, NaN if there is none."""
        arr = np.asarray([v for v in values if v is not None], dtype=float)
        arr = arr[np.isfinite(arr)]
        if arr.size == 0:
            return math.nan
        return float(arr.min() if self.lower_is_better else arr.max())

    def target(self, best: float) -> float:
        """Within 1% of ``best``: 99% of the best accuracy, or 1% above the best loss."""
        slack = (1 - TARGET_SHARE) * abs(best)
        return best + slack if self.lower_is_better else best - slack

    def reached(self, value: float, target: float) -> bool:
        return value <= target if self.lower_is_better else value >= target


ACCURACY = Metric("val_accuracy", lower_is_better=False)
LOSS = Metric("val_loss", lower_is_better=True)


# --------------------------------------------------------------------------- loading


def find_csvs(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """Result CSVs named by ``paths``: files as given, folders searched for ``results.csv``.

    Raises EvohpoError for a path that does not exist or a folder without any results.csv, so
    a typo never turns into an empty report.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise EvohpoError(f"{p} does not exist; pass a results.csv or a folder holding some")
        if p.is_dir():
            csvs = sorted(p.rglob(results_mod.CSV_NAME))
            if not csvs:
                raise EvohpoError(
                    f"no {results_mod.CSV_NAME} found under {p}; pass a campaign's output "
                    "folder or its results.csv"
                )
        else:
            csvs = [p]
        for csv_path in csvs:
            key = csv_path.resolve()
            if key not in seen:  # a folder and a file inside it given together: count it once
                seen.add(key)
                found.append(csv_path)
    if not found:
        raise EvohpoError("no result paths given; pass results.csv files or folders")
    return found


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvohpoError(f"{path} is not readable JSON ({exc}); delete or repair it") from None
    if not isinstance(data, dict):
        raise EvohpoError(f"{path} does not hold a JSON object; delete or repair it")
    return data


def _run_info(folder: Path) -> dict:
    """Per-run facts written beside the CSV: best.json (selected model) and grid.json."""
    info: dict = {}
    best_path = folder / results_mod.BEST_NAME
    if best_path.is_file():
        data = _read_json(best_path)
        best = data.get("best") or {}
        info.update(
            task=data.get("task"), kind=data.get("kind"), run_seconds=data.get("seconds"),
            best_eval_id=best.get("eval_id"), best_test_accuracy=best.get("test_accuracy"),
            best_test_loss=best.get("test_loss"),
        )
    grid_path = folder / results_mod.GRID_NAME
    if grid_path.is_file():
        info["grid_size"] = _read_json(grid_path).get("grid_size")
    return info


RUN_COLUMNS = ("task", "kind", "run_seconds", "best_eval_id", "best_test_accuracy",
               "best_test_loss", "grid_size")


def load(paths: PathLike | Iterable[PathLike]) -> pd.DataFrame:
    """One DataFrame of every evaluation in ``paths`` (files, or folders searched recursively).

    Adds a ``run`` column (the run's folder) and the run-level facts of its ``best.json`` and
    ``grid.json`` when present (``task``, ``kind``, ``run_seconds``, ``best_eval_id``,
    ``best_test_accuracy``, ``best_test_loss``, ``grid_size``), repeated on each of its rows.
    """
    csvs = find_csvs(paths)
    frames = []
    for csv_path in csvs:
        try:
            frame = results_mod.read(csv_path)
        except UnicodeDecodeError:
            raise EvohpoError(
                f"{csv_path} is not a text CSV, so not an evohpo results file; pass the "
                "results.csv a campaign wrote"
            ) from None
        frame = frame.sort_values("eval_id", kind="stable").reset_index(drop=True)
        frame.insert(0, "run", str(csv_path.parent))
        info = _run_info(csv_path.parent)
        for col in RUN_COLUMNS:
            frame[col] = info.get(col)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True, sort=False)
    if frame.empty:
        raise EvohpoError(
            f"the results in {', '.join(str(p) for p in csvs)} hold no evaluations yet"
        )
    for col in ("run_seconds", "best_eval_id", "best_test_accuracy", "best_test_loss",
                "grid_size"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def metric_of(frame: pd.DataFrame) -> Metric:
    """val_loss for regression results, val_accuracy otherwise; refuses to mix the two."""
    kinds = set(frame["kind"].dropna()) if "kind" in frame else set()
    if "regression" in kinds and len(kinds) > 1:
        raise EvohpoError(
            "the results mix regression and classification runs; report them separately"
        )
    if kinds:
        return LOSS if kinds == {"regression"} else ACCURACY
    ok = frame[frame["status"] == "ok"]
    if ok["val_accuracy"].notna().any() or not ok["val_loss"].notna().any():
        return ACCURACY
    return LOSS


def ok_rows(frame: pd.DataFrame, *, unique: bool = False) -> pd.DataFrame:
    """Rows that finished cleanly; ``unique`` also drops cache hits (the same network again)."""
    keep = frame["status"] == "ok"
    if unique and "cached" in frame:
        keep &= ~frame["cached"].astype(bool)
    return frame[keep]


def method_order(methods: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(methods))
    first = [m for m in METHOD_ORDER if m in present]
    return first + sorted(m for m in present if m not in METHOD_ORDER)


# --------------------------------------------------------------------------- curves and runs


def best_so_far(frame: pd.DataFrame, metric: Metric | None = None) -> pd.DataFrame:
    """Per run, the best score after each evaluation (in eval_id order).

    Columns: run, method, seed, evaluations (1, 2, ...), best. Failed evaluations spend budget
    but never improve the curve; ``best`` is NaN until a run's first clean evaluation.
    """
    metric = metric or metric_of(frame)
    parts = []
    for run, rows in frame.groupby("run", sort=False):
        rows = rows.sort_values("eval_id", kind="stable")
        score = rows[metric.column].where(rows["status"] == "ok").astype(float)
        best = (score.cummin() if metric.lower_is_better else score.cummax()).ffill()
        parts.append(pd.DataFrame({
            "run": run, "method": rows["method"].to_numpy(), "seed": rows["seed"].to_numpy(),
            "evaluations": np.arange(1, len(rows) + 1), "best": best.to_numpy(),
        }))
    return pd.concat(parts, ignore_index=True)


def runs(frame: pd.DataFrame, metric: Metric | None = None,
         target: float | None = None) -> pd.DataFrame:
    """One row per run: evaluations, not_ok, best score, the selected model's test score,
    seconds, grid coverage, and (given ``target``) evaluations needed to reach it."""
    metric = metric or metric_of(frame)
    curves = best_so_far(frame, metric)
    records = []
    for run, rows in frame.groupby("run", sort=False):
        first = rows.iloc[0]
        curve = curves[curves["run"] == run]
        to_target = math.nan
        if target is not None and not math.isnan(target):
            hit = curve[curve["best"].map(lambda v: not math.isnan(v)
                                          and metric.reached(v, target))]
            if not hit.empty:
                to_target = float(hit["evaluations"].iloc[0])
        grid_size = first.get("grid_size")
        records.append({
            "run": run, "method": first["method"], "seed": first["seed"],
            "evaluations": len(rows), "not_ok": int((rows["status"] != "ok").sum()),
            "best": metric.best(ok_rows(rows)[metric.column]),
            "test": first.get(metric.test_column, math.nan),
            "seconds": first.get("run_seconds", math.nan),
            "coverage": len(rows) / grid_size if grid_size and grid_size > 0 else math.nan,
            "evals_to_target": to_target,
        })
    out = pd.DataFrame.from_records(records)
    for col in ("best", "test", "seconds", "coverage", "evals_to_target"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


# --------------------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class MannWhitney:
    """A two-sided Mann-Whitney U test of one method's best scores per seed against another's."""

    a: str
    b: str
    n_a: int
    n_b: int
    u: float
    p: float

    def __str__(self) -> str:
        return (f"{self.a} vs {self.b}: U={self.u:g}, p={self.p:.3g} "
                f"(n={self.n_a} vs {self.n_b}, two-sided Mann-Whitney U)")


def mann_whitney(per_run: pd.DataFrame, a: str, b: str) -> MannWhitney:
    """Test ``a`` against ``b`` on each run's best score; NaN when a side has no finished run."""
    from scipy.stats import mannwhitneyu

    xa = per_run.loc[per_run["method"] == a, "best"].dropna().to_numpy(float)
    xb = per_run.loc[per_run["method"] == b, "best"].dropna().to_numpy(float)
    if len(xa) == 0 or len(xb) == 0:
        return MannWhitney(a, b, len(xa), len(xb), math.nan, math.nan)
    res = mannwhitneyu(xa, xb, alternative="two-sided")
    return MannWhitney(a, b, len(xa), len(xb), float(res.statistic), float(res.pvalue))


@dataclass
class Summary:
    """The comparison of methods over seeds, as a table plus what it was measured against."""

    metric: Metric
    overall_best: float
    target: float
    runs: pd.DataFrame
    table: pd.DataFrame
    tests: list[MannWhitney] = field(default_factory=list)
    task: str | None = None
    kind: str | None = None


def _task(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    tasks = sorted(set(frame["task"].dropna())) if "task" in frame else []
    if len(tasks) > 1:
        raise EvohpoError(
            f"the results mix tasks ({', '.join(tasks)}); report each task's results separately"
        )
    kinds = sorted(set(frame["kind"].dropna())) if "kind" in frame else []
    return (tasks[0] if tasks else None), (kinds[0] if len(kinds) == 1 else None)


def _mean_std(values: pd.Series) -> tuple[float, float]:
    values = values.dropna()
    if values.empty:
        return math.nan, math.nan
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else math.nan


def summarize(frame: pd.DataFrame, baseline: str = "ga") -> Summary:
    """Per method over seeds: mean and std of the best validation score, the selected model's
    test score, evaluations to reach 99% of the best any method found, and wall seconds; rows
    that did not finish count in ``not_ok``; ``p_vs_<baseline>`` is a Mann-Whitney U p-value."""
    task, kind = _task(frame)
    metric = metric_of(frame)
    overall = metric.best(ok_rows(frame)[metric.column])
    target = metric.target(overall) if not math.isnan(overall) else math.nan
    per_run = runs(frame, metric, target)
    methods = method_order(per_run["method"])
    tests = [mann_whitney(per_run, baseline, m) for m in methods
             if baseline in methods and m != baseline]
    p_of = {t.b: t.p for t in tests}
    best_col = f"best_{metric.column}"
    test_col = f"selected_{metric.test_name}"
    records = []
    for m in methods:
        r = per_run[per_run["method"] == m]
        best_mean, best_std = _mean_std(r["best"])
        test_mean, test_std = _mean_std(r["test"])
        to_mean, to_std = _mean_std(r["evals_to_target"])
        sec_mean, sec_std = _mean_std(r["seconds"])
        coverage = r["coverage"].dropna()
        records.append({
            "method": m, "metric": metric.column, "runs": len(r),
            "evaluations": int(r["evaluations"].sum()), "not_ok": int(r["not_ok"].sum()),
            f"{best_col}_mean": best_mean, f"{best_col}_std": best_std,
            f"{test_col}_mean": test_mean, f"{test_col}_std": test_std,
            "target": target, "evals_to_target_mean": to_mean, "evals_to_target_std": to_std,
            "reached_target": int(r["evals_to_target"].notna().sum()),
            "seconds_mean": sec_mean, "seconds_std": sec_std,
            "grid_coverage": float(coverage.mean()) if not coverage.empty else math.nan,
            f"p_vs_{baseline}": p_of.get(m, math.nan),
        })
    return Summary(metric, overall, target, per_run, pd.DataFrame.from_records(records),
                   tests, task, kind)


# --------------------------------------------------------------------------- what matters


def categorical_genes(frame: pd.DataFrame) -> list[str]:
    layers = sorted((c for c in frame.columns if c.startswith("activation_")),
                    key=lambda c: int(c.split("_")[1]))
    return ["optimizer", "n_layers", *layers]


def numeric_genes(frame: pd.DataFrame) -> list[str]:
    units = sorted((c for c in frame.columns if c.startswith("units_")),
                   key=lambda c: int(c.split("_")[1]))
    return [NUMERIC_GENES[0], *units, *NUMERIC_GENES[1:]]


def categorical_effects(frame: pd.DataFrame, metric: Metric | None = None) -> pd.DataFrame:
    """Mean score per value of each categorical gene (clean, distinct evaluations, all methods
    pooled), best value first. Columns: gene, value, n, mean, std, best."""
    metric = metric or metric_of(frame)
    rows = ok_rows(frame, unique=True)
    parts = []
    for gene in categorical_genes(frame):
        if gene not in rows or rows[gene].dropna().empty:
            continue
        g = rows.groupby(rows[gene].astype(str), dropna=True)[metric.column]
        stats = g.agg(n="count", mean="mean", std="std",
                      best="min" if metric.lower_is_better else "max").reset_index()
        stats = stats.rename(columns={gene: "value"})
        stats = stats.sort_values("mean", ascending=metric.lower_is_better, kind="stable")
        stats.insert(0, "gene", gene)
        parts.append(stats)
    if not parts:
        return pd.DataFrame(columns=["gene", "value", "n", "mean", "std", "best"])
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].map(_tidy_value)
    return out


def _tidy_value(v: str) -> str:
    """'2.0' -> '2': integer genes come back from CSV as floats when a column has blanks."""
    try:
        f = float(v)
    except ValueError:
        return v
    return str(int(f)) if f.is_integer() else v


def gene_spread(effects: pd.DataFrame, min_n: int = 2) -> pd.DataFrame:
    """How much each categorical gene moves the mean score: best minus worst value mean over
    values seen at least ``min_n`` times, largest first. Columns: gene, n_values, spread."""
    seen = effects[effects["n"] >= min_n]
    records = []
    for gene, g in seen.groupby("gene", sort=False):
        if len(g) >= 2:
            records.append({"gene": gene, "n_values": len(g),
                            "spread": float(g["mean"].max() - g["mean"].min())})
    out = pd.DataFrame.from_records(records, columns=["gene", "n_values", "spread"])
    return out.sort_values("spread", ascending=False, kind="stable").reset_index(drop=True)


def numeric_effects(frame: pd.DataFrame, metric: Metric | None = None) -> pd.DataFrame:
    """Spearman and Pearson correlation of each numeric gene with the score (clean, distinct
    evaluations). Pearson uses log10 for genes spread over decades (``scale`` says which).
    NaN where a gene is constant or seen fewer than 3 times. Columns: gene, scale, n,
    spearman, spearman_p, pearson."""
    from scipy.stats import pearsonr, spearmanr

    metric = metric or metric_of(frame)
    rows = ok_rows(frame, unique=True)
    records = []
    for gene in numeric_genes(frame):
        if gene not in rows:
            continue
        pair = rows[[gene, metric.column]].apply(pd.to_numeric, errors="coerce").dropna()
        log = gene in LOG_GENES or gene.startswith("units_")
        if log:
            pair = pair[pair[gene] > 0]
        x, y = pair[gene].to_numpy(float), pair[metric.column].to_numpy(float)
        rec = {"gene": gene, "scale": "log10" if log else "linear", "n": len(x),
               "spearman": math.nan, "spearman_p": math.nan, "pearson": math.nan}
        if len(x) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
            rho = spearmanr(x, y)
            rec.update(spearman=float(rho.statistic), spearman_p=float(rho.pvalue),
                       pearson=float(pearsonr(np.log10(x) if log else x, y).statistic))
        records.append(rec)
    return pd.DataFrame.from_records(
        records, columns=["gene", "scale", "n", "spearman", "spearman_p", "pearson"])


# --------------------------------------------------------------------------- text tables


def _num(v: float, fmt: str) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def _pm(mean: float, std: float, fmt: str) -> str:
    if math.isnan(mean):
        return "-"
    return format(mean, fmt) if math.isnan(std) else f"{mean:{fmt}} ± {std:{fmt}}"


def summary_rows(summary: Summary, baseline: str = "ga") -> tuple[list[str], list[list[str]]]:
    """Header and cells of the comparison table, as both the terminal and report.md show it."""
    m = summary.metric
    vf = m.value_format
    best_col, test_col = f"best_{m.column}", f"selected_{m.test_name}"
    header = [
        "method", "runs", f"best {m.column}", f"{m.test_name} (selected model)",
        f"evals to {_num(summary.target, vf)}", "seconds", "not ok", "grid coverage",
        f"p vs {baseline}",
    ]
    cells = []
    for rec in summary.table.to_dict("records"):
        reached, n = rec["reached_target"], rec["runs"]
        to = _pm(rec["evals_to_target_mean"], rec["evals_to_target_std"], ".1f")
        cells.append([
            rec["method"], str(n),
            _pm(rec[f"{best_col}_mean"], rec[f"{best_col}_std"], vf),
            _pm(rec[f"{test_col}_mean"], rec[f"{test_col}_std"], vf),
            to if reached == n else f"{to} ({reached}/{n} runs)",
            _pm(rec["seconds_mean"], rec["seconds_std"], ".1f"),
            f"{rec['not_ok']}/{rec['evaluations']}",
            "-" if math.isnan(rec["grid_coverage"]) else f"{rec['grid_coverage']:.2%}",
            _num(rec[f"p_vs_{baseline}"], ".3g"),
        ])
    return header, cells


def format_table(header: list[str], cells: list[list[str]], *, markdown: bool = False) -> str:
    """Aligned plain text for the terminal, or a GitHub markdown table."""
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max(len(str(r[i])) for r in [header, *cells]) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()
                     for row in [header, *cells])


def describe_summary(summary: Summary, baseline: str = "ga", *, markdown: bool = False) -> str:
    """The comparison table with a header line naming the metric and a line per U test."""
    m = summary.metric
    task = ""
    if summary.task:
        task = f"task {summary.task}" + (f" ({summary.kind})" if summary.kind else "") + ", "
    head = (f"{task}metric: {m.label}; mean ± std over seeds; evals to = evaluations until a run "
            f"is within 1% of the best {m.column} any method found "
            f"({_num(summary.overall_best, m.value_format)})")
    header, cells = summary_rows(summary, baseline)
    lines = [head, "", format_table(header, cells, markdown=markdown)]
    if summary.tests:
        lines.append("")
        bullet = "- " if markdown else ""
        lines += [f"{bullet}{t} on best {m.column} per seed" for t in summary.tests]
    return "\n".join(lines)


def effects_tables(frame: pd.DataFrame, metric: Metric | None = None, *,
                   markdown: bool = False) -> str:
    """The hyperparameter-importance tables (spread per gene, mean per value, correlations)."""
    metric = metric or metric_of(frame)
    cat = categorical_effects(frame, metric)
    spread = gene_spread(cat)
    num = numeric_effects(frame, metric)
    out = [f"Spread of mean {metric.column} between a gene's values (values seen >= 2 times):",
           ""]
    out.append(format_table(["gene", "values", "spread"],
                            [[r.gene, str(r.n_values), format(r.spread, metric.value_format)]
                             for r in spread.itertuples()], markdown=markdown)
               if not spread.empty else "(too few evaluations per value)")
    out += ["", f"Mean {metric.column} per value ({metric.direction}; clean distinct evaluations, "
            "all methods pooled):", ""]
    out.append(format_table(["gene", "value", "n", "mean", "std", "best"],
                            [[r.gene, r.value, str(r.n), _num(r.mean, metric.value_format),
                              _num(r.std, metric.value_format), _num(r.best, metric.value_format)]
                             for r in cat.itertuples()],
                            markdown=markdown))
    out += ["", f"Correlation of numeric genes with {metric.column} (Pearson on the given scale):",
            ""]
    out.append(format_table(["gene", "scale", "n", "spearman", "p", "pearson"],
                            [[r.gene, r.scale, str(r.n), _num(r.spearman, "+.3f"),
                              _num(r.spearman_p, ".3g"), _num(r.pearson, "+.3f")]
                             for r in num.itertuples()], markdown=markdown))
    return "\n".join(out)
