"""``evohpo compare`` end to end (evohpo/cli/compare.py): one real tiny comparison on iris (the
MLP preset), the report over its folder, ``--overwrite``, and every bad input ending as one
``error:`` line (exit code 2)."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from evohpo import results as results_mod
from evohpo.cli import main
from evohpo.compare import _remove_stale_runs, check_out
from evohpo.plans import ComparisonPlan
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
    (["--cv", "0"], "argument --cv: must be a whole number >= 2"),
    (["--cv", "200"], "pass cv=120 or fewer"),
    (["--methods", "nsga2", "--objectives", "val_accuracy:max,params:min",
      "--population", "3"], "population must be a whole number >= 4 for nsga2"),
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
    plan = ComparisonPlan(None, None, ("ga",), (0, 1), 4, 1, 1, out)
    _remove_stale_runs(plan, there)
    assert (out / "ga-seed0" / "results.csv").exists()  # campaign replaces it itself
    assert not (out / "ga-seed4" / "results.csv").exists()
    assert not (out / "ga-seed4" / "best.json").exists()
    assert (out / "ga-seed4" / "notes.txt").read_text() == "mine"  # not ours: left alone
    assert (out / "keep" / "results.csv").exists()  # not a compare run folder
