"""``evohpo compare``, ``search`` and ``report`` end to end: one real tiny comparison on iris
(the MLP preset), one tiny campaign of a user's own model with its own objective (val_auc),
the report over each folder, and every bad input ending as one ``error:`` line (exit code 2)."""

from __future__ import annotations

import io
import json
import math
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from evohpo import results as results_mod
from evohpo.cli import main
from evohpo.compare import Plan, _remove_stale_runs, check_out
from evohpo.presets import mlp
from evohpo.space import Space

TINY = ["--task", "iris", "--budget", "4", "--seeds", "2", "--epochs", "1", "--n-jobs", "2",
        "--population", "4"]
RUNS = [f"{m}-seed{s}" for s in (0, 1) for m in ("ga", "random", "grid")]


@dataclass(frozen=True)
class Compared:
    out: Path
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Compared:
    """The real comparison of this file: 3 methods x 2 seeds x 4 evaluations of 1 epoch."""
    out = tmp_path_factory.mktemp("compare") / "iris"
    so, se = io.StringIO(), io.StringIO()
    with redirect_stdout(so), redirect_stderr(se):
        code = main(["compare", *TINY, "--out", str(out)])
    return Compared(out, code, so.getvalue(), se.getvalue())


@pytest.mark.tensorflow
@pytest.mark.slow
def test_compare_writes_one_run_per_method_and_seed(compared: Compared) -> None:
    assert compared.code == 0, compared.stderr[-2000:]
    for name in RUNS:
        frame = results_mod.read(compared.out / name / "results.csv")
        assert len(frame) == 4  # exactly the budget
        assert frame["method"].unique().tolist() == [name.split("-")[0]]
        assert frame["seed"].unique().tolist() == [int(name[-1])]
        assert (compared.out / name / "best.json").is_file()
    assert (compared.out / "grid-seed0" / "grid.json").is_file()
    assert not (compared.out / "ga-seed0" / "grid.json").exists()
    for name in ("summary.csv", "report.md", "compare.json", "best_so_far.png",
                 "distribution.png", "score_vs_learning_rate.png", "score_vs_params.png"):
        assert (compared.out / name).is_file(), name
    assert "== run 6/6: grid seed 1" in compared.stderr
    meta = json.loads((compared.out / "compare.json").read_text())
    assert meta["objective"] == "val_accuracy:max"
    assert Space.from_json(meta["space"]) == mlp.space()  # what was searched, reloadable


@pytest.mark.tensorflow
@pytest.mark.slow
def test_compare_summary_has_every_number_the_issue_asks_for(compared: Compared) -> None:
    summary = pd.read_csv(compared.out / "summary.csv").set_index("method")
    assert list(summary.index) == ["ga", "random", "grid"]
    assert (summary["objective"] == "val_accuracy:max").all()
    assert (summary["runs"] == 2).all() and (summary["evaluations"] == 8).all()
    for col in ("best_val_accuracy_mean", "best_val_accuracy_std",
                "selected_test_accuracy_mean", "seconds_mean"):
        assert summary[col].between(0, 1e4).all(), col
    assert summary["best_val_accuracy_mean"].le(1).all()
    assert summary["selected_test_accuracy_mean"].le(1).all()
    assert summary["reached_target"].sum() >= 1  # the best run reaches its own target
    assert 0 < summary.loc["grid", "grid_coverage"] < 1
    assert math.isnan(summary.loc["ga", "grid_coverage"])
    for other in ("random", "grid"):
        assert 0 < summary.loc[other, "p_vs_ga"] <= 1


@pytest.mark.tensorflow
@pytest.mark.slow
def test_compare_prints_the_table_and_p_values(compared: Compared) -> None:
    out = compared.stdout
    assert "metric: val_accuracy (higher is better)" in out
    header = next(line for line in out.splitlines() if line.startswith("method"))
    for column in ("best val_accuracy", "test_accuracy (selected model)", "evals to",
                   "seconds", "grid coverage", "p vs ga"):
        assert column in header
    assert any(line.startswith("grid ") and "%" in line for line in out.splitlines())
    assert "ga vs random: U=" in out and "ga vs grid: U=" in out
    assert "Mann-Whitney" in out


@pytest.mark.tensorflow
@pytest.mark.slow
def test_compare_refuses_a_folder_with_results(compared: Compared, error_line) -> None:
    csv = compared.out / "ga-seed0" / "results.csv"
    before = csv.stat().st_mtime_ns
    assert main(["compare", *TINY, "--out", str(compared.out)]) == 2
    assert "--overwrite" in error_line()
    assert csv.stat().st_mtime_ns == before


@pytest.mark.tensorflow
@pytest.mark.slow
def test_report_on_the_compare_folder_matches_its_summary(compared: Compared, tmp_path: Path,
                                                          capsys) -> None:
    out = tmp_path / "rep"
    assert main(["report", str(compared.out), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ga vs grid: U=" in printed
    mine = pd.read_csv(out / "summary.csv")
    theirs = pd.read_csv(compared.out / "summary.csv")
    pd.testing.assert_frame_equal(mine, theirs)
    md = (out / "report.md").read_text()
    assert "![best_so_far](best_so_far.png)" in md
    assert (out / "best_so_far.png").stat().st_size > 5_000


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


@pytest.mark.parametrize("change, needle", [
    (["--budget", "0"], "argument --budget: must be a whole number >= 1"),
    (["--seeds", "0"], "argument --seeds: must be a whole number >= 1"),
    (["--epochs", "0"], "argument --epochs: must be a whole number >= 1"),
    (["--n-jobs", "0"], "argument --n-jobs: "),
    (["--backend", "spark"], "unknown backend 'spark'; choose --backend from"),
    (["--objective", "val_acuracy"], "the built-in MLP reports no 'val_acuracy'"),
    (["--task", "no_such_task"], "no_such_task"),
    (["--methods", "nsga2,random"], "nsga2 needs two or more objectives; for one objective use ga"),
    (["--methods", "ga,random", "--objectives", "val_accuracy:max,params:min"],
     "ga optimises one objective, and 2 were given"),
    (["--methods", "nsga2,pso", "--objectives", "val_accuracy:max,params:min"],
     "unknown method 'pso'"),
    (["--methods", "random,random"], "method 'random' is listed twice"),
    (["--methods", "nsga2", "--objectives", "val_accuracy:max,params:min",
      "--population", "3"], "population must be >= 4 for nsga2"),
    (["--objectives", "val_accuracy:max,val_accuracy:min"], "is given twice"),
    (["--objectives", "val_accuracy:max,params:down"], "neither max nor min"),
])
def test_compare_bad_input_is_one_error_line(tmp_path: Path, error_line, change, needle) -> None:
    out = tmp_path / "c"
    try:
        code = main(["compare", *TINY, *change, "--out", str(out)])
    except SystemExit as exc:  # a flag's number, refused as argparse reads it
        code = exc.code
    assert code == 2
    assert needle in error_line()
    assert not out.exists()  # checked before anything was created


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


def test_overwrite_drops_runs_the_new_comparison_will_not_redo(tmp_path: Path) -> None:
    out = tmp_path / "c"
    for name in ("ga-seed0", "ga-seed4"):
        (out / name).mkdir(parents=True)
        (out / name / "results.csv").write_text("x\n")
        (out / name / "best.json").write_text("{}")
    (out / "ga-seed4" / "notes.txt").write_text("mine")
    (out / "keep").mkdir()
    (out / "keep" / "results.csv").write_text("x\n")
    with pytest.raises(Exception, match="--overwrite"):
        check_out(out, overwrite=False)
    there = check_out(out, overwrite=True)
    plan = Plan(None, None, ("ga",), (0, 1), 4, 1, 1, out)
    _remove_stale_runs(plan, there)
    assert (out / "ga-seed0" / "results.csv").exists()  # campaign replaces it itself
    assert not (out / "ga-seed4" / "results.csv").exists()
    assert not (out / "ga-seed4" / "best.json").exists()
    assert (out / "ga-seed4" / "notes.txt").read_text() == "mine"  # not ours: left alone
    assert (out / "keep" / "results.csv").exists()  # not a compare run folder
