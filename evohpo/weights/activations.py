"""Keras's activations as numpy functions, for the numpy forward pass of the weight search.

Why a table of our own: the search evaluates a network ~10^5 times per run, so it cannot call
Keras; each entry computes what Keras 3 computes (in float64 here, float32 in Keras), and
``tests/weights/test_weights.py`` checks every entry against Keras to 1e-5.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import special

from ..errors import EvohpoError

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return special.expit(x)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "elu": _elu,
    "selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0.0))),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),  # Keras 3 default negative_slope=0.2
    "gelu": lambda x: 0.5 * x * (1.0 + special.erf(x / math.sqrt(2.0))),  # approximate=False
    "softplus": _softplus,
    "swish": lambda x: x * special.expit(x),
    "silu": lambda x: x * special.expit(x),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "hard_sigmoid": lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "exponential": np.exp,
    "softmax": _softmax,
}


def activation_fn(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The numpy function of a Keras activation name; an unknown name names the choices."""
    if name not in ACTIVATIONS:
        raise EvohpoError(
            f"activation {name!r} has no numpy forward pass; choose from: "
            f"{', '.join(a for a in ACTIVATIONS if a != 'softmax')}"
        )
    return ACTIVATIONS[name]
