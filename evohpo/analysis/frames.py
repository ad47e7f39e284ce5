"""Result CSVs -> one pandas frame, and what its columns mean: the metric and the genes.

A *run* is one campaign folder (one ``results.csv``, usually with a ``best.json`` beside it).
The metric is the campaign's own objective (the CSV's ``objective`` column, ``name:direction``),
so every table and plot reads ``val_auc`` (higher is better) or ``val_loss`` (lower is better)
the way the search optimised it. Genes are found from the columns, not from a known space, so
results of any search space (MLP preset or a user's own) can be analysed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from .. import objectives
from .. import results as results_mod
from ..errors import EvohpoError
from ..objectives import Objective
from ..strategies import registry

PathLike = str | os.PathLike
METHOD_ORDER = registry.ORDER  # a search first, its baselines after
TARGET_SHARE = 0.99  # "evaluations to reach 99% of the best score any method found"
TEST_PREFIX = "best_test_"  # best.json's test scores, merged as best_test_<metric>
# Run-level facts merged from best.json / grid.json, repeated on every row of the run.
RUN_COLUMNS = ("task", "kind", "metrics", "run_seconds", "best_eval_id", "best_test_accuracy",
               "best_test_loss", "grid_size")
ADDED_COLUMNS = ("run", *RUN_COLUMNS)  # what load adds to the CSV's own columns
KNOWN_COLUMNS = frozenset((*results_mod.LEAD_COLUMNS, *results_mod.SCORE_COLUMNS,
                           *results_mod.TAIL_COLUMNS, *ADDED_COLUMNS, results_mod.PARETO_COLUMN))
LOG_DECADES = 1.5  # positive numbers spread wider than this are read on a log10 scale


@dataclass(frozen=True)
class Metric:
    """The score users read: its column, its direction, and the matching test column."""

    column: str
    lower_is_better: bool
    test_of: str | None = None  # the metric whose test score the selected model reports

    @property
    def spec(self) -> str:
        """``name:direction``, as the CSV's objective column writes it."""
        return f"{self.column}:{'min' if self.lower_is_better else 'max'}"

    @property
    def test_name(self) -> str:
        """``val_auc`` -> ``test_auc``: the same metric on the test split."""
        return "test_" + (self.test_of or self.column).removeprefix("val_")

    @property
    def test_column(self) -> str:
        """The merged best.json column holding the selected model's test score."""
        return "best_" + self.test_name

    @property
    def direction(self) -> str:
        return "lower is better" if self.lower_is_better else "higher is better"

    @property
    def label(self) -> str:
        return f"{self.column} ({self.direction})"

    @property
    def axis_label(self) -> str:
        """The metric's own name, so a plot of ``val_auc`` never says accuracy."""
        return self.label

    @property
    def value_format(self) -> str:
        """Scores to maximise (accuracy, AUC) to 4 decimals; losses (any magnitude) to 4
        significant digits; a hypervolume (any magnitude, small differences) to 6."""
        if self.column == HYPERVOLUME:
            return ".6g"
        return ".4g" if self.lower_is_better else ".4f"

    def best(self, values: Iterable[float]) -> float:
        """The best finite value, NaN if there is none."""
        arr = np.asarray([v for v in values if v is not None], dtype=float)
        arr = arr[np.isfinite(arr)]
        if arr.size == 0:
            return math.nan
        return float(arr.min() if self.lower_is_better else arr.max())

    def target(self, best: float) -> float:
        """Within 1% of ``best``: 99% of the best score to maximise, 1% above the best loss."""
        slack = (1 - TARGET_SHARE) * abs(best)
        return best + slack if self.lower_is_better else best - slack

    def reached(self, value: float, target: float) -> bool:
        return value <= target if self.lower_is_better else value >= target


HYPERVOLUME = "hypervolume"  # the metric a comparison of several objectives ranks by
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
            csvs = sorted(c for c in p.rglob(results_mod.CSV_NAME) if c.is_file())
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
    try:  # utf-8-sig: an editor that saved the file again may have put a BOM first
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvohpoError(f"{path} is not readable JSON ({exc}); delete or repair it") from None
    if not isinstance(data, dict):
        raise EvohpoError(f"{path} does not hold a JSON object; delete or repair it")
    return data


def _run_info(folder: Path) -> dict:
    """Per-run facts written beside the CSV: best.json (selected model) and grid.json.

    Every test score of the selected model becomes ``best_test_<metric>`` (``best.test``
    holds ``test_accuracy``, ``test_auc``, ...), so any objective finds its test column.
    """
    info: dict = {}
    best_path = folder / results_mod.BEST_NAME
    if best_path.is_file():
        data = _read_json(best_path)
        best = _object(data.get("best"), best_path, "best")
        metrics = data.get("metrics")  # the CSV's score columns (a black box's own)
        info.update(task=data.get("task"), kind=data.get("kind"),
                    metrics=",".join(map(str, metrics)) if isinstance(metrics, list) else None,
                    run_seconds=data.get("seconds"), best_eval_id=best.get("eval_id"))
        tests = dict(_object(best.get("test"), best_path, "best.test"))
        for name in ("test_accuracy", "test_loss"):  # best.json's flat copies
            if tests.get(name) is None and best.get(name) is not None:
                tests[name] = best[name]
        for name, value in tests.items():
            info[TEST_PREFIX + str(name).removeprefix("test_")] = value
    grid_path = folder / results_mod.GRID_NAME
    if grid_path.is_file():
        info["grid_size"] = _read_json(grid_path).get("grid_size")
    return info


def _object(value: object, path: Path, key: str) -> dict:
    """A JSON object evohpo wrote (or null), or one line naming the key a hand edit broke."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EvohpoError(f"{path}: {key} is {value!r}, not the JSON object evohpo wrote; "
                          "restore it, or delete best.json to report without test scores")
    return value


def _read_csv(csv_path: Path) -> pd.DataFrame:
    try:
        frame = results_mod.read(csv_path, check_cells=True)  # a hand edit: one line
    except UnicodeDecodeError:
        raise EvohpoError(
            f"{csv_path} is not a text CSV, so not an evohpo results file; pass the "
            "results.csv a campaign wrote"
        ) from None
    clash = [c for c in frame.columns if c in ADDED_COLUMNS or c.startswith(TEST_PREFIX)]
    if clash:
        raise EvohpoError(
            f"{csv_path} has a column {clash[0]!r}, a name analysis gives to run facts; "
            "rename that gene and run again"
        )
    if "cached" in frame:  # results.read leaves it as text 'true' / 'false'
        frame["cached"] = frame["cached"].map(_truthy).astype(bool)
    return frame.sort_values("eval_id", kind="stable").reset_index(drop=True)


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value) and not (isinstance(value, float) and math.isnan(value))


def load(paths: PathLike | Iterable[PathLike]) -> pd.DataFrame:
    """One DataFrame of every evaluation in ``paths`` (files, or folders searched recursively).

    Adds a ``run`` column (the run's folder) and the run-level facts of its ``best.json`` and
    ``grid.json`` when present (``task``, ``kind``, ``metrics``: the CSV's score columns,
    comma separated, ``run_seconds``, ``best_eval_id``,
    ``best_test_<metric>`` for each test score, ``grid_size``), repeated on each of its rows.
    Columns keep the CSV's order (the genes of runs with different spaces side by side, before
    ``params``), run facts last.
    """
    csvs = find_csvs(paths)
    frames = []
    for csv_path in csvs:
        frame = _read_csv(csv_path)
        frame.insert(0, "run", str(csv_path.parent))
        info = _run_info(csv_path.parent)
        for col in (*RUN_COLUMNS, *info):
            frame[col] = info.get(col)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True, sort=False)
    if frame.empty:
        raise EvohpoError(
            f"the results in {', '.join(str(p) for p in csvs)} hold no evaluations yet"
        )
    added = [c for c in frame.columns if c in RUN_COLUMNS or c.startswith(TEST_PREFIX)]
    tail = [c for c in results_mod.TAIL_COLUMNS if c in frame]
    frame = frame[[c for c in frame.columns if c not in added and c not in tail] + tail + added]
    for col in added:
        if col not in ("task", "kind", "metrics"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


# --------------------------------------------------------------------------- the metric


def _objectives(spec: str) -> tuple[Objective, ...]:
    """``val_accuracy:max`` or ``val_accuracy:max,params:min`` -> its objectives."""
    try:
        return objectives.resolve_many(str(spec), "multiclass")
    except EvohpoError:
        raise EvohpoError(f"objective column holds {spec!r}, not name:max or name:min (comma "
                          "separated); pass the results.csv a campaign wrote") from None


def objectives_of(frame: pd.DataFrame) -> list[str]:
    """The distinct ``name:direction`` specs in the frame's objective column, sorted."""
    if "objective" not in frame:
        return []
    return sorted(set(frame["objective"].dropna().astype(str)))


def objectives_in(frame: pd.DataFrame) -> tuple[Objective, ...]:
    """The campaigns' objectives (one, or several for a Pareto search); refuses a frame that
    mixes objectives, whose scores could not be ranked against each other."""
    specs = objectives_of(frame)
    if len(specs) > 1:
        raise EvohpoError(f"the results mix objectives ({'; '.join(specs)}); report the runs "
                          "of each objective separately")
    if specs:
        return _objectives(specs[0])
    # a frame without an objective column (built by hand): the task kind's default
    kinds = set(frame["kind"].dropna()) if "kind" in frame else set()
    return (objectives.default("regression" if kinds == {"regression"} else "multiclass"),)


def metric_of(frame: pd.DataFrame) -> Metric:
    """The campaigns' objective (``val_auc:max`` -> val_auc, higher is better); with several,
    the first (the one each network's tables and gene plots read); see :func:`objectives_in`."""
    obj = objectives_in(frame)[0]
    metric = Metric(obj.name, obj.lower_is_better)
    if metric.column not in frame:
        raise EvohpoError(f"the results have no {metric.column} column for their objective "
                          f"{metric.spec}; pass the results.csv a campaign wrote")
    return metric


def ok_rows(frame: pd.DataFrame, *, unique: bool = False) -> pd.DataFrame:
    """Rows that finished cleanly; ``unique`` also drops cache hits (the same network again)."""
    keep = frame["status"] == "ok"
    if unique and "cached" in frame:
        keep &= ~frame["cached"].map(_truthy).astype(bool)
    return frame[keep]


def method_order(methods: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(methods))
    first = [m for m in METHOD_ORDER if m in present]
    return first + sorted(m for m in present if m not in METHOD_ORDER)


# --------------------------------------------------------------------------- genes


def gene_columns(frame: pd.DataFrame) -> list[str]:
    """Every column that is a gene (``n_layers``, ``layers_1_units``, ``dropout``, ...), in
    column order: whatever is not a run, score (or its spread over cross-validation folds),
    objective-metric or bookkeeping column (a black box's own scores are named by its
    best.json, the ``metrics`` run fact)."""
    known = set(KNOWN_COLUMNS)
    for spec in objectives_of(frame):
        known.update(results_mod.metric_columns(_objectives(spec)))
        known.update(results_mod.spread_columns(_objectives(spec)))  # cross-validation
    if "metrics" in frame:
        known.update(m for listed in frame["metrics"].dropna().unique()
                     for m in str(listed).split(","))
    return [c for c in frame.columns if c not in known and not str(c).startswith(TEST_PREFIX)]


def is_numeric(series: pd.Series) -> bool:
    """Numbers (ints, floats; NaN where dormant), not bools or text."""
    return is_numeric_dtype(series) and not is_bool_dtype(series)


def numeric_genes(frame: pd.DataFrame) -> list[str]:
    """Gene columns holding numbers (learning_rate, layers_1_units, n_layers, dropout, ...)."""
    return [c for c in gene_columns(frame) if is_numeric(frame[c])]


def categorical_genes(frame: pd.DataFrame) -> list[str]:
    """Gene columns holding text or bools (optimizer, layers_1_activation, batch_norm, ...)."""
    return [c for c in gene_columns(frame) if not is_numeric(frame[c])]


def log_scale(values: pd.Series | np.ndarray) -> bool:
    """True for positive numbers spread over decades the way log-sampled genes are (learning
    rates, widths, parameter counts): their effect is read per factor, not per unit.

    Spanning more than 1.5 decades is not enough on its own: ``Float(0, 0.5)`` samples 0.002
    now and then, yet its values are even on a linear scale. So the values must also be more
    symmetric (less skewed) on a log scale than on a linear one.
    """
    arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    if arr.size < 2 or arr.min() <= 0 or np.log10(arr.max() / arr.min()) <= LOG_DECADES:
        return False
    if arr.size < 3:
        return True
    return bool(abs(pd.Series(np.log10(arr)).skew()) <= abs(pd.Series(arr).skew()))
