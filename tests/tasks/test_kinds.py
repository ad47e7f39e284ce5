"""Binary, multiclass or regression (evohpo/tasks/kinds.py): the one rule that infers a kind from a
target, a kind given by the user and checked, and outputs decoded back into labels or units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evohpo import tasks
from evohpo.errors import EvohpoError
from evohpo.tasks import kinds
from tests.tasks.tables_data import houses, one_line


# -- kind ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("y", "kind", "fragment"),
    [
        (np.arange(200) * 1000, "regression", "200 distinct values, more than 20"),
        (np.arange(100) % 12, "regression", "12 distinct values, 12% of the rows"),
        (np.arange(1000) % 12, "multiclass", "12 distinct values, at most 20"),
        (np.arange(150) % 3 + 1, "multiclass", "3 distinct values"),
        (np.arange(40) % 2, "binary", "two whole-number values"),
        (np.linspace(0, 1, 50), "regression", "numbers with fractions"),
        (np.array(["cat", "dog"] * 20), "binary", "labels (2 distinct values)"),
        (np.array([True, False] * 20), "binary", "labels"),
        (pd.Series(["a", "b", "c"] * 10, dtype="category"), "multiclass", "labels"),
    ],
)
def test_infer_kind_rule(y, kind, fragment):
    guess = kinds.infer_kind(y)
    assert guess.kind == kind and fragment in guess.reason


def test_whole_number_regression_target_is_regression_not_hundreds_of_classes():
    t = tasks.from_frame(houses(), "price")
    assert t.kind == "regression" and t.n_classes == 0
    assert "more than 20" in t.preprocess.kind_reason
    assert abs(float(t.y_train.mean())) < 1e-5  # standardised on train, kept for predictions
    assert t.preprocess.y_std > 1_000


def test_from_arrays_uses_the_same_rule():
    x = np.random.default_rng(0).normal(size=(100, 2))
    assert tasks.from_arrays(x, np.arange(100) * 3).kind == "regression"
    assert tasks.from_arrays(x, np.arange(100) % 4).kind == "multiclass"


def test_kind_can_be_given():
    df = houses()
    t = tasks.from_frame(df, "rooms", kind="multiclass")
    assert t.kind == "multiclass" and t.preprocess.classes == (1, 2, 3, 4, 5)
    assert "given" in t.preprocess.kind_reason
    assert tasks.from_frame(df, "rooms", kind="regression").kind == "regression"


@pytest.mark.parametrize(
    ("target", "kind", "fragment"),
    [("colour", "regression", "holds labels such as"),
     ("colour", "binary", "has 3 classes; pass kind='multiclass'"),
     ("price", "multiclass", "pass kind='regression' (--kind regression)"),
     ("price", "ordinal", "unknown kind 'ordinal'; choose from: binary, multiclass, regression")],
)
def test_wrong_kind_is_a_one_line_error(target, kind, fragment):
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(houses(), target, kind=kind)
    assert fragment in one_line(info)


def test_decode_gives_labels_and_units():
    t = tasks.from_frame(houses(), "colour")
    out = t.preprocess.decode(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    assert list(out["prediction"]) == ["blue", "red"]  # classes sorted: blue, green, red
    assert out["probability"] == pytest.approx([0.7, 0.8])
    r = tasks.from_frame(houses(), "price").preprocess
    assert r.decode(np.array([[0.0], [1.0]]))["prediction"] == pytest.approx(
        [r.y_mean, r.y_mean + r.y_std])
