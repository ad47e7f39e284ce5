"""Analysis, plots and report over synthetic result CSVs written with the real results schema.

No training here: each run is written through ``results.ResultsLog`` / ``results.row`` exactly
as a campaign writes it, with scores chosen so every expected number is known in advance.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from evohpo import analysis, plots
from evohpo import results as results_mod
from evohpo.cli_report import write_report
from evohpo.errors import EvohpoError
from evohpo.strategies.base import Evaluation, Status

MAX_LAYERS = 2


def config(i: int, optimizer: str = "adam", lr: float = 1e-3, n_layers: int = 1,
           units: int = 16, activation: str = "relu") -> dict:
    return {
        "n_layers": n_layers, "units": [units] * n_layers, "activations": [activation] * n_layers,
        "optimizer": optimizer, "learning_rate": lr, "batch_size": 32,
    }


def write_run(folder: Path, method: str, seed: int, scores: list[float | None], *,
              configs: list[dict] | None = None, regression: bool = False,
              test: float | None = 0.5, seconds: float = 10.0, task: str = "toy",
              best_json: bool = True, cached: set[int] = frozenset()) -> Path:
    """A campaign folder: results.csv (one row per score; None = failed) and best.json."""
    folder.mkdir(parents=True, exist_ok=True)
    log = results_mod.ResultsLog.create(folder / results_mod.CSV_NAME,
                                        results_mod.columns(MAX_LAYERS))
    evals = []
    for i, score in enumerate(scores):
        cfg = (configs or [])[i] if configs else config(i)
        ok = score is not None
        ev = Evaluation(
            eval_id=i, generation=i // 4, config=cfg,
            status=Status.OK if ok else Status.FAILED,
            objective=(score if regression else -score) if ok else math.inf,
            val_accuracy=None if regression or not ok else score,
            val_loss=(score if regression else 1 - score) if ok else None,
            params=100 * (i + 1), epochs=1, train_seconds=0.5, worker="w",
            error="" if ok else "boom", cached=i in cached,
        )
        evals.append(ev)
        log.append(results_mod.row(ev, campaign=folder.name, method=method, seed=seed,
                                   max_layers=MAX_LAYERS))
    log.finalize()
    if best_json:
        ok_evals = [e for e in evals if e.ok]
        best = min(ok_evals, key=lambda e: (e.objective, e.eval_id)) if ok_evals else None
        results_mod.write_json(folder / results_mod.BEST_NAME, {
            "method": method, "seed": seed, "task": task,
            "kind": "regression" if regression else "multiclass", "seconds": seconds,
            "best": None if best is None else {
                "eval_id": best.eval_id, "config": best.config,
                "val_accuracy": best.val_accuracy, "val_loss": best.val_loss,
                "test_accuracy": None if regression else test,
                "test_loss": test if regression else 0.3, "model_path": None,
            },
        })
    return folder / results_mod.CSV_NAME


@pytest.fixture
def compare_dir(tmp_path: Path) -> Path:
    """GA reaches 0.9 fast, random slowly, grid never; one failed row per random run."""
    root = tmp_path / "cmp"
    write_run(root / "ga-seed0", "ga", 0, [0.5, 0.8, 0.9, 0.9], test=0.85, seconds=10)
    write_run(root / "ga-seed1", "ga", 1, [0.6, 0.9, 0.7, 0.8], test=0.87, seconds=12)
    write_run(root / "random-seed0", "random", 0, [0.5, None, 0.6, 0.9], test=0.8, seconds=9)
    write_run(root / "random-seed1", "random", 1, [None, 0.4, 0.7, 0.6], test=0.6, seconds=11)
    write_run(root / "grid-seed0", "grid", 0, [0.3, 0.5, 0.6, 0.5], test=0.55, seconds=8)
    write_run(root / "grid-seed1", "grid", 1, [0.4, 0.5, 0.5, 0.5], test=0.5, seconds=8)
    for s in (0, 1):
        results_mod.write_json(root / f"grid-seed{s}" / results_mod.GRID_NAME, {"grid_size": 16})
    return root


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


def test_best_so_far_is_monotone_and_ignores_failures(tmp_path: Path) -> None:
    write_run(tmp_path / "r", "random", 0, [None, 0.4, 0.3, None, 0.7, 0.5])
    curve = analysis.best_so_far(analysis.load(tmp_path))
    assert curve["evaluations"].tolist() == [1, 2, 3, 4, 5, 6]
    assert math.isnan(curve["best"].iloc[0])
    assert curve["best"].iloc[1:].tolist() == [0.4, 0.4, 0.4, 0.7, 0.7]


def test_best_so_far_for_loss_goes_down(tmp_path: Path) -> None:
    write_run(tmp_path / "r", "ga", 0, [3.0, 5.0, 2.0, None, 2.5], regression=True)
    curve = analysis.best_so_far(analysis.load(tmp_path))
    assert curve["best"].tolist() == [3.0, 3.0, 2.0, 2.0, 2.0]


def test_summary_numbers(compare_dir: Path) -> None:
    s = analysis.summarize(analysis.load(compare_dir))
    assert s.metric == analysis.ACCURACY
    assert s.overall_best == pytest.approx(0.9)
    assert s.target == pytest.approx(0.891)
    t = s.table.set_index("method")
    assert list(t.index) == ["ga", "random", "grid"]
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
    write_run(tmp_path / "ga-seed0", "ga", 0, [3.0, 1.0, 2.0], regression=True, test=1.2)
    write_run(tmp_path / "random-seed0", "random", 0, [4.0, 2.0, 5.0], regression=True,
              test=2.5)
    frame = analysis.load(tmp_path)
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


def test_summary_refuses_mixed_tasks(tmp_path: Path) -> None:
    write_run(tmp_path / "a", "ga", 0, [0.5], task="iris")
    write_run(tmp_path / "b", "ga", 0, [0.5], task="digits")
    with pytest.raises(EvohpoError, match="mix tasks"):
        analysis.summarize(analysis.load(tmp_path))


def _importance_dir(tmp_path: Path) -> Path:
    """Adam beats sgd by 0.3; accuracy rises with log10(lr); width does not matter."""
    rng = np.random.default_rng(1)
    configs, scores = [], []
    for i in range(40):
        opt = "adam" if i % 2 else "sgd"
        lr = float(10 ** rng.uniform(-4, -1))
        units = int(rng.choice([8, 64]))
        configs.append(config(i, optimizer=opt, lr=lr, units=units,
                              n_layers=1 + i % 2, activation="tanh" if i % 3 else "relu"))
        scores.append(float(0.3 + (0.3 if opt == "adam" else 0.0) + 0.08 * (np.log10(lr) + 4)))
    write_run(tmp_path / "ga-seed0", "ga", 0, scores, configs=configs)
    return tmp_path


def test_categorical_effects_rank_values_and_genes(tmp_path: Path) -> None:
    frame = analysis.load(_importance_dir(tmp_path))
    eff = analysis.categorical_effects(frame)
    opt = eff[eff["gene"] == "optimizer"]
    assert opt["value"].tolist() == ["adam", "sgd"]  # best first
    assert opt["n"].tolist() == [20, 20]
    assert opt["mean"].iloc[0] - opt["mean"].iloc[1] == pytest.approx(0.3, abs=0.05)
    assert set(eff["gene"]) >= {"optimizer", "n_layers", "activation_1", "activation_2"}
    assert set(eff.loc[eff["gene"] == "n_layers", "value"]) == {"1", "2"}
    spread = analysis.gene_spread(eff)
    assert spread["gene"].iloc[0] in ("optimizer", "n_layers")  # both track adam (odd i)
    assert spread.set_index("gene").loc["optimizer", "spread"] == pytest.approx(0.3, abs=0.05)


def test_numeric_effects_find_the_learning_rate(tmp_path: Path) -> None:
    frame = analysis.load(_importance_dir(tmp_path))
    num = analysis.numeric_effects(frame).set_index("gene")
    assert num.loc["learning_rate", "scale"] == "log10"
    assert num.loc["learning_rate", "spearman"] > 0.4
    assert num.loc["learning_rate", "pearson"] > 0.4
    assert abs(num.loc["units_1", "spearman"]) < 0.35
    assert math.isnan(num.loc["batch_size", "spearman"])  # constant 32: no correlation
    assert num.loc["units_2", "n"] == 20  # only two-layer networks have a second layer


def test_cached_and_failed_rows_are_left_out_of_effects(tmp_path: Path) -> None:
    cfgs = [config(0, optimizer="adam"), config(1, optimizer="sgd"),
            config(2, optimizer="adam"), config(3, optimizer="sgd")]
    write_run(tmp_path / "r", "ga", 0, [0.8, 0.2, 0.8, None], configs=cfgs, cached={2})
    eff = analysis.categorical_effects(analysis.load(tmp_path))
    assert eff[eff["gene"] == "optimizer"].set_index("value")["n"].to_dict() == {
        "adam": 1, "sgd": 1}


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_and_report_files(compare_dir: Path, tmp_path: Path) -> None:
    frame = analysis.load(compare_dir)
    out = tmp_path / "report"
    report = write_report(frame, out, title="Toy comparison")
    assert set(report.plots) == set(plots.FILES)
    for png in report.plots.values():
        assert png.parent == out and _is_png(png) and png.stat().st_size > 5_000
    summary = pd.read_csv(out / "summary.csv")
    assert summary["method"].tolist() == ["ga", "random", "grid"]
    assert {"best_val_accuracy_mean", "selected_test_accuracy_std", "p_vs_ga",
            "grid_coverage", "evals_to_target_mean", "not_ok"} <= set(summary.columns)
    md = (out / "report.md").read_text()
    assert md.startswith("# Toy comparison")
    for name in plots.FILES.values():
        assert f"]({name})" in md  # relative links: the folder can move
    assert "| ga |" in md and "ga vs random: U=" in md
    assert "Which hyperparameters matter" in md and "| optimizer |" in md
    assert "../cmp/ga-seed0" in md


def test_plots_survive_runs_where_nothing_finished(tmp_path: Path) -> None:
    write_run(tmp_path / "ga-seed0", "ga", 0, [None, None])
    frame = analysis.load(tmp_path)
    paths = plots.plot_all(frame, tmp_path / "p")
    assert all(_is_png(p) for p in paths.values())
    s = analysis.summarize(frame)
    assert s.table["not_ok"].iloc[0] == 2
    assert math.isnan(s.table["best_val_accuracy_mean"].iloc[0])


def test_analysis_and_plots_never_import_tensorflow() -> None:
    import subprocess
    import sys

    code = ("import sys, evohpo.analysis, evohpo.plots, evohpo.cli_report; "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
