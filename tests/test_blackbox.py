"""The black-box path (evohpo/blackbox.py): any function of a config tuned by a campaign, as a
Keras model is: every strategy, the CSV, resume, the backends; no TensorFlow anywhere; what a
function returns checked into scores, with one line naming the fix for what cannot be scored.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from evohpo import BlackBox, Float, Space, run_campaign, strategies
from evohpo.blackbox import ReturnError, as_black_box, scores
from evohpo.engines.base import eval_seed
from evohpo.objectives import Objective
from evohpo.results import VOLATILE, read
from evohpo.strategies import registry
from tests._checks import error
from tests._fakes import LANDSCAPE_METRICS, LANDSCAPE_SPACE, landscape

BOX = BlackBox(landscape, objective="loss:min", metrics=LANDSCAPE_METRICS,
               space=LANDSCAPE_SPACE)
TWO = "loss:min,size:min"  # for a method built for several objectives


def _objective(method: str) -> str:
    return "loss:min" if registry.method(method).takes(1) else TWO


def _run(method: str, out: Path, *, box: BlackBox = BOX, budget: int = 24, **kw):
    objective = kw.pop("objective", _objective(method))
    strategy = strategies.make(method, box.space, seed=3, population=6, levels=2,
                               n_objectives=len(objective.split(",")))
    return run_campaign(strategy, box, budget=budget, out=out, objective=objective,
                        progress=False, **{"backend": "threading", **kw})


def _frame(out: Path):
    return read(out / "results.csv").drop(columns=list(VOLATILE))


# -- the record and its checks --------------------------------------------------------------


def test_a_function_becomes_a_black_box_named_after_it_and_a_task_stays_a_task():
    box = as_black_box(landscape)
    assert isinstance(box, BlackBox) and box.name == "landscape" and box.kind == "blackbox"
    assert as_black_box(BOX) is BOX
    assert as_black_box("iris") is None and as_black_box(Objective) is None  # a class: no
    assert box.takes_seed and not BlackBox(lambda config: 1.0).takes_seed


def test_the_fingerprint_names_the_function_and_its_version():
    assert BOX.fingerprint() == BlackBox(landscape, metrics=LANDSCAPE_METRICS).fingerprint()
    assert BOX.fingerprint() != BlackBox(landscape, name="other").fingerprint()
    assert BOX.fingerprint() != BlackBox(landscape, version="2").fingerprint()
    assert BOX.fingerprint() != BlackBox(lambda c, seed: {}, name="landscape").fingerprint()


@pytest.mark.parametrize(("make", "message"), [
    (lambda: BlackBox("f"), "a black box needs a function of a config, got 'f'"),
    (lambda: BlackBox(landscape, metrics="loss"), "metrics= lists score names"),
    (lambda: BlackBox(landscape, space={"x": 1}), "space= must be an evohpo.Space"),
])
def test_a_bad_black_box_is_refused_in_one_line(make, message):
    assert message in error(make)


def test_objectives_need_a_direction_and_must_be_among_declared_metrics():
    assert [o.spec for o in BOX.objectives()] == ["loss:min"]
    assert [o.spec for o in BOX.objectives(TWO)] == ["loss:min", "size:min"]
    plain = BlackBox(landscape)
    assert "name its value and say which way is better: objective='loss:min'" in error(
        plain.objectives)
    assert "objective 'loss' of black box landscape needs a direction: write loss:min or " \
        "loss:max" == error(lambda: plain.objectives("loss"))
    assert "reports no 'acc'; it reports loss, size, seconds" in error(
        lambda: BOX.objectives("acc:max"))
    assert [o.spec for o in plain.objectives(Objective("y", "min"))] == ["y:min"]


@pytest.mark.parametrize(("value", "objectives", "expected"), [
    (0.5, ["loss:min"], {"loss": 0.5}),
    (3, ["loss:min"], {"loss": 3.0}),
    ({"loss": 1, "size": 2.5}, ["loss:min"], {"loss": 1.0, "size": 2.5}),
    ({"loss": 1, "size": 2.5}, ["loss:min", "size:min"], {"loss": 1.0, "size": 2.5}),
])
def test_what_a_function_returns_becomes_named_scores(value, objectives, expected):
    objs = BlackBox(landscape).objectives(objectives)
    assert scores(value, objs, "f") == expected


@pytest.mark.parametrize(("value", "objectives", "message"), [
    (None, "loss:min", "f() returned None, not a number; return a float, or a dict of floats"),
    (True, "loss:min", "f() returned True, not a number"),
    ({"loss": "low"}, "loss:min", "f() returned 'low' for 'loss', not a number"),
    ({"size": 1.0}, "loss:min", "f() returned a dict without 'loss', the objective (it holds "
                                "size); return 'loss' too, or pass an objective it holds"),
    (0.5, TWO, "f() returned one value, and the campaign has 2 objectives (loss, size); "
               "return a dict with each of them"),
])
def test_a_return_value_that_cannot_be_scored_names_the_fix(value, objectives, message):
    objs = BlackBox(landscape).objectives(objectives)
    with pytest.raises(ReturnError) as caught:
        scores(value, objs, "f")
    assert str(caught.value).startswith(message)


def test_the_function_gets_a_copy_of_the_config_and_the_seed_it_asks_for():
    seen = []

    def greedy(config, seed):
        seen.append(seed)
        config["width"] = -1  # changing its argument changes nothing of the campaign's
        return 0.0

    config = {"width": 8}
    assert BlackBox(greedy).call(config, 42) == 0.0 and config == {"width": 8} and seen == [42]


# -- campaigns ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", registry.METHODS)
def test_every_strategy_tunes_a_black_box_and_writes_its_csv(tmp_path, method):
    result = _run(method, tmp_path / method)
    frame = read(result.csv)
    n = len(frame)
    assert n == 24 or (method == "grid" and 0 < n < 24)
    assert frame["eval_id"].tolist() == list(range(n)) and (frame["status"] == "ok").all()
    columns = list(frame.columns)
    assert columns[9:12] == ["loss", "size", "seconds"]  # the box's scores, objectives first
    assert "val_accuracy" not in columns and "val_loss" not in columns  # a model's, not here
    assert (frame["epochs"] == 0).all() and frame["params"].isna().all()
    first: dict[str, float] = {}
    for row in frame.itertuples():  # the function's value at the config, with the row's seed
        if not row.cached:
            first[row.config] = landscape(json.loads(row.config), eval_seed(3, row.eval_id))
        assert (row.loss, row.size) == (first[row.config]["loss"], first[row.config]["size"])
    best = json.loads((tmp_path / method / "best.json").read_text())
    assert best["kind"] == "blackbox" and best["metrics"] == ["loss", "size", "seconds"]
    assert best["best"]["model_path"] is None and not (tmp_path / method / "best.keras").exists()
    assert result.best is not None and result.best.test_scores == {}


def test_a_black_box_campaign_is_stopped_and_resumed_to_the_same_csv(tmp_path):
    class Stop(BaseException):  # not an Exception: it ends the campaign, like a kill
        pass

    calls = {"n": 0}

    def stopping(config, seed):
        calls["n"] += 1
        if calls["n"] == 17:  # the middle of the third batch
            raise Stop
        return landscape(config, seed)

    box = BlackBox(stopping, objective="loss:min", metrics=LANDSCAPE_METRICS,
                   name="landscape", space=LANDSCAPE_SPACE)
    with pytest.raises(Stop):
        _run("ga", tmp_path / "stopped", box=box)
    assert len(read(tmp_path / "stopped" / "results.csv")) == 16  # 6, 4, 4, then 2 of 4
    _run("ga", tmp_path / "stopped", box=box, resume=True)
    _run("ga", tmp_path / "whole", box=BlackBox(landscape, objective="loss:min",
                                                 metrics=LANDSCAPE_METRICS, name="landscape",
                                                 space=LANDSCAPE_SPACE))
    stopped, whole = _frame(tmp_path / "stopped"), _frame(tmp_path / "whole")
    assert stopped.drop(columns=["campaign"]).equals(whole.drop(columns=["campaign"]))
    assert calls["n"] == 17 + 24 - 16  # the rows written before the stop were not redone


def test_a_function_that_raises_or_returns_nan_is_a_row_and_the_campaign_goes_on(tmp_path):
    def shaky(config):
        if config["depth"] == 1:
            raise ValueError("depth 1 is not supported")
        if config["depth"] == 4:
            return math.nan
        return landscape(config, 0)["loss"]

    result = _run("random", tmp_path / "shaky", box=BlackBox(shaky, space=LANDSCAPE_SPACE),
                  objective="loss:min", budget=30)
    frame = read(result.csv).set_index("depth")
    assert set(frame.loc[1, "status"]) == {"failed"}
    assert set(frame.loc[1, "error"]) == {"ValueError: depth 1 is not supported"}
    assert set(frame.loc[4, "status"]) == {"diverged"}
    assert set(frame.loc[4, "error"]) == {"the function returned nan for 'loss'"}
    assert set(frame.loc[[2, 3], "status"]) == {"ok"}


def test_a_function_whose_every_value_is_wrong_stops_after_the_first_batch_with_the_fix(
        tmp_path):
    box = BlackBox(lambda config: None, name="forgot", space=LANDSCAPE_SPACE)
    message = error(lambda: _run("random", tmp_path / "none", box=box, objective="y:min"))
    assert message.startswith("every evaluation of the first batch failed with: forgot() "
                              "returned None, not a number; return a float")
    assert len(read(tmp_path / "none" / "results.csv")) == 6  # its rows are kept


def test_several_objectives_for_nsga2_and_extra_scores_as_columns(tmp_path):
    result = _run("nsga2", tmp_path / "pareto", objective=TWO)
    frame = read(result.csv)
    assert list(frame.columns[9:13]) == ["loss", "size", "seconds", "pareto"]
    assert frame["pareto"].any() and result.pareto
    assert (tmp_path / "pareto" / "pareto.csv").is_file() and frame["seconds"].notna().all()


def test_scores_the_box_did_not_declare_are_said_once(tmp_path, capsys):
    box = BlackBox(landscape, objective="loss:min", space=LANDSCAPE_SPACE)  # no metrics=
    result = _run("random", tmp_path / "undeclared", box=box)
    err = capsys.readouterr().err
    assert err.count("note: landscape() returned more scores than its objectives (seconds, "
                     "size); declare BlackBox(landscape, metrics=[...])") == 1
    assert list(read(result.csv).columns[9:10]) == ["loss"] and "size" not in read(result.csv)


@pytest.mark.parametrize(("kw", "message"), [
    ({"model": lambda config, task: None}, "model= builds Keras models, and landscape is a "
                                           "black box that scores configs itself"),
    ({"fit": lambda config, task: {}}, "fit= adds model.fit arguments"),
    ({"epochs": 3}, "epochs= is for training Keras models, and landscape is a black box"),
    ({"engine": "fused"}, "the fused engine cannot train this campaign: a black box is a "
                          "Python function, not a Keras model the fused engine could train"),
])
def test_what_a_black_box_cannot_honour_is_refused(tmp_path, kw, message):
    assert message in error(lambda: _run("random", tmp_path / "x", **kw))


def test_the_strategy_must_search_the_boxs_own_space(tmp_path):
    other = strategies.make("random", Space(lr=Float(1e-3, 1e-1)), seed=0)
    assert "this search space is not landscape's own" in error(
        lambda: run_campaign(other, BOX, budget=4, out=tmp_path / "x", progress=False))


def test_a_bare_function_is_a_one_liner(tmp_path):
    space = Space(x=Float(-3.0, 3.0))
    result = run_campaign(strategies.make("ga", space, seed=0, population=8),
                          lambda config: (config["x"] - 1) ** 2, objective="y:min", budget=48,
                          out=tmp_path / "one", backend="threading", progress=False)
    assert result.best.value < 0.05 and abs(result.best.config["x"] - 1) < 0.25


@pytest.mark.slow
def test_loky_and_threads_write_the_same_csv_and_tensorflow_is_never_imported(tmp_path):
    """In a fresh process: a black-box campaign on loky worker processes and on threads; the
    function reports whether TensorFlow is loaded where it runs (``tf``), the campaign's own
    process is checked at the end."""
    script = f"""
import sys
from evohpo import run_campaign, strategies
from tests.slow_landscape import BOX
for backend in ("loky", "threading"):
    s = strategies.make("ga", BOX.space, seed=1, population=6)
    run_campaign(s, BOX, budget=18, out=r"{tmp_path}" + "/" + backend, backend=backend,
                 n_jobs=2, progress=False, campaign="same")
assert "tensorflow" not in sys.modules and "keras" not in sys.modules, "imported"
print("clean")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).parents[1], timeout=300, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "clean", done.stderr[-2000:]
    loky, threads = _frame(tmp_path / "loky"), _frame(tmp_path / "threading")
    assert len(loky) == 18 and (loky["tf"] == 0).all()  # nor in the loky workers
    assert loky.equals(threads)
