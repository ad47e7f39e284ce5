"""Several objectives through the real campaign loop and comparison, with a fake evaluator (no
TensorFlow): the hypervolume per generation and its reference, the knee, resume, the ranking of
methods by hypervolume against one common reference, and the report's Pareto plot.

The contract test (tests/test_contract.py) checks the ``pareto`` column of every strategy on
every space; the real tiny NSGA-II run on iris is in tests/test_cli.py.
"""

from __future__ import annotations

import csv
import json
import math
import zlib
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from evohpo import analysis, strategies, tasks
from evohpo.campaign import run_campaign
from evohpo.compare import compare, make_plan
from evohpo.engines import Job, Setup
from evohpo.errors import EvohpoError
from evohpo.pareto import hypervolume, knee
from evohpo.report import write_report
from evohpo.results import VOLATILE
from evohpo.space import Float, Int, Space, config_key
from evohpo.strategies import Evaluation, Status

SPACE = Space(units=Int(4, 512, log=True), depth=Int(1, 4), lr=Float(1e-4, 1e-1, log=True))
TASK = tasks.iris()  # only its name and fingerprint matter to the fake evaluator
TWO = "val_accuracy:max,params:min"
THREE = "val_accuracy:max,params:min,latency:min"


def fake(job: Job, setup: Setup) -> Evaluation:
    """A network-like trade-off: bigger networks fit better, a learning rate far from 1e-2
    hurts, a little hash noise; one network in eleven fails. Every objective is measured."""
    c = job.config
    params = c["depth"] * c["units"] * (c["units"] + 1)
    noise = (zlib.crc32(config_key(c).encode()) % 1000) / 20_000
    record = {"eval_id": job.eval_id, "generation": job.generation, "config": c,
              "worker": "fake", "train_seconds": 0.001, "params": params, "epochs": 1}
    if zlib.crc32(config_key(c).encode()) % 11 == 0:
        return Evaluation(**record, status=Status.FAILED, error="fake failure")
    accuracy = 1 - 1 / (1 + math.log2(params)) - 0.05 * abs(math.log10(c["lr"]) + 2) + noise
    scores = {"val_accuracy": accuracy, "val_loss": 1 - accuracy, "params": float(params),
              "latency": c["depth"] + c["units"] / 100}
    vector = tuple(o.minimised(scores[o.name]) for o in setup.objectives)
    return Evaluation(**record, status=Status.OK, scores=scores, objective=vector[0],
                      objectives=vector if setup.others else ())


def campaign(out: Path, method: str = "nsga2", *, objective: str = TWO, budget: int = 40,
             population: int = 8, seed: int = 0, **kw):
    strategy = strategies.make(method, SPACE, seed=seed, population=population,
                               n_objectives=objective.count(",") + 1)
    return run_campaign(strategy, TASK, budget=budget, out=out, backend="threading",
                        progress=False, save_best=False, evaluator=kw.pop("evaluator", fake),
                        objective=objective, campaign="pareto", **kw)


def rows_of(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def vector(row: dict, objective: str = TWO) -> tuple[float, ...]:
    signs = {"max": -1.0, "min": 1.0}
    return tuple(signs[d] * float(row[n]) for n, d in (s.split(":") for s in
                                                       objective.split(",")))


def test_hypervolume_per_generation_grows_against_the_first_generation_s_reference(tmp_path):
    result = campaign(tmp_path, budget=48, population=8)
    rows = rows_of(tmp_path / "results.csv")
    gen0 = [vector(r) for r in rows if r["generation"] == "0" and r["status"] == "ok"]
    worst = np.max(gen0, axis=0)
    expected_ref = worst + 0.1 * (worst - np.min(gen0, axis=0))
    summary = json.loads((tmp_path / "best.json").read_text())
    checkpoint = json.loads((tmp_path / "checkpoint.json").read_text())
    hv = summary["hypervolume"]
    assert len(hv) == 6 == len(result.hypervolume)  # one per generation
    assert all(b >= a for a, b in zip(hv, hv[1:])) and hv[-1] > hv[0] > 0
    assert checkpoint["pareto"]["reference"] == pytest.approx(list(expected_ref))
    assert summary["reference"] == pytest.approx([-expected_ref[0], expected_ref[1]])
    assert result.reference == summary["reference"] and result.hypervolume == hv
    for g in range(6):  # each value: everything clean up to that generation, same box
        upto = [vector(r) for r in rows if int(r["generation"]) <= g and r["status"] == "ok"]
        assert hv[g] == pytest.approx(hypervolume(upto, tuple(expected_ref)))


def test_the_knee_of_the_front_is_the_chosen_network(tmp_path):
    campaign(tmp_path)
    summary = json.loads((tmp_path / "best.json").read_text())
    front = [r for r in rows_of(tmp_path / "results.csv") if r["pareto"] == "true"]
    points = [vector(r) for r in front]
    assert summary["knee_eval_id"] == int(front[knee(points)]["eval_id"])
    listed = [p["eval_id"] for p in summary["pareto"]]  # along the trade-off: best accuracy first
    accuracy = {int(r["eval_id"]): float(r["val_accuracy"]) for r in front}
    assert sorted(listed) == sorted(accuracy)
    assert [accuracy[i] for i in listed] == sorted(accuracy.values(), reverse=True)
    assert [int(r["eval_id"]) for r in rows_of(tmp_path / "pareto.csv")] == listed


def test_three_objectives_flag_the_three_dimensional_front(tmp_path):
    result = campaign(tmp_path, "random", objective=THREE, budget=30, population=10)
    rows = rows_of(tmp_path / "results.csv")
    clean = [r for r in rows if r["status"] == "ok" and r["cached"] == "false"]
    pts = {r["eval_id"]: vector(r, THREE) for r in clean}
    front = {i for i, p in pts.items()
             if not any(all(x <= y for x, y in zip(q, p)) and q != p for q in pts.values())}
    assert {r["eval_id"] for r in rows if r["pareto"] == "true"} == front
    assert {str(e.eval_id) for e in result.pareto} == front
    assert len(result.hypervolume) == 3


def test_a_killed_multi_objective_campaign_resumes_to_the_same_files(tmp_path):
    class Killed(Exception):
        pass

    def killed_at_21(job: Job, setup: Setup) -> Evaluation:
        if job.eval_id >= 21:
            raise Killed
        return fake(job, setup)

    campaign(tmp_path / "whole")
    with pytest.raises(Killed):  # mid generation 2: rows 16-20 are on disk, the batch is not
        campaign(tmp_path / "killed", evaluator=killed_at_21)
    cut = json.loads((tmp_path / "killed" / "checkpoint.json").read_text())
    assert cut["n_evals"] == 16 and len(cut["pareto"]["hypervolume"]) == 2
    resumed = campaign(tmp_path / "killed", resume=True)

    def stable(path: Path) -> list[dict]:
        return [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows_of(path)]

    for name in ("results.csv", "pareto.csv"):
        assert stable(tmp_path / "killed" / name) == stable(tmp_path / "whole" / name), name
    whole, again = (json.loads((tmp_path / d / "best.json").read_text())
                    for d in ("whole", "killed"))
    for key in ("hypervolume", "reference", "pareto", "knee_eval_id"):
        assert again[key] == whole[key], key
    assert [e.eval_id for e in resumed.pareto] == [p["eval_id"] for p in sorted(
        whole["pareto"], key=lambda p: p["eval_id"])]


def test_the_ga_refuses_two_objectives_and_nsga2_one(tmp_path):
    ga = strategies.make("ga", SPACE, population=4)
    with pytest.raises(EvohpoError, match="ga optimises one objective, and 2 were given"):
        run_campaign(ga, TASK, budget=4, out=tmp_path / "ga", objective=TWO, evaluator=fake,
                     backend="threading", progress=False)
    nsga2 = strategies.make("nsga2", SPACE, population=4, n_objectives=2)
    with pytest.raises(EvohpoError, match="for one objective use ga"):
        run_campaign(nsga2, TASK, budget=4, out=tmp_path / "ns", objective="val_accuracy",
                     evaluator=fake, backend="threading", progress=False)
    assert not (tmp_path / "ga").exists() and not (tmp_path / "ns").exists()


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory):
    """NSGA-II vs random search, 3 seeds each, through compare() with the fake evaluator."""
    out = tmp_path_factory.mktemp("pareto") / "cmp"
    plan = make_plan(TASK, SPACE, methods=("nsga2", "random"), objective=TWO, seeds=3,
                     budget=32, population=8, out=out, backend="threading")
    report = compare(plan, progress=False, evaluator=fake, save_best=False)
    return out, report


@pytest.mark.slow
def test_compare_ranks_methods_by_final_hypervolume_against_one_reference(compared):
    out, report = compared
    summary = report.summary
    frame = analysis.load(out)
    ok = frame[frame["status"] == "ok"]
    points = np.column_stack([-ok["val_accuracy"].to_numpy(float),
                              ok["params"].to_numpy(float)])
    worst, best = points.max(axis=0), points.min(axis=0)
    ref = tuple(worst + 0.1 * (worst - best))  # the worst over ALL runs, widened by 10%
    assert summary.metric.column == "hypervolume" and summary.baseline == "nsga2"
    assert summary.reference == pytest.approx({"val_accuracy": -ref[0], "params": ref[1]})
    finals = {}
    for run, rows in ok.groupby("run"):
        own = [tuple(p) for p in np.column_stack([-rows["val_accuracy"].to_numpy(float),
                                                  rows["params"].to_numpy(float)])]
        finals[run] = hypervolume(own, ref)
    per_run = summary.runs.set_index("run")
    for run, value in finals.items():
        assert per_run.loc[run, "best"] == pytest.approx(value)
    by_method = {m: [v for r, v in finals.items() if Path(r).name.startswith(m)]
                 for m in ("nsga2", "random")}
    table = summary.table.set_index("method")
    assert table.loc["nsga2", "best_hypervolume_mean"] == pytest.approx(
        np.mean(by_method["nsga2"]))
    p = mannwhitneyu(by_method["nsga2"], by_method["random"], alternative="two-sided").pvalue
    assert table.loc["random", "p_vs_nsga2"] == pytest.approx(p)
    assert (table["objective"] == TWO).all()
    text = analysis.describe_summary(summary)
    assert "metric: hypervolume (higher is better)" in text and "common reference point" in text
    assert "nsga2 vs random: U=" in text and "on final hypervolume per seed" in text


@pytest.mark.slow
def test_the_comparison_report_draws_the_pareto_plot(compared, tmp_path):
    out, report = compared
    assert report.plots["pareto"] == out / "pareto.png"
    assert (out / "pareto.png").stat().st_size > 10_000
    md = (out / "report.md").read_text()
    assert "![pareto](pareto.png)" in md and "ranked by the hypervolume" in md
    assert "Mean val_accuracy per value" in md  # the genes' effects read the first objective
    again = write_report(analysis.load(out), tmp_path / "rep")  # `evohpo report` on it
    assert again.summary.table.equals(report.summary.table)


@pytest.mark.slow
def test_the_front_of_a_frame_follows_the_campaign_s_column(compared):
    out, _ = compared
    frame = analysis.load(out)
    for _, rows in frame.groupby("run"):
        assert rows["pareto"].tolist() == analysis.front_mask(rows).tolist()


@pytest.mark.slow
def test_mixing_single_and_multi_objective_runs_is_refused(compared, tmp_path):
    out, _ = compared
    campaign(tmp_path / "single", "random", objective="val_accuracy:max", budget=8)
    with pytest.raises(EvohpoError, match="mix objectives"):
        analysis.summarize(analysis.load([out, tmp_path / "single"]))
