"""The analysis as text: the comparison table and the which-hyperparameters-matter tables,
aligned for the terminal or as GitHub markdown for report.md (the same cells either way)."""

from __future__ import annotations

import math

import pandas as pd

from .effects import categorical_effects, gene_spread, numeric_effects
from .frames import Metric, metric_of
from .summary import Summary


def _num(v: float, fmt: str) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def _pm(mean: float, std: float, fmt: str) -> str:
    if math.isnan(mean):
        return "-"
    return format(mean, fmt) if math.isnan(std) else f"{mean:{fmt}} ± {std:{fmt}}"


def summary_rows(summary: Summary,
                 baseline: str | None = None) -> tuple[list[str], list[list[str]]]:
    """Header and cells of the comparison table, as both the terminal and report.md show it."""
    m = summary.metric
    baseline = baseline or summary.baseline
    vf = m.value_format
    tf = ".4g" if m.test_of else vf  # a hypervolume's selected model reports e.g. accuracy
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
            _pm(rec[f"{test_col}_mean"], rec[f"{test_col}_std"], tf),
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


def describe_summary(summary: Summary, baseline: str | None = None, *,
                     markdown: bool = False) -> str:
    """The comparison table with a header line naming the metric and a line per U test."""
    m = summary.metric
    task = ""
    if summary.task:
        task = f"task {summary.task}" + (f" ({summary.kind})" if summary.kind else "") + ", "
    head = (f"{task}metric: {m.label}; mean ± std over seeds; evals to = evaluations until a run "
            f"is within 1% of the best {m.column} any method found "
            f"({_num(summary.overall_best, m.value_format)})")
    if summary.reference is not None:
        head += "\n" + _reference_line(summary)
    header, cells = summary_rows(summary, baseline)
    lines = [head, "", format_table(header, cells, markdown=markdown)]
    if summary.tests:
        lines.append("")
        bullet = "- " if markdown else ""
        best = "final" if summary.reference is not None else "best"
        lines += [f"{bullet}{t} on {best} {m.column} per seed" for t in summary.tests]
    return "\n".join(lines)


def _reference_line(summary: Summary) -> str:
    point = ", ".join(f"{k} {v:.4g}" for k, v in summary.reference.items())
    return (f"hypervolume of each run's clean evaluations ({summary.objective}), the selected "
            f"model is each run's knee; common reference point: {point} (the worst of each "
            "objective over all runs' clean evaluations, widened by 10% of its range)")


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
    out += ["", f"Mean {metric.column} per value ({metric.direction}; clean distinct evaluations "
            "where the gene was active, all methods pooled):", ""]
    vf = metric.value_format
    out.append(format_table(["gene", "value", "n", "mean", "std", "best"],
                            [[r.gene, r.value, str(r.n), _num(r.mean, vf), _num(r.std, vf),
                              _num(r.best, vf)] for r in cat.itertuples()], markdown=markdown)
               if not cat.empty else "(no gene with repeated values)")
    out += ["", f"Correlation of numeric genes with {metric.column} (Pearson on the given scale; "
            "log10 for values spread over decades):", ""]
    out.append(format_table(["gene", "scale", "n", "spearman", "p", "pearson"],
                            [[r.gene, r.scale, str(r.n), _num(r.spearman, "+.3f"),
                              _num(r.spearman_p, ".3g"), _num(r.pearson, "+.3f")]
                             for r in num.itertuples()], markdown=markdown)
               if not num.empty else "(no numeric gene)")
    return "\n".join(out)
