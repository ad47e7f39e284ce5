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
