"""Evaluating a black box (evohpo/engines/call.py): its function called on one config, in this
process and in loky workers; what it does wrong is a row, never a crash of the campaign."""

from __future__ import annotations

import math
import time

import pytest

from evohpo import BlackBox, run_campaign, strategies
from evohpo.engines import Job, Setup, TaskRef, eval_seed, resolve
from evohpo.engines.base import ship
from evohpo.engines.call import evaluate
from evohpo.results import read
from evohpo.strategies import Status
from tests._fakes import LANDSCAPE_METRICS, LANDSCAPE_SPACE, landscape

CONFIG = {"width": 32, "act": "relu", "lr": 0.003, "depth": 2}


def _call(box: BlackBox, objective: str = "loss:min", eval_id: int = 5):
    objs = box.objectives(objective)
    setup = Setup(box, box, objs[0], objs[1:])
    return evaluate(Job(CONFIG, eval_id, 1, eval_seed(9, eval_id), 0), setup)


def test_a_value_becomes_an_ok_row_with_every_score_and_the_objective_minimised():
    box = BlackBox(landscape, metrics=LANDSCAPE_METRICS)
    ev = _call(box, "loss:min,size:min")
    expected = landscape(CONFIG, eval_seed(9, 5))
    assert ev.status == Status.OK and ev.scores == expected and ev.eval_id == 5
    assert ev.objective == expected["loss"] and ev.objectives == (expected["loss"], 64.0)
    assert ev.epochs == 0 and ev.params is None and ev.train_seconds >= 0
    assert ev.extra == {}
    maximised = _call(BlackBox(lambda config: 0.75), "score:max")
    assert maximised.objective == -0.75 and maximised.scores == {"score": 0.75}


def test_what_the_function_does_wrong_is_a_row_with_its_error():
    def broken(config):
        return {"loss": 1.0} / 2

    failed = _call(BlackBox(broken))
    assert failed.status == Status.FAILED and failed.error.startswith(
        "TypeError: unsupported operand type(s) for /: 'dict' and 'int'")
    wrong = _call(BlackBox(lambda config: [1.0], name="listy"))
    assert wrong.status == Status.FAILED and wrong.error.startswith(
        "listy() returned [1.0], not a number; return a float, or a dict of floats")
    nan = _call(BlackBox(lambda config: {"loss": 1.0, "size": math.inf}, name="inf"))
    assert nan.status == Status.DIVERGED and nan.error == "the function returned inf for 'size'"
    assert math.isinf(nan.objective)  # a row that is not ok is the worst for the strategies


def test_scores_without_a_column_are_named_in_a_note():
    declared = _call(BlackBox(lambda config: {"loss": 1.0, "x": 2.0}, name="f",
                              metrics=("loss",)))
    assert declared.extra["note"] == ("f() returned scores not in its metrics (x); list them "
                                      "in metrics= to get their columns")
    assert _call(BlackBox(lambda config: {"loss": 1.0}, name="g")).extra == {}


def test_a_black_box_is_shipped_to_workers_once_as_a_file(tmp_path):
    box = BlackBox(landscape, objective="loss:min", metrics=LANDSCAPE_METRICS, name="bowl")
    ref = ship(box, tmp_path)
    assert isinstance(ref, TaskRef) and ref.path.endswith("task.pkl")
    assert ref.fingerprint == box.fingerprint()
    loaded = resolve(ref)
    assert loaded is resolve(ref) and loaded.name == "bowl"  # read once per process
    assert loaded.call(CONFIG, 3) == landscape(CONFIG, 3)
    assert resolve(box) is box  # threads get the box itself


@pytest.mark.slow
def test_a_function_past_the_time_limit_is_stopped_in_its_loky_worker(tmp_path):
    def sometimes_stuck(config):
        if config["depth"] == 4:
            time.sleep(30)
        return landscape(config, 0)["loss"]

    box = BlackBox(sometimes_stuck, objective="loss:min", space=LANDSCAPE_SPACE)
    strategy = strategies.make("random", LANDSCAPE_SPACE, seed=2, population=4)
    start = time.perf_counter()
    run_campaign(strategy, box, budget=8, out=tmp_path / "stuck", time_limit=0.5, n_jobs=2,
                 progress=False)
    frame = read(tmp_path / "stuck" / "results.csv")
    stuck = frame["depth"] == 4
    assert stuck.any() and (frame.loc[stuck, "status"] == "timeout").all()
    assert (frame.loc[stuck, "error"] == "stopped: over the time limit of 0.5 s").all()
    assert (frame.loc[~stuck, "status"] == "ok").all() and time.perf_counter() - start < 25
