"""Which hyperparameters matter: the mean score per value of a gene, the spread between a
gene's values, and the correlation of numeric genes with the score.

Genes are found from the columns (:func:`~evohpo.analysis.frames.gene_columns`), so the tables
work for any search space. Each gene is judged only where it was active: a dormant gene (a
conditional ``momentum`` when the optimizer is not sgd, the third block of a two-block
network) is NaN there and left out for that gene alone. Only clean, distinct evaluations count
(cache hits would weigh a network twice), all methods pooled.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .frames import Metric, gene_columns, is_numeric, log_scale, metric_of, numeric_genes, ok_rows

LEVELS_MAX = 10  # numeric genes with at most this many repeated values are also read per value
EFFECT_COLUMNS = ["gene", "value", "n", "mean", "std", "best"]
NUMERIC_COLUMNS = ["gene", "scale", "n", "spearman", "spearman_p", "pearson"]


def has_levels(values: pd.Series) -> bool:
    """Numbers that repeat like the values of a choice (n_layers 1-4, filters 16/32, a grid's
    levels): 2 to 10 distinct values, each seen at least twice on average."""
    values = values.dropna()
    n = values.nunique()
    return 2 <= n <= LEVELS_MAX and len(values) >= 2 * n


def _label(value: object) -> str:
    """A gene value as a table cell: 2.0 -> '2' (integer genes come back as floats when a
    column has blanks), 0.001 -> '0.001', text as is."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | float | np.integer | np.floating):
        f = float(value)
        return str(int(f)) if f.is_integer() else format(f, "g")
    return str(value)


def categorical_effects(frame: pd.DataFrame, metric: Metric | None = None) -> pd.DataFrame:
    """Mean score per value of each text, bool or few-valued numeric gene, best value first.
    Columns: gene, value, n, mean, std, best."""
    metric = metric or metric_of(frame)
    rows = ok_rows(frame, unique=True)
    parts = []
    for gene in gene_columns(frame):
        values = rows[gene].dropna()
        if values.empty or (is_numeric(frame[gene]) and not has_levels(values)):
            continue
        score = pd.to_numeric(rows.loc[values.index, metric.column], errors="coerce")
        stats = score.groupby(values.map(_label)).agg(
            n="count", mean="mean", std="std", best="min" if metric.lower_is_better else "max")
        stats = stats.rename_axis("value").reset_index()
        stats = stats.sort_values("mean", ascending=metric.lower_is_better, kind="stable")
        stats.insert(0, "gene", gene)
        parts.append(stats)
    if not parts:
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[EFFECT_COLUMNS]


def gene_spread(effects: pd.DataFrame, min_n: int = 2) -> pd.DataFrame:
    """How much each gene moves the mean score: best minus worst value mean over values seen
    at least ``min_n`` times, largest first. Columns: gene, n_values, spread."""
    seen = effects[effects["n"] >= min_n]
    records = []
    for gene, g in seen.groupby("gene", sort=False):
        if len(g) >= 2:
            records.append({"gene": gene, "n_values": len(g),
                            "spread": float(g["mean"].max() - g["mean"].min())})
    out = pd.DataFrame.from_records(records, columns=["gene", "n_values", "spread"])
    return out.sort_values("spread", ascending=False, kind="stable").reset_index(drop=True)


def numeric_effects(frame: pd.DataFrame, metric: Metric | None = None) -> pd.DataFrame:
    """Spearman and Pearson correlation of each numeric gene (and the parameter count) with
    the score. Pearson uses log10 for positive values spread over more than 1.5 decades
    (``scale`` says which). NaN where a gene is constant or active fewer than 3 times; genes
    never active in these results are left out. Columns: gene, scale, n, spearman,
    spearman_p, pearson."""
    from scipy.stats import pearsonr, spearmanr

    metric = metric or metric_of(frame)
    rows = ok_rows(frame, unique=True)
    columns = numeric_genes(frame)
    if "params" in frame and metric.column != "params":
        columns.append("params")
    records = []
    for gene in columns:
        if frame[gene].isna().all():
            continue
        pair = rows[[gene, metric.column]].apply(pd.to_numeric, errors="coerce").dropna()
        x, y = pair[gene].to_numpy(float), pair[metric.column].to_numpy(float)
        log = log_scale(x)
        rec = {"gene": gene, "scale": "log10" if log else "linear", "n": len(x),
               "spearman": math.nan, "spearman_p": math.nan, "pearson": math.nan}
        if len(x) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
            rho = spearmanr(x, y)
            rec.update(spearman=float(rho.statistic), spearman_p=float(rho.pvalue),
                       pearson=float(pearsonr(np.log10(x) if log else x, y).statistic))
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=NUMERIC_COLUMNS)
