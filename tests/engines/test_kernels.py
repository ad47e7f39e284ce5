"""The fused step's one-op optimizer kernels give Keras' own update (SGD bit for bit, Adam to
float32 rounding of ``1 - beta``), and are used only for exactly-plain Adam and SGD (everything
else keeps ``apply_gradients``)."""

from __future__ import annotations

import numpy as np
import pytest

from evohpo.engines import kernels
from evohpo.runtime import keras as _keras

pytestmark = pytest.mark.tensorflow


def _model(keras, optimizer):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(optimizer, "mse")
    model.optimizer.build(model.trainable_variables)
    return model


def _train(tf, keras, make_optimizer, use_kernel: bool, steps: int = 6) -> list[np.ndarray]:
    model = _model(keras, make_optimizer())
    variables = model.trainable_variables
    update = (kernels.plain_update(tf, keras, model.optimizer, variables) if use_kernel
              else model.optimizer.apply_gradients)
    assert update is not None
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(steps, 8, 5)), tf.float32)
    y = tf.constant(rng.normal(size=(steps, 8, 1)), tf.float32)

    @tf.function(autograph=False)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(xb, training=True) - yb) ** 2)
        update(list(zip(tape.gradient(loss, variables), variables)))

    for i in range(steps):
        step(x[i], y[i])
    assert int(model.optimizer.iterations) == steps
    return [v.numpy() for v in model.weights + model.optimizer.variables]


def _optimizers(keras):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5)
    return {
        "adam": lambda: keras.optimizers.Adam(0.01),
        "adam, schedule, own betas": lambda: keras.optimizers.Adam(
            schedule, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
        "sgd": lambda: keras.optimizers.SGD(0.1),
        "sgd momentum": lambda: keras.optimizers.SGD(0.1, momentum=0.9),
        "sgd nesterov, schedule": lambda: keras.optimizers.SGD(schedule, momentum=0.5,
                                                               nesterov=True),
    }


@pytest.mark.parametrize("name", ["adam", "adam, schedule, own betas", "sgd", "sgd momentum",
                                  "sgd nesterov, schedule"])
def test_the_kernel_update_equals_keras_update(name: str) -> None:
    keras = _keras()
    import tensorflow as tf

    make = _optimizers(keras)[name]
    ours = _train(tf, keras, make, use_kernel=True)
    theirs = _train(tf, keras, make, use_kernel=False)
    for a, b in zip(ours, theirs, strict=True):
        if name.startswith("sgd"):  # bit for bit
            np.testing.assert_array_equal(a, b)
        else:  # 1 - beta rounded in float32 (kernels.py): close, not equal
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-6)
    assert not np.allclose(ours[0], _model(keras, make()).weights[0].numpy())  # it trained


def test_anything_but_a_plain_adam_or_sgd_keeps_keras_apply() -> None:
    keras = _keras()
    import tensorflow as tf

    class MyAdam(keras.optimizers.Adam):
        pass

    others = [
        keras.optimizers.RMSprop(0.01), keras.optimizers.AdamW(0.01), MyAdam(0.01),
        keras.optimizers.Adam(0.01, amsgrad=True), keras.optimizers.Adam(0.01, clipnorm=1.0),
        keras.optimizers.Adam(0.01, global_clipnorm=1.0), keras.optimizers.SGD(0.1, clipvalue=1),
        keras.optimizers.SGD(0.1, weight_decay=1e-3), keras.optimizers.Adam(0.01, use_ema=True),
        keras.optimizers.SGD(0.1, gradient_accumulation_steps=2),
        keras.optimizers.Adam(0.01, loss_scale_factor=128.0),
    ]
    for optimizer in others:
        model = _model(keras, optimizer)
        assert kernels.plain_update(tf, keras, optimizer, model.trainable_variables) is None, \
            optimizer
    constrained = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        2, kernel_constraint=keras.constraints.NonNeg())])
    constrained.compile(keras.optimizers.Adam(0.01), "mse")
    constrained.optimizer.build(constrained.trainable_variables)
    assert kernels.plain_update(tf, keras, constrained.optimizer,
                                constrained.trainable_variables) is None
    plain = _model(keras, keras.optimizers.Adam(0.01))
    assert kernels.plain_update(tf, keras, plain.optimizer, plain.trainable_variables)
