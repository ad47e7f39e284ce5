"""Analysis, plots and report over synthetic result CSVs written with the real results schema.

No training here: each run is written through ``results.ResultsLog`` / ``results.row`` exactly
as a campaign writes it (and a best.json shaped like ``outcome.summary``'s), with scores
chosen so every expected number is known in advance. Runs use the MLP preset's space or a
custom one (a Repeat group, a conditional gene, a Bool) and the objectives val_accuracy:max,
val_loss:min and val_auc:max.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from evohpo import analysis, plots
from evohpo import results as results_mod
from evohpo.errors import EvohpoError
from evohpo.objectives import Objective
from evohpo.presets import mlp
from evohpo.report import write_report
from evohpo.space import Bool, Choice, Float, Int, Repeat, Space
from evohpo.strategies.base import Evaluation, Status

MLP = mlp.space(layers=(1, 2))
ACC = Objective("val_accuracy", "max")
LOSS = Objective("val_loss", "min")
AUC = Objective("val_auc", "max")
CUSTOM = Space(
    conv=Repeat(Int(1, 3), filters=Choice([8, 16, 32])),
    dense=Int(16, 1024, log=True),
    optimizer=Choice(["sgd", "adam"]),
    momentum=Float(0.0, 0.9, when={"optimizer": "sgd"}),
    dropout=Float(0.0, 0.5),
    batch_norm=Bool(),
)


def config(optimizer: str = "adam", lr: float = 1e-3, n_layers: int = 1, units: int = 16,
           activation: str = "relu") -> dict:
    """An MLP preset config."""
    return {"layers": [{"units": units, "activation": activation}] * n_layers,
            "optimizer": optimizer, "learning_rate": lr, "batch_size": 32}


def scores_for(objective: Objective, score: float) -> dict[str, float | None]:
    """The validation metrics a model with this objective score reports."""
    if objective.name == "val_loss":  # regression: no accuracy
        return {"val_loss": score}
    out = {"val_accuracy": score, "val_loss": 1 - score}
    out[objective.name] = score
    return out


def write_run(folder: Path, method: str, seed: int, scores: list[float | None], *,
              configs: list[dict] | None = None, space: Space = MLP,
              objective: Objective = ACC, test: float | None = 0.5, seconds: float = 10.0,
              task: str = "toy", best_json: bool = True,
              cached: set[int] = frozenset()) -> Path:
    """A campaign folder: results.csv (one row per score; None = failed) and best.json."""
    folder.mkdir(parents=True, exist_ok=True)
    log = results_mod.ResultsLog.create(folder / results_mod.CSV_NAME,
                                        results_mod.columns(space, objective))
    evals = []
    for i, score in enumerate(scores):
        ok = score is not None
        ev = Evaluation(
            eval_id=i, generation=i // 4,
            config=configs[i] if configs else config(lr=10.0 ** (i % 4 - 4)),
            status=Status.OK if ok else Status.FAILED,
            objective=objective.minimised(score),
            scores=scores_for(objective, score) if ok else {},
            params=100 * (i + 1), epochs=1, train_seconds=0.5, worker="w",
            error="" if ok else "boom", cached=i in cached,
        )
        evals.append(ev)
        log.append(results_mod.row(ev, campaign=folder.name, method=method, seed=seed,
                                   space=space, objective=objective))
    log.finalize()
    if best_json:
        ok_evals = [e for e in evals if e.ok]
        best = min(ok_evals, key=lambda e: (e.objective, e.eval_id)) if ok_evals else None
        tests = {"test_loss": test if objective is LOSS else 0.3}
        if objective is not LOSS:
            tests["test_accuracy"] = test
            tests["test_" + objective.name.removeprefix("val_")] = test
        results_mod.write_json(folder / results_mod.BEST_NAME, {
            "method": method, "seed": seed, "task": task, "objective": objective.spec,
            "kind": "regression" if objective is LOSS else "multiclass", "seconds": seconds,
            "best": None if best is None else {
                "eval_id": best.eval_id, "config": best.config, "scores": best.scores,
                "test": tests, "val_accuracy": best.val_accuracy, "val_loss": best.val_loss,
                "test_accuracy": tests.get("test_accuracy"), "test_loss": tests["test_loss"],
                "model_path": None,
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


# --------------------------------------------------------------------------- curves, summary


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


# --------------------------------------------------------------------------- custom space


def _custom_dir(tmp_path: Path, n: int = 60) -> Path:
    """A custom space (conv blocks, dense width, optimizer, sgd-only momentum, dropout,
    batch_norm) optimised for val_auc: adam scores 0.8, sgd 0.4 + 0.3 * momentum (0.4 to 0.67),
    the other genes nothing. Two seeds of GA, one of random."""
    rng = random.Random(3)
    for method, seed in (("ga", 0), ("ga", 1), ("random", 0)):
        configs = [CUSTOM.decode(CUSTOM.sample(rng)) for _ in range(n // 3)]
        configs[0]["dropout"] = 0.001  # dropout spans decades whatever the random stream
        scores = [0.8 if c["optimizer"] == "adam" else 0.4 + 0.3 * c["momentum"]
                  for c in configs]
        write_run(tmp_path / f"{method}-seed{seed}", method, seed, scores, configs=configs,
                  space=CUSTOM, objective=AUC, test=0.6 + seed / 10)
    return tmp_path


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


# --------------------------------------------------------------------------- plots, report


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_and_report_files(compare_dir: Path, tmp_path: Path) -> None:
    frame = analysis.load(compare_dir)
    out = tmp_path / "report"
    report = write_report(frame, out, title="Toy comparison")
    assert set(report.plots) == {"best_so_far", "distribution", "gene", "params"}
    assert report.plots["gene"].name == "score_vs_learning_rate.png"
    for png in report.plots.values():
        assert png.parent == out and _is_png(png) and png.stat().st_size > 5_000
    summary = pd.read_csv(out / "summary.csv")
    assert summary["method"].tolist() == ["ga", "random", "grid"]
    assert {"best_val_accuracy_mean", "selected_test_accuracy_std", "p_vs_ga",
            "grid_coverage", "evals_to_target_mean", "not_ok"} <= set(summary.columns)
    md = (out / "report.md").read_text()
    assert md.startswith("# Toy comparison")
    for png in report.plots.values():
        assert f"]({png.name})" in md  # relative links: the folder can move
    assert "| ga |" in md and "ga vs random: U=" in md
    assert "Which hyperparameters matter" in md and "| optimizer |" in md
    assert "../cmp/ga-seed0" in md


def _labels(monkeypatch) -> dict[str, dict[str, str]]:
    """Record each saved figure's axis labels, title and legend title, by file name."""
    seen: dict[str, dict[str, str]] = {}
    save = plots._save

    def spy(fig, path):
        ax = fig.axes[0]
        legend = ax.get_legend()
        seen[Path(path).name] = {
            "x": ax.get_xlabel(), "y": ax.get_ylabel(), "title": ax.get_title(),
            "legend": legend.get_title().get_text() if legend else "",
            "xscale": ax.get_xscale(),
        }
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", spy)
    return seen


def test_plots_of_a_custom_space_name_its_objective_and_genes(tmp_path: Path,
                                                              monkeypatch) -> None:
    frame = analysis.load(_custom_dir(tmp_path / "runs"))
    seen = _labels(monkeypatch)
    paths = plots.plot_all(frame, tmp_path / "p")
    # momentum moves val_auc most; it counts only with sgd, so colouring by optimizer would
    # show one colour: another gene that varies among the sgd networks colours it
    x, colour = plots.gene_axes(frame)
    assert x == "momentum" and colour not in (None, "optimizer")
    assert frame.loc[frame["optimizer"] == "sgd", colour].nunique() > 1
    assert paths["gene"].name == "score_vs_momentum.png" and _is_png(paths["gene"])
    gene = seen["score_vs_momentum.png"]
    assert gene["y"] == "val_auc (higher is better)"
    assert gene["x"] == "momentum" and gene["xscale"] == "linear"
    assert gene["legend"] == f"{colour} (n)"
    assert seen["distribution.png"]["y"] == "val_auc (higher is better)"
    assert seen["best_so_far.png"]["y"] == "best val_auc so far (higher is better)"
    assert "accuracy" not in " ".join(v for d in seen.values() for v in d.values())
    md = write_report(frame, tmp_path / "rep").markdown.read_text()
    assert f"### Score vs momentum, by {colour}" in md
    assert "objective: `val_auc:max`" in md


def test_plots_of_a_loss_say_lower_is_better(tmp_path: Path, monkeypatch) -> None:
    write_run(tmp_path / "r", "ga", 0, [3.0, 1.0, 2.0],
              configs=[config(lr=1e-4), config(lr=1e-3), config(lr=1e-1)], objective=LOSS)
    seen = _labels(monkeypatch)
    plots.plot_all(analysis.load(tmp_path / "r"), tmp_path / "p")
    lr = seen["score_vs_learning_rate.png"]
    assert lr["y"] == "val_loss (lower is better)" and lr["xscale"] == "log"
    assert lr["x"] == "learning_rate (log scale)"


def test_plots_survive_runs_where_nothing_finished(tmp_path: Path) -> None:
    write_run(tmp_path / "ga-seed0", "ga", 0, [None, None])
    frame = analysis.load(tmp_path)
    paths = plots.plot_all(frame, tmp_path / "p")
    assert paths and all(_is_png(p) for p in paths.values())
    s = analysis.summarize(frame)
    assert s.table["not_ok"].iloc[0] == 2
    assert math.isnan(s.table["best_val_accuracy_mean"].iloc[0])


def test_analysis_and_plots_never_import_tensorflow() -> None:
    import subprocess
    import sys

    code = ("import sys, evohpo.analysis, evohpo.plots, evohpo.report, evohpo.cli.report; "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
