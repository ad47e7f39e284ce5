"""``compare`` with the peers' methods (evohpo/compare.py): aging evolution, TPE and CMA-ES run
beside the GA and random search, and the summary, report and plots carry them, the GA first and
tested against each. No TensorFlow: the fake evaluator on the threading backend."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from evohpo import analysis
from evohpo.cli import main
from evohpo.compare import compare, make_plan
from evohpo.errors import EvohpoError
from evohpo.plots import METHOD_COLORS, METHOD_LINES, METHOD_MARKERS
from evohpo.results import read
from evohpo.strategies import registry
from tests._checks import error
from tests._fakes import SPACE, fake_evaluate

METHODS = ("ga", "tpe", "aging", "cmaes", "random")


@pytest.mark.slow
def test_the_peers_methods_run_in_a_comparison_and_its_report(tmp_path: Path) -> None:
    plan = make_plan("iris", SPACE, methods=METHODS, seeds=2, budget=8, epochs=1, n_jobs=1,
                     population=4, out=tmp_path / "c", backend="threading")
    report = compare(plan, progress=False, evaluator=fake_evaluate, save_best=False)
    for method in METHODS:
        for seed in (0, 1):
            frame = read(tmp_path / "c" / f"{method}-seed{seed}" / "results.csv")
            assert len(frame) == 8 and set(frame["method"]) == {method}
    table = pd.read_csv(tmp_path / "c" / "summary.csv")
    assert table["method"].tolist() == ["ga", "random", "aging", "tpe", "cmaes"]  # registry order
    assert table["p_vs_ga"].iloc[1:].notna().all()  # the GA tested against every peer
    assert report.summary.table["runs"].tolist() == [2] * 5
    text = (tmp_path / "c" / "report.md").read_text()
    assert all(f"| {m} " in text for m in METHODS)
    for png in ("best_so_far.png", "distribution.png"):
        assert (tmp_path / "c" / png).is_file()
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main(["report", str(tmp_path / "c"), "--out", str(tmp_path / "again")]) == 0
    assert "tpe" in printed.getvalue() and "aging" in printed.getvalue()


def test_the_peers_have_their_own_colours_and_are_listed_by_the_cli(capsys) -> None:
    for method in registry.METHODS:
        assert method in METHOD_COLORS and method in METHOD_LINES and method in METHOD_MARKERS
    assert len(set(METHOD_COLORS.values())) == len(METHOD_COLORS)
    try:
        main(["compare", "--help"])
    except SystemExit:
        pass
    helped = " ".join(capsys.readouterr().out.split())
    assert "ga, random, grid, nsga2, aging, tpe, cmaes" in helped


def test_a_peer_that_takes_one_objective_is_refused_two_before_anything_runs(tmp_path) -> None:
    assert error(lambda: make_plan("iris", SPACE, methods=("aging", "random"),
                                   objective="val_accuracy:max,params:min",
                                   out=tmp_path / "c")) == (
        "aging optimises one objective, and 2 were given; use nsga2 for several, or give one")
    assert not (tmp_path / "c").exists()


def test_a_cross_validated_comparison_reports_the_fold_means(tmp_path, fake_folds):
    plan = make_plan("iris", SPACE, methods=("ga", "random"), seeds=2, budget=4, epochs=1,
                     population=2, out=tmp_path / "c", backend="threading", cv=3)
    report = compare(plan, engine="single", save_best=False, progress=False)
    for method, seed in plan.runs:
        folder = plan.folder(method, seed)
        frame = read(folder / "results.csv")
        assert frame["val_accuracy_std"].notna().all()
        assert json.loads((folder / "checkpoint.json").read_text())["cv"] == 3
    frame = analysis.load(plan.out)
    assert not [g for g in analysis.gene_columns(frame) if g.endswith("_std")]
    assert "3-fold cross-validation" in report.markdown.read_text()
    with pytest.raises(EvohpoError, match="cv must be a whole number of folds >= 2"):
        make_plan("iris", SPACE, cv=1)
