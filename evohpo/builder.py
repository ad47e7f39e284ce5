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


def build_model(config: Config, task: Task, *, loss: str | None = None, **compile_kw: Any):
    """Input -> hidden Dense layers -> output layer and loss for the task, compiled.

    ``loss`` overrides the task's default (the XOR SGD recipe trains with MSE, for instance).
    """
    keras = _keras()
    units, act, default_loss, metrics = output_spec(task)
    inputs = keras.Input(shape=(task.n_features,), name="features")
    x = inputs
    for i, (width, activation) in enumerate(zip(config["units"], config["activations"]), 1):
        x = keras.layers.Dense(int(width), activation=activation, name=f"hidden_{i}")(x)
        if config.get("dropout"):
            x = keras.layers.Dropout(float(config["dropout"]), name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(units, activation=act, name="output")(x)
    model = keras.Model(inputs, outputs, name="evohpo_mlp")
    optimizer = keras.optimizers.get(
        {"class_name": config["optimizer"], "config": {"learning_rate": config["learning_rate"]}}
    )
    model.compile(optimizer=optimizer, loss=loss or default_loss, metrics=metrics, **compile_kw)
    return model
