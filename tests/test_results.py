"""The CSV log: schema, append, sorted finish, torn-line repair, and reading back."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evohpo import Bool, Choice, Float, Int, Objective, Repeat, Space, files, results
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.strategies import Evaluation, Status

SPACE = mlp.space(layers=(1, 3))
ACC = Objective("val_accuracy")
CFG = {"layers": [{"units": 8, "activation": "relu"}, {"units": 4, "activation": "tanh"}],
       "optimizer": "adam", "learning_rate": 0.001, "batch_size": 32}


def _ev(i: int, acc: float | None = 0.5, status: Status = Status.OK) -> Evaluation:
    return Evaluation(eval_id=i, generation=0, config=CFG, status=status, objective=-(acc or 0),
                      scores={"val_accuracy": acc, "val_loss": 1.0}, params=100, epochs=3,
                      train_seconds=0.25, worker="host:1")


def _log(tmp_path, ids):
    log = results.ResultsLog.create(tmp_path / "results.csv", results.columns(SPACE, ACC))
    for i in ids:
        log.append(results.row(_ev(i), campaign="c", method="ga", seed=0, space=SPACE,
                               objective=ACC))
    return log


def test_rows_are_appended_and_finalized_in_eval_id_order(tmp_path):
    log = _log(tmp_path, [2, 0, 1])
    assert [int(r[3]) for r in results.read_rows(log.path)[1]] == [2, 0, 1]
    log.finalize()
    frame = results.read(log.path)
    assert frame["eval_id"].tolist() == [0, 1, 2]
    assert frame.loc[0, "layers_2_units"] == 4 and frame.loc[0, "layers_2_activation"] == "tanh"
    assert frame["layers_3_units"].isna().all() and frame["layers_3_activation"].isna().all()
    assert frame["learning_rate"].tolist() == [0.001] * 3
    assert (frame["objective"] == "val_accuracy:max").all()
    assert json.loads(frame.loc[0, "config"]) == CFG


def test_torn_last_line_is_dropped_and_cut_at_the_next_append(tmp_path):
    log = _log(tmp_path, [0, 1])
    with open(log.path, "a") as f:
        f.write("c,ga,0,2,0,ok,,false,0.5")  # a writer killed mid-row
    before = log.path.read_bytes()
    assert len(results.read(log.path)) == 2
    assert results.repair(log.path) == 2
    assert log.path.read_bytes() == before  # a resume refused after this changes nothing
    again = results.ResultsLog(log.path, log.header)  # as a resume opens it
    again.append(results.row(_ev(2), campaign="c", method="ga", seed=0, space=SPACE,
                             objective=ACC))
    assert log.path.read_bytes().startswith(before[:before.rindex(b"\n") + 1])
    assert log.path.read_text().endswith("\n") and "0.5c,ga" not in log.path.read_text()
    assert results.read(log.path)["eval_id"].tolist() == [0, 1, 2]


def test_failed_rows_keep_status_and_error(tmp_path):
    log = results.ResultsLog.create(tmp_path / "results.csv", results.columns(SPACE, ACC))
    ev = Evaluation(eval_id=0, generation=0, config=CFG, status=Status.FAILED,
                    error="ValueError: bad, really")
    log.append(results.row(ev, campaign="c", method="ga", seed=0, space=SPACE, objective=ACC))
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


def test_custom_space_and_objective_columns(tmp_path):
    space = Space(conv=Repeat(Int(1, 2), filters=Choice([8, 16])), bn=Bool(),
                  optimizer=Choice(["adam", "sgd"]),
                  momentum=Float(0.0, 0.9, when={"optimizer": "sgd"}))
    auc = Objective("val_auc")
    header = results.columns(space, auc)
    assert header[header.index("objective") + 1:header.index("n_conv")] == [
        "val_auc", "val_accuracy", "val_loss"]
    assert header[header.index("n_conv"):header.index("params")] == [
        "n_conv", "conv_1_filters", "conv_2_filters", "bn", "optimizer", "momentum"]
    cfg = {"conv": [{"filters": 16}], "bn": True, "optimizer": "adam"}
    ev = Evaluation(eval_id=0, generation=0, config=cfg, status=Status.OK, objective=-0.9,
                    scores={"val_auc": 0.9, "val_loss": 0.3})
    log = results.ResultsLog.create(tmp_path / "results.csv", header)
    log.append(results.row(ev, campaign="c", method="ga", seed=0, space=space, objective=auc))
    frame = results.read(log.path)
    assert frame.loc[0, "val_auc"] == 0.9 and frame.loc[0, "conv_1_filters"] == 16
    assert pd.isna(frame.loc[0, "conv_2_filters"]) and pd.isna(frame.loc[0, "momentum"])
    assert frame["bn"].dtype == bool and frame["bn"].tolist() == [True]  # not "true", not 1


def test_a_gene_named_like_a_results_column_is_refused():
    with pytest.raises(EvohpoError, match="gene 'status' has the name of a results column"):
        results.columns(Space(status=Int(0, 3)), ACC)


def test_a_write_into_a_folder_names_the_folder_not_free_space(tmp_path):
    """Issue 24: `predict --out DIR` talked of free space; the fix depends on the errno."""
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(EvohpoError) as info:
        files.write_table(tmp_path / "out.csv", pd.DataFrame({"a": [1]}))
    text = str(info.value)
    assert "Is a directory (EISDIR)" in text and "out.csv is a folder: move it away" in text
    assert "free space" not in text
