"""Pandas summaries over result CSVs. No TensorFlow: analysing results never starts a
training stack.

One layer per module, each using only the ones above it:

- ``frames``: result CSVs (and best.json / grid.json beside them) -> one DataFrame; the metric
  (the campaigns' objective, e.g. ``val_auc``, higher is better) and the gene columns of any
  search space.
- ``fronts``: with several objectives, Pareto fronts and hypervolumes against one common
  reference point.
- ``summary``: best-so-far curves, one row per run, the method comparison over seeds (by
  hypervolume when there are several objectives).
- ``effects``: which hyperparameters matter (mean per value, spread, correlations).
- ``text``: those tables as terminal text or markdown.

Everything is importable from here: ``analysis.load(folder)``, ``analysis.summarize(frame)``.
"""

from __future__ import annotations

from .effects import categorical_effects, gene_spread, has_levels, numeric_effects
from .frames import (
    ACCURACY,
    HYPERVOLUME,
    LOSS,
    METHOD_ORDER,
    RUN_COLUMNS,
    TARGET_SHARE,
    Metric,
    categorical_genes,
    find_csvs,
    gene_columns,
    is_numeric,
    load,
    log_scale,
    method_order,
    metric_of,
    numeric_genes,
    objectives_in,
    objectives_of,
    ok_rows,
)
from .fronts import (
    common_reference,
    front_mask,
    hypervolume_metric,
    is_multi,
    natural_reference,
    with_hypervolume,
)
from .summary import MannWhitney, Summary, best_so_far, mann_whitney, runs, summarize
from .text import describe_summary, effects_tables, format_table, summary_rows

__all__ = [
    "ACCURACY", "HYPERVOLUME", "LOSS", "METHOD_ORDER", "RUN_COLUMNS", "TARGET_SHARE",
    "MannWhitney", "Metric",
    "Summary", "best_so_far", "categorical_effects", "categorical_genes", "common_reference",
    "describe_summary", "effects_tables", "find_csvs", "format_table", "front_mask",
    "gene_columns", "gene_spread", "has_levels", "hypervolume_metric", "is_multi", "is_numeric",
    "load", "log_scale", "mann_whitney", "method_order", "metric_of", "natural_reference",
    "numeric_effects", "numeric_genes", "objectives_in", "objectives_of", "ok_rows", "runs",
    "summarize", "summary_rows", "with_hypervolume",
]
