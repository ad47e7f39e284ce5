"""A dense network as a numpy forward pass, so one evaluation of a weight vector costs
microseconds instead of a Keras call.

:class:`NumpyMLP` is the network :func:`evohpo.presets.mlp.build` makes for a task (or reads a
Keras model of Dense layers), with the Keras weight layout of :mod:`evohpo.weights.vector`;
``tests/weights/test_weights.py`` checks it agrees with ``model.predict`` to 1e-5. It also
knows where a fresh search starts (:func:`init_scale`), since that depends on each layer's
fan-in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import EvohpoError
from ..model import output_spec
from ..tasks import Task
from .activations import activation_fn
from .vector import check_vector


def hidden_widths(hidden: int | Sequence[int]) -> tuple[int, ...]:
    """Hidden widths as a tuple (one int is one layer); anything but positive integers raises."""
    widths = (hidden,) if isinstance(hidden, int | np.integer) else tuple(hidden)
    if any(int(w) != w or w < 1 for w in widths):
        raise EvohpoError(f"hidden widths must be positive integers, got {list(widths)}")
    return tuple(int(w) for w in widths)


def activation_list(activation: str | Sequence[str], depth: int) -> list[str]:
    """One activation name per hidden layer (one name is used for all), each with a numpy
    forward pass."""
    acts = [activation] * depth if isinstance(activation, str) else list(activation)
    if len(acts) != depth:
        raise EvohpoError(
            f"{len(acts)} activations for {depth} hidden layers; give one, or one per layer"
        )
    for a in acts:
        activation_fn(a)
    return acts


def _output_layer(task: Task) -> tuple[int, str]:
    """(units, activation) of the builder's output layer; only classification tasks can be
    "solved", so a regression task raises."""
    if task.kind in ("binary", "multiclass"):
        units, activation, _, _ = output_spec(task.kind, task.n_classes)
        return units, activation
    raise EvohpoError(
        f"task {task.name!r} is {task.kind}; weight search needs a binary or multiclass task "
        "(its 'solved' means every row classified correctly)"
    )


@dataclass(frozen=True)
class NumpyMLP:
    """A dense network as numpy: ``sizes`` = [inputs, hidden..., outputs], one activation per
    layer after the input. Its weight vector has the Keras layout (kernel then bias per layer)."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    _layers: list[tuple[int, int, int, Callable]] = field(
        init=False, repr=False, compare=False, default_factory=list
    )

    def __post_init__(self) -> None:
        if len(self.activations) != len(self.sizes) - 1:
            raise EvohpoError("NumpyMLP needs one activation per layer after the input")
        start = 0
        for n_in, n_out, act in zip(self.sizes[:-1], self.sizes[1:], self.activations):
            self._layers.append((start, n_in, n_out, activation_fn(act)))
            start += n_in * n_out + n_out

    @property
    def n_weights(self) -> int:
        return sum(i * o + o for i, o in zip(self.sizes[:-1], self.sizes[1:]))

    def describe(self) -> str:
        hidden = ",".join(self.activations[:-1]) or "no"
        return f"{'-'.join(map(str, self.sizes))} ({hidden} hidden, {self.activations[-1]} output)"

    @classmethod
    def for_task(
        cls, task: Task, hidden: int | Sequence[int] = 2, activation: str | Sequence[str] = "tanh"
    ) -> NumpyMLP:
        """The network :func:`evohpo.presets.mlp.build` makes for these widths and task."""
        widths = hidden_widths(hidden)
        acts = activation_list(activation, len(widths))
        units, out_act = _output_layer(task)
        return cls((task.n_features, *widths, units), (*acts, out_act))

    @classmethod
    def from_model(cls, model: Any, task: Task | None = None) -> NumpyMLP:
        """Read a Keras model of Dense layers (Dropout is ignored: it is off at inference).

        With ``task``, the model's input and output must fit it: binary -> 1 sigmoid unit,
        multiclass -> one softmax unit per class.
        """
        sizes: list[int] = [int(np.prod(model.input_shape[1:]))]
        acts: list[str] = []
        for layer in model.layers:
            kind = type(layer).__name__
            if kind in ("InputLayer", "Dropout", "Flatten"):
                continue
            if kind != "Dense":
                raise EvohpoError(
                    f"layer {layer.name!r} is a {kind}; weight search handles Dense layers only"
                )
            cfg = layer.get_config()
            if not cfg.get("use_bias", True):
                raise EvohpoError(
                    f"layer {layer.name!r} has no bias; build models with evohpo.presets.mlp"
                )
            act = cfg["activation"]
            if not isinstance(act, str):
                raise EvohpoError(f"layer {layer.name!r} has a custom activation; use a name")
            sizes.append(int(cfg["units"]))
            acts.append(act)
        if not acts:
            raise EvohpoError("model has no Dense layer; build one with evohpo.presets.mlp")
        net = cls(tuple(sizes), tuple(acts))
        if task is not None:
            net.check_fits(task)
        return net

    def check_fits(self, task: Task) -> None:
        """Raise unless inputs and output layer are what ``task`` needs."""
        units, out_act = _output_layer(task)
        if self.sizes[0] != task.n_features:
            raise EvohpoError(
                f"network takes {self.sizes[0]} inputs but task {task.name!r} has "
                f"{task.n_features} features; build it for this task"
            )
        if (self.sizes[-1], self.activations[-1]) != (units, out_act):
            raise EvohpoError(
                f"network ends in {self.sizes[-1]} {self.activations[-1]} unit(s) but "
                f"{task.kind} task {task.name!r} needs {units} {out_act}; "
                "build the model with evohpo.presets.mlp for this task"
            )

    def forward(self, vector: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Outputs (rows x output units) of the network with these weights on inputs ``x``."""
        vec = check_vector(vector, self.n_weights, f"the {self.describe()} network")
        x = np.asarray(x, dtype=np.float64)
        return self.forward_unchecked(vec, x.reshape(len(x), -1))  # flattened, as by Flatten

    def forward_unchecked(self, vec: np.ndarray, h: np.ndarray) -> np.ndarray:
        """:meth:`forward` without checks, on flat float64 rows: the search loop calls this
        ~10^5 times (views, one matmul and one ufunc a layer)."""
        with np.errstate(all="ignore"):
            for start, n_in, n_out, act in self._layers:
                stop = start + n_in * n_out
                h = act(h @ vec[start:stop].reshape(n_in, n_out) + vec[stop : stop + n_out])
        return h


def init_scale(net: NumpyMLP, gain: float = 1.0) -> np.ndarray:
    """Spread of a fresh start per weight: ``gain / sqrt(fan_in)`` for kernels (LeCun), the
    same for biases, so wide layers do not start saturated and ``sigma`` is unit-free."""
    scales = np.empty(net.n_weights)
    for start, n_in, n_out, _ in net._layers:
        scales[start : start + n_in * n_out + n_out] = gain / math.sqrt(n_in)
    return scales
