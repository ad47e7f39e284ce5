"""Best-so-far curves, one row per run, and the comparison of methods over seeds.

Every number reads the frame's metric (:func:`~evohpo.analysis.frames.metric_of`) in its own
direction; evaluations that did not finish cleanly spend budget but never score. Results with
several objectives are compared on the hypervolume of each run's clean evaluations, against one
reference point common to every run (:mod:`~evohpo.analysis.fronts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import EvohpoError
from ..strategies import registry
from . import fronts
from .frames import Metric, method_order, metric_of, ok_rows

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
    baseline: str = "ga"  # the method the p-values test the others against
    reference: dict[str, float] | None = None  # the common hypervolume reference, if any
    objective: str = ""  # the campaigns' objective spec(s), e.g. val_accuracy:max,params:min


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


def _baseline(methods: list[str]) -> str:
    """The search the others are tested against: the first of the registry's searches (ga,
    else nsga2), else the first method."""
    fallback = methods[0] if methods else registry.SEARCHES[0]
    return next((m for m in registry.SEARCHES if m in methods), fallback)


def summarize(frame: pd.DataFrame, baseline: str | None = None) -> Summary:
    """Per method over seeds: mean and std of the best validation score, the selected model's
    test score, evaluations to reach 99% of the best any method found, and wall seconds; rows
    that did not finish count in ``not_ok``; ``p_vs_<baseline>`` is a Mann-Whitney U p-value
    (baseline: ga, else nsga2). Columns are named after the metric (``best_val_auc_mean``,
    ``selected_test_auc_mean``). With several objectives the metric is the hypervolume (the
    final one of each run, against the common reference) and the selected model is each run's
    knee, reporting the first objective's test score."""
    task, kind = _task(frame)
    metric, reference = metric_of(frame), None
    objective = ",".join(sorted(set(frame["objective"].dropna().astype(str)))) \
        if "objective" in frame else metric.spec
    if fronts.is_multi(frame):
        ref = fronts.common_reference(frame)
        frame = fronts.with_hypervolume(frame, ref)
        metric = fronts.hypervolume_metric(frame)
        reference = None if ref is None else fronts.natural_reference(frame, ref)
    overall = metric.best(ok_rows(frame)[metric.column])
    target = metric.target(overall) if not math.isnan(overall) else math.nan
    per_run = runs(frame, metric, target)
    methods = method_order(per_run["method"])
    baseline = baseline or _baseline(methods)
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
            "method": m, "objective": objective, "runs": len(r),
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
                   tests, task, kind, baseline, reference, objective)
