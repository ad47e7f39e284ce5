"""The task record: a learning problem's train/validation/test splits and its kind, how arrays
a user holds become one (:func:`from_arrays`), and the file a worker loads it from once.

The search only ever looks at train and validation; test is for reporting the chosen model.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import EvohpoError
from .kinds import Kind, check_kind, infer_kind
from .splits import check_fractions, split_rows


@dataclass(frozen=True, eq=False)
class Task:
    """A learning problem: splits, kind, and what a model for it must output."""

    name: str
    kind: Kind
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 0  # 0 for regression
    class_names: tuple[str, ...] = field(default=())
    # tables only: the encoding fitted on train + target coding (evohpo.tasks.tables.Preprocess), so
    # the saved model can take new raw rows; workers never need it (tasks.save drops it)
    preprocess: Any = field(default=None, repr=False)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one input row: ``(64,)`` for a table, ``(8, 8, 1)`` for an image."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def n_features(self) -> int:
        """Input values per row (an image's pixels): what an MLP sees after flattening."""
        return int(np.prod(self.input_shape))

    @property
    def metric(self) -> str:
        """The column users read: validation accuracy, or validation loss for regression."""
        return "val_loss" if self.kind == "regression" else "val_accuracy"

    def fingerprint(self) -> str:
        """A short hash of the data, so workers can cache a task and checkpoints can check it."""
        h = hashlib.sha1(f"{self.name}|{self.kind}|{self.n_classes}".encode())
        for a in (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test):
            h.update(np.ascontiguousarray(a).tobytes())
            h.update(str(a.shape).encode())
        return h.hexdigest()[:16]

    def describe(self) -> str:
        shape = self.input_shape
        inputs = f"{shape[0]} features" if len(shape) == 1 else "x".join(map(str, shape))
        return (
            f"{self.name} ({self.kind}, {inputs}, "
            f"{len(self.y_train)}/{len(self.y_val)}/{len(self.y_test)} train/val/test rows)"
        )




# -- arrays -> Task ---------------------------------------------------------------------------
def _as_features(x: object, what: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise EvohpoError(
            f"{what} is not numeric (dtype {arr.dtype}); encode text columns as numbers first"
        )
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)  # one feature; images keep their shape (an MLP flattens)
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise EvohpoError(f"{what} holds {bad} NaN or infinite values; impute or drop those rows")
    return arr



def _encode_labels(y: np.ndarray, kind: Kind, what: str) -> tuple[np.ndarray, tuple[str, ...]]:
    if kind == "regression":
        if y.dtype.kind in "OUS":
            raise EvohpoError(f"{what} is not numeric; a regression target must be numbers")
        y = y.astype(np.float32)
        if not np.all(np.isfinite(y)):
            raise EvohpoError(f"{what} holds NaN or infinite values; drop those rows")
        return y, ()
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise EvohpoError(f"{what} holds NaN or infinite labels; drop those rows")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise EvohpoError(
            f"{what} has a single class ({classes[0]!r}); a classifier needs at least two"
        )
    if kind == "binary" and len(classes) != 2:
        raise EvohpoError(
            f"kind='binary' but {what} has {len(classes)} classes; use kind='multiclass'"
        )
    return codes.astype(np.int32), tuple(str(c) for c in classes)


def from_arrays(
    x: object,
    y: object,
    *,
    kind: Kind | None = None,
    name: str = "arrays",
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    scale: bool = True,
) -> Task:
    """Any user arrays -> Task: checked, label-encoded, split, inputs standardised on train.

    ``x`` is (rows, features) or (rows, *shape), e.g. images (rows, 28, 28, 1): the shape is
    kept, each input position is standardised on its own.

    For regression the target is standardised too (on train), so validation loss is an MSE in
    units of the target's standard deviation and comparable across data sets.
    """
    xa = _as_features(x, "X")
    ya = np.asarray(y)
    if ya.ndim != 1:
        ya = ya.reshape(len(ya), -1)
        if ya.shape[1] != 1:
            raise EvohpoError(f"y must be one column, got shape {np.asarray(y).shape}")
        ya = ya[:, 0]
    if len(xa) != len(ya):
        raise EvohpoError(f"X has {len(xa)} rows but y has {len(ya)}; they must be equal")
    kind = check_kind(kind) or infer_kind(ya).kind
    ya, class_names = _encode_labels(ya, kind, "y")
    check_fractions(val_fraction, test_fraction)
    rows = split_rows(ya, kind, val_fraction, test_fraction, split_seed, name)
    parts = [part for index in rows for part in (xa[index], ya[index])]
    if scale:
        mean = parts[0].mean(axis=0)
        std = parts[0].std(axis=0)
        std[std == 0] = 1.0
        for i in (0, 2, 4):
            parts[i] = ((parts[i] - mean) / std).astype(np.float32)
        if kind == "regression":
            ym, ys = float(parts[1].mean()), float(parts[1].std() or 1.0)
            for i in (1, 3, 5):
                parts[i] = ((parts[i] - ym) / ys).astype(np.float32)
    return Task(name, kind, *parts, n_classes=len(class_names), class_names=class_names)


def _same_rows(name: str, kind: Kind, x: np.ndarray, y: np.ndarray, n_classes: int) -> Task:
    x = x.astype(np.float32)
    y = y.astype(np.int32)
    return Task(name, kind, x, y, x, y, x, y, n_classes=n_classes)


# -- handing a task to workers once ----------------------------------------------------------
def save(task: Task, path: str | os.PathLike) -> None:
    """Write a task to one ``.npz`` so a worker process can load it once and keep it."""
    np.savez(
        path,
        meta=np.array([task.name, task.kind, str(task.n_classes), *task.class_names]),
        x_train=task.x_train, y_train=task.y_train, x_val=task.x_val, y_val=task.y_val,
        x_test=task.x_test, y_test=task.y_test,
    )


def load(path: str | os.PathLike) -> Task:
    with np.load(path) as f:
        meta = [str(m) for m in f["meta"]]
        arrays = [f[k] for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")]
    return Task(meta[0], meta[1], *arrays, n_classes=int(meta[2]), class_names=tuple(meta[3:]))
