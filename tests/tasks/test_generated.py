"""Issue 14's benchmark tasks: registered, deterministic, and shaped as documented."""

from __future__ import annotations

import numpy as np

from evohpo import tasks
from evohpo.tasks import generated


def test_synthetic_classification_is_built_in_and_deterministic():
    task = tasks.get("synthetic")
    assert task.kind == "multiclass" and task.n_classes == 6 and task.input_shape == (40,)
    assert (len(task.y_train), len(task.y_val), len(task.y_test)) == (1800, 600, 600)
    assert task.fingerprint() == tasks.get("synthetic").fingerprint()
    assert np.allclose(task.x_train.mean(axis=0), 0, atol=1e-5)  # standardised on train


def test_synthetic_regression_is_built_in_and_deterministic():
    task = tasks.get("synthetic_regression")
    assert task.kind == "regression" and task.input_shape == (20,)
    assert task.fingerprint() == generated.synthetic_regression().fingerprint()
    assert abs(float(task.y_train.std()) - 1.0) < 1e-4  # the target is standardised


def test_no_single_column_separates_the_classes():
    """The rotation spreads the informative directions: a linear model is far from enough,
    which is what makes the architecture matter."""
    from sklearn.linear_model import LogisticRegression

    task = tasks.get("synthetic")
    linear = LogisticRegression(max_iter=500).fit(task.x_train, task.y_train)
    assert linear.score(task.x_val, task.y_val) < 0.5
