"""What a campaign optimises (evohpo/objectives.py): what an objective string means and refuses,
directions, log scales, defaults per task kind, several objectives.
"""

from __future__ import annotations

import math

import pytest

from evohpo import objectives
from evohpo.objectives import Objective
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


class _Spec:
    """A ModelSpec as check_reported reads it: a name and the metrics reported per kind."""

    def __init__(self, name, reported):
        self.name, self._reported = name, reported

    def reports(self, kind):
        return self._reported.get(kind) if self._reported is not None else None


def test_check_reported_refuses_a_metric_the_model_does_not_report():
    mlp = _Spec("mlp", {"binary": ("val_loss", "val_accuracy"), "regression": ("val_loss",)})
    ok = (Objective("val_loss", "min"), Objective("params", "min"), Objective("latency", "min"))
    assert objectives.check_reported(ok, mlp, "regression") is None
    assert objectives.check_reported((Objective("val_accuracy"),), mlp, "binary") is None
    assert objectives.check_reported(  # a metric computed by fn= is not checked
        (Objective("val_f1", fn=len),), mlp, "binary") is None
    assert error(lambda: objectives.check_reported(
        (Objective("val_loss", "min"), Objective("val_acuracy")), mlp, "binary")) == (
        "objective 'val_acuracy': the built-in MLP reports no 'val_acuracy' on a binary task "
        "(did you mean val_accuracy?); it reports val_loss, val_accuracy, params, latency; "
        "for another metric, pass your own model (--model FILE.py:NAME) that compiles it, "
        "or an Objective with fn=")
    assert error(lambda: objectives.check_reported(  # the kind decides what is reported
        (Objective("val_accuracy"),), mlp, "regression")) == (
        "objective 'val_accuracy': the built-in MLP reports no 'val_accuracy' on a regression "
        "task; it reports val_loss, params, latency; for another metric, pass your own model "
        "(--model FILE.py:NAME) that compiles it, or an Objective with fn=")
    cnn = _Spec("cnn", {"binary": ("val_loss",)})
    assert error(lambda: objectives.check_reported((Objective("zzz"),), cnn, "binary")) == (
        "objective 'zzz': model cnn reports no 'zzz' on a binary task; it reports val_loss, "
        "params, latency; for another metric, pass your own model (--model FILE.py:NAME) "
        "that compiles it, or an Objective with fn=")
    mine = _Spec("mine", None)  # a user's build function: unknown before it is built
    assert objectives.check_reported((Objective("anything"),), mine, "binary") is None


def test_names_code_tells_a_file_or_module_from_a_direction(tmp_path, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_objectives_mod.py").write_text("X = 1\n")
    names = objectives._names_code
    assert names(["obj.py", "SIZE"]) is True
    assert names(["dir/obj", "SIZE"]) is True
    assert names(["obj.py", "max"]) is False and names(["obj.py", "min"]) is False
    assert names(["obj.py", ""]) is False
    assert names(["obj.py"]) is False and names(["obj.py", "X", "log"]) is False
    assert names(["val_auc", "max"]) is False
    assert names(["no_such_module_here", "X"]) is False
    assert names(["no_such_package_here.sub", "X"]) is False  # find_spec raises ImportError
    assert names(["", "X"]) is False  # find_spec raises ValueError
    assert names(["my_objectives_mod", "X"]) is True  # found in the current folder
    assert sys.path[0] == str(tmp_path)
    assert sys.path.count(str(tmp_path)) == 1
    assert names(["my_objectives_mod", "X"]) is True
    assert sys.path.count(str(tmp_path)) == 1  # put on sys.path once


def test_an_objective_loaded_from_a_file(tmp_path):
    path = tmp_path / "objs_for_load.py"
    path.write_text(
        "from evohpo.objectives import Objective\n"
        "def size(model, task):\n    return 1.0\n"
        "SIZE = Objective('size', 'min', fn=size)\n"
        "N = 3\n"
        "import functools\n"
        "P = functools.partial(size)\n")
    loaded = objectives.parse(f" {path}:SIZE ")
    assert (loaded.name, loaded.direction, loaded.fn.__name__) == ("size", "min", "size")
    assert objectives.resolve(f"{path}:SIZE", "binary").spec == "size:min"
    assert error(lambda: objectives.parse(f"{path}:size")) == (
        f"--objective {path}:size is a function, not an Objective; in that file write "
        f"SIZE = Objective('size', 'max' or 'min', fn=size) and pass --objective {path}:SIZE")
    assert error(lambda: objectives.parse(f"{path}:N")) == (
        f"--objective {path}:N is a int, not an Objective; in that file write "
        f"N = Objective('N', 'max' or 'min', fn=N) and pass --objective {path}:N")
    assert error(lambda: objectives.parse(f"{path}:P")) == (
        f"--objective {path}:P is a function, not an Objective; in that file write "
        f"P = Objective('P', 'max' or 'min', fn=P) and pass --objective {path}:P")


def test_a_loaded_objective_s_errors_name_the_flag_and_the_function(tmp_path):
    path = tmp_path / "objs_named.py"
    path.write_text(
        "def size(model, task):\n    return 1.0\n"
        "alias = size\n")
    assert error(lambda: objectives.parse(f"{path}:alias")) == (
        f"--objective {path}:alias is a function, not an Objective; in that file write "
        f"SIZE = Objective('size', 'max' or 'min', fn=size) and pass --objective {path}:SIZE")
    assert error(lambda: objectives.parse(f"{path}:MISSING")).startswith(
        f"--objective {path}:MISSING: ")
