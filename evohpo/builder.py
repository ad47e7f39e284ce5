"""config + task -> compiled ``keras.Model``. The only module that builds Keras models."""

from __future__ import annotations

from typing import Any

from .errors import EvohpoError
from .runtime import keras as _keras
from .space import Config
from .tasks import Task


def output_spec(task: Task) -> tuple[int, str, str, list[str]]:
    """(units, activation, loss, metrics) of the output layer that fits the task's kind."""
    if task.kind == "binary":
        return 1, "sigmoid", "binary_crossentropy", ["accuracy"]
    if task.kind == "multiclass":
        return task.n_classes, "softmax", "sparse_categorical_crossentropy", ["accuracy"]
    if task.kind == "regression":
        return 1, "linear", "mse", []
    raise EvohpoError(f"unknown task kind {task.kind!r}")


def build_model(
    config: Config, task: Task, *, loss: str | None = None, seed: int | None = None,
    **compile_kw: Any,
):
    """Input -> hidden Dense layers -> output layer and loss for the task, compiled.

    ``loss`` overrides the task's default (the XOR SGD recipe trains with MSE, for instance).
    ``seed`` seeds every layer's initial weights explicitly: Keras would otherwise draw layer
    seeds from Python's global ``random``, which other threads in a worker (Dask's event loop,
    for one) also draw from, and the same evaluation would start from other weights.
    """
    keras = _keras()

    def init(i: int):
        if seed is None:
            return "glorot_uniform"  # Keras' default, seeded from the global state
        return keras.initializers.GlorotUniform(seed=(seed + 7919 * i) % 2**31)

    units, act, default_loss, metrics = output_spec(task)
    inputs = keras.Input(shape=(task.n_features,), name="features")
    x = inputs
    for i, (width, activation) in enumerate(zip(config["units"], config["activations"]), 1):
        x = keras.layers.Dense(
            int(width), activation=activation, kernel_initializer=init(i), name=f"hidden_{i}"
        )(x)
        if config.get("dropout"):
            x = keras.layers.Dropout(
                float(config["dropout"]), seed=None if seed is None else seed + i,
                name=f"dropout_{i}",
            )(x)
    outputs = keras.layers.Dense(units, activation=act, kernel_initializer=init(0),
                                 name="output")(x)
    model = keras.Model(inputs, outputs, name="evohpo_mlp")
    optimizer = keras.optimizers.get(
        {"class_name": config["optimizer"], "config": {"learning_rate": config["learning_rate"]}}
    )
    model.compile(optimizer=optimizer, loss=loss or default_loss, metrics=metrics, **compile_kw)
    return model
