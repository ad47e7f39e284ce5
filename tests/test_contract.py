"""One contract for every strategy on every kind of space, through the real ``run_campaign``.

The evaluator is a deterministic stand-in for training (a score from the config's key, and a
failure for some configs), so a whole campaign takes milliseconds and needs no TensorFlow.
What every (strategy, space) pair must give: exactly the budget's rows (a grid: its size, if
smaller) with eval_ids 0..n-1, valid configs in the space, one column per gene, a network met
again is a ``cached`` row with the first one's outcome, failures are rows and the campaign goes
on, and a campaign killed mid-batch and resumed writes the CSV of an uninterrupted one.

Every strategy runs with the objectives it takes: the GA, aging evolution and CMA-ES one,
NSGA-II two (accuracy and parameter count); random and grid search and TPE one and two. With
two, the CSV's ``pareto`` column must flag exactly the non-dominated clean networks.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from evohpo import strategies, tasks
from evohpo.campaign import run_campaign
from evohpo.engines import Job, Setup
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.results import VOLATILE
from evohpo.space import Bool, Choice, Fixed, Float, Grid, Int, Repeat, Space, config_key
from evohpo.strategies import Evaluation, Status, registry

MULTI = "val_accuracy:max,params:min"

SPACES = {
    "flat": Space(units=Int(4, 256, log=True), lr=Float(1e-4, 1e-1, log=True),
                  act=Choice(["relu", "tanh", "elu"]), bn=Bool(), depth=Fixed(2)),
    "repeated": Space(conv=Repeat(Int(0, 3), filters=Choice([8, 16, 32], ordered=True),
                                  kernel=Int(1, 7)),
                      dense=Int(8, 64)),
    "conditional": Space(
        optimizer=Choice(["adam", "sgd", "rmsprop"]),
        momentum=Float(0.0, 0.99, when={"optimizer": "sgd"}),
        nesterov=Bool(when={"optimizer": "sgd"}),
        lr=Float(1e-4, 1e-1, log=True),
        layers=Repeat(Int(1, 3), units=Int(4, 64, log=True),
                      dropout=Float(0.0, 0.5, when={"optimizer": ["adam", "rmsprop"]})),
    ),
    "single": Space(x=Int(1, 40)),
    "mlp": mlp.space(layers=(1, 3), units=(4, 64), dropout=(0.0, 0.5), momentum=(0.0, 0.9),
                     nesterov=True, batch_norm=True, lr_schedules=["constant", "cosine"],
                     batch_sizes=[16, 32]),
}
METHODS = strategies.METHODS
POPULATION, LEVELS, BUDGET = 6, 2, 20
TASK = tasks.iris()  # only its name and fingerprint matter to the fake evaluator


def _hash(config: dict) -> int:
    return zlib.crc32(config_key(config).encode())


def fails(config: dict) -> bool:
    return _hash(config) % 5 == 0


def fake(job: Job, setup: Setup) -> Evaluation:
    """Training, faked: a fixed score and size per network; one network in five fails. Every
    objective is measured, as the real engine does (``params`` among them)."""
    h = _hash(job.config)
    record = {"eval_id": job.eval_id, "generation": job.generation, "config": job.config,
              "worker": "fake", "train_seconds": 0.001}
    if fails(job.config):
        return Evaluation(**record, status=Status.FAILED, error=f"fake failure {h % 9973}")
    accuracy, params = (h % 1000) / 1000, (h // 7) % 5000
    scores = {"val_accuracy": accuracy, "val_loss": 1.0 - accuracy, "params": float(params)}
    vector = tuple(o.minimised(scores[o.name]) for o in setup.objectives)
    return Evaluation(**record, status=Status.OK, scores=scores, params=params,
                      epochs=job.epochs, objective=vector[0],
                      objectives=vector if setup.others else ())


class Killed(Exception):
    """Stands for the campaign's process being killed."""


class KilledAt:
    """The fake evaluator until evaluation ``at`` starts: then the process 'dies'."""

    def __init__(self, at: int) -> None:
        self.at = at

    def __call__(self, job: Job, setup: Setup) -> Evaluation:
        if job.eval_id >= self.at:
            raise Killed(job.eval_id)
        return fake(job, setup)


def run(method: str, space: Space, out: Path, *, budget: int = BUDGET, evaluator=fake,
        resume: bool = False, objective: str | None = None):
    """One campaign; ``objective`` None means the method's own (NSGA-II: two)."""
    objective = objective or (MULTI if method == "nsga2" else "val_accuracy:max")
    strategy = strategies.make(method, space, seed=7, population=POPULATION, levels=LEVELS,
                               n_objectives=objective.count(",") + 1)
    return run_campaign(strategy, TASK, budget=budget, out=out, n_jobs=1, backend="threading",
                        progress=False, save_best=False, evaluator=evaluator, resume=resume,
                        campaign="contract", objective=objective)


def read(out: Path) -> list[dict]:
    with open(out / "results.csv", newline="") as f:
        return list(csv.DictReader(f))


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def expected_rows(method: str, space: Space) -> int:
    return min(BUDGET, Grid(space, LEVELS).size) if method == "grid" else BUDGET


def objectives_for(method: str) -> list[str]:
    """What each method is run with: one objective and two, each when it takes that many (the
    GA and aging evolution one, NSGA-II two, random and grid search and TPE both)."""
    return [o for o in ("val_accuracy:max", MULTI)
            if registry.method(method).takes(o.count(",") + 1)]


CASES = [pytest.param(m, s, o, id=f"{m}-{s}" + ("-2obj" if "," in o else ""))
         for m in METHODS for o in objectives_for(m) for s in SPACES]


def minimised(row: dict) -> tuple[float, float]:
    return -float(row["val_accuracy"]), float(row["params"])


def brute_force_front(rows: list[dict]) -> set[str]:
    """eval_ids of the clean, trained rows that no other such row dominates (by definition)."""
    clean = [r for r in rows if r["status"] == "ok" and r["cached"] == "false"]

    def dominated(r: dict) -> bool:
        a = minimised(r)
        return any(all(x <= y for x, y in zip(minimised(o), a)) and minimised(o) != a
                   for o in clean)

    return {r["eval_id"] for r in clean if not dominated(r)}


@pytest.mark.parametrize(("method", "space_name", "objective"), CASES)
def test_every_strategy_on_every_space(method, space_name, objective, tmp_path):
    space = SPACES[space_name]
    result = run(method, space, tmp_path, objective=objective)
    rows = read(tmp_path)
    n = expected_rows(method, space)
    assert len(rows) == len(result.evaluations) == n
    assert [int(r["eval_id"]) for r in rows] == list(range(n))
    assert [e.eval_id for e in result.evaluations] == list(range(n))
    assert {r["method"] for r in rows} == {method} and {r["seed"] for r in rows} == {"7"}
    first: dict[str, dict] = {}
    for row in rows:
        config = json.loads(row["config"])
        assert space.decode(space.encode(config)) == config  # a valid config of this space
        for column, value in space.flatten(config).items():  # one column per gene
            assert row[column] == cell(value), column
        key = config_key(config)
        if key in first:  # a network met again: not trained again, same outcome
            assert row["cached"] == "true" and row["worker"] == "cache"
            for column in ("status", "error", "val_accuracy", "val_loss", "params"):
                assert row[column] == first[key][column]
        else:
            first[key] = row
            assert row["cached"] == "false"
        if fails(config):  # a failure is a row, with the error and no score
            assert row["status"] == "failed" and row["error"].startswith("fake failure")
            assert row["val_accuracy"] == ""
        else:
            assert row["status"] == "ok" and row["error"] == ""
            assert float(row["val_accuracy"]) == (_hash(config) % 1000) / 1000
    assert result.cache_hits == sum(r["cached"] == "true" for r in rows)
    ok = [r for r in rows if r["status"] == "ok" and r["cached"] == "false"]
    if "," in objective:  # several objectives: the knee of the front is chosen
        assert result.best.eval_id in {e.eval_id for e in result.pareto}
    else:
        winner = max(ok, key=lambda r: (float(r["val_accuracy"]), -int(r["eval_id"])))
        assert result.best.eval_id == int(winner["eval_id"])  # chosen, not retrained
    assert result.best.test_scores == {} and result.best.model_path is None
    assert not (tmp_path / "best.keras").exists()
    checkpoint = json.loads((tmp_path / "checkpoint.json").read_text())
    assert checkpoint["finished"] and checkpoint["n_evals"] == n
    summary = json.loads((tmp_path / "best.json").read_text())
    assert summary["evaluations"] == n and summary["cache_hits"] == result.cache_hits
    assert {r["objective"] for r in rows} == {objective}
    if "," not in objective:
        assert "pareto" not in rows[0] and not (tmp_path / "pareto.csv").exists()
        return
    # several objectives: the front is flagged, listed, returned and reported, all the same set
    front = brute_force_front(rows)
    assert front and {r["pareto"] for r in rows} <= {"true", "false"}
    assert {r["eval_id"] for r in rows if r["pareto"] == "true"} == front
    with open(tmp_path / "pareto.csv", newline="") as f:
        listed = list(csv.DictReader(f))
    assert {r["eval_id"] for r in listed} == front and len(listed) == len(front)
    assert {str(e.eval_id) for e in result.pareto} == front
    assert {str(p["eval_id"]) for p in summary["pareto"]} == front
    assert len(summary["hypervolume"]) == len({r["generation"] for r in rows})


def stable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]


@pytest.mark.parametrize("kill_at", [3, 9])
@pytest.mark.parametrize(("method", "space_name", "objective"), CASES)
def test_a_killed_and_resumed_campaign_writes_the_uninterrupted_csv(method, space_name,
                                                                  objective, kill_at, tmp_path):
    space = SPACES[space_name]
    run(method, space, tmp_path / "whole", objective=objective)
    try:  # killed mid-batch: rows after the last checkpoint are on disk, the batch is not done
        run(method, space, tmp_path / "killed", evaluator=KilledAt(kill_at), objective=objective)
    except Killed:
        assert len(read(tmp_path / "killed")) < expected_rows(method, space)
    else:
        assert expected_rows(method, space) <= kill_at  # a grid smaller than the kill point
    resumed = run(method, space, tmp_path / "killed", resume=True, objective=objective)
    assert stable(read(tmp_path / "killed")) == stable(read(tmp_path / "whole"))  # incl. pareto
    assert len(resumed.evaluations) == expected_rows(method, space)


@pytest.mark.parametrize("method", ["ga", "random"])
def test_resuming_a_shorter_campaign_with_a_larger_budget_keeps_its_rows(method, tmp_path):
    space = SPACES["conditional"]
    run(method, space, tmp_path, budget=12)
    before = stable(read(tmp_path))
    result = run(method, space, tmp_path, budget=BUDGET, resume=True)
    after = stable(read(tmp_path))
    assert len(after) == len(result.evaluations) == BUDGET
    assert after[:12] == before


def test_seconds_count_every_process_of_a_resumed_campaign(tmp_path):
    """best.json's and the result's seconds are the whole campaign's, not the last process's
    (issue 24): the checkpoint carries the seconds spent so far."""
    run("random", SPACES["conditional"], tmp_path, budget=12)
    checkpoint = tmp_path / "checkpoint.json"
    state = json.loads(checkpoint.read_text())
    assert state["seconds"] > 0
    state["seconds"] = 1000.0  # as if the first process had run for 1,000 s
    checkpoint.write_text(json.dumps(state))
    result = run("random", SPACES["conditional"], tmp_path, budget=BUDGET, resume=True)
    assert 1000.0 < result.seconds < 1100.0
    assert json.loads(checkpoint.read_text())["seconds"] >= 1000.0  # a resume of ms rounds to it
    state = json.loads(checkpoint.read_text())
    state["seconds"] = "a while"
    checkpoint.write_text(json.dumps(state))
    with pytest.raises(EvohpoError, match="'seconds' is 'a while'"):
        run("random", SPACES["conditional"], tmp_path, budget=BUDGET + 4, resume=True)


def test_networks_met_again_are_cached_rows_not_trained_again(tmp_path):
    space = Space(x=Choice(["a", "b", "c"]))
    trained: list[int] = []

    def counting(job: Job, setup: Setup) -> Evaluation:
        trained.append(job.eval_id)
        return fake(job, setup)

    result = run("random", space, tmp_path, budget=12, evaluator=counting)
    rows = read(tmp_path)
    assert len(rows) == 12 and len(trained) == 3
    assert sum(r["cached"] == "false" for r in rows) == 3 == len({r["config"] for r in rows})
    assert result.cache_hits == 9


def test_failures_are_rows_and_the_campaign_goes_on(tmp_path):
    space = SPACES["single"]
    failing = [x for x in range(1, 41) if fails({"x": x})]
    assert 0 < len(failing) < 40
    run("random", space, tmp_path, budget=BUDGET)
    rows = read(tmp_path)
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(rows) == BUDGET and failed
    assert all(int(r["x"]) in failing and r["objective"] == "val_accuracy:max" for r in failed)
    assert int(failed[0]["eval_id"]) < BUDGET - 1  # rows came after the first failure


@pytest.mark.slow
def test_a_contract_campaign_never_imports_tensorflow():
    here = Path(__file__).parent
    script = (
        "import sys, tempfile, pathlib\n"
        f"sys.path.insert(0, {str(here)!r})\n"
        "import test_contract as t\n"
        "out = pathlib.Path(tempfile.mkdtemp())\n"
        "for m in t.METHODS:\n"
        "    t.run(m, t.SPACES['mlp'], out / m)\n"
        "print(sorted(k for k in ('tensorflow', 'keras') if k in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
