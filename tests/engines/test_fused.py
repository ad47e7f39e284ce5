"""The fused engine: any compiled Keras models in one traced function, each as if it trained
alone with ``fit``.

Tiny data (a slice of digits, small generated tables), 1-3 epochs: seconds in all.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

from evohpo import tasks
from evohpo.engines import fused, fused_worker
from evohpo.engines.fused import train_group
from evohpo.model import ModelSpec
from evohpo.presets import MLP

pytestmark = pytest.mark.tensorflow


def _tiny(images: bool = False) -> tasks.Task:
    d = tasks.digits()
    shape = (-1, 8, 8, 1) if images else (-1, 64)
    return tasks.Task(
        "tiny-digits", "multiclass",
        d.x_train[:160].reshape(shape), d.y_train[:160],
        d.x_val[:80].reshape(shape), d.y_val[:80],
        d.x_test[:8].reshape(shape), d.y_test[:8], n_classes=10,
    )


def _mlp(*layers: tuple[int, str], optimizer: str = "adam", lr: float = 1e-2, **genes) -> dict:
    return {"layers": [{"units": u, "activation": a} for u, a in layers],
            "optimizer": optimizer, "learning_rate": lr, "batch_size": 32, **genes}


# MLP members that differ in every gene the preset has
A = _mlp((16, "relu"), (8, "tanh"))
B = _mlp((12, "elu"), optimizer="sgd", lr=0.05, momentum=0.9, nesterov=True, batch_norm=True)
C = _mlp((8, "gelu"), (8, "selu"), (6, "sigmoid"), optimizer="adamw", lr=3e-3, dropout=0.2,
         weight_decay=1e-4, lr_schedule="cosine", initializer="he_normal")
D = _mlp((10, "leaky_relu"), optimizer="rmsprop", lr=1e-3, lr_schedule="exponential")
POISON = _mlp((16, "relu"), optimizer="sgd", lr=1e3)  # diverges within the first epoch
EPOCHS = 2


def cnn_build(config, task, seed=None):
    """A user's CNN with dropout and batch norm (images 8x8x1)."""
    import keras

    init = keras.initializers.GlorotUniform(seed=seed)
    x = inputs = keras.Input(task.input_shape)
    x = keras.layers.Conv2D(config["filters"], 3, padding="same", use_bias=False,
                            kernel_initializer=init)(x)
    if config["batch_norm"]:
        x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Activation("relu")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(config["dropout"], seed=seed)(x)
    outputs = keras.layers.Dense(task.n_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    lr = config["learning_rate"]
    optimizer = (keras.optimizers.SGD(lr, momentum=0.9) if config["optimizer"] == "sgd"
                 else keras.optimizers.Adam(lr))
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


CNN = ModelSpec(build=cnn_build, name="cnn")
CNN_CONFIGS = [{"filters": f, "dropout": d, "learning_rate": lr, "batch_size": 32,
                "batch_norm": bn, "optimizer": opt}
               for f, d, lr, bn, opt in [(4, 0.3, 2e-2, False, "sgd"),
                                         (8, 0.3, 3e-3, False, "adam"),
                                         (6, 0.5, 2e-2, True, "adam")]]


@pytest.fixture(scope="module")
def task() -> tasks.Task:
    return _tiny()


@pytest.fixture(scope="module")
def images() -> tasks.Task:
    return _tiny(images=True)


def _group(spec, configs, seeds, task, epochs=EPOCHS, **kw):
    return train_group(spec, configs, seeds, task, epochs, 32, keep_models=True, **kw)


@pytest.fixture(scope="module")
def base(task):
    """A, B, C, D trained together once; the reference every other run is compared with."""
    return _group(MLP, [A, B, C, D], [1, 2, 3, 4], task)


def _same(a: fused.MemberResult, b: fused.MemberResult) -> bool:
    """Bit-identical: scores, epochs and every weight."""
    return (a.status, a.scores, a.epochs) == (b.status, b.scores, b.epochs) and all(
        np.array_equal(x, y)
        for x, y in zip(a.model.get_weights(), b.model.get_weights(), strict=True))


def fit_alone(spec, config, seed, task, epochs, **fit_kw):
    """The per-model engine's training of one config, rows in order (fit(shuffle=False))."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = spec.make(config, task, seed=seed, epochs=epochs)
    kw = {**spec.fit_kwargs(config, task), **fit_kw}
    history = model.fit(task.x_train, task.y_train, batch_size=32, epochs=epochs,
                        shuffle=False, verbose=0, **kw)
    return model, history


def test_group_trains_every_member(base):
    assert [r.status for r in base] == ["ok"] * 4
    assert all(r.epochs == EPOCHS and r.seconds > 0 and r.params > 0 for r in base)
    assert all(0.0 <= r.scores["val_accuracy"] <= 1.0 for r in base)
    assert len({r.scores["val_loss"] for r in base}) == 4
    assert all(r.scores["params"] == r.params for r in base)
    # seconds: equal shares of the fixed costs plus training time by parameter count
    assert sorted(range(4), key=lambda i: base[i].params) == sorted(
        range(4), key=lambda i: base[i].seconds)


def test_member_does_not_depend_on_its_group(task, base):
    """Other members, their order and their count change nothing, to the last bit; the
    member's own seed does."""
    other = _group(MLP, [D, B], [4, 2], task)
    assert _same(other[0], base[3]) and _same(other[1], base[1])
    (alone,) = _group(MLP, [C], [3], task)
    assert _same(alone, base[2])
    reseeded = _group(MLP, [A, B], [1, 99], task)
    assert _same(reseeded[0], base[0])
    assert reseeded[1].scores != base[1].scores


def test_members_of_different_batch_sizes_train_as_in_groups_of_their_own(task, images):
    """One trace for batch sizes 32, 48 (a short last batch) and 7 (23 batches, so the
    others idle on the last ticks): each member is bit-identical to a group of its own
    batch size alone, for the MLP's update kernel and for Keras' optimizers with batch norm,
    dropout and a time-limit's chunks."""
    mixed = train_group(MLP, [A, B, C], [1, 2, 3], task, EPOCHS, [32, 48, 7], keep_models=True)
    for got, config, seed, batch in zip(mixed, [A, B, C], [1, 2, 3], [32, 48, 7], strict=True):
        (alone,) = train_group(MLP, [config], [seed], task, EPOCHS, batch, keep_models=True)
        assert _same(got, alone)
    cnn = train_group(CNN, CNN_CONFIGS, [5, 6, 7], images, 2, [16, 32, 7], keep_models=True,
                      chunk_steps=3)
    for got, config, seed, batch in zip(cnn, CNN_CONFIGS, [5, 6, 7], [16, 32, 7], strict=True):
        (alone,) = train_group(CNN, [config], [seed], images, 2, batch, keep_models=True)
        assert got.ok and _same(got, alone)
    with pytest.raises(ValueError, match="3 configs but 2 batch sizes"):
        train_group(MLP, [A, B, C], [1, 2, 3], task, EPOCHS, [32, 48])


def test_cross_validation_members_train_as_their_fold_alone(task):
    """Folds of several configs and batch sizes in one trace (classes of batch size x fold):
    each member is bit-identical to its fold trained in a group alone, and to a plain group
    on its fold's view of the task (its rows, in their own order); the weights a fit hook's
    class_weight gives follow the fold's rows."""
    from evohpo.tasks import folds as folds_mod

    def weighted(config, task):
        return {"class_weight": {c: 1.0 + c / 4 for c in range(10)}}

    spec = ModelSpec(build=MLP.build, fit=weighted, fast_score=True)
    folds = folds_mod.folds(task, 3)
    members = [(A, 1, 0, 32), (A, 1, 2, 32), (C, 3, 2, 7)]
    mixed = train_group(spec, [m[0] for m in members], [m[1] for m in members], task, EPOCHS,
                        [m[3] for m in members], folds=folds, fold_of=[m[2] for m in members],
                        keep_models=True)
    for got, (config, seed, fold, batch) in zip(mixed, members, strict=True):
        (view,) = train_group(spec, [config], [seed], folds.view(fold), EPOCHS, batch,
                              keep_models=True)
        assert got.ok and _same(got, view)
    (alone,) = train_group(spec, [A], [1], task, EPOCHS, 32, folds=folds, fold_of=[2],
                           keep_models=True)
    assert _same(alone, mixed[1])
    assert mixed[0].scores != mixed[1].scores  # the folds differ
    with pytest.raises(ValueError, match="need as many folds"):
        train_group(spec, [A, C], [1, 3], task, EPOCHS, 32, folds=folds, fold_of=[0, 3])


def test_poisoned_member_diverges_and_others_are_bit_identical(task, base):
    results = _group(MLP, [A, POISON, B, C, D], [1, 7, 2, 3, 4], task)
    assert results[1].status == "diverged" and "NaN" in results[1].error
    assert results[1].model is None
    for got, want in zip(results[:1] + results[2:], base, strict=True):
        assert _same(got, want)


@pytest.mark.slow
def test_a_users_cnn_trains_as_fit_does_to_the_last_bit(images):
    """Rows in order, the fused members equal fit(shuffle=False): to the last bit with dropout
    and SGD; to rounding with Adam (its update kernel rounds ``1 - beta`` in float32:
    engines/kernels.py) and with batch norm (Grappler is off in the group, and batch norm's
    reductions then round differently); scores are model.evaluate's."""
    results = train_group(CNN, CNN_CONFIGS, [5, 6, 7], images, 2, 32, shuffle_seed=None,
                          keep_models=True)
    for config, seed, result in zip(CNN_CONFIGS, [5, 6, 7], results, strict=True):
        model, _ = fit_alone(CNN, config, seed, images, 2)
        assert result.status == "ok"
        pairs = list(zip(model.get_weights(), result.model.get_weights(), strict=True))
        said = model.evaluate(images.x_val, images.y_val, batch_size=1024, verbose=0,
                              return_dict=True)
        if config["batch_norm"] or config["optimizer"] == "adam":
            assert all(np.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in pairs)
            assert result.scores["val_loss"] == pytest.approx(said["loss"], rel=1e-3)
            continue
        assert all(np.array_equal(a, b) for a, b in pairs)
        assert result.scores["val_loss"] == said["loss"]
        assert result.scores["val_accuracy"] == said["accuracy"]


def sequential_build(config, task, seed=None):
    """KerasTuner's style: a Sequential without an Input, built by Keras at the first batch."""
    import keras

    model = keras.Sequential([keras.layers.Flatten(),
                              keras.layers.Dense(config["units"], activation="relu"),
                              keras.layers.Dense(task.n_classes, activation="softmax")])
    model.compile(keras.optimizers.SGD(config["learning_rate"]),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_a_model_without_an_input_trains_in_a_group_as_fit_does(images):
    spec = ModelSpec(build=sequential_build)
    configs = [{"units": 6, "learning_rate": 0.05}, {"units": 9, "learning_rate": 0.02}]
    results = train_group(spec, configs, [3, 4], images, 2, 32, shuffle_seed=None,
                          keep_models=True)
    for config, seed, result in zip(configs, [3, 4], results, strict=True):
        model, _ = fit_alone(spec, config, seed, images, 2)
        assert result.status == "ok" and result.params == model.count_params() > 0
        assert all(np.array_equal(a, b) for a, b in zip(
            model.get_weights(), result.model.get_weights(), strict=True))


@pytest.mark.slow
def test_a_poisoned_user_model_leaves_the_others_bit_identical(images):
    poison = {**CNN_CONFIGS[1], "learning_rate": 1e30}
    clean = train_group(CNN, CNN_CONFIGS, [5, 6, 7], images, 2, 32, keep_models=True)
    mixed = train_group(CNN, [CNN_CONFIGS[0], poison, *CNN_CONFIGS[1:]], [5, 9, 6, 7], images,
                        2, 32, keep_models=True)
    assert mixed[1].status == "diverged"
    assert all(_same(a, b) for a, b in zip(clean, mixed[:1] + mixed[2:], strict=True))


@pytest.mark.slow
def test_early_stopping_class_weight_and_lr_callbacks_are_honoured_as_fit_does(task):
    """The fit hook's EarlyStopping (best weights restored), class_weight and learning-rate
    callbacks run per member: the epochs, learning rates and weights of fit with that hook
    (weights to rounding: Grappler is off in the group, and the Adam kernel rounds ``1 - beta``
    in float32)."""
    import keras

    def hook(config, task):
        callbacks = [keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=config["patience"], restore_best_weights=True)]
        kw = {"validation_data": (task.x_val, task.y_val), "callbacks": callbacks}
        if config.get("weighted"):
            kw["class_weight"] = {c: 1.0 + c for c in range(10)}
            callbacks.append(keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5))
        else:
            callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1))
        return kw

    spec = ModelSpec(build=MLP.build, fit=hook, name="hooked")
    configs = [{**_mlp((64, "relu"), lr=0.05), "patience": 1},
               {**_mlp((32, "tanh"), lr=0.02), "patience": 2, "weighted": True}]
    results = train_group(spec, configs, [3, 4], task, 6, 32, shuffle_seed=None,
                          keep_models=True)
    for config, seed, result in zip(configs, [3, 4], results, strict=True):
        model, history = fit_alone(spec, config, seed, task, 6)
        assert result.status == "ok"
        assert result.epochs == len(history.history["loss"])
        assert float(model.optimizer.learning_rate) == float(
            result.model.optimizer.learning_rate)
        assert all(np.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in
                   zip(model.get_weights(), result.model.get_weights(), strict=True))
    assert results[0].epochs < 6, "the first config must stop early to test anything"
    assert float(results[1].model.optimizer.learning_rate) == pytest.approx(0.02 / 2**6)


@pytest.mark.slow
def test_what_only_fit_can_do_trains_alone_with_the_reason(task):
    import keras

    class OwnStep(keras.Model):
        def train_step(self, data):
            return super().train_step(data)

    def own_step_build(config, task):
        inputs = keras.Input(task.input_shape)
        model = OwnStep(inputs, keras.layers.Dense(10, activation="softmax")(inputs))
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    hooks = {
        "nan": lambda c, t: {"callbacks": [keras.callbacks.TerminateOnNaN()]},
        "split": lambda c, t: {"validation_split": 0.2},
        "accuracy": lambda c, t: {"callbacks": [
            keras.callbacks.EarlyStopping(monitor="accuracy")]},
    }
    reasons = {
        name: train_group(ModelSpec(build=MLP.build, fit=hook), [A], [1], task, 1, 32)[0]
        for name, hook in hooks.items()
    }
    assert all(r.status == "alone" for r in reasons.values())
    assert "TerminateOnNaN" in reasons["nan"].error and "on_batch_end" in reasons["nan"].error
    assert "validation_split" in reasons["split"].error
    assert "'accuracy'" in reasons["accuracy"].error
    (own,) = train_group(ModelSpec(build=own_step_build), [{}], [1], task, 1, 32)
    assert own.status == "alone" and "train_step" in own.error
    assert fused_worker.fusable(ModelSpec(build=own_step_build), {}, task, 1) == own.error
    assert fused_worker.fusable(MLP, A, task, 1) == ""


def test_a_model_with_two_named_inputs_and_branches(task):
    """Functional models with several inputs (a dict) and branches train fused too."""
    import keras

    def two_inputs(config, task, seed=None):
        wide = keras.Input((4,), name="wide")
        deep = keras.Input((60,), name="deep")
        h = keras.layers.Dense(config["units"], activation="relu")(deep)
        both = keras.layers.Concatenate()([wide, h])
        model = keras.Model({"wide": wide, "deep": deep},
                            keras.layers.Dense(10, activation="softmax")(both))
        model.compile(keras.optimizers.SGD(0.05, momentum=0.9),  # bit for bit (kernels.py)
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def split(x):
        return {"wide": x[:, :4], "deep": x[:, 4:]}

    data = SimpleNamespace(x_train=split(task.x_train), y_train=task.y_train,
                           x_val=split(task.x_val), y_val=task.y_val, kind="multiclass",
                           n_classes=10, input_shape=(64,), name="split")
    spec = ModelSpec(build=two_inputs)
    results = train_group(spec, [{"units": 8}, {"units": 16}], [1, 2], data, 2, 32,
                          shuffle_seed=None, keep_models=True)
    assert [r.status for r in results] == ["ok", "ok"]
    model, _ = fit_alone(spec, {"units": 16}, 2, data, 2)
    assert all(np.array_equal(a, b) for a, b in
               zip(model.get_weights(), results[1].model.get_weights(), strict=True))


def test_failed_members_are_records_and_the_rest_trains(task, base):
    bad_act = _mlp((8, "no_such_activation"))
    t0 = time.perf_counter()
    results = _group(MLP, [bad_act, A], [5, 1], task)
    wall = time.perf_counter() - t0
    assert sum(r.seconds for r in results) == pytest.approx(wall, rel=0.05)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "no_such_activation" in results[0].error
    assert results[0].params is None and results[0].seconds == 0.0 and results[0].scores == {}
    assert _same(results[1], base[0])


def test_member_that_breaks_the_trace_trains_alone(task, base):
    """A network that builds but cannot be traced with the group goes to one-by-one
    training with the reason; the group trains again without it, numbers unchanged."""
    import keras

    class Broken(keras.optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            raise RuntimeError("update_step is broken")

    def build(config, task, seed=None, epochs=None):
        model = MLP.build(config, task, seed=seed, epochs=epochs)
        if config["learning_rate"] == 0.0123:
            model.compile(Broken(0.0123), "sparse_categorical_crossentropy",
                          metrics=["accuracy"])
        return model

    spec = ModelSpec(build=build, fast_score=True)
    broken = _mlp((8, "relu"), optimizer="sgd", lr=0.0123)
    results = _group(spec, [A, broken, D], [1, 9, 4], task)
    assert [r.status for r in results] == ["ok", "alone", "ok"]
    assert "update_step is broken" in results[1].error
    assert _same(results[0], base[0]) and _same(results[2], base[3])


@pytest.mark.slow
def test_time_limit_times_out_members_and_chunking_changes_nothing(task, base):
    late = _group(MLP, [A, _mlp((8, "nope")), B], [1, 5, 2], task, time_limit=1e-4)
    assert [r.status for r in late] == ["timeout", "failed", "timeout"]
    assert late[0].epochs == 0 and late[0].scores == {} and "time limit" in late[0].error
    # a limit that is never reached runs in time-sized chunks, and one step per call is the
    # smallest chunk: both must give the numbers of whole-epoch calls
    chunked = _group(MLP, [A, B], [1, 2], task, time_limit=1e6)
    stepwise = _group(MLP, [C], [3], task, chunk_steps=1)
    assert _same(chunked[0], base[0]) and _same(chunked[1], base[1])
    assert _same(stepwise[0], base[2])


@pytest.mark.slow
def test_a_group_too_big_for_memory_is_split_with_the_same_numbers(task, base, monkeypatch):
    monkeypatch.setattr(fused, "MEMORY_SHARE", 1e-12)  # every pair is over the bound
    calls = []
    real = fused._train

    def counting(run, members):
        calls.append(len(members))
        return real(run, members)

    monkeypatch.setattr(fused, "_train", counting)
    results = _group(MLP, [A, B, C, D], [1, 2, 3, 4], task)
    assert calls == [1, 1, 1, 1]
    assert all(_same(got, want) for got, want in zip(results, base, strict=True))


@pytest.mark.slow
def test_a_group_that_runs_out_of_memory_is_split_and_retried(task, base, monkeypatch):
    import tensorflow as tf

    real = fused._train

    def oom_when_big(run, members):
        if len(members) > 2:
            raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating")
        return real(run, members)

    monkeypatch.setattr(fused, "_train", oom_when_big)
    results = _group(MLP, [A, B, C, D], [1, 2, 3, 4], task)
    assert all(_same(got, want) for got, want in zip(results, base, strict=True))


def test_custom_objectives_are_measured_per_member(task):
    from evohpo.objectives import Objective

    def first_weight(model, task):
        return float(model.get_weights()[0].ravel()[0])

    obj = Objective("w0", "max", fn=first_weight)
    results = _group(MLP, [A, D], [1, 4], task, objectives=[obj])
    assert all(r.scores["w0"] == first_weight(r.model, task) for r in results)


@pytest.mark.slow
def test_engine_leaves_tensorflow_as_it_found_it(task):
    """Grappler comes back on for per-model evaluations, and the custom-gradient entries a
    group registers are dropped (they kept every traced graph alive: the memory leak)."""
    import tensorflow as tf
    from tensorflow.python.framework import ops

    before = len(ops._gradient_registry._registry)
    train_group(MLP, [A], [1], task, 1, 32)
    assert len(ops._gradient_registry._registry) == before
    assert not tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer")
