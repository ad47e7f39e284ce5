"""A user's own model, as a campaign script or ``--model tests/user_model.py:build`` gives it:
a repeated group of layers and a gene that only counts for sgd (used by the resume tests)."""

from __future__ import annotations

from evohpo import Choice, Float, Int, Repeat, Space

SPACE = Space(
    blocks=Repeat(Int(1, 2), units=Int(4, 16, log=True)),
    optimizer=Choice(["adam", "sgd"]),
    momentum=Float(0.0, 0.9, when={"optimizer": "sgd"}),
    learning_rate=Float(1e-3, 3e-2, log=True),
)


def build(config, task, seed=None):
    import keras

    inputs = keras.Input(task.input_shape)
    x = keras.layers.Flatten()(inputs)
    for i, block in enumerate(config["blocks"]):
        init = keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)
        x = keras.layers.Dense(block["units"], activation="relu", kernel_initializer=init)(x)
    outputs = keras.layers.Dense(task.n_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    if config["optimizer"] == "sgd":
        opt = keras.optimizers.SGD(config["learning_rate"], momentum=config["momentum"])
    else:
        opt = keras.optimizers.Adam(config["learning_rate"])
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
