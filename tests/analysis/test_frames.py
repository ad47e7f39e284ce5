"""Result CSVs read back as one frame (evohpo/analysis/frames.py): every run found, best.json
merged, bad paths refused, and what the columns mean (the metric and the genes), over synthetic
result CSVs written with the real results schema.

No training here: each run is written through ``results.ResultsLog`` / ``results.row`` exactly
as a campaign writes it (and a best.json shaped like ``outcome.summary``'s), with scores
chosen so every expected number is known in advance. Runs use the MLP preset's space or a
custom one (a Repeat group, a conditional gene, a Bool) and the objectives val_accuracy:max,
val_loss:min and val_auc:max.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from evohpo import analysis
from evohpo.errors import EvohpoError
from evohpo.space import Choice, Float, Space
from tests.analysis.runs import AUC, CUSTOM, MLP, _custom_dir, write_run

# --------------------------------------------------------------------------- loading


def test_load_finds_every_run_and_merges_best_json(compare_dir: Path) -> None:
    frame = analysis.load(compare_dir)
    assert len(frame) == 24
    assert frame["run"].nunique() == 6
    assert set(frame["method"]) == {"ga", "random", "grid"}
    ga0 = frame[frame["run"].str.endswith("ga-seed0")]
    assert (ga0["best_test_accuracy"] == 0.85).all()
    assert (ga0["run_seconds"] == 10).all()
    assert (ga0["best_eval_id"] == 2).all()
    assert (frame["task"] == "toy").all()
    assert frame.loc[frame["method"] == "grid", "grid_size"].eq(16).all()
    assert frame.loc[frame["method"] == "ga", "grid_size"].isna().all()
    assert frame["cached"].dtype == bool  # not the CSV's text 'false', which is truthy


def test_load_counts_a_file_given_twice_once(compare_dir: Path) -> None:
    csv = compare_dir / "ga-seed0" / "results.csv"
    frame = analysis.load([csv, compare_dir / "ga-seed0", str(csv)])
    assert len(frame) == 4


def test_load_without_best_json_leaves_test_scores_empty(tmp_path: Path) -> None:
    write_run(tmp_path / "r", "random", 3, [0.2, 0.4], best_json=False)
    frame = analysis.load(tmp_path / "r" / "results.csv")
    assert frame["best_test_accuracy"].isna().all()
    s = analysis.summarize(frame)
    assert math.isnan(s.table["selected_test_accuracy_mean"].iloc[0])
    assert s.table["best_val_accuracy_mean"].iloc[0] == pytest.approx(0.4)


@pytest.mark.parametrize("make, needle", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no results.csv found"),
    (lambda p: (p / "x.csv").write_text("a,b\n1,2\n") and p / "x.csv",
     "not an evohpo results file"),
    (lambda p: (p / "bin.csv").write_bytes(b"\xff\xfe\x00\x81") and p / "bin.csv",
     "not an evohpo results file"),
    (lambda p: (p / "e.csv").write_text("") or p / "e.csv", "not an evohpo results file"),
])
def test_load_rejects_bad_paths_naming_the_problem(tmp_path: Path, make, needle: str) -> None:
    path = make(tmp_path)
    with pytest.raises(EvohpoError, match=needle) as info:
        analysis.load(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_load_rejects_a_log_with_no_rows(tmp_path: Path) -> None:
    write_run(tmp_path / "r", "ga", 0, [], best_json=False)
    with pytest.raises(EvohpoError, match="no evaluations"):
        analysis.load(tmp_path)


def test_a_gene_named_like_a_run_fact_is_refused_not_overwritten(tmp_path: Path) -> None:
    """analysis adds run facts (task, kind, ...) to every row: a gene of that name would be
    overwritten, so the campaign refuses it before its CSV is even written."""
    space = Space(kind=Choice(["a", "b"]), lr=Float(1e-3, 1e-1))
    with pytest.raises(EvohpoError, match="gene 'kind' has the name of a results column") as info:
        write_run(tmp_path / "r", "ga", 0, [0.5], space=space,
                  configs=[{"kind": "a", "lr": 0.01}])
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- custom space


def test_custom_space_genes_are_found_from_the_columns(tmp_path: Path) -> None:
    frame = analysis.load(_custom_dir(tmp_path))
    assert analysis.gene_columns(frame) == list(CUSTOM.columns)  # val_auc is no gene
    assert analysis.categorical_genes(frame) == ["optimizer", "batch_norm"]
    assert analysis.numeric_genes(frame) == ["n_conv", "conv_1_filters", "conv_2_filters",
                                             "conv_3_filters", "dense", "momentum", "dropout"]
    assert frame["momentum"].isna().any() and frame["momentum"].notna().any()


def test_custom_objective_is_the_metric_with_its_test_score(tmp_path: Path) -> None:
    frame = analysis.load(_custom_dir(tmp_path))
    metric = analysis.metric_of(frame)
    assert metric == analysis.Metric("val_auc", lower_is_better=False)
    assert metric.label == "val_auc (higher is better)"
    s = analysis.summarize(frame)
    t = s.table.set_index("method")
    assert t.loc["ga", "best_val_auc_mean"] == pytest.approx(
        frame.loc[frame["method"] == "ga"].groupby("run")["val_auc"].max().mean())
    assert t.loc["ga", "selected_test_auc_mean"] == pytest.approx(0.65)  # 0.6 and 0.7
    assert t.loc["random", "selected_test_auc_mean"] == pytest.approx(0.6)
    text = analysis.describe_summary(s)
    assert "metric: val_auc (higher is better)" in text.splitlines()[0]
    assert "test_auc (selected model)" in text and "best val_auc" in text


def test_runs_of_different_spaces_load_side_by_side(tmp_path: Path) -> None:
    write_run(tmp_path / "mlp", "ga", 0, [0.5, 0.6], objective=AUC)
    _custom_dir(tmp_path / "custom", n=6)
    frame = analysis.load(tmp_path)
    genes = analysis.gene_columns(frame)
    assert set(genes) == set(MLP.columns) | set(CUSTOM.columns)
    cols = list(frame.columns)
    assert max(cols.index(g) for g in genes) < cols.index("params")
    assert frame.loc[frame["run"].str.endswith("mlp"), "dense"].isna().all()
    opt = analysis.categorical_effects(frame).query("gene == 'optimizer'")
    assert opt["n"].sum() == 8  # both spaces' optimizer gene, pooled
