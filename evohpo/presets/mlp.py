"""The built-in model family: a Dense MLP, written in the same API a user's model uses.

The only module that knows what an MLP is. :func:`space` makes its search space (hidden layers
as a repeated group of width and activation, optimizer, learning rate, batch size, and the
opt-in genes below); :func:`build` turns one config into a compiled model; :func:`fit` adds the
training arguments some genes need. ``MLP`` bundles them for ``run_campaign(model=...)``.

Config, for example::

    {"layers": [{"units": 64, "activation": "relu"}], "optimizer": "sgd",
     "learning_rate": 0.01, "batch_size": 32, "momentum": 0.9, "dropout": 0.2}

Opt-in genes (absent unless their range or choices are given): ``dropout`` (rate after every
hidden layer), ``initializer`` (kernel initialiser), ``batch_norm`` (BatchNormalization before
each activation), ``momentum`` and ``nesterov`` (only counted when the optimizer is sgd),
``weight_decay`` (the optimiser's decoupled weight decay), ``patience`` (early stopping on
validation loss, best weights restored) and ``lr_schedule`` (constant, cosine or exponential).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..errors import EvohpoError
from ..model import DEFAULT_BATCH_SIZE, ModelSpec, output_spec
from ..space import Bool, Choice, Fixed, Float, Gene, Int, Repeat, Space

KERAS_ACTIVATIONS: tuple[str, ...] = (
    "relu", "tanh", "sigmoid", "elu", "selu", "leaky_relu", "gelu", "softplus", "linear",
    "swish", "silu", "softsign", "relu6", "mish", "hard_sigmoid", "exponential",
)
KERAS_OPTIMIZERS: tuple[str, ...] = (
    "sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "lion", "ftrl",
)
INITIALIZERS: tuple[str, ...] = (
    "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
    "lecun_uniform", "orthogonal",
)
LR_SCHEDULES: tuple[str, ...] = ("constant", "cosine", "exponential")
DEFAULT_ACTIVATIONS: tuple[str, ...] = KERAS_ACTIVATIONS[:9]
DEFAULT_OPTIMIZERS: tuple[str, ...] = KERAS_OPTIMIZERS[:8]
EXPONENTIAL_FINAL_FACTOR = 0.1  # lr_schedule="exponential" decays to 10% by the last step


def _names(label: str, values: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    values = tuple(values)
    if not values:
        raise EvohpoError(f"{label} is empty; give at least one of: {', '.join(known)}")
    unknown = [v for v in values if v not in known]
    if unknown:
        raise EvohpoError(f"unknown {label[:-1]} {unknown[0]!r}; choose from: {', '.join(known)}")
    if len(set(values)) != len(values):
        raise EvohpoError(f"{label} lists a value twice; give each choice once")
    return values


def _pair(label: str, bounds: Sequence[float] | float) -> tuple[Any, Any]:
    if isinstance(bounds, int | float):
        bounds = (bounds, bounds)
    if len(bounds) != 2:
        raise EvohpoError(f"{label} must be a (min, max) pair, got {bounds!r}")
    low, high = bounds
    if low > high:
        raise EvohpoError(f"{label} min {low} is greater than max {high}; swap them")
    return low, high


def _int(label: str, bounds: Sequence[int], *, log: bool, positive: bool = True) -> Gene:
    low, high = _pair(label, bounds)
    for v in (low, high):
        if isinstance(v, bool) or not float(v).is_integer():
            raise EvohpoError(f"{label} bounds must be whole numbers, got {v!r}")
    if low < (1 if positive else 0):
        raise EvohpoError(f"{label} must be >= {1 if positive else 0}, got min {low}")
    return Fixed(int(low)) if low == high else Int(int(low), int(high), log=log)


def _float(label: str, bounds: Sequence[float], *, log: bool, when: dict | None = None) -> Gene:
    low, high = _pair(label, bounds)
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise EvohpoError(f"{label} bounds must be finite numbers, got {v!r}")
    if log and low <= 0:
        raise EvohpoError(f"{label} must be > 0, got min {low}; use a positive lower bound")
    if low == high:
        return Fixed(float(low), when=when)
    return Float(float(low), float(high), log=log, when=when)


def space(
    layers: Sequence[int] = (1, 4),
    units: Sequence[int] = (4, 512),
    activations: Sequence[str] = DEFAULT_ACTIVATIONS,
    optimizers: Sequence[str] = DEFAULT_OPTIMIZERS,
    learning_rate: Sequence[float] = (1e-4, 1e-1),
    batch_sizes: Sequence[int] | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dropout: Sequence[float] | None = None,
    initializers: Sequence[str] | None = None,
    batch_norm: bool = False,
    momentum: Sequence[float] | None = None,
    nesterov: bool = False,
    weight_decay: Sequence[float] | None = None,
    patience: Sequence[int] | None = None,
    lr_schedules: Sequence[str] | None = None,
) -> Space:
    """The MLP search space; every bound and choice is the caller's to change (see module doc).

    Widths and learning rate (and weight decay) are sampled and mutated on log scales.
    ``batch_sizes=None`` keeps the batch size fixed at ``batch_size``.
    """
    count = _int("layers", layers, log=False, positive=False)
    optimizers = _names("optimizers", optimizers, KERAS_OPTIMIZERS)
    genes: dict[str, Gene] = {
        "layers": Repeat(
            count.value if isinstance(count, Fixed) else count,
            units=_int("units", units, log=True),
            activation=Choice(_names("activations", activations, KERAS_ACTIVATIONS)),
        ),
        "optimizer": Choice(optimizers),
        "learning_rate": _float("learning_rate", learning_rate, log=True),
    }
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise EvohpoError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    if batch_sizes is None:
        genes["batch_size"] = Fixed(batch_size)
    else:
        sizes = tuple(batch_sizes)
        if not sizes or any(isinstance(b, bool) or int(b) != b or b < 1 for b in sizes):
            raise EvohpoError(f"batch_sizes must be whole numbers >= 1, got {sizes!r}")
        genes["batch_size"] = (Choice(sorted({int(b) for b in sizes}), ordered=True)
                               if len(set(sizes)) > 1 else Fixed(int(sizes[0])))
    sgd = {"optimizer": "sgd"} if "sgd" in optimizers else None
    if momentum is not None:
        if sgd is None:
            raise EvohpoError("momentum only applies to sgd; add sgd to the optimizers")
        low, high = _pair("momentum", momentum)
        if not 0 <= low <= high < 1:
            raise EvohpoError(f"momentum must lie in [0, 1), got {momentum!r}")
        genes["momentum"] = _float("momentum", momentum, log=False, when=sgd)
    if nesterov:
        if sgd is None:
            raise EvohpoError("nesterov only applies to sgd; add sgd to the optimizers")
        genes["nesterov"] = Bool(when=sgd)
    if dropout is not None:
        low, high = _pair("dropout", dropout)
        if not 0 <= low <= high < 1:
            raise EvohpoError(f"dropout must lie in [0, 1), got {dropout!r}")
        genes["dropout"] = _float("dropout", dropout, log=False)
    if initializers is not None:
        genes["initializer"] = Choice(_names("initializers", initializers, INITIALIZERS))
    if batch_norm:
        genes["batch_norm"] = Bool()
    if weight_decay is not None:
        genes["weight_decay"] = _float("weight_decay", weight_decay, log=True)
    if patience is not None:
        genes["patience"] = _int("patience", patience, log=False)
    if lr_schedules is not None:
        genes["lr_schedule"] = Choice(_names("lr_schedules", lr_schedules, LR_SCHEDULES))
    return Space(**genes)


def _initializer(keras: Any, name: str, seed: int | None, i: int) -> Any:
    if seed is None:
        return name  # Keras' default seeding (global state)
    cls = type(keras.initializers.get(name))
    try:
        return cls(seed=(seed + 7919 * i) % 2**31)
    except TypeError:  # an initialiser without randomness
        return cls()


def _learning_rate(keras: Any, config: dict, task: Any, epochs: int | None) -> Any:
    lr = float(config["learning_rate"])
    schedule = config.get("lr_schedule", "constant")
    if schedule == "constant":
        return lr
    steps = max(1, math.ceil(len(task.y_train) / int(config.get("batch_size",
                                                                DEFAULT_BATCH_SIZE))))
    total = steps * (epochs or 1)
    if schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(lr, decay_steps=total)
    if schedule == "exponential":
        return keras.optimizers.schedules.ExponentialDecay(lr, total, EXPONENTIAL_FINAL_FACTOR)
    raise EvohpoError(f"unknown lr_schedule {schedule!r}; choose from {', '.join(LR_SCHEDULES)}")


def build(config: dict, task: Any, *, seed: int | None = None, epochs: int | None = None,
          loss: str | None = None, **compile_kw: Any) -> Any:
    """Input -> [Flatten] -> hidden Dense layers -> the task's output layer, compiled.

    ``seed`` seeds every layer's initial weights explicitly: Keras would otherwise draw layer
    seeds from Python's global ``random``, which other threads in a worker (Dask's event loop,
    for one) also draw from. ``loss`` overrides the task's loss (the XOR SGD recipe uses MSE).
    """
    from ..runtime import keras as _keras

    keras = _keras()
    units, out_act, default_loss, metrics = output_spec(task.kind, task.n_classes)
    init_name = config.get("initializer", "glorot_uniform")
    inputs = keras.Input(shape=tuple(task.input_shape), name="features")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(task.input_shape) > 1 else inputs
    batch_norm = bool(config.get("batch_norm"))
    dropout = float(config.get("dropout") or 0.0)
    for i, layer in enumerate(config["layers"], 1):
        act = layer["activation"]
        x = keras.layers.Dense(int(layer["units"]), activation=None if batch_norm else act,
                               kernel_initializer=_initializer(keras, init_name, seed, i),
                               name=f"hidden_{i}")(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"batch_norm_{i}")(x)
            x = keras.layers.Activation(act, name=f"activation_{i}")(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, seed=None if seed is None else seed + i,
                                     name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(units, activation=out_act, name="output",
                                 kernel_initializer=_initializer(keras, init_name, seed, 0))(x)
    model = keras.Model(inputs, outputs, name="evohpo_mlp")
    options: dict[str, Any] = {"learning_rate": _learning_rate(keras, config, task, epochs)}
    if "momentum" in config:
        options["momentum"] = float(config["momentum"])
    if config.get("nesterov"):
        options["nesterov"] = True
    if config.get("weight_decay"):
        options["weight_decay"] = float(config["weight_decay"])
    optimizer = keras.optimizers.get({"class_name": config["optimizer"], "config": options})
    model.compile(optimizer=optimizer, loss=loss or default_loss, metrics=metrics, **compile_kw)
    return model


def fit(config: dict, task: Any) -> dict[str, Any]:
    """Extra ``model.fit`` arguments: early stopping on validation loss when ``patience`` is set."""
    if "patience" not in config:
        return {}
    from ..runtime import keras as _keras

    keras = _keras()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=int(config["patience"]),
                                         restore_best_weights=True)
    return {"callbacks": [stop], "validation_data": (task.x_val, task.y_val)}


def cost(config: dict, task: Any) -> float:
    """Rough training cost: steps per epoch times weights (to start the longest jobs first).

    Only an ordering hint: a config that is not an MLP's costs 0 here (its build reports the
    problem as a failed evaluation), so the hint can never stop a campaign."""
    try:
        widths = [task.n_features, *(int(layer["units"]) for layer in config["layers"])]
        batch_size = int(config.get("batch_size", DEFAULT_BATCH_SIZE))
    except (KeyError, TypeError, ValueError):
        return 0.0
    weights = sum(a * b for a, b in zip(widths, widths[1:]))
    steps = math.ceil(len(task.y_train) / max(1, batch_size))
    return steps * (1.0 + weights / 20_000)


MLP = ModelSpec(build=build, fit=fit, name="mlp", fast_score=True, cost=cost,
                needs=frozenset({"layers", "optimizer", "learning_rate"}))
