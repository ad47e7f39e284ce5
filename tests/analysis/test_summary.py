"""The comparison statistics (evohpo/analysis/summary.py): per-run tables and best-so-far curves
in the frame's own order, the Mann-Whitney test's labels and edge cases, the baseline choice,
several objectives compared on hypervolume against one reference. Written for the mutation run
(``make mutation``, tests/MUTATION.md).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from evohpo import analysis
from evohpo.errors import EvohpoError
from evohpo.pareto import hypervolume
from tests._checks import error
from tests.analysis.runs import AUC, LOSS, write_run


def _frame(runs: dict[str, tuple[str, int, list]], **facts) -> pd.DataFrame:
    """A results frame built by hand: run -> (method, seed, scores; None = failed)."""
    rows = []
    for run, (method, seed, scores) in runs.items():
        for i, score in enumerate(scores):
            rows.append({"run": run, "method": method, "seed": seed, "eval_id": i,
                         "status": "failed" if score is None else "ok",
                         "objective": "val_accuracy:max", "val_accuracy": score,
                         **{k: v[run] for k, v in facts.items()}})
    return pd.DataFrame(rows)


def test_best_so_far_keeps_the_runs_in_their_order_and_sorts_each_by_eval_id():
    frame = _frame({"z-run": ("random", 1, [0.2, 0.5, None]), "a-run": ("ga", 0, [0.1, 0.3])})
    shuffled = frame.iloc[[1, 4, 0, 3, 2]]  # rows in completion order; z-run is seen first
    curve = analysis.best_so_far(shuffled)
    assert list(curve.columns) == ["run", "method", "seed", "evaluations", "best"]
    assert curve.index.tolist() == list(range(5))
    assert curve.to_dict("list") == {
        "run": ["z-run", "z-run", "z-run", "a-run", "a-run"],  # first seen first, not sorted
        "method": ["random", "random", "random", "ga", "ga"], "seed": [1, 1, 1, 0, 0],
        "evaluations": [1, 2, 3, 1, 2], "best": [0.2, 0.5, 0.5, 0.1, 0.3]}
    assert analysis.runs(shuffled)["run"].tolist() == ["z-run", "a-run"]


def test_the_per_run_table_needs_no_run_facts_and_no_target():
    frame = _frame({"b": ("ga", 0, [0.5, None, 0.7]), "a": ("random", 0, [None, None])})
    table = analysis.runs(frame)  # no metric, no target, no best.json or grid.json columns
    assert table["run"].tolist() == ["b", "a"]
    assert table["method"].tolist() == ["ga", "random"] and table["seed"].tolist() == [0, 0]
    assert table["evaluations"].tolist() == [3, 2] and table["not_ok"].tolist() == [1, 2]
    assert table["best"].iloc[0] == 0.7 and math.isnan(table["best"].iloc[1])
    for column in ("test", "seconds", "coverage", "evals_to_target"):
        assert table[column].isna().all() and table[column].dtype == float, column


def test_grid_coverage_and_evaluations_to_target_per_run():
    frame = _frame({"g": ("grid", 0, [0.5, 0.6]), "h": ("grid", 1, [0.9, 0.2]),
                    "r": ("random", 0, [0.1, 0.4])},
                   grid_size={"g": 1, "h": 8, "r": math.nan},
                   run_seconds={"g": 3.0, "h": 4.0, "r": 5.0})
    table = analysis.runs(frame, target=0.55).set_index("run")
    assert table.loc["g", "coverage"] == 2.0 and table.loc["h", "coverage"] == 0.25
    assert math.isnan(table.loc["r", "coverage"])
    assert table.loc["g", "evals_to_target"] == 2 and table.loc["h", "evals_to_target"] == 1
    assert math.isnan(table.loc["r", "evals_to_target"])
    assert table["seconds"].tolist() == [3.0, 4.0, 5.0]
    no_target = analysis.runs(frame, target=math.nan)
    assert no_target["evals_to_target"].isna().all()


def test_mann_whitney_says_who_was_compared_with_how_many_runs():
    per_run = pd.DataFrame({"method": ["ga", "ga", "random", "grid"],
                            "best": [0.9, 0.8, 0.5, math.nan]})
    test = analysis.mann_whitney(per_run, "ga", "random")
    assert (test.a, test.b, test.n_a, test.n_b, test.u) == ("ga", "random", 2, 1, 2.0)
    assert test.p == pytest.approx(mannwhitneyu([0.9, 0.8], [0.5]).pvalue)
    assert str(test) == (f"ga vs random: U=2, p={test.p:.3g} (n=2 vs 1, two-sided "
                         "Mann-Whitney U)")
    empty = analysis.mann_whitney(per_run, "ga", "grid")  # grid never finished a run
    assert (empty.a, empty.b, empty.n_a, empty.n_b) == ("ga", "grid", 2, 0)
    assert math.isnan(empty.u) and math.isnan(empty.p)
    assert analysis.mann_whitney(per_run, "grid", "ga").n_a == 0
    one = analysis.mann_whitney(per_run, "random", "ga")  # a single run is still tested
    assert (one.n_a, one.n_b, one.u) == (1, 2, 0.0) and one.p == pytest.approx(test.p)


def test_the_summary_tests_against_ga_else_nsga2_else_the_first_method():
    two = {"r0": ("random", 0, [0.4]), "r1": ("random", 1, [0.5]),
           "g0": ("grid", 0, [0.3]), "g1": ("grid", 1, [0.2])}
    s = analysis.summarize(_frame(two))
    assert s.baseline == "random" and [(t.a, t.b) for t in s.tests] == [("random", "grid")]
    assert s.table.columns[-1] == "p_vs_random"
    assert math.isnan(s.table.set_index("method").loc["random", "p_vs_random"])
    nsga = analysis.summarize(_frame({**two, "n0": ("nsga2", 0, [0.6])}))
    assert nsga.baseline == "nsga2" and "p_vs_nsga2" in nsga.table
    alone = analysis.summarize(_frame({"x": ("ga", 0, [0.5, 0.6])}))
    assert alone.tests == [] and alone.table["p_vs_ga"].dtype == float
    assert alone.table["p_vs_ga"].isna().all()
    chosen = analysis.summarize(_frame(two), baseline="grid")
    assert [(t.a, t.b) for t in chosen.tests] == [("grid", "random")]


def test_the_summary_names_its_task_kind_objective_and_target():
    frame = _frame({"a": ("ga", 0, [0.5, 0.8]), "b": ("ga", 1, [0.6, None])},
                   task={"a": "iris", "b": "iris"}, kind={"a": "multiclass", "b": "multiclass"})
    s = analysis.summarize(frame)
    assert (s.task, s.kind, s.objective) == ("iris", "multiclass", "val_accuracy:max")
    assert s.reference is None and s.overall_best == 0.8
    assert s.runs["run"].tolist() == ["a", "b"] and s.runs["best"].tolist() == [0.8, 0.6]
    row = s.table.iloc[0]
    assert row["target"] == pytest.approx(0.792) and row["objective"] == "val_accuracy:max"
    assert row["best_val_accuracy_std"] == pytest.approx(np.std([0.8, 0.6], ddof=1))
    mixed = frame.assign(kind=["binary", "binary", "multiclass", "multiclass"])
    assert analysis.summarize(mixed).kind is None  # several kinds: none named
    bare = frame.drop(columns=["task", "kind", "objective"])
    s = analysis.summarize(bare)
    assert (s.task, s.kind, s.objective) == (None, None, "val_accuracy:max")
    many = frame.assign(task=["iris", "wine", "digits", "iris"])
    assert error(lambda: analysis.summarize(many)) == (
        "the results mix tasks (digits, iris, wine); report each task's results separately")
    nothing = analysis.summarize(_frame({"a": ("ga", 0, [None])}))
    assert math.isnan(nothing.overall_best) and math.isnan(nothing.target)


def test_several_objectives_are_compared_on_hypervolume_against_one_reference():
    two = "val_accuracy:max,params:min"
    runs = {"n0": ("nsga2", 0, [(0.9, 100.0), (0.8, 50.0)]),
            "n1": ("nsga2", 1, [(0.7, 100.0), None]),
            "r0": ("random", 0, [(0.6, 10.0), (0.5, 200.0)])}
    rows = [{"run": run, "method": m, "seed": seed, "eval_id": i, "objective": two,
             "status": "failed" if v is None else "ok", "cached": False,
             "val_accuracy": None if v is None else v[0], "params": None if v is None else v[1]}
            for run, (m, seed, values) in runs.items() for i, v in enumerate(values)]
    s = analysis.summarize(pd.DataFrame(rows))
    reference = (-0.5 + 0.1 * 0.4, 200.0 + 0.1 * 190.0)  # worst + 10% of the range, minimised
    assert s.reference == pytest.approx({"val_accuracy": 0.46, "params": 219.0})
    assert s.objective == two and s.metric.column == "hypervolume" and s.baseline == "nsga2"
    volume = {run: hypervolume([(-v[0], v[1]) for v in values if v], reference)
              for run, (_, _, values) in runs.items()}
    assert s.runs.set_index("run")["best"].to_dict() == pytest.approx(volume)
    t = s.table.set_index("method")
    assert t.loc["nsga2", "best_hypervolume_mean"] == pytest.approx(
        (volume["n0"] + volume["n1"]) / 2)
    assert t.loc["random", "best_hypervolume_mean"] == pytest.approx(volume["r0"])
    assert "selected_test_accuracy_mean" in t and (t["objective"] == two).all()
    # evaluations to reach 99% of the best hypervolume, on each run's hypervolume curve
    best = max(volume.values())
    curves = {run: [hypervolume([(-v[0], v[1]) for v in values[:k + 1] if v], reference)
                    for k in range(len(values))] for run, (_, _, values) in runs.items()}
    expected = {run: next((k + 1 for k, hv in enumerate(c) if hv >= 0.99 * best), math.nan)
                for run, c in curves.items()}
    got = s.runs.set_index("run")["evals_to_target"].to_dict()
    assert got.keys() == expected.keys() and all(
        (math.isnan(got[r]) and math.isnan(expected[r])) or got[r] == expected[r] for r in got)


def test_a_log_scaled_size_is_measured_in_decades_in_the_hypervolume():
    two = "val_accuracy:max,params:min:log"
    runs = {"n0": ("nsga2", 0, [(0.9, 10_000.0), (0.8, 100.0)]),
            "r0": ("random", 0, [(0.6, 10.0), (0.5, 100_000.0)])}
    rows = [{"run": run, "method": m, "seed": seed, "eval_id": i, "objective": two,
             "status": "ok", "cached": False, "val_accuracy": v[0], "params": v[1]}
            for run, (m, seed, values) in runs.items() for i, v in enumerate(values)]
    s = analysis.summarize(pd.DataFrame(rows))
    reference = (-0.5 + 0.1 * 0.4, 5.0 + 0.1 * 4.0)  # log10 params: worst 5, range 4
    assert s.reference == pytest.approx({"val_accuracy": 0.46, "params": 10 ** 5.4})
    volume = {run: hypervolume([(-a, math.log10(p)) for a, p in values], reference)
              for run, (_, _, values) in runs.items()}
    assert s.runs.set_index("run")["best"].to_dict() == pytest.approx(volume)


def test_several_objectives_with_nothing_finished_have_no_reference():
    two = "val_accuracy:max,params:min"
    frame = pd.DataFrame([{"run": "r", "method": "nsga2", "seed": 0, "eval_id": i,
                           "objective": two, "status": "failed", "cached": False,
                           "val_accuracy": None, "params": None} for i in range(2)])
    s = analysis.summarize(frame)
    assert s.reference is None and math.isnan(s.overall_best) and s.objective == two
    assert math.isnan(s.runs["best"].iloc[0])  # no clean evaluation: no score at all


def test_best_so_far_is_monotone_and_ignores_failures(tmp_path: Path) -> None:
    write_run(tmp_path / "r", "random", 0, [None, 0.4, 0.3, None, 0.7, 0.5])
    curve = analysis.best_so_far(analysis.load(tmp_path))
    assert curve["evaluations"].tolist() == [1, 2, 3, 4, 5, 6]
    assert math.isnan(curve["best"].iloc[0])
    assert curve["best"].iloc[1:].tolist() == [0.4, 0.4, 0.4, 0.7, 0.7]


def test_best_so_far_for_loss_goes_down(tmp_path: Path) -> None:
    write_run(tmp_path / "r", "ga", 0, [3.0, 5.0, 2.0, None, 2.5], objective=LOSS)
    curve = analysis.best_so_far(analysis.load(tmp_path))
    assert curve["best"].tolist() == [3.0, 3.0, 2.0, 2.0, 2.0]


def test_summary_numbers(compare_dir: Path) -> None:
    s = analysis.summarize(analysis.load(compare_dir))
    assert s.metric == analysis.ACCURACY
    assert s.overall_best == pytest.approx(0.9)
    assert s.target == pytest.approx(0.891)
    t = s.table.set_index("method")
    assert list(t.index) == ["ga", "random", "grid"]
    assert (t["objective"] == "val_accuracy:max").all()
    assert t.loc["ga", "best_val_accuracy_mean"] == pytest.approx(0.9)
    assert t.loc["ga", "best_val_accuracy_std"] == pytest.approx(0.0)
    assert t.loc["random", "best_val_accuracy_mean"] == pytest.approx(0.8)
    assert t.loc["random", "best_val_accuracy_std"] == pytest.approx(np.std([0.9, 0.7], ddof=1))
    assert t.loc["ga", "selected_test_accuracy_mean"] == pytest.approx(0.86)
    assert t.loc["random", "not_ok"] == 2 and t.loc["ga", "not_ok"] == 0
    assert t.loc["ga", "evaluations"] == 8
    # ga reaches 0.891 at evaluation 3 (seed 0) and 2 (seed 1); random once, at 4; grid never
    assert t.loc["ga", "evals_to_target_mean"] == pytest.approx(2.5)
    assert t.loc["ga", "reached_target"] == 2
    assert t.loc["random", "evals_to_target_mean"] == pytest.approx(4.0)
    assert t.loc["random", "reached_target"] == 1
    assert math.isnan(t.loc["grid", "evals_to_target_mean"])
    assert t.loc["ga", "seconds_mean"] == pytest.approx(11.0)
    assert t.loc["grid", "grid_coverage"] == pytest.approx(4 / 16)
    assert math.isnan(t.loc["ga", "grid_coverage"])
    p_random = mannwhitneyu([0.9, 0.9], [0.9, 0.7], alternative="two-sided").pvalue
    assert t.loc["random", "p_vs_ga"] == pytest.approx(p_random)
    assert math.isnan(t.loc["ga", "p_vs_ga"])
    assert [(x.a, x.b) for x in s.tests] == [("ga", "random"), ("ga", "grid")]


def test_mann_whitney_separates_clearly_different_methods(tmp_path: Path) -> None:
    for seed in range(5):
        write_run(tmp_path / f"ga-seed{seed}", "ga", seed, [0.9 + seed / 100])
        write_run(tmp_path / f"random-seed{seed}", "random", seed, [0.5 + seed / 100])
    s = analysis.summarize(analysis.load(tmp_path))
    (test,) = s.tests
    assert test.p == pytest.approx(2 / 252)  # exact: the most extreme of C(10,5) orderings
    assert test.u == 25


def test_regression_uses_val_loss_lower_is_better(tmp_path: Path) -> None:
    write_run(tmp_path / "ga-seed0", "ga", 0, [3.0, 1.0, 2.0], objective=LOSS, test=1.2)
    write_run(tmp_path / "random-seed0", "random", 0, [4.0, 2.0, 5.0], objective=LOSS,
              test=2.5)
    frame = analysis.load(tmp_path)
    assert frame["val_accuracy"].isna().all()
    s = analysis.summarize(frame)
    assert s.metric == analysis.LOSS
    assert s.overall_best == 1.0 and s.target == pytest.approx(1.01)
    t = s.table.set_index("method")
    assert t.loc["ga", "best_val_loss_mean"] == 1.0
    assert t.loc["random", "best_val_loss_mean"] == 2.0
    assert t.loc["ga", "selected_test_loss_mean"] == 1.2
    assert t.loc["ga", "evals_to_target_mean"] == 2
    assert "best_val_accuracy_mean" not in t
    text = analysis.describe_summary(s)
    assert "val_loss (lower is better)" in text.splitlines()[0]
    assert "best val_loss" in text
    assert "Mean val_loss per value (lower is better" in analysis.effects_tables(frame)


def test_summary_refuses_mixed_tasks(tmp_path: Path) -> None:
    write_run(tmp_path / "a", "ga", 0, [0.5], task="iris")
    write_run(tmp_path / "b", "ga", 0, [0.5], task="digits")
    with pytest.raises(EvohpoError, match="mix tasks"):
        analysis.summarize(analysis.load(tmp_path))


def test_mixing_objectives_is_refused_in_one_line(tmp_path: Path) -> None:
    write_run(tmp_path / "a", "ga", 0, [0.5, 0.6])
    write_run(tmp_path / "b", "ga", 0, [0.7, 0.8], objective=AUC)
    frame = analysis.load(tmp_path)
    for fn in (analysis.metric_of, analysis.summarize, analysis.effects_tables):
        with pytest.raises(EvohpoError, match="mix objectives") as info:
            fn(frame)
        assert "val_accuracy:max" in str(info.value) and "val_auc:max" in str(info.value)
        assert "\n" not in str(info.value)
