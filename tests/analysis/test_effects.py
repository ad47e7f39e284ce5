"""Which hyperparameters matter (evohpo/analysis/effects.py): mean score per value, spread between
values, log scales only for values spread over decades, each gene judged where it was active.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from evohpo import analysis
from tests.analysis.runs import _custom_dir, config, write_run


def test_custom_space_effects_judge_each_gene_where_it_was_active(tmp_path: Path) -> None:
    frame = analysis.load(_custom_dir(tmp_path))
    ok = frame[frame["status"] == "ok"]
    num = analysis.numeric_effects(frame).set_index("gene")
    # momentum counts only where the optimizer was sgd (NaN elsewhere), and there it is
    # what moves the score
    assert num.loc["momentum", "n"] == (ok["optimizer"] == "sgd").sum()
    assert num.loc["momentum", "spearman"] > 0.95
    assert num.loc["conv_3_filters", "n"] == (ok["n_conv"] == 3).sum()
    assert num.loc["dense", "scale"] == "log10"  # 16..1024: decades
    assert num.loc["dropout", "scale"] == "linear"  # 0..0.5: a ratio of decades, yet even
    assert frame["dropout"].max() / frame["dropout"].min() > 10 ** 1.5
    assert abs(num.loc["dropout", "spearman"]) < 0.35
    cat = analysis.categorical_effects(frame)
    opt = cat[cat["gene"] == "optimizer"]
    assert opt["value"].tolist() == ["adam", "sgd"]  # best first
    assert set(cat.loc[cat["gene"] == "batch_norm", "value"]) == {"True", "False"}
    assert set(cat.loc[cat["gene"] == "n_conv", "value"]) == {"1", "2", "3"}  # few values
    assert "dense" not in set(cat["gene"])  # many values: correlation only
    assert cat.groupby("gene")["n"].sum()["conv_2_filters"] == (ok["n_conv"] >= 2).sum()
    spread = analysis.gene_spread(cat)
    assert spread["gene"].iloc[0] == "optimizer"
    tables = analysis.effects_tables(frame)
    assert "| momentum |" not in tables  # plain-text table here
    assert "Mean val_auc per value (higher is better" in tables
    assert "momentum" in tables and "conv_3_filters" in tables


def test_numeric_effects_use_log_scale_only_for_values_spread_over_decades(
        tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    configs, scores = [], []
    for i in range(40):
        opt = "adam" if i % 2 else "sgd"
        lr = float(10 ** rng.uniform(-4, -1))
        units = int(rng.choice([8, 64]))
        configs.append(config(optimizer=opt, lr=lr, units=units, n_layers=1 + i % 2,
                              activation="tanh" if i % 3 else "relu"))
        scores.append(float(0.3 + (0.3 if opt == "adam" else 0.0) + 0.08 * (np.log10(lr) + 4)))
    write_run(tmp_path / "ga-seed0", "ga", 0, scores, configs=configs)
    frame = analysis.load(tmp_path)
    num = analysis.numeric_effects(frame).set_index("gene")
    assert num.loc["learning_rate", "scale"] == "log10"
    assert num.loc["learning_rate", "spearman"] > 0.4
    assert num.loc["learning_rate", "pearson"] > 0.4
    assert num.loc["layers_1_units", "scale"] == "linear"  # 8 and 64: under 1.5 decades
    assert abs(num.loc["layers_1_units", "spearman"]) < 0.35
    assert math.isnan(num.loc["batch_size", "spearman"])  # constant 32: no correlation
    assert num.loc["layers_2_units", "n"] == 20  # only two-layer networks have a second layer
    assert num.loc["params", "scale"] == "linear"  # 100, 200, ..., 4000: even, not per factor
    cat = analysis.categorical_effects(frame)
    assert set(cat["gene"]) >= {"optimizer", "n_layers", "layers_1_activation",
                                "layers_2_activation", "layers_1_units"}
    opt = cat[cat["gene"] == "optimizer"]
    assert opt["mean"].iloc[0] - opt["mean"].iloc[1] == pytest.approx(0.3, abs=0.05)


def test_cached_and_failed_rows_are_left_out_of_effects(tmp_path: Path) -> None:
    cfgs = [config(optimizer="adam"), config(optimizer="sgd"), config(optimizer="adam"),
            config(optimizer="sgd")]
    write_run(tmp_path / "r", "ga", 0, [0.8, 0.2, 0.8, None], configs=cfgs, cached={2})
    eff = analysis.categorical_effects(analysis.load(tmp_path))
    assert eff[eff["gene"] == "optimizer"].set_index("value")["n"].to_dict() == {
        "adam": 1, "sgd": 1}
