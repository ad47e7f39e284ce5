"""The CSV log: schema, append, sorted finish, torn-line repair, and reading back."""

from __future__ import annotations

import pytest

from evohpo import results
from evohpo.errors import EvohpoError
from evohpo.strategies import Evaluation, Status

CFG = {"n_layers": 2, "units": [8, 4], "activations": ["relu", "tanh"], "optimizer": "adam",
       "learning_rate": 0.001, "batch_size": 32}


def _ev(i: int, acc: float | None = 0.5, status: Status = Status.OK) -> Evaluation:
    return Evaluation(i, 0, CFG, status, -(acc or 0), acc, 1.0, 100, 3, 0.25, "host:1")


def _log(tmp_path, ids):
    log = results.ResultsLog.create(tmp_path / "results.csv", results.columns(3))
    for i in ids:
        log.append(results.row(_ev(i), campaign="c", method="ga", seed=0, max_layers=3))
    return log


def test_rows_are_appended_and_finalized_in_eval_id_order(tmp_path):
    log = _log(tmp_path, [2, 0, 1])
    assert [int(r[3]) for r in results.read_rows(log.path)[1]] == [2, 0, 1]
    log.finalize()
    frame = results.read(log.path)
    assert frame["eval_id"].tolist() == [0, 1, 2]
    assert frame.loc[0, "units_2"] == 4 and frame.loc[0, "activation_2"] == "tanh"
    assert frame["units_3"].isna().all() and frame["activation_3"].isna().all()
    assert frame["learning_rate"].tolist() == [0.001] * 3


def test_torn_last_line_is_dropped_and_repaired(tmp_path):
    log = _log(tmp_path, [0, 1])
    with open(log.path, "a") as f:
        f.write("c,ga,0,2,0,ok,,false,0.5")  # a writer killed mid-row
    assert len(results.read(log.path)) == 2
    assert results.repair(log.path) == 2
    assert log.path.read_text().endswith("\n")


def test_failed_rows_keep_status_and_error(tmp_path):
    log = results.ResultsLog.create(tmp_path / "results.csv", results.columns(2))
    ev = Evaluation(0, 0, CFG, Status.FAILED, float("inf"), error="ValueError: bad, really")
    log.append(results.row(ev, campaign="c", method="ga", seed=0, max_layers=2))
    frame = results.read(log.path)
    assert frame.loc[0, "status"] == "failed"
    assert frame.loc[0, "error"] == "ValueError: bad, really"
    assert frame["val_accuracy"].isna().all()


def test_reading_something_else_is_a_clear_error(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(EvohpoError, match="not an evohpo results file"):
        results.read(other)
    with pytest.raises(EvohpoError, match="does not exist"):
        results.read(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(EvohpoError, match="empty"):
        results.read(empty)
