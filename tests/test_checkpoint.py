"""Campaign checkpoints (evohpo/checkpoint.py): what a checkpoint records, refuses and rebuilds
from a CSV row for --resume.
"""

from __future__ import annotations

import json
import math

from evohpo import checkpoint, files, results
from evohpo.objectives import Objective
from evohpo.space import (
    Choice,
    Float,
    Int,
    Repeat,
    Space,
)
from evohpo.strategies import Evaluation, Status
from tests._checks import error
from tests._fakes import CK_SPACE

ACC, PARAMS = Objective("val_accuracy", "max"), Objective("params", "min")


def _checkpoint(tmp_path, **changes) -> dict:
    settings = {"method": "ga", "seed": 3, "task": "iris", "fingerprint": "f1", "epochs": 2,
                "budget": 20, "n_evals": 8, "strategy_state": {"generation": 2},
                "space": CK_SPACE, "objective": ACC, "model": "mlp", **changes}
    data = checkpoint.build(**settings)
    files.write_json(tmp_path / checkpoint.CHECKPOINT_NAME, data)
    return data


def test_a_checkpoint_is_read_back_as_written(tmp_path):
    written = _checkpoint(tmp_path)
    expected = {
        "evohpo_checkpoint": checkpoint.VERSION, "method": "ga", "seed": 3, "task": "iris",
        "task_fingerprint": "f1", "epochs": 2, "budget": 20, "n_evals": 8, "finished": False,
        "strategy": {"generation": 2}, "space": CK_SPACE.to_json(),
        "objective": "val_accuracy:max", "model": "mlp",
    }
    assert {k: written.get(k) for k in expected} == expected
    assert checkpoint.load(tmp_path) == written
    finished = checkpoint.build(method="ga", seed=3, task="iris", fingerprint="f1", epochs=2,
                                budget=20, n_evals=20, strategy_state={}, space=CK_SPACE,
                                objective=(ACC, PARAMS), model="mlp", finished=True)
    assert finished["finished"] is True
    assert finished["objective"] == "val_accuracy:max,params:min"


def test_a_damaged_or_missing_checkpoint_is_a_clear_error(tmp_path):
    assert error(lambda: checkpoint.load(tmp_path)) == (
        f"nothing to resume in {tmp_path}: no checkpoint.json; start without --resume")
    path = tmp_path / checkpoint.CHECKPOINT_NAME
    path.write_text('{"evohpo_checkpoint": 2, "method": "g')  # torn
    message = error(lambda: checkpoint.load(tmp_path))
    assert message.startswith(f"corrupted checkpoint {path} (")
    assert message.endswith("); start again with --overwrite")
    path.write_bytes(b"\xff\xfe\x00")  # not even text
    assert error(lambda: checkpoint.load(tmp_path)).startswith(f"corrupted checkpoint {path}")
    not_ours = (f"corrupted checkpoint {path} (not an evohpo v2 checkpoint); "
                "start again with --overwrite")
    good = _checkpoint(tmp_path)
    for broken in ([good], {**good, "evohpo_checkpoint": 1},
                   *({k: v for k, v in good.items() if k != drop}
                     for drop in ("evohpo_checkpoint", "method", "seed", "task_fingerprint",
                                  "epochs", "n_evals", "strategy", "space", "objective"))):
        path.write_text(json.dumps(broken))
        assert error(lambda: checkpoint.load(tmp_path)) == not_ours, broken
    path.write_text(json.dumps({k: v for k, v in good.items() if k not in ("task", "budget")}))
    assert checkpoint.load(tmp_path)["method"] == "ga"  # only what resuming needs is required


def test_resuming_with_other_settings_is_refused_naming_the_setting(tmp_path):
    ckpt = _checkpoint(tmp_path)
    same = {"method": "ga", "seed": 3, "fingerprint": "f1", "epochs": 2, "space": CK_SPACE,
            "objective": ACC, "out": tmp_path}
    checkpoint.check_compatible(ckpt, **same)  # the same settings: no complaint

    def refused(**change) -> str:
        return error(lambda: checkpoint.check_compatible(ckpt, **{**same, **change}))

    other_space = Space(layers=Repeat(Int(1, 4), units=Int(4, 64, log=True)),
                        opt=Choice(["adam", "sgd"]), momentum=Float(0.0, 0.9, when={"opt": "sgd"}))
    assert refused(space=other_space) == (
        f"cannot resume {tmp_path}: it was run with another search space; pass the same space "
        "(and the same space flags) or start a new campaign")
    assert refused(method="random") == (
        f"cannot resume {tmp_path}: it was run with method='ga', not 'random'; pass the same "
        "method (--method) or start a new campaign")
    assert refused(seed=4) == (f"cannot resume {tmp_path}: it was run with seed=3, not 4; pass "
                               "the same seed (--seed) or start a new campaign")
    assert "it was run with epochs=2, not 5; pass the same epochs" in refused(epochs=5)
    assert ("it was run with objective='val_accuracy:max', not 'val_loss:min'; pass the same "
            "objective") in refused(objective=Objective("val_loss", "min"))
    assert refused(fingerprint="f2") == (
        f"cannot resume {tmp_path}: its task data differ from this task's; use the same task")


def test_a_checkpoint_records_its_engine_and_pareto_state(tmp_path):
    common = dict(method="nsga2", seed=1, task="iris", fingerprint="f", epochs=1, budget=8,
                  n_evals=4, strategy_state={}, space=CK_SPACE, objective=(ACC, PARAMS),
                  model="mlp")
    plain = checkpoint.build(**common)
    assert plain["engine"] == "single" and "pareto" not in plain
    data = checkpoint.build(**common, engine="fused", pareto={"reference": [1.0, 2.0]})
    assert data["engine"] == "fused" and data["pareto"] == {"reference": [1.0, 2.0]}
    same = {"method": "nsga2", "seed": 1, "fingerprint": "f", "epochs": 1, "space": CK_SPACE,
            "objective": (ACC, PARAMS), "out": tmp_path}
    checkpoint.check_compatible(data, **same, engine="fused")
    assert error(lambda: checkpoint.check_compatible(data, **same)) == (
        f"cannot resume {tmp_path}: it was run with engine='fused', not 'single'; pass the "
        "same engine (--engine) or start a new campaign")
    old = {k: v for k, v in plain.items() if k != "engine"}  # written before engines existed
    checkpoint.check_compatible(old, **same)  # it ran single
    assert "engine=None, not 'fused'" in error(
        lambda: checkpoint.check_compatible(old, **same, engine="fused"))


def _row(ev: Evaluation, objective) -> dict[str, str]:
    """A CSV row as ``csv.DictReader`` gives it back: every cell a string."""
    record = results.row(ev, campaign="c", method="ga", seed=0, space=CK_SPACE,
                         objective=objective)
    return {k: results._cell(v) for k, v in record.items()}


def test_a_csv_row_rebuilds_the_evaluation_resume_tells_the_strategy():
    config = {"layers": [{"units": 8}], "opt": "sgd", "momentum": 0.5}
    ok = Evaluation(eval_id=7, generation=2, config=config, status=Status.OK, objective=-0.75,
                    scores={"val_accuracy": 0.75, "val_loss": 0.5}, params=120, epochs=3,
                    train_seconds=1.25, worker="w:1", cached=True)
    back = checkpoint.evaluation_from_row(_row(ok, ACC), objective=ACC)
    assert back == Evaluation(eval_id=7, generation=2, config=config, status=Status.OK,
                              objective=-0.75, objectives=(),
                              scores={"val_accuracy": 0.75, "val_loss": 0.5, "params": 120.0},
                              params=120, epochs=3, train_seconds=1.25, worker="w:1",
                              cached=True)
    two = checkpoint.evaluation_from_row(_row(ok, (ACC, PARAMS)), objective=(ACC, PARAMS))
    assert two.objectives == (-0.75, 120.0) and two.objective == -0.75
    failed = Evaluation(eval_id=8, generation=2, config=config, status=Status.FAILED,
                        error="boom")
    back = checkpoint.evaluation_from_row(_row(failed, ACC), objective=ACC)
    assert (back.status, back.objective, back.objectives) == (Status.FAILED, math.inf, ())
    assert back.error == "boom" and back.params is None and back.scores == {}
    assert back.epochs == 0 and back.train_seconds == 0.0 and back.cached is False
    for bad in ({**_row(ok, ACC), "config": "{not json"},
                {k: v for k, v in _row(ok, ACC).items() if k != "config"}):
        assert error(lambda b=bad: checkpoint.evaluation_from_row(
            b, objective=ACC, source="r.csv", number=3)) == (
            f"r.csv, row 3, column config: {bad.get('config')!r} is not a JSON config object; "
            "restore the value evohpo wrote (or delete the row and resume), or start again "
            "with --overwrite")


def test_a_row_whose_objective_metric_is_empty_is_the_worst_not_a_crash():
    config = {"layers": [{"units": 8}], "opt": "adam"}
    ev = Evaluation(eval_id=0, generation=0, config=config, status=Status.OK,
                    scores={"val_loss": 0.5})
    back = checkpoint.evaluation_from_row(_row(ev, ACC), objective=ACC)
    assert back.objective == math.inf and back.scores == {"val_loss": 0.5}


def test_a_row_of_a_failed_evaluation_keeps_its_epochs_and_seconds_and_no_objectives():
    config = {"layers": [{"units": 8}], "opt": "adam"}
    ev = Evaluation(eval_id=3, generation=1, config=config, status=Status.TIMEOUT,
                    scores={"val_accuracy": 0.4}, epochs=0, train_seconds=0.0)
    row = _row(ev, (ACC, PARAMS))
    back = checkpoint.evaluation_from_row(row, objective=(ACC, PARAMS))
    assert back.objectives == () and back.objective == math.inf  # not scored, even with scores
    assert back.epochs == 0 and back.train_seconds == 0.0
    row.update(epochs="", train_seconds="")
    back = checkpoint.evaluation_from_row(row, objective=(ACC, PARAMS))
    assert back.epochs == 0 and back.train_seconds == 0.0


class _Strategy:
    """A strategy as checkpoint.settings reads it: constructor arguments read back as attributes
    of the same name or NAME_size; plain values only."""

    def __init__(self, space, seed, batch=4, cxpb=0.5, tournament=3, hall=None, flag=True,
                 pop=None, rates=None, name="x", gone=1):
        self.space, self.seed = space, seed
        self.batch, self.cxpb, self.tournament_size, self.hall = batch, cxpb, tournament, None
        self.flag, self.pop, self.pop_size = flag, [1, 2], 6  # pop: a list, pop_size read
        self.rates, self.name = {"a": 1}, name  # rates: not plain, no rates_size: left out


def test_settings_are_the_strategy_arguments_read_back_and_the_campaign_own():
    got = checkpoint.settings(_Strategy("space", 1), time_limit=60.0)
    assert got == {"batch": 4, "cxpb": 0.5, "tournament": 3, "hall": None, "flag": True,
                   "pop": 6, "name": "x", "time_limit": 60.0}
    assert list(got) == ["batch", "cxpb", "tournament", "hall", "flag", "pop", "name",
                         "time_limit"]  # signature order, then the campaign's
    assert checkpoint.settings(_Strategy("s", 1), batch=9)["batch"] == 9  # the campaign wins

    class Odd:
        __init__ = None  # no signature to read

    assert checkpoint.settings(object.__new__(Odd), time_limit=None) == {"time_limit": None}


def test_a_checkpoint_stores_the_settings_and_the_seconds_spent(tmp_path):
    plain = _checkpoint(tmp_path)
    assert plain["settings"] == {} and plain["seconds"] == 0.0
    assert plain["columns"] == list(CK_SPACE.columns)
    data = _checkpoint(tmp_path, settings={"batch": 4}, seconds=12.345)
    assert data["settings"] == {"batch": 4} and data["seconds"] == 12.35
    assert type(_checkpoint(tmp_path, seconds=3)["seconds"]) is float
    assert checkpoint.seconds_spent(data, tmp_path) == 12.35
    assert checkpoint.seconds_spent({}, tmp_path) == 0.0  # written before seconds were counted
    assert type(checkpoint.seconds_spent({"seconds": 7}, tmp_path)) is float
    assert checkpoint.seconds_spent({"seconds": 0}, tmp_path) == 0.0
    for bad in (True, -0.5, math.nan, "3", None):
        assert error(lambda b=bad: checkpoint.seconds_spent({"seconds": b}, tmp_path)) == (
            f"cannot resume {tmp_path}: checkpoint.json 'seconds' is {bad!r}, not a number of "
            "seconds; restore the file as evohpo wrote it, or start again with --overwrite")


def test_a_checkpoint_that_is_a_folder_or_was_never_written_or_has_bad_counts(tmp_path):
    (tmp_path / results.CSV_NAME).write_text("eval_id\n")
    assert error(lambda: checkpoint.load(tmp_path)) == (
        f"nothing to resume in {tmp_path}: no checkpoint.json (the campaign stopped before its "
        "first batch finished); start again with --overwrite")
    (tmp_path / checkpoint.CHECKPOINT_NAME).mkdir()
    assert error(lambda: checkpoint.load(tmp_path)) == (
        f"cannot resume {tmp_path}: its checkpoint.json is a folder, not the file evohpo wrote; "
        "move it away and start again with --overwrite")
    (tmp_path / checkpoint.CHECKPOINT_NAME).rmdir()
    good = _checkpoint(tmp_path)
    path = tmp_path / checkpoint.CHECKPOINT_NAME
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # an editor's byte-order mark
    assert checkpoint.load(tmp_path) == good
    for key in ("n_evals", "seed", "epochs"):
        path.write_text(json.dumps({**good, key: 0}))
        assert checkpoint.load(tmp_path)[key] == 0
        for bad in (True, -1, 2.0, "3", None):
            path.write_text(json.dumps({**good, key: bad}))
            assert error(lambda: checkpoint.load(tmp_path)) == (
                f"corrupted checkpoint {path}: {key} is {bad!r}, not a whole number >= 0; "
                "restore the value evohpo wrote, or start again with --overwrite")


def test_resuming_with_other_strategy_or_campaign_settings_is_refused(tmp_path):
    ckpt = _checkpoint(tmp_path, settings={"batch": 4, "cxpb": 0.5, "time_limit": None})
    same = {"method": "ga", "seed": 3, "fingerprint": "f1", "epochs": 2, "space": CK_SPACE,
            "objective": ACC, "out": tmp_path}
    now = {"batch": 4, "cxpb": 0.5, "time_limit": None}
    checkpoint.check_compatible(ckpt, **same, current=now)
    checkpoint.check_compatible(ckpt, **same)  # nothing to compare with
    checkpoint.check_compatible({**ckpt, "settings": None}, **same, current={"batch": 9})
    old = {k: v for k, v in ckpt.items() if k != "settings"}  # before settings were stored
    checkpoint.check_compatible(old, **same, current={"batch": 9})

    def refused(current, stored=ckpt) -> str:
        return error(lambda: checkpoint.check_compatible(stored, **same, current=current))

    assert refused({**now, "batch": 8}) == (
        f"cannot resume {tmp_path}: it was run with batch=4, not 8, and that changes the "
        "results; pass the same batch (--population) (only a larger budget may extend a "
        "campaign) or start a new one")
    assert refused({**now, "cxpb": 0.9, "time_limit": 5.0}) == (  # the first in signature order
        f"cannot resume {tmp_path}: it was run with cxpb=0.5, not 0.9, and that changes the "
        "results; pass the same cxpb (only a larger budget may extend a campaign) or start a "
        "new one")
    assert "it was run with time_limit=None, not 5.0, and that changes the results; pass the " \
           "same time_limit (--time-limit) (only" in refused({**now, "time_limit": 5.0})
    assert "it was run with cxpb=0.5, not None," in refused({"batch": 4, "time_limit": None})
    assert "it was run with levels=None, not 3," in refused({**now, "levels": 3})
    assert "pass the same levels (--levels) (only" in refused({**now, "levels": 3})
    columns = list(reversed(CK_SPACE.columns))  # the same genes laid out in another order
    assert "it was run with another search space" in refused(now, {**ckpt, "columns": columns})
    checkpoint.check_compatible({k: v for k, v in ckpt.items() if k != "columns"}, **same)
    no_method = {k: v for k, v in ckpt.items() if k != "method"}
    assert error(lambda: checkpoint.check_compatible(no_method, **same)) == (
        f"cannot resume {tmp_path}: it was run with method=None, not 'ga'; pass the same "
        "method (--method) or start a new campaign")
    checkpoint.check_compatible(no_method, **{**same, "method": "single"})


def test_a_row_without_worker_or_error_cells_reads_as_empty():
    config = {"layers": [{"units": 8}], "opt": "adam"}
    ev = Evaluation(eval_id=1, generation=0, config=config, status=Status.OK,
                    scores={"val_accuracy": 0.5}, worker="w:2", error="")
    row = _row(ev, ACC)
    assert checkpoint.evaluation_from_row(row, objective=ACC).worker == "w:2"
    for key in ("worker", "error"):
        row.pop(key, None)
    back = checkpoint.evaluation_from_row(row, objective=ACC)
    assert (back.worker, back.error, back.objective) == ("", "", -0.5)


def test_a_checkpoint_records_its_folds_and_holds_a_resume_to_them(tmp_path):
    common = dict(method="ga", seed=1, task="iris", fingerprint="f", epochs=1, budget=8,
                  n_evals=4, strategy_state={}, space=CK_SPACE, objective=ACC, model="mlp")
    same = {"method": "ga", "seed": 1, "fingerprint": "f", "epochs": 1, "space": CK_SPACE,
            "objective": ACC, "out": tmp_path}
    data = checkpoint.build(**common, cv=5)
    assert data["cv"] == 5 and checkpoint.build(**common)["cv"] == 0
    checkpoint.check_compatible(data, **same, cv=5)
    assert error(lambda: checkpoint.check_compatible(data, **same, cv=3)) == (
        f"cannot resume {tmp_path}: it was run with cv=5, not 3; pass the same cv (--cv) or "
        "start a new campaign")
    old = {k: v for k, v in data.items() if k != "cv"}  # written before cross-validation
    checkpoint.check_compatible(old, **same)
    assert "it was run with cv=0, not 5" in error(
        lambda: checkpoint.check_compatible(old, **same, cv=5))


def test_a_cv_row_reads_back_with_its_spreads():
    config = {"layers": [{"units": 8}], "opt": "adam"}
    ev = Evaluation(eval_id=1, generation=0, config=config, status=Status.OK, objective=-0.5,
                    scores={"val_accuracy": 0.5, "val_loss": 0.7, "val_accuracy_std": 0.1,
                            "val_loss_std": 0.2}, worker="w:2")
    back = checkpoint.evaluation_from_row(_row(ev, ACC), objective=ACC)
    assert back.scores["val_accuracy_std"] == 0.1 and back.scores["val_loss_std"] == 0.2
