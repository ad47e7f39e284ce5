"""Objectives, checkpoints and the results files, as the mutation run found them unchecked.

What an objective string means and what it refuses; what a checkpoint records, refuses and
rebuilds from a CSV row; what a CSV cell holds, how files are written (atomically, beside their
target, with bare newlines) and what a full disk or a killed writer leaves. Part of the
mutation-testing habit (``make mutation``, tests/MUTATION.md); milliseconds each, no TensorFlow.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evohpo import checkpoint, objectives, results
from evohpo.errors import EvohpoError
from evohpo.objectives import Objective
from evohpo.space import (
    Choice,
    Float,
    Int,
    Repeat,
    Space,
    config_key,
)
from evohpo.strategies import Evaluation, Status
from tests._checks import error


@pytest.mark.parametrize(("text", "name", "direction"), [
    ("val_accuracy", "val_accuracy", "max"),
    ("val_auc", "val_auc", "max"),
    ("val_loss", "val_loss", "min"),
    ("Val_MSE", "Val_MSE", "min"),  # the hint is found whatever the case
    ("val_mae", "val_mae", "min"),
    ("val_rmse", "val_rmse", "min"),
    ("val_error", "val_error", "min"),
    ("params", "params", "min"),
    ("latency", "latency", "min"),
    ("train_time", "train_time", "min"),
    ("seconds", "seconds", "min"),
    ("val_auc:min", "val_auc", "min"),  # an explicit direction wins over the guess
    ("val_loss:max", "val_loss", "max"),
    ("  params : max ", "params", "max"),
])
def test_an_objective_string_names_a_metric_and_its_direction(text, name, direction):
    objective = objectives.parse(text)
    assert (objective.name, objective.direction) == (name, direction)
    assert objective.spec == f"{name}:{direction}"
    assert objective.lower_is_better == (direction == "min")
    assert objectives.parse(objective.spec) == objective  # the CSV column reads back


@pytest.mark.parametrize(("text", "expected"), [
    (":max", "objective ':max' has no metric name; write e.g. val_accuracy:max"),
    ("  ", "objective '  ' has no metric name; write e.g. val_accuracy:max"),
    ("val_auc:", "objective 'val_auc': direction '' is neither max nor min; write val_auc:max "
                 "or val_auc:min"),
    ("val_auc:up", "objective 'val_auc': direction 'up' is neither max nor min"),
])
def test_a_bad_objective_string_is_a_one_line_error(text, expected):
    assert expected in error(lambda: objectives.parse(text))


def test_an_objective_needs_a_name_a_direction_and_a_callable_fn():
    assert error(lambda: Objective("")) == "an objective needs a metric name, got ''"
    assert error(lambda: Objective(" ")) == "an objective needs a metric name, got ' '"
    assert error(lambda: Objective(None)) == "an objective needs a metric name, got None"
    assert error(lambda: Objective("f", fn=3)) == (
        "objective 'f': fn must be a function (model, task)")
    assert Objective("f", "min", fn=len).fn is len
    assert Objective("val_auc").direction == "max"  # maximised unless told


def test_minimised_is_what_strategies_compare_and_natural_reads_it_back():
    acc, loss = Objective("val_accuracy", "max"), Objective("val_loss", "min")
    assert acc.minimised(0.75) == -0.75 and loss.minimised(0.75) == 0.75
    assert type(acc.minimised(1)) is float and type(loss.minimised(2)) is float
    assert acc.minimised(0.9) < acc.minimised(0.8)  # better accuracy ranks first
    assert loss.minimised(0.1) < loss.minimised(0.2)
    for bad in (None, math.nan, math.inf, -math.inf):  # nothing measured: the worst
        assert acc.minimised(bad) == math.inf and loss.minimised(bad) == math.inf
    assert acc.natural(acc.minimised(0.75)) == 0.75
    assert loss.natural(loss.minimised(0.25)) == 0.25
    assert acc.natural(-0.5) == 0.5 and loss.natural(-0.5) == -0.5


def test_a_log_scaled_objective_compares_by_ratio_and_reads_back():
    size = objectives.parse("params:min:log")
    assert (size.name, size.direction, size.scale) == ("params", "min", "log")
    assert size.spec == "params:min:log" and objectives.parse(size.spec) == size
    assert objectives.parse("params:min").scale == "linear"  # log only when asked
    assert objectives.parse("params:min:linear") == objectives.parse("params:min")
    assert size.minimised(1000) == pytest.approx(3.0)
    assert size.minimised(100) - size.minimised(1000) == pytest.approx(
        size.minimised(10_000) - size.minimised(100_000))  # a factor of ten is one step
    assert size.natural(size.minimised(2345.0)) == pytest.approx(2345.0)
    gain = objectives.parse("speedup:max:log")
    assert gain.minimised(100) == pytest.approx(-2.0) and gain.natural(-2.0) == pytest.approx(100)
    assert size.minimised(0) == pytest.approx(math.log10(objectives.LOG_FLOOR))
    assert size.minimised(None) == math.inf and size.minimised(math.nan) == math.inf
    assert "scale 'ln' is neither linear nor log; write params:min:log" in error(
        lambda: objectives.parse("params:min:ln"))
    assert "too many parts" in error(lambda: objectives.parse("params:min:log:x"))


def test_the_default_objective_follows_the_task_kind():
    assert objectives.default("regression") == Objective("val_loss", "min")
    for kind in ("binary", "multiclass"):
        assert objectives.default(kind) == Objective("val_accuracy", "max")
    assert objectives.resolve(None, "regression").spec == "val_loss:min"
    assert objectives.resolve(None, "binary").spec == "val_accuracy:max"


def test_resolve_takes_what_users_pass():
    mine = Objective("val_f1", "max")
    assert objectives.resolve(mine, "binary") is mine
    assert objectives.resolve("val_loss", "binary") == Objective("val_loss", "min")

    def my_metric(model, task):
        return 0.0

    assert error(lambda: objectives.resolve(my_metric, "binary")) == (
        "objective=my_metric needs a direction: pass "
        "Objective('my_metric', 'max' or 'min', fn=my_metric)")
    assert error(lambda: objectives.resolve(3, "binary")) == (
        "objective must be a metric name, 'name:max|min' or an Objective, got 3")


def test_several_objectives_by_list_or_comma_string():
    both = (Objective("val_accuracy", "max"), Objective("params", "min"))
    assert objectives.resolve_many("val_accuracy,params", "binary") == both
    assert objectives.resolve_many("val_accuracy:max, params:min,", "binary") == both
    assert objectives.resolve_many(["val_accuracy", Objective("params", "min")], "x") == both
    assert objectives.resolve_many(("val_accuracy", "params"), "x") == both
    assert objectives.resolve_many("val_auc", "binary") == (Objective("val_auc", "max"),)
    assert objectives.resolve_many(None, "regression") == (Objective("val_loss", "min"),)
    assert error(lambda: objectives.resolve_many([], "x")) == (
        "--objective lists no metric (objective= is empty); give one or more metric names, "
        "e.g. val_accuracy:max")
    assert error(lambda: objectives.resolve_many("a:max,b,a:min", "x")) == (
        "objective 'a' is given twice; list each objective once")


def test_callables_without_a_name_and_defaults_inside_a_list_of_objectives():
    import functools

    def f1(model, task):
        return 0.0

    assert error(lambda: objectives.resolve(functools.partial(f1), "binary")) == (
        "objective=objective needs a direction: pass "
        "Objective('objective', 'max' or 'min', fn=objective)")
    assert objectives.resolve_many([None, "params"], "regression") == (
        Objective("val_loss", "min"), Objective("params", "min"))


CK_SPACE = Space(layers=Repeat(Int(1, 3), units=Int(4, 64, log=True)),
                 opt=Choice(["adam", "sgd"]), momentum=Float(0.0, 0.9, when={"opt": "sgd"}))


ACC, PARAMS = Objective("val_accuracy", "max"), Objective("params", "min")


def _checkpoint(tmp_path, **changes) -> dict:
    settings = {"method": "ga", "seed": 3, "task": "iris", "fingerprint": "f1", "epochs": 2,
                "budget": 20, "n_evals": 8, "strategy_state": {"generation": 2},
                "space": CK_SPACE, "objective": ACC, "model": "mlp", **changes}
    data = checkpoint.build(**settings)
    results.write_json(tmp_path / checkpoint.CHECKPOINT_NAME, data)
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


def test_small_files_are_written_whole(tmp_path):
    results.write_text(tmp_path / "a.md", "# title")
    assert (tmp_path / "a.md").read_text() == "# title\n"
    results.write_text(tmp_path / "b.md", "done\n")
    assert (tmp_path / "b.md").read_text() == "done\n"
    results.write_json(tmp_path / "sub" / "c.json", {"b": 1, "a": math.inf})
    assert (tmp_path / "sub" / "c.json").read_text() == '{\n  "a": Infinity,\n  "b": 1\n}\n'
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["c.json"]  # no temporary left


@pytest.fixture
def moved(monkeypatch) -> list[tuple[Path, Path]]:
    """Every (temporary, target) pair results renames, as the renames happen."""
    import os

    renames: list[tuple[Path, Path]] = []
    replace = os.replace

    def spy(src, dst):
        renames.append((Path(src), Path(dst)))
        return replace(src, dst)

    monkeypatch.setattr(results.os, "replace", spy)
    return renames


def test_an_atomic_write_goes_through_a_temporary_beside_its_file(tmp_path, moved):
    target = tmp_path / "a" / "b" / "best.json"  # folders made as needed
    results.write_json(target, {"model": tmp_path / "m.keras", "n": np.int64(3)})
    (src, dst), = moved
    assert dst == target and src.parent == target.parent
    assert results._TEMPORARY.match(src.name) and src.name.startswith(".best.json.")
    assert json.loads(target.read_text()) == {"model": str(tmp_path / "m.keras"), "n": "3"}


def test_csv_files_end_lines_with_a_bare_newline(tmp_path):
    results.write_table(tmp_path / "s.csv", pd.DataFrame({"m": ["ga"], "x": [0.5]}))
    assert (tmp_path / "s.csv").read_bytes() == b"m,x\nga,0.5\n"  # no index, no \\r
    path = tmp_path / "results.csv"
    path.write_text("eval_id,x\n1,b\n0,a\n2,")
    results.ResultsLog(path, ["eval_id", "x"]).append({"eval_id": 3, "x": "d"})
    assert path.read_bytes() == b"eval_id,x\n1,b\n0,a\n3,d\n"  # the torn row cut first
    log = results.ResultsLog.create(tmp_path / "log.csv", ["eval_id", "x"])
    for i in (10, 2, 1, 11, 0):
        log.append({"eval_id": i, "x": f"v{i}"})
    log.finalize()
    assert log.path.read_bytes() == b"eval_id,x\n0,v0\n1,v1\n2,v2\n10,v10\n11,v11\n"


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


def test_leftovers_of_a_killed_writer_are_cleaned_and_nothing_else(tmp_path):
    keep = [".notes.tmp", ".results.csv.txt", "x.tmp", ".results.csv.abc_1.tmp.bak"]
    gone = [".results.csv.abc_123.tmp", ".best.json.q9z.tmp", ".report.md.t_t.tmp"]
    for name in keep + gone:
        (tmp_path / name).write_text("x")
    (tmp_path / ".dir.csv.abc.tmp").mkdir()  # a folder that looks like one: left alone
    assert sorted(results.remove_temporaries(tmp_path)) == sorted(gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, ".dir.csv.abc.tmp"])
    assert results.remove_temporaries(tmp_path) == []


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


def test_a_full_disk_keeps_the_old_file_and_names_the_folder(tmp_path, monkeypatch):
    import errno

    path = tmp_path / "best.json"
    results.write_json(path, {"a": 1})

    def full(f, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results, "_fill", full)
    assert error(lambda: results.write_json(path, {"a": 2})) == (
        f"cannot write best.json in {tmp_path}: No space left on device (ENOSPC); what was "
        "written before is kept: free space (or fix the folder) and run the same command again")
    assert json.loads(path.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.json"]  # no temporary left
    (tmp_path / "checkpoint.json").write_text("{}")
    assert error(lambda: results.write_text(path, "x")).endswith(
        "run the same command with --resume")


def test_a_table_encoding_is_written_atomically_like_every_other_file(tmp_path, monkeypatch):
    import errno

    results.write_preprocess(tmp_path, {"columns": ["a"]})
    saved = (tmp_path / results.PREPROCESS_NAME).read_bytes()

    def full(f, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results, "_fill", full)
    assert error(lambda: results.write_preprocess(tmp_path, {"columns": ["b"]})).startswith(
        f"cannot write {results.PREPROCESS_NAME} in {tmp_path}: No space left on device")
    assert (tmp_path / results.PREPROCESS_NAME).read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == [results.PREPROCESS_NAME]
    assert results._TEMPORARY.match(f".{results.PREPROCESS_NAME}.k3x_9a.tmp")  # a kill's leftover


def test_appending_to_a_full_disk_is_one_error_naming_the_log(tmp_path, monkeypatch):
    import errno

    log = results.ResultsLog.create(tmp_path / "results.csv", ["eval_id"])

    def full(path, text):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(results, "_append", full)
    assert error(lambda: log.append({"eval_id": 0})).startswith(
        f"cannot write results.csv in {tmp_path}: Disk quota exceeded (EDQUOT)")


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
