"""Pandas summaries over result CSVs. No TensorFlow: analysing results never starts a
training stack.

One layer per module, each using only the ones above it:

- ``frames``: result CSVs (and best.json / grid.json beside them) -> one DataFrame; the metric
  (the campaigns' objective, e.g. ``val_auc``, higher is better) and the gene columns of any
  search space.
- ``summary``: best-so-far curves, one row per run, the method comparison over seeds.
- ``effects``: which hyperparameters matter (mean per value, spread, correlations).
- ``text``: those tables as terminal text or markdown.

Everything is importable from here: ``analysis.load(folder)``, ``analysis.summarize(frame)``.
"""

from __future__ import annotations

from .effects import categorical_effects, gene_spread, has_levels, numeric_effects
from .frames import (
    ACCURACY,
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
    objectives_of,
    ok_rows,
)
from .summary import MannWhitney, Summary, best_so_far, mann_whitney, runs, summarize
from .text import describe_summary, effects_tables, format_table, summary_rows

__all__ = [
    "ACCURACY", "LOSS", "METHOD_ORDER", "RUN_COLUMNS", "TARGET_SHARE", "MannWhitney", "Metric",
    "Summary", "best_so_far", "categorical_effects", "categorical_genes", "describe_summary",
    "effects_tables", "find_csvs", "format_table", "gene_columns", "gene_spread", "has_levels",
    "is_numeric", "load", "log_scale", "mann_whitney", "method_order", "metric_of",
    "numeric_effects", "numeric_genes", "objectives_of", "ok_rows", "runs", "summarize",
    "summary_rows",
]
