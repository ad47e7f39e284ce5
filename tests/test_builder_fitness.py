"""Keras builder and the fitness function, in-process, on tiny data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evohpo import tasks
from evohpo.builder import build_model
from evohpo.fitness import TaskRef, eval_seed, evaluate, resolve, score
from evohpo.strategies import Status

CFG = {"n_layers": 2, "units": [8, 5], "activations": ["relu", "tanh"], "optimizer": "adam",
       "learning_rate": 0.01, "batch_size": 16}


@pytest.mark.parametrize(
    ("task", "out_units", "out_act", "loss"),
    [(tasks.xor(), 1, "sigmoid", "binary_crossentropy"),
     (tasks.iris(), 3, "softmax", "sparse_categorical_crossentropy"),
     (tasks.diabetes(), 1, "linear", "mse")],
)
def test_builder_fits_the_task(task, out_units, out_act, loss):
    model = build_model(CFG, task)
    hidden = [layer for layer in model.layers if layer.name.startswith("hidden_")]
    assert [h.units for h in hidden] == [8, 5]
    assert [h.activation.__name__ for h in hidden] == ["relu", "tanh"]
    out = model.get_layer("output")
    assert out.units == out_units and out.activation.__name__ == out_act
    assert model.loss == loss
    expected = task.n_features * 8 + 8 + 8 * 5 + 5 + 5 * out_units + out_units
    assert model.count_params() == expected
    assert model.optimizer.__class__.__name__.lower() == "adam"
    assert math.isclose(float(model.optimizer.learning_rate.numpy()), 0.01, rel_tol=1e-6)


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adamw", "adagrad", "adadelta",
                                       "adamax", "nadam"])
def test_every_default_optimizer_builds(optimizer):
    model = build_model({**CFG, "optimizer": optimizer}, tasks.xor())
    assert model.optimizer.__class__.__name__.lower() == optimizer


def test_evaluate_scores_validation_accuracy_and_is_seeded():
    task = tasks.iris()
    runs = [evaluate(CFG, task, eval_id=3, generation=1, seed=eval_seed(0, 3), epochs=3)
            for _ in range(2)]
    a, b = runs
    assert a.status == Status.OK and a.error == ""
    assert 0.0 <= a.val_accuracy <= 1.0 and a.objective == -a.val_accuracy
    assert a.params == build_model(CFG, task).count_params()
    assert a.epochs == 3 and a.train_seconds > 0 and a.eval_id == 3 and a.generation == 1
    assert (a.val_accuracy, a.val_loss) == (b.val_accuracy, b.val_loss)
    other = evaluate(CFG, task, eval_id=4, generation=1, seed=eval_seed(0, 4), epochs=3)
    assert other.val_loss != a.val_loss


def test_regression_scores_validation_loss():
    ev = evaluate(CFG, tasks.diabetes(), eval_id=0, generation=0, seed=1, epochs=2)
    assert ev.status == Status.OK and ev.val_accuracy is None and ev.objective == ev.val_loss


def test_divergence_and_errors_become_records():
    diverge = {**CFG, "activations": ["relu", "relu"],
               "optimizer": "sgd", "learning_rate": 1e12}
    ev = evaluate(diverge, tasks.diabetes(), eval_id=0, generation=0, seed=0, epochs=2)
    assert ev.status == Status.DIVERGED and math.isinf(ev.objective)
    bad = {**CFG, "activations": ["relu", "no_such_activation"]}
    ev = evaluate(bad, tasks.xor(), eval_id=1, generation=0, seed=0, epochs=1)
    assert ev.status == Status.FAILED and "no_such_activation" in ev.error
    assert "\n" not in ev.error and math.isinf(ev.objective)


def test_task_ref_loads_once_per_process(tmp_path):
    task = tasks.wine()
    tasks.save(task, tmp_path / "t.npz")
    ref = TaskRef(str(tmp_path / "t.npz"), task.fingerprint())
    first = resolve(ref)
    (tmp_path / "t.npz").unlink()  # a second lookup must not touch the file again
    assert resolve(ref) is first
    assert np.array_equal(first.x_train, task.x_train)


@pytest.mark.parametrize("task", [tasks.xor(), tasks.iris(), tasks.diabetes()],
                         ids=["binary", "multiclass", "regression"])
def test_score_agrees_with_keras_evaluate(task):
    """fitness.score skips evaluate()'s graph tracing but must measure the same numbers."""
    model = build_model(CFG, task, seed=3)
    model.fit(task.x_train, task.y_train, epochs=2, verbose=0)
    ours = score(model, task, task.x_val, task.y_val)
    keras_says = model.evaluate(task.x_val, task.y_val, verbose=0, return_dict=True)
    assert ours["loss"] == pytest.approx(keras_says["loss"], rel=1e-5, abs=1e-6)
    if task.kind != "regression":
        assert ours["accuracy"] == pytest.approx(keras_says["accuracy"], abs=1e-6)
