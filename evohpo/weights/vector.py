"""A Keras model's weights as one flat vector, and back: the layout the weight search uses.

The order is ``model.get_weights()`` flattened, i.e. per Dense layer its kernel (row-major,
``inputs x units``) then its bias, so a vector found by the search loads into the builder's
model unchanged. Only a model object is touched here: TensorFlow is never imported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import EvohpoError


def check_vector(vector: object, expected: int, what: str) -> np.ndarray:
    """``vector`` as a float64 array, or an error naming the fix: flat, ``expected`` long,
    finite. ``what`` names the network in the message."""
    vec = np.asarray(vector, dtype=np.float64)
    if vec.ndim != 1 or vec.size != expected:
        raise EvohpoError(
            f"weight vector has shape {vec.shape} but {what} has {expected} weights; "
            f"pass a flat vector of {expected} values (see n_weights)"
        )
    if not np.all(np.isfinite(vec)):
        raise EvohpoError("weight vector holds NaN or infinite values; pass finite weights")
    return vec


def n_weights(model: Any) -> int:
    """How many numbers ``model.get_weights()`` holds: the length of its weight vector."""
    return int(sum(int(np.prod(w.shape)) for w in model.weights))


def get_vector(model: Any) -> np.ndarray:
    """All of ``model``'s weights as one float64 vector (kernel then bias, layer by layer)."""
    parts = [np.asarray(w, dtype=np.float64).ravel() for w in model.get_weights()]
    return np.concatenate(parts) if parts else np.zeros(0)


def set_weights(model: Any, vector: np.ndarray) -> Any:
    """Load a weight vector into ``model`` (in place; returned for chaining)."""
    shapes = [tuple(w.shape) for w in model.weights]
    vec = check_vector(vector, sum(int(np.prod(s)) for s in shapes), "the model")
    arrays, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        arrays.append(vec[start : start + size].reshape(shape).astype(np.float32))
        start += size
    model.set_weights(arrays)
    return model
