"""Pareto fronts and hypervolumes of result frames with several objectives.

A comparison ranks runs by their final hypervolume, and a hypervolume only compares with
another measured against the same reference point. So here, unlike in a single campaign (whose
reference comes from its own first generation), every run of a frame is measured against ONE
common reference: the worst value of each objective over all runs' clean evaluations, widened
by 10% of its range (:func:`evohpo.pareto.reference_point`). Adding a run to a comparison can
move that point, so the numbers of a report are comparable within it, not across reports.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import pareto
from ..objectives import Objective
from .frames import HYPERVOLUME, Metric, _truthy, objectives_in, ok_rows


def is_multi(frame: pd.DataFrame) -> bool:
    """True for results of a campaign with several objectives."""
    return len(objectives_in(frame)) > 1


def hypervolume_metric(frame: pd.DataFrame) -> Metric:
    """The hypervolume as the metric a comparison ranks by; the selected model (each run's knee)
    reports the first objective's test score."""
    return Metric(HYPERVOLUME, lower_is_better=False, test_of=objectives_in(frame)[0].name)


def vectors(rows: pd.DataFrame, objs: Sequence[Objective]) -> np.ndarray:
    """The minimised objective vectors of ``rows`` (one row each; NaN where a value is missing)."""
    columns = [np.array([np.nan if np.isnan(v) else o.minimised(v) for v in
                         pd.to_numeric(rows[o.name], errors="coerce").to_numpy(float)])
               for o in objs]
    return np.column_stack(columns) if columns else np.empty((len(rows), 0))


def front_mask(rows: pd.DataFrame, objs: Sequence[Objective] | None = None) -> pd.Series:
    """True on the rows no other row of ``rows`` dominates, among clean, trained (not cached)
    rows: the same rule as a campaign's ``pareto`` column, here over whatever rows are given
    (one run, or one method's runs pooled)."""
    objs = objs or objectives_in(rows)
    keep = rows["status"] == "ok"
    if "cached" in rows:
        keep &= ~rows["cached"].map(_truthy).astype(bool)
    candidates = rows[keep]
    points = [tuple(p) for p in vectors(candidates, objs)]
    finite = [i for i, p in enumerate(points) if np.all(np.isfinite(p))]
    kept = pareto.non_dominated([points[i] for i in finite])
    mask = pd.Series(False, index=rows.index)
    mask[candidates.index[[finite[i] for i in kept]]] = True
    return mask


def common_reference(frame: pd.DataFrame) -> tuple[float, ...] | None:
    """The minimised reference point shared by every run of ``frame`` (see the module
    docstring); None when no evaluation finished cleanly."""
    points = vectors(ok_rows(frame), objectives_in(frame))
    points = points[np.all(np.isfinite(points), axis=1)]
    if len(points) == 0:
        return None
    return pareto.reference_point([tuple(p) for p in points])


def with_hypervolume(frame: pd.DataFrame,
                     reference: Sequence[float] | None = None) -> pd.DataFrame:
    """``frame`` with a ``hypervolume`` column: per run, in eval_id order, the hypervolume of
    its clean evaluations so far against ``reference`` (default :func:`common_reference`).
    Rows before a run's first clean evaluation hold 0."""
    objs = objectives_in(frame)
    ref = tuple(reference) if reference is not None else common_reference(frame)
    out = frame.copy()
    out[HYPERVOLUME] = 0.0
    if ref is None:
        return out
    points = vectors(frame, objs)
    clean = (frame["status"] == "ok").to_numpy() & np.all(np.isfinite(points), axis=1)
    volumes = np.zeros(len(frame))
    for _, rows in frame.groupby("run", sort=False):
        front: list[tuple[float, ...]] = []
        volume = 0.0
        for i in frame.index.get_indexer(rows.sort_values("eval_id", kind="stable").index):
            if clean[i]:
                candidates = [*front, tuple(points[i])]
                front = [candidates[k] for k in pareto.non_dominated(candidates)]
                volume = pareto.hypervolume(front, ref)
            volumes[i] = volume
    out[HYPERVOLUME] = volumes
    return out


def natural_reference(frame: pd.DataFrame, reference: Sequence[float]) -> dict[str, float]:
    """A minimised reference point in the objectives' own units, by objective name."""
    return {o.name: o.natural(r) for o, r in zip(objectives_in(frame), reference)}
