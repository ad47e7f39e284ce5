"""Exploring a hypermodel (evohpo/hypermodels/explore.py): from its defaults, every build that
uses a new set of hyperparameters is explored in turn, counts are tried at every value, and
a build that raises is recorded, not fatal; all without Keras."""

from __future__ import annotations

from evohpo.hypermodels.explore import explore, grid_values, probe_values
from evohpo.hypermodels.hp import declare_choice, declare_float, declare_int
from tests._checks import error
from tests.hypermodels import fakes


def test_the_first_build_takes_the_defaults_and_every_hyperparameter_is_found():
    found = explore(fakes.loop)
    assert found.complete and found.builds[0].assignment == {}
    assert sorted(found.builds[0].used) == ["activation", "dropout", "lr", "num_layers",
                                            "units_0"]
    seen = {d.name for b in found.builds for d in b.declared}
    assert seen == {"num_layers", "units_0", "units_1", "units_2", "units_3", "activation",
                    "dropout", "rate", "lr"}
    counts = {b.values["num_layers"] for b in found.builds}
    assert counts == {1, 2, 3, 4}  # a count is tried at every value (its thresholds)
    widths = {b.values["units_0"] for b in found.builds}
    assert widths == {8, 64}  # a width that changes nothing: its ends only
    assert all(len(b.assignment) <= 3 for b in found.builds)  # one change from its base


def test_a_branch_is_explored_from_the_build_that_opened_it():
    found = explore(fakes.branches)
    deep = [b for b in found.builds if "filters_2" in b.used]
    assert deep and all(b.values["kind"] == "cnn" and b.values["convs"] == 3 for b in deep)
    assert {b.values.get("filters_2") for b in deep} == {8, 16}


def test_a_build_that_raises_is_recorded_and_what_it_declared_counts():
    found = explore(fakes.fails_for_big_counts)
    failed = [b for b in found.builds if b.error]
    assert failed and all(b.error == "ValueError: negative dimension" for b in failed)
    assert all(b.values["n"] == 3 and "w_2" in b.used for b in failed)


def test_a_hypermodel_that_fails_with_its_defaults_is_one_line():
    def broken(hp):
        hp.Int("units", 1, 4)
        raise KeyError("dense_units")

    assert error(lambda: explore(broken, name="broken")) == (
        "broken(hp) fails with its default hyperparameters (KeyError: 'dense_units'); fix it "
        "so that it builds a model")


def test_the_build_limit_stops_the_exploration_and_says_so():
    found = explore(fakes.loop, max_builds=5)
    assert len(found.builds) == 5 and not found.complete


def test_probe_and_grid_values_of_each_kind():
    assert probe_values(declare_int("n", 1, 4, None, "linear", None, ())) == [1, 4]
    assert probe_values(declare_int("u", 32, 500, 32, "linear", None, ())) == [32, 480]
    assert probe_values(declare_int("d", 2, 100, 2, "log", None, ())) == [2, 64]
    assert probe_values(declare_float("r", 0, 1, 0.3, "linear", None, ())) == [0.0, 0.9]
    assert probe_values(declare_choice("c", ["a", "b", "c"], None, None, ())) == ["a", "b", "c"]
    assert grid_values(declare_int("n", 1, 4, None, "linear", None, ())) == [1, 2, 3, 4]
    assert grid_values(declare_int("d", 2, 100, 2, "log", None, ())) == [2, 4, 8, 16, 32, 64]
    assert grid_values(declare_int("w", 1, 10, None, "log", None, ())) == list(range(1, 11))
    assert grid_values(declare_int("big", 1, 1000, None, "linear", None, ())) is None
    assert grid_values(declare_float("r", 0, 1, None, "linear", None, ())) is None
