"""The MLP preset's build function and the per-model engine, in-process, on tiny data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evohpo import ModelSpec, Objective, tasks
from evohpo.engines import Job, Setup, TaskRef, eval_seed, resolve
from evohpo.engines.scoring import score
from evohpo.engines.single import evaluate, train_final
from evohpo.objectives import default
from evohpo.presets import MLP
from evohpo.presets.mlp import build as build_model
from evohpo.strategies import Status

pytestmark = pytest.mark.tensorflow

CFG = {"layers": [{"units": 8, "activation": "relu"}, {"units": 5, "activation": "tanh"}],
       "optimizer": "adam", "learning_rate": 0.01, "batch_size": 16}


def _run(config, task, *, eval_id=0, epochs=2, model=MLP, objective=None, time_limit=None):
    setup = Setup(task, model, objective or default(task.kind))
    job = Job(config, eval_id, 0, eval_seed(0, eval_id), epochs, time_limit)
    return evaluate(job, setup)


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
    assert math.isclose(float(model.optimizer.learning_rate.numpy()), 0.01, rel_tol=1e-6)


def test_images_are_flattened_for_the_mlp():
    task = tasks.digits()
    assert task.input_shape == (8, 8, 1)
    model = build_model(CFG, task)
    assert model.get_layer("flatten").output.shape[-1] == 64


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adamw", "adagrad", "adadelta",
                                       "adamax", "nadam"])
def test_every_default_optimizer_builds(optimizer):
    model = build_model({**CFG, "optimizer": optimizer}, tasks.xor())
    assert model.optimizer.__class__.__name__.lower() == optimizer


def test_opt_in_genes_reach_the_model():
    cfg = {**CFG, "optimizer": "sgd", "momentum": 0.9, "nesterov": True, "dropout": 0.25,
           "initializer": "he_normal", "batch_norm": True, "weight_decay": 1e-4,
           "lr_schedule": "cosine"}
    model = build_model(cfg, tasks.iris(), seed=1, epochs=3)
    names = [type(layer).__name__ for layer in model.layers]
    assert names.count("BatchNormalization") == 2 and names.count("Dropout") == 2
    assert model.get_layer("dropout_1").rate == 0.25
    init = model.get_layer("hidden_1").kernel_initializer
    assert type(init).__name__ == "HeNormal"
    opt = model.optimizer
    assert float(opt.momentum) == pytest.approx(0.9) and opt.nesterov
    assert float(opt.weight_decay) == pytest.approx(1e-4)
    assert type(opt._learning_rate).__name__ == "CosineDecay"


@pytest.mark.slow
def test_patience_stops_early_and_keeps_the_best_weights():
    cfg = {**CFG, "learning_rate": 0.1, "patience": 1}
    ev = _run(cfg, tasks.iris(), epochs=60)
    assert ev.status == Status.OK and ev.epochs < 60


@pytest.mark.slow
def test_evaluate_scores_validation_accuracy_and_is_seeded():
    task = tasks.iris()
    a, b = (_run(CFG, task, eval_id=3, epochs=3) for _ in range(2))
    assert a.status == Status.OK and a.error == ""
    assert 0.0 <= a.val_accuracy <= 1.0 and a.objective == -a.val_accuracy
    assert a.params == build_model(CFG, task).count_params()
    assert a.epochs == 3 and a.train_seconds > 0 and a.eval_id == 3
    assert (a.val_accuracy, a.val_loss) == (b.val_accuracy, b.val_loss)
    assert _run(CFG, task, eval_id=4, epochs=3).val_loss != a.val_loss


def test_regression_scores_validation_loss():
    ev = _run(CFG, tasks.diabetes())
    assert ev.status == Status.OK and ev.val_accuracy is None and ev.objective == ev.val_loss


def test_divergence_and_errors_become_records():
    diverge = {**CFG, "layers": [{"units": 8, "activation": "relu"}], "optimizer": "sgd",
               "learning_rate": 1e12}
    ev = _run(diverge, tasks.diabetes())
    assert ev.status == Status.DIVERGED and math.isinf(ev.objective)
    bad = {**CFG, "layers": [{"units": 8, "activation": "no_such_activation"}]}
    ev = _run(bad, tasks.xor(), eval_id=1)
    assert ev.status == Status.FAILED and "no_such_activation" in ev.error
    assert "\n" not in ev.error and math.isinf(ev.objective)


def test_time_limit_stops_training_as_timeout():
    ev = _run({**CFG, "batch_size": 8}, tasks.digits(), epochs=50, time_limit=0.2)
    assert ev.status == Status.TIMEOUT and ev.epochs < 50
    assert "time limit of 0.2 s" in ev.error and ev.objective == float("inf")


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
    """score() skips evaluate()'s graph tracing but must measure the same numbers."""
    model = build_model(CFG, task, seed=3)
    model.fit(task.x_train, task.y_train, epochs=2, verbose=0)
    ours = score(model, task, task.x_val, task.y_val)
    keras_says = model.evaluate(task.x_val, task.y_val, verbose=0, return_dict=True)
    assert ours["loss"] == pytest.approx(keras_says["loss"], rel=1e-5, abs=1e-6)
    if task.kind != "regression":
        assert ours["accuracy"] == pytest.approx(keras_says["accuracy"], abs=1e-6)


# -- user build functions and objectives ---------------------------------------------------
def auc_model(config, task):
    import keras

    inputs = keras.Input(task.input_shape)
    x = keras.layers.Dense(config["units"], activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy", keras.metrics.AUC()])
    return model


def uncompiled(config, task):
    import keras

    inputs = keras.Input(task.input_shape)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))


def wrong_output(config, task):
    import keras

    inputs = keras.Input(task.input_shape)
    model = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(inputs))
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def not_a_model(config, task):
    return "a string"


def first_feature_mean(model, task):
    return float(np.mean(task.x_val[:, 0]))


def test_a_user_model_is_scored_on_its_own_compiled_metrics():
    task = tasks.breast_cancer()
    ev = _run({"units": 4}, task, model=ModelSpec(auc_model), objective=Objective("val_auc"))
    assert ev.status == Status.OK
    assert 0.5 <= ev.scores["val_auc"] <= 1 and ev.objective == -ev.scores["val_auc"]
    assert "val_accuracy" in ev.scores and "val_loss" in ev.scores


def test_an_objective_the_model_lacks_names_the_metrics_it_has():
    ev = _run({"units": 4}, tasks.breast_cancer(), model=ModelSpec(auc_model),
              objective=Objective("val_f1"))
    assert ev.status == Status.FAILED
    assert "'val_f1' is not among the model's metrics" in ev.error and "val_auc" in ev.error


def test_a_callable_objective_runs_in_the_worker():
    task = tasks.breast_cancer()
    obj = Objective("feature0", "min", fn=first_feature_mean)
    ev = _run({"units": 4}, task, model=ModelSpec(auc_model), objective=obj)
    assert ev.scores["feature0"] == pytest.approx(float(np.mean(task.x_val[:, 0])))


@pytest.mark.parametrize(("build", "fragment"), [
    (uncompiled, "uncompiled model; call model.compile"),
    (wrong_output, "5 outputs per row, but task breast_cancer (binary) needs 1"),
    (not_a_model, "returned str, not a keras.Model"),
])
def test_bad_build_functions_become_failed_rows_that_name_the_fix(build, fragment):
    ev = _run({"units": 4}, tasks.breast_cancer(), model=ModelSpec(build))
    assert ev.status == Status.FAILED and fragment in ev.error


def test_train_final_reports_test_scores_and_saves(tmp_path):
    task = tasks.iris()
    setup = Setup(task, MLP, default(task.kind))
    out = train_final(Job(CFG, 0, 0, 5, 2), setup, str(tmp_path / "m.keras"))
    assert set(out["test"]) == {"test_accuracy", "test_loss"}
    assert out["saved_to"] and (tmp_path / "m.keras").is_file()


def test_a_model_keras_cannot_save_is_reported_and_nothing_is_written(tmp_path):
    from evohpo.engines.base import save_model

    class Unsaveable:
        def save(self, path):
            raise TypeError("cannot serialise layer 'mine'\nsecond line")

    assert save_model(Unsaveable(), None) == (None, "")
    path = tmp_path / "sub" / "best.keras"
    assert save_model(Unsaveable(), str(path)) == (
        None, "model not saved: TypeError: cannot serialise layer 'mine'")
    assert not path.exists()
