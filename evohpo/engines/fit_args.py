"""What a fit hook asked for, read once into what the fused engine can honour, or why not.

A model's ``fit`` hook returns extra ``model.fit`` keyword arguments. The per-model engine
passes them to ``fit`` as they are; the fused engine trains many models in one traced
function, so it honours them itself, between epochs:

* ``callbacks`` whose hooks are epoch-level (``on_train_begin/end``, ``on_epoch_begin/end``):
  the user's own callback objects run, with the logs ``fit`` would give them (``loss``, and
  ``val_*`` when ``validation_data`` is given). EarlyStopping (``restore_best_weights``
  included), ReduceLROnPlateau, LearningRateScheduler and CSVLogger are such callbacks;
* ``class_weight`` and ``sample_weight`` (turned into per-row weights as ``fit`` does);
* ``validation_data`` (for the callbacks' ``val_*`` logs), ``verbose``, ``shuffle=True``.

Anything else — a batch-level callback (TerminateOnNaN, ModelCheckpoint, TensorBoard), a
callback monitoring a training metric the fused step does not compute, ``validation_split``,
``steps_per_epoch``, ``shuffle=False`` — is a reason, in one line, to train that model one by
one with ``fit``: never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

HONOURED = frozenset({"callbacks", "validation_data", "class_weight", "sample_weight",
                      "verbose", "shuffle"})
# hooks that fit calls inside an epoch or around its validation: the fused step cannot
BATCH_HOOKS = (
    "on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
)


class NotFusable(Exception):
    """The model or its fit arguments need something only ``fit`` does; the message says what."""


@dataclass(frozen=True)
class FitArgs:
    """A fit hook's arguments as the fused engine uses them."""

    callbacks: tuple[Any, ...] = ()
    sample_weight: np.ndarray | None = None  # one weight per training row
    validation: tuple[Any, ...] | None = None  # (x, y) or (x, y, sample_weight)


def class_weights(y: np.ndarray, weights: dict) -> np.ndarray:
    """Per-row weights from ``class_weight`` as Keras' ``fit`` computes them: one-hot labels
    by argmax, a trailing axis of one squeezed, labels rounded; unlisted classes weigh 1."""
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64)
    return np.array([float(weights.get(int(c), 1.0)) for c in labels], dtype=np.float32)


def callback_problem(callback: Any, keras: Any) -> str:
    """Why the fused engine cannot run ``callback`` between epochs, or ""."""
    base = keras.callbacks.Callback
    name = type(callback).__name__
    if not isinstance(callback, base):
        return f"callback {name} is not a keras.callbacks.Callback"
    for hook in BATCH_HOOKS:
        if getattr(type(callback), hook, None) is not getattr(base, hook):
            return f"callback {name} acts inside an epoch ({hook})"
    monitor = getattr(callback, "monitor", None)
    if isinstance(monitor, str) and monitor != "loss" and not monitor.startswith("val_"):
        return (f"callback {name} monitors {monitor!r}, a training metric the fused step "
                "does not compute (monitor 'loss' or a 'val_' metric)")
    return ""


def read(kwargs: dict[str, Any], n_rows: int, y_train: np.ndarray, keras: Any) -> FitArgs:
    """The fit hook's ``kwargs`` as :class:`FitArgs`; raises :class:`NotFusable` with the
    reason for anything the fused engine would have to drop."""
    unknown = sorted(set(kwargs) - HONOURED)
    if unknown:
        raise NotFusable(f"fit argument {unknown[0]!r} is not one the fused engine honours "
                       f"({', '.join(sorted(HONOURED))})")
    if "shuffle" in kwargs and kwargs["shuffle"] is not True:
        raise NotFusable(f"fit(shuffle={kwargs['shuffle']!r}) asks for another batch order")
    if "class_weight" in kwargs and "sample_weight" in kwargs:
        raise NotFusable("fit gets both class_weight and sample_weight")
    callbacks = kwargs.get("callbacks") or ()
    if not isinstance(callbacks, list | tuple):
        raise NotFusable(f"fit(callbacks=) is {type(callbacks).__name__}, not a list")
    for callback in callbacks:
        problem = callback_problem(callback, keras)
        if problem:
            raise NotFusable(problem)
    weights = None
    if kwargs.get("class_weight") is not None:
        weights = class_weights(y_train, dict(kwargs["class_weight"]))
    elif kwargs.get("sample_weight") is not None:
        weights = np.asarray(kwargs["sample_weight"], dtype=np.float32)
        if weights.shape != (n_rows,):
            raise NotFusable(f"sample_weight has shape {weights.shape}, not one weight per "
                           f"training row ({n_rows},)")
    validation = kwargs.get("validation_data")
    if validation is not None and (not isinstance(validation, list | tuple)
                                   or len(validation) not in (2, 3)):
        raise NotFusable("validation_data is not an (x, y) or (x, y, sample_weight) tuple")
    return FitArgs(tuple(callbacks), weights,
                   None if validation is None else tuple(validation))
