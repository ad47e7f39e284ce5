"""Validation and test scores computed from a model's outputs, the way Keras' evaluate() does.

One forward pass outside ``model.evaluate``: evaluate() traces a test graph for every new model
(about half a second each here), a plain call does not. Both engines score with these two
functions, so a network scored by the per-model path and by the fused path is measured alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

EPS = 1e-7  # Keras' epsilon: probabilities are clipped to [eps, 1 - eps] in cross-entropy


def outputs(model: Any, x: np.ndarray) -> np.ndarray:
    """``model``'s float64 outputs on x, in chunks of 4,096 rows."""
    return np.concatenate(
        [np.asarray(model(x[i:i + 4096], training=False)) for i in range(0, len(x), 4096)]
    ).astype(np.float64)


def metrics_from_outputs(out: np.ndarray, y: np.ndarray, kind: str) -> dict[str, float]:
    """Loss (and accuracy for classification) of outputs ``out`` against labels ``y``."""
    if kind == "regression":
        return {"loss": float(np.mean((out[:, 0] - y) ** 2))}
    if kind == "binary":
        p = np.clip(out[:, 0], EPS, 1 - EPS)
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        return {"loss": float(loss), "accuracy": float(np.mean((out[:, 0] > 0.5) == y))}
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.clip(out / out.sum(axis=1, keepdims=True), EPS, 1 - EPS)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    return {"loss": float(loss), "accuracy": float(np.mean(out.argmax(axis=1) == y))}


def score(model: Any, task: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss and accuracy of ``model`` on (x, y), as Keras' evaluate() defines them."""
    return metrics_from_outputs(outputs(model, x), y, task.kind)
