"""Cross-validation folds (evohpo/tasks/folds.py): stratified, disjoint, covering the pool of
train+validation rows, the same every time; each fold's view of the task; bad K refused in
one line naming the fix."""

from __future__ import annotations

import numpy as np
import pytest

from evohpo import tasks
from evohpo.tasks import folds as folds_mod
from tests._checks import error


@pytest.fixture(scope="module")
def wine() -> tasks.Task:
    return tasks.wine()


def test_held_out_parts_are_disjoint_cover_the_pool_and_are_stratified(wine):
    pool_y = np.concatenate([wine.y_train, wine.y_val])
    rows = folds_mod.split(wine, 5)
    assert len(rows) == 5
    held = np.concatenate([h for _, h in rows])
    assert sorted(held.tolist()) == list(range(len(pool_y)))  # each row held out exactly once
    for train, h in rows:
        assert not set(train) & set(h)
        assert sorted([*train, *h]) == list(range(len(pool_y)))
        for c in range(wine.n_classes):  # each class's share of a fold within one row
            assert abs((pool_y[h] == c).sum() - (pool_y == c).sum() / 5) < 1


def test_folds_are_the_same_every_time_and_the_seed_changes_them(wine):
    def held(seed):
        return [h.tolist() for _, h in folds_mod.split(wine, 4, seed)]

    assert held(0) == held(0) == [h.tolist() for _, h in folds_mod.folds(wine, 4).rows]
    assert held(0) != held(1)


def test_a_fold_view_trains_on_its_rows_and_holds_out_the_rest_test_untouched(wine):
    folds = folds_mod.folds(wine, 3)
    pool = folds.pool
    assert np.array_equal(pool.x_train, np.concatenate([wine.x_train, wine.x_val]))
    train, held = folds.rows[1]
    view = folds.view(1)
    assert np.array_equal(view.x_train, pool.x_train[train])
    assert np.array_equal(view.y_val, pool.y_train[held])
    assert view.x_test is wine.x_test and view.y_test is wine.y_test
    assert view.kind == wine.kind and view.n_classes == wine.n_classes
    assert folds.view(1) is view  # made once
    refit = folds_mod.pooled(wine)  # what the chosen config is refit on
    assert len(refit.y_train) == len(wine.y_train) + len(wine.y_val)
    assert np.array_equal(refit.x_val, wine.x_val)


def test_regression_folds_are_plain_k_fold():
    task = tasks.diabetes()
    rows = folds_mod.split(task, 5)
    n = len(task.y_train) + len(task.y_val)
    assert sorted(len(h) for _, h in rows) == sorted(len(h) for h in np.array_split(range(n), 5))


def test_inputs_given_as_a_dict_or_list_of_arrays_are_cut_alike(wine):
    split = {"a": wine.x_train[:, :4], "b": wine.x_train[:, 4:]}
    split_val = {"a": wine.x_val[:, :4], "b": wine.x_val[:, 4:]}
    task = tasks.Task("two-inputs", wine.kind, split, wine.y_train, split_val, wine.y_val,
                      wine.x_test, wine.y_test, n_classes=wine.n_classes)
    folds = folds_mod.folds(task, 3)
    plain = folds_mod.folds(wine, 3).view(2)
    view = folds.view(2)
    assert np.array_equal(np.hstack([view.x_train["a"], view.x_train["b"]]), plain.x_train)
    assert np.array_equal(np.hstack([view.x_val["a"], view.x_val["b"]]), plain.x_val)
    listed = tasks.Task("list", wine.kind, list(split.values()), wine.y_train,
                        list(split_val.values()), wine.y_val, wine.x_test, wine.y_test,
                        n_classes=wine.n_classes)
    got = folds_mod.folds(listed, 3).view(2)
    assert np.array_equal(np.hstack(got.x_train), plain.x_train)


@pytest.mark.parametrize("k", [1, 0, -3, True, 2.5, "5"])
def test_fewer_than_two_folds_or_no_number_is_refused(wine, k):
    assert "cv must be a whole number of folds >= 2" in error(lambda: folds_mod.split(wine, k))


def test_more_folds_than_rows_or_than_a_class_has_rows_is_refused():
    x = np.arange(40, dtype=float).reshape(20, 2)
    y = np.array([0] * 16 + [1] * 4)  # split 12/4/4: class 1 keeps 3 train+validation rows
    task = tasks.from_arrays(x, y)
    rare = error(lambda: folds_mod.split(task, 5))
    assert "class '1' has only 3 train+validation row(s)" in rare
    assert "pass cv=3 or fewer" in rare
    folds_mod.split(task, 3)  # enough
    assert "only 16 train+validation rows; pass cv=16 or fewer" in error(
        lambda: folds_mod.split(tasks.from_arrays(x, np.arange(20.0)), 17))
