"""The results log (evohpo/results.py): the CSV log's schema, append, sorted finish, torn-line
repair and reading back; what a cell holds. How files are written is tests/test_files.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evohpo import (
    Bool,
    Choice,
    Float,
    Int,
    Objective,
    Repeat,
    Space,
    files,
    results,
)
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.space import config_key
from evohpo.strategies import Evaluation, Status
from tests._checks import error
from tests._fakes import CK_SPACE

SPACE = mlp.space(layers=(1, 3))
ACC = Objective("val_accuracy")
PARAMS = Objective("params", "min")
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


def test_cells_are_written_the_way_read_parses_them():
    assert results._cell(None) == ""
    assert results._cell(True) == "true" and results._cell(False) == "false"
    assert results._cell(0.1) == "0.1" and results._cell(1e-05) == "1e-05"
    assert results._cell(3) == "3" and results._cell("adam") == "adam"
    assert results._cell(np.float64(0.25)) == "0.25"  # not 'np.float64(0.25)'
    assert results._cell(np.float32(0.5)) == "0.5"


def test_a_row_speaks_the_user_s_terms(tmp_path):
    config = {"layers": [{"units": 8}, {"units": 16}], "opt": "adam"}
    ev = Evaluation(eval_id=4, generation=1, config=config, status=Status.OK, objective=-0.9,
                    scores={"val_accuracy": 0.9, "val_loss": 0.3, "val_auc": 0.95},
                    params=500, epochs=2, train_seconds=1.23456, worker="host:9")
    row = results.row(ev, campaign="exp", method="random", seed=5, space=CK_SPACE,
                      objective=ACC)
    assert row == {
        "campaign": "exp", "method": "random", "seed": 5, "eval_id": 4, "generation": 1,
        "status": "ok", "error": "", "cached": False, "objective": "val_accuracy:max",
        "val_accuracy": 0.9, "val_loss": 0.3, "n_layers": 2, "layers_1_units": 8,
        "layers_2_units": 16, "layers_3_units": None, "opt": "adam", "momentum": None,
        "params": 500, "epochs": 2, "train_seconds": 1.235, "worker": "host:9",
        "config": config_key(config),
    }
    assert list(row) == results.columns(CK_SPACE, ACC)  # the header's order
    auc = results.row(ev, campaign="exp", method="random", seed=5, space=CK_SPACE,
                      objective=Objective("val_auc"))
    assert auc["val_auc"] == 0.95 and auc["objective"] == "val_auc:max"


def test_a_cross_validated_log_has_each_scores_spread_after_the_scores():
    header = results.columns(CK_SPACE, Objective("val_auc"), cv=5)
    scores = header[header.index("objective") + 1:header.index("n_layers")]
    assert scores == ["val_auc", "val_accuracy", "val_loss", "val_auc_std", "val_accuracy_std",
                      "val_loss_std"]
    assert "val_accuracy_std" not in results.columns(CK_SPACE, ACC)
    assert error(lambda: results.columns(Space(val_loss_std=Int(0, 3)), ACC)).startswith(
        "gene 'val_loss_std' has the name of a results column")


def test_a_gene_may_not_take_a_results_column_name():
    for name in ("eval_id", "objective", "val_loss", "params", "config", "run", "task",
                 "best_test_accuracy", "pareto"):
        message = error(lambda n=name: results.columns(Space(**{n: Int(0, 3)}), ACC))
        assert message.startswith(f"gene {name!r} has the name of a results column; rename")
    assert error(lambda: results.columns(Space(val_auc=Int(0, 3)), Objective("val_auc"))
                 ).startswith("gene 'val_auc' has the name of a results column")
    assert "val_auc" in results.columns(Space(val_auc=Int(0, 3)), ACC)  # not ours here


def test_a_clash_message_lists_the_reserved_names():
    message = error(lambda: results.columns(Space(config=Int(0, 3)), ACC))
    assert "(reserved: campaign, method, seed, eval_id, generation, status, error, cached, " \
           "objective, val_accuracy, val_loss, params, epochs, train_seconds" in message
    assert message.endswith(", best_test_*)")


def test_remove_run_deletes_only_evohpo_s_files(tmp_path):
    ours = [results.CSV_NAME, results.BEST_NAME, results.BEST_MODEL_NAME, results.GRID_NAME,
            results.PARETO_NAME]
    run = tmp_path / "run"
    run.mkdir()
    for name in ours:
        (run / name).write_text("x")
    results.remove_run(run)
    assert not run.exists()  # emptied, so the folder goes too
    run.mkdir()
    for name in [*ours, "notes.txt"]:
        (run / name).write_text("x")
    results.remove_run(run)
    assert [p.name for p in run.iterdir()] == ["notes.txt"]
    results.remove_run(tmp_path / "never")  # nothing there: nothing to do


def test_reading_a_log_drops_only_what_a_crash_can_leave(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("eval_id,x\n0,a\n\n1,b,extra\n2,c\n3,")
    assert results.read_rows(path) == (["eval_id", "x"], [["0", "a"], ["2", "c"]])
    assert results.repair(path) == 2
    assert path.read_text() == "eval_id,x\n0,a\n\n1,b,extra\n2,c\n3,"  # nothing rewritten
    path.write_text("eval_id,x\n0,a\n")  # nothing torn: nothing dropped
    assert results.read_rows(path)[1] == [["0", "a"]]


def test_read_types_each_column_from_its_cells(tmp_path):
    header = results.columns(CK_SPACE, ACC)
    log = results.ResultsLog.create(tmp_path / "results.csv", header)
    for i, (opt, cached) in enumerate((("adam", False), ("sgd", True))):
        config = {"layers": [{"units": 8}], "opt": opt, **({"momentum": 0.5} if i else {})}
        ev = Evaluation(eval_id=i, generation=0, config=config, status=Status.OK,
                        objective=-0.5, scores={"val_accuracy": 0.5}, cached=cached)
        log.append(results.row(ev, campaign="123", method="ga", seed=0, space=CK_SPACE,
                               objective=ACC))
    frame = results.read(log.path)
    assert frame["campaign"].tolist() == ["123", "123"]  # a text column stays text
    assert frame["cached"].tolist() == [False, True]
    assert frame["eval_id"].tolist() == [0, 1] and frame["val_accuracy"].dtype == float
    assert frame["momentum"].isna().tolist() == [True, False] and frame["momentum"][1] == 0.5
    assert frame["opt"].tolist() == ["adam", "sgd"]
    assert frame["layers_2_units"].isna().all()


def test_text_columns_stay_text_whatever_they_hold(tmp_path):
    header = results.columns(CK_SPACE, ACC)
    row = {c: "" for c in header}
    row.update(campaign="1", method="2", seed="0", eval_id="0", generation="0", status="3",
               error="4", cached="false", objective="5", worker="6", config="7", epochs="1")
    path = tmp_path / "results.csv"
    path.write_text(results._to_csv(header, [[row[c] for c in header]]))
    frame = results.read(path)
    assert [frame.loc[0, c] for c in ("campaign", "method", "status", "error", "objective",
                                      "worker", "config")] == ["1", "2", "3", "4", "5", "6", "7"]
    assert frame.loc[0, "epochs"] == 1 and frame.loc[0, "seed"] == 0


def _multi_log(tmp_path) -> results.ResultsLog:
    both = (ACC, PARAMS)
    log = results.ResultsLog.create(tmp_path / "results.csv", results.columns(CK_SPACE, both))
    for i in (2, 0, 1):
        ev = Evaluation(eval_id=i, generation=0, config={"layers": [{"units": 8}], "opt": "adam"},
                        status=Status.OK, objective=-0.5, objectives=(-0.5, 10.0 * i),
                        scores={"val_accuracy": 0.5}, params=10 * i)
        log.append(results.row(ev, campaign="c", method="nsga2", seed=0, space=CK_SPACE,
                               objective=both))
    return log


def test_finalize_flags_the_front_and_write_front_copies_its_rows(tmp_path):
    log = _multi_log(tmp_path)
    header = results.read_rows(log.path)[0]
    assert header[header.index("val_loss") + 1] == "pareto"  # after the scores, before genes
    log.finalize(front=[2, 0])
    frame = results.read(log.path)
    assert frame["eval_id"].tolist() == [0, 1, 2]
    assert frame["pareto"].tolist() == [True, False, True]
    path = results.write_front(log.path, [2, 0])
    assert path == tmp_path / "pareto.csv"
    assert results.read(path)["eval_id"].tolist() == [2, 0]  # in the order given
    single = results.ResultsLog.create(tmp_path / "one" / "results.csv",
                                       results.columns(CK_SPACE, ACC))
    single.finalize(front=[0])  # no pareto column: nothing to flag, no error
    assert "pareto" not in results.read_rows(single.path)[0]


def test_a_results_file_without_rows_or_checkpoint_is_an_unstarted_run(tmp_path):
    assert results.remove_unstarted(tmp_path) is False  # nothing there
    csv_path = tmp_path / results.CSV_NAME
    csv_path.write_text("eval_id,x\n")
    (tmp_path / "checkpoint.json").write_text("{}")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()
    (tmp_path / "checkpoint.json").unlink()
    csv_path.write_text("eval_id,x\n0,a\n")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()  # it has a row
    csv_path.write_bytes(b"\xff\xfe")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()  # not ours
    csv_path.write_text("")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()
    csv_path.write_text("eval_id,x\n")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()  # not our header
    csv_path.write_text(",".join(results.REQUIRED) + ",x\n")
    assert results.remove_unstarted(tmp_path) is True and not csv_path.exists()


def test_appending_to_a_full_disk_is_one_error_naming_the_log(tmp_path, monkeypatch):
    import errno

    log = results.ResultsLog.create(tmp_path / "results.csv", ["eval_id"])

    def full(path, *args, **kw):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(files, "append", full)
    assert error(lambda: log.append({"eval_id": 0})).startswith(
        f"cannot write results.csv in {tmp_path}: Disk quota exceeded (EDQUOT)")
    monkeypatch.undo()
    log.append({"eval_id": 1}, seconds=0.0)  # a quick row: its fsync waits for sync()
    monkeypatch.setattr(files, "sync", full)  # a delayed allocation fails only there
    assert error(log.sync).startswith(
        f"cannot write results.csv in {tmp_path}: Disk quota exceeded (EDQUOT)")


def test_a_quick_row_is_fsynced_with_its_batch_a_slow_one_at_once(tmp_path, monkeypatch):
    import os

    log = results.ResultsLog.create(tmp_path / "results.csv", ["eval_id"])
    synced = []
    fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), fsync(fd)))
    log.append({"eval_id": 0}, seconds=results.SYNC_AFTER)  # a training run: synced now
    assert len(synced) == 1
    for i in (1, 2, 3):  # lookups, cache hits: written (a kill keeps them), synced later
        log.append({"eval_id": i}, seconds=0.001)
    assert len(synced) == 1 and results.read_rows(log.path)[1] == [["0"], ["1"], ["2"], ["3"]]
    log.sync()
    log.sync()  # nothing new: no second fsync
    assert len(synced) == 2


def test_a_csv_that_is_not_an_evohpo_log_names_what_it_lacks(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("method,seed,x\nga,0,1\n")
    assert error(lambda: results.read(other)) == (
        f"{other} is not an evohpo results file (missing columns: eval_id, status, objective, "
        "config); pass the results.csv a campaign wrote")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert error(lambda: results.read_rows(empty)) == (
        f"{empty} is empty; it is not an evohpo results file")


def test_a_table_task_s_preprocessing_is_saved_whole_beside_the_model(tmp_path, moved, monkeypatch):
    import joblib

    results.write_preprocess(tmp_path, None)  # a task without preprocessing: nothing written
    assert list(tmp_path.iterdir()) == []
    results.write_preprocess(tmp_path, {"columns": ["a", "b"], "scale": [1.0, 2.5]})
    target = tmp_path / results.PREPROCESS_NAME
    assert joblib.load(target) == {"columns": ["a", "b"], "scale": [1.0, 2.5]}
    (src, dst), = moved
    assert dst == target and src.parent == tmp_path
    assert src.name.startswith(f".{results.PREPROCESS_NAME}.") and src.name.endswith(".tmp")

    def broken(src, dst):
        raise OSError("the disk went away")

    monkeypatch.setattr(results.os, "replace", broken)
    with pytest.raises(EvohpoError, match="cannot write preprocess.joblib in .*the disk went"):
        results.write_preprocess(tmp_path, {"columns": []})
    assert [p.name for p in tmp_path.iterdir()] == [results.PREPROCESS_NAME]  # no temporary
    assert joblib.load(target)["scale"] == [1.0, 2.5]  # the old file is kept


def _cells(**changes) -> dict[str, str]:
    good = {"campaign": "c", "method": "ga", "seed": "0", "eval_id": "1", "generation": "0",
            "status": "ok", "error": "", "cached": "false", "objective": "val_accuracy:max",
            "val_accuracy": "0.5", "val_loss": "", "params": "120", "epochs": "3",
            "train_seconds": "0.25", "worker": "w:1", "config": '{"units": 8}', "units": "8"}
    return {**good, **changes}


def _check(*rows: dict[str, str]) -> None:
    header = list(rows[0])
    results.check_rows("r.csv", header, [[r.get(c, "") for c in header] for r in rows])


@pytest.mark.parametrize(("column", "value", "what"), [
    ("seed", "x", "a whole number"), ("seed", "", "a whole number"),
    ("eval_id", "1.5", "a whole number"), ("generation", "", "a whole number"),
    ("status", "done", "a status (ok, failed, diverged, timeout, crashed)"),
    ("cached", "True", "true or false"), ("cached", "", "true or false"),
    ("params", "1.5", "a whole number or empty"), ("epochs", "x", "a whole number"),
    ("train_seconds", "x", "a number"), ("config", "[1]", "a JSON config object"),
    ("config", "{not json", "a JSON config object"), ("config", "", "a JSON config object"),
    ("val_accuracy", "high", "a number or empty"), ("val_loss", "x", "a number or empty"),
])
def test_check_rows_names_the_cell_that_does_not_read_back(column, value, what):
    _check(_cells())  # a row as a campaign writes it
    assert error(lambda: _check(_cells(), _cells(**{column: value}))) == (
        f"r.csv, row 2, column {column}: {value!r} is not {what}; restore the value evohpo "
        "wrote, or delete that row")


def test_check_rows_reads_the_metrics_each_row_s_objective_names_and_no_other_column():
    _check(_cells(units="wide", worker="", error="x", campaign="", method="", val_f1="x"))
    _check(_cells(val_loss="", val_accuracy="", params="", epochs="", train_seconds=""))
    _check(_cells(cached="true", status="failed", objective=""))
    two = "val_accuracy:max, val_f1 :min"
    assert error(lambda: _check(_cells(objective=two, val_f1="x"))) == (
        "r.csv, row 1, column val_f1: 'x' is not a number or empty; restore the value evohpo "
        "wrote, or delete that row")
    # a metric one row names is checked in the rows after it too
    assert "row 2, column val_f1: 'x'" in error(lambda: _check(
        _cells(objective=two, val_f1="1"), _cells(val_f1="x")))
    _check(_cells(val_f1="x"), _cells(objective=two, val_f1="1"))  # not in the rows before
    _check(_cells(objective="units:max"))  # a gene column named as an objective: a number
    assert "row 1, column val_f1: 'x'" in error(lambda: _check(  # no space after the comma
        _cells(objective="val_accuracy:max,val_f1:min", val_f1="x")))
    _check({**_cells(objective=""), "": "x"})  # a spreadsheet's empty trailing column


def test_a_results_file_read_with_its_bom_and_its_errors_name_the_file(tmp_path):
    path = tmp_path / "r.csv"
    header = ",".join(results.REQUIRED)
    path.write_bytes(b"\xef\xbb\xbf" + (header + "\n").encode())
    assert results.read_rows(path) == (list(results.REQUIRED), [])
    path.write_bytes(b"\xff\xfe" + header.encode())
    assert error(lambda: results.read_rows(path)) == (
        f"{path} is not an evohpo results file (not UTF-8 text); pass the results.csv a "
        "campaign wrote")
    row = _cells(cached="maybe")
    path.write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n")
    assert results.read(path)["cached"].tolist() == ["maybe"]  # cells unchecked unless asked
    assert error(lambda: results.read(path, check_cells=True)) == (
        f"{path}, row 1, column cached: 'maybe' is not true or false; restore the value evohpo "
        "wrote, or delete that row")


def test_written_by_evohpo_is_a_csv_starting_with_every_required_column(tmp_path):
    path = tmp_path / "r.csv"
    assert results.written_by_evohpo(path) is False  # no file
    header = ",".join(results.REQUIRED)
    for text in (header + "\n", header + ",x\r\n1,2\n", "x," + header):
        path.write_text(text)
        assert results.written_by_evohpo(path) is True, text
    path.write_bytes(b"\xef\xbb\xbf" + (header + "\n").encode())  # a spreadsheet's BOM
    assert results.written_by_evohpo(path) is True
    for text in ("", "\n", header.replace("seed", "sed"), "\n" + header):
        path.write_text(text)
        assert results.written_by_evohpo(path) is False, text
    path.write_bytes(b"\xff\xfe" + header.encode())
    assert results.written_by_evohpo(path) is False
    path.write_text('"' + header + '\n' + "x" * 200_000)  # an unclosed quote: csv.Error
    assert results.written_by_evohpo(path) is False
    (tmp_path / "d.csv").mkdir()
    assert results.written_by_evohpo(tmp_path / "d.csv") is False


def test_an_unstarted_run_beside_a_checkpoint_or_with_blank_lines_is_kept(tmp_path):
    csv_path = tmp_path / results.CSV_NAME
    ours = ",".join(results.REQUIRED) + "\n"
    csv_path.write_text(ours)
    (tmp_path / "checkpoint.json").mkdir()  # any checkpoint.json: a resumable campaign
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()
    (tmp_path / "checkpoint.json").rmdir()
    (tmp_path / "compare.json").write_text("{}")  # not a campaign's checkpoint
    assert results.remove_unstarted(str(tmp_path)) is True and not csv_path.exists()
    csv_path.write_text(ours + "\n")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()
    csv_path.unlink()
    csv_path.mkdir()
    assert results.remove_unstarted(tmp_path) is False
