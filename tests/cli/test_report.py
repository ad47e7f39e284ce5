"""evohpo report (evohpo/cli/report.py): plots, summary.csv and report.md of a custom model's
campaign in its own objective and genes; bad input as one error line.
"""

from __future__ import annotations

import io
import json
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from evohpo import results as results_mod
from evohpo.cli import main

AUC_MODEL = textwrap.dedent('''
    """A user's binary classifier tuned for validation AUC (written by the test)."""

    from evohpo import Choice, Float, Int, Repeat, Space

    SPACE = Space(
        blocks=Repeat(Int(1, 2), units=Int(4, 16, log=True)),
        optimizer=Choice(["adam", "sgd"]),
        momentum=Float(0.0, 0.9, when={"optimizer": "sgd"}),
        learning_rate=Float(1e-3, 3e-2, log=True),
    )


    def build(config, task, seed=None):
        import keras

        inputs = keras.Input(task.input_shape)
        x = inputs
        for block in config["blocks"]:
            x = keras.layers.Dense(block["units"], activation="relu")(x)
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
        if config["optimizer"] == "sgd":
            opt = keras.optimizers.SGD(config["learning_rate"], momentum=config["momentum"])
        else:
            opt = keras.optimizers.Adam(config["learning_rate"])
        model.compile(opt, "binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
        return model
''')


@pytest.fixture(scope="module")
def auc_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real campaign of a user's model (a Repeat group, a gene only active with sgd)
    optimising val_auc:max on breast_cancer, then ``evohpo report`` over its folder."""
    root = tmp_path_factory.mktemp("auc")
    (root / "auc_model.py").write_text(AUC_MODEL)
    so, se = io.StringIO(), io.StringIO()
    with redirect_stdout(so), redirect_stderr(se):
        code = main(["search", "--task", "breast_cancer", "--model",
                     f"{root / 'auc_model.py'}:build", "--objective", "val_auc:max",
                     "--method", "random", "--budget", "6", "--epochs", "1", "--n-jobs", "2",
                     "--out", str(root / "run"), "--quiet"])
        assert code == 0, se.getvalue()[-2000:]
        code = main(["report", str(root / "run"), "--out", str(root / "rep")])
    assert code == 0, se.getvalue()[-2000:]
    (root / "printed.txt").write_text(so.getvalue())
    return root


@pytest.mark.tensorflow
@pytest.mark.slow
def test_report_of_a_custom_model_reads_its_objective_and_genes(auc_campaign: Path) -> None:
    frame = results_mod.read(auc_campaign / "run" / "results.csv")
    assert (frame["objective"] == "val_auc:max").all()
    assert frame["val_auc"].between(0, 1).all()
    best = json.loads((auc_campaign / "run" / "best.json").read_text())["best"]
    summary = pd.read_csv(auc_campaign / "rep" / "summary.csv")
    assert summary["objective"].tolist() == ["val_auc:max"]
    assert summary["best_val_auc_mean"].iloc[0] == pytest.approx(frame["val_auc"].max())
    assert summary["selected_test_auc_mean"].iloc[0] == pytest.approx(best["test"]["test_auc"])
    printed = (auc_campaign / "printed.txt").read_text()
    assert "metric: val_auc (higher is better)" in printed
    assert "test_auc (selected model)" in printed
    md = (auc_campaign / "rep" / "report.md").read_text()
    assert "objective: `val_auc:max`" in md
    assert "Mean val_auc per value" in md and "| optimizer |" in md
    correlations = md.split("Correlation of numeric genes")[1]
    for gene in ("n_blocks", "blocks_1_units", "learning_rate", "params"):
        assert f"| {gene} |" in correlations, gene
    assert (auc_campaign / "rep" / "score_vs_learning_rate.png").stat().st_size > 5_000
    assert "accuracy" not in md.split("## Summary")[1]  # every table speaks of val_auc


def test_report_bad_input_is_one_error_line(tmp_path: Path, error_line) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "other.csv").write_text("name,score\na,1\n")
    cases = [
        (tmp_path / "missing", "does not exist"),
        (tmp_path / "empty", "no results.csv found"),
        (tmp_path / "other.csv", "not an evohpo results file"),
    ]
    for path, needle in cases:
        assert main(["report", str(path), "--out", str(tmp_path / "r")]) == 2
        line = error_line()
        assert needle in line and str(path) in line
    assert not (tmp_path / "r").exists()


def test_report_needs_a_path(error_line) -> None:
    with pytest.raises(SystemExit) as info:
        main(["report", "--out", "x"])
    assert info.value.code == 2
    assert error_line()
