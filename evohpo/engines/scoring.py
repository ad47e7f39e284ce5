"""How a trained model is scored: the one definition both engines use.

A model is scored the way Keras' ``evaluate()`` would score it, without ``evaluate()`` itself:
evaluate() traces a test function for every new model (about half a second each here), and a
campaign builds hundreds of models. Two ways, both measured alike by either engine:

* :func:`score` for presets whose head and loss are exactly :func:`evohpo.model.output_spec`'s
  (``ModelSpec.fast_score``): one forward pass, loss and accuracy in numpy;
* :func:`compiled_metrics` for any other compiled model: the model's own ``test_step`` run
  eagerly over the data (its compiled loss, regularisation losses and every compiled metric,
  a ``test_step`` override included), so the numbers are evaluate()'s.

:func:`measure` adds what the campaign's objectives ask beyond the compiled metrics: a custom
``Objective(fn=...)`` or the built-in ``latency``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

EPS = 1e-7  # Keras' epsilon: probabilities are clipped to [eps, 1 - eps] in cross-entropy
CHUNK = 1024  # rows per eager test_step: evaluate()'s batches as the per-model engine set them
LATENCY = "latency"  # built-in objective: milliseconds to predict 1,000 validation rows


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


def rows(data: Any, lo: int, hi: int) -> Any:
    """Rows lo..hi-1 of an array, or of every array in a list/dict of inputs."""
    if isinstance(data, dict):
        return {k: v[lo:hi] for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [v[lo:hi] for v in data]
    return data[lo:hi]


def compiled_metrics(model: Any, x: Any, y: np.ndarray,
                     sample_weight: np.ndarray | None = None) -> dict[str, float]:
    """evaluate()'s numbers for a compiled model: its ``test_step`` run eagerly, chunk by
    chunk, after its metrics are reset (the loss is the batch-size weighted mean, as in
    evaluate()). Scalar results only: a metric that returns an array is left out."""
    model.reset_metrics()
    logs: Any = {}
    for lo in range(0, len(y), CHUNK):
        hi = min(lo + CHUNK, len(y))
        data = (rows(x, lo, hi), y[lo:hi])
        if sample_weight is not None:
            data = (*data, sample_weight[lo:hi])
        logs = model.test_step(data)
    out = {}
    for name, value in dict(logs).items():
        array = np.asarray(value)
        if array.size == 1:
            out[name] = float(array.reshape(()))
    return out


def latency(model: Any, x: np.ndarray, repeats: int = 5) -> float:
    """Median wall time, in ms per 1,000 rows, of a forward pass over the validation split
    (one warm-up call first). Measured the same way in every worker; noisy all the same,
    since workers share the machine."""
    rows = x[:1000] if len(x) >= 1000 else x
    model(rows[:1], training=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(rows, training=False)
        times.append(time.perf_counter() - start)
    return float(np.median(times) / len(rows) * 1e6)


def measure(model: Any, task: Any, spec: Any, objectives: Sequence[Any], x: np.ndarray,
            y: np.ndarray, prefix: str) -> dict[str, float]:
    """The model's metrics on (x, y), named ``prefix + name`` (``val_accuracy``, ``test_loss``),
    and every objective that is not a compiled metric (a custom ``fn``, or ``latency``): on
    validation under its own name, on test as ``test_`` + its name without ``val_``. A custom
    ``fn(model, task)`` reads the validation split of the task it is given, so for the test
    score it is given a view of the task whose validation split is the test split.
    ``spec`` is the campaign's :class:`evohpo.model.ModelSpec`."""
    if spec.fast_score:
        metrics = score(model, task, x, y)
    else:
        metrics = compiled_metrics(model, x, y)
    out = {prefix + k: float(v) for k, v in metrics.items()}
    view = task
    if prefix == "test_" and any(o.fn is not None for o in objectives):
        view = replace(task, x_val=task.x_test, y_val=task.y_test)
    for obj in objectives:
        name = obj.name if prefix == "val_" else prefix + obj.name.removeprefix("val_")
        if obj.fn is not None:
            out[name] = float(obj.fn(model, view))
        elif obj.name == LATENCY:
            out[name] = latency(model, x)
    return out
