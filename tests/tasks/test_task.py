"""Task = data splits + kind + input shape (evohpo/tasks/task.py): arrays to a Task with their
labels and kind, bad arrays as clear errors, the task file saved and loaded back.
"""

from __future__ import annotations

import numpy as np
import pytest

from evohpo import tasks
from evohpo.errors import EvohpoError


def test_from_arrays_encodes_string_labels_and_infers_kind():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = np.array(["cat", "dog", "eel"] * 20)
    t = tasks.from_arrays(x, y)
    assert t.kind == "multiclass" and t.class_names == ("cat", "dog", "eel")
    assert tasks.from_arrays(x, rng.normal(size=60)).kind == "regression"
    assert tasks.from_arrays(x, [0, 1] * 30).kind == "binary"


@pytest.mark.parametrize(
    ("x", "y", "fragment"),
    [
        (np.zeros((10, 2)), np.zeros(9), "X has 10 rows but y has 9"),
        (np.array([[1.0, np.nan]] * 10), [0, 1] * 5, "NaN or infinite"),
        (np.array([[1.0, np.inf]] * 10), [0, 1] * 5, "NaN or infinite"),
        (np.array([["a", "b"]] * 10), [0, 1] * 5, "not numeric"),
        (np.ones((10, 2)), [1] * 10, "single class"),
        (np.ones((4, 2)), [0, 1, 2, 3], "a class has only 1 row(s)"),  # same rule as tables
        (np.ones((6, 2)), [0, 0, 0, 1, 1, 1], "rows are too few to split"),
        (np.ones((10, 2)), np.ones((10, 2)), "one column"),
    ],
)
def test_bad_arrays_are_clear_errors(x, y, fragment):
    with pytest.raises(EvohpoError) as info:
        tasks.from_arrays(x, y)
    assert fragment in str(info.value)


def test_binary_kind_with_three_classes_is_an_error():
    with pytest.raises(EvohpoError, match="use kind='multiclass'"):
        tasks.from_arrays(np.ones((30, 2)), [0, 1, 2] * 10, kind="binary")


def test_save_and_load_round_trip(tmp_path):
    t = tasks.wine()
    tasks.save(t, tmp_path / "t.npz")
    back = tasks.load(tmp_path / "t.npz")
    assert back.fingerprint() == t.fingerprint() and back.class_names == t.class_names
