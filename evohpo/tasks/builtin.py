"""The built-in tasks by name, and :func:`get`, which turns a ``--task`` value into a task.

Every loader returns a :class:`~evohpo.tasks.Task` with scaled inputs and
train/validation/test splits. The tiny truth-table tasks (logic gates, slash/backslash,
seven-segment) have too few rows to split, so their three splits are the same rows: there the
question is "can it fit", not "does it generalise".
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EvohpoError
from .arrays import ArrayScaling, from_npz
from .generated import synthetic, synthetic_regression
from .kinds import Kind
from .splits import carve
from .tables import from_csv
from .task import Task, from_arrays


def _same_rows(name: str, kind: Kind, x: np.ndarray, y: np.ndarray, n_classes: int) -> Task:
    x = x.astype(np.float32)
    y = y.astype(np.int32)
    return Task(name, kind, x, y, x, y, x, y, n_classes=n_classes)


# -- tiny built-in tasks ----------------------------------------------------------------------
_GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
_GATES = {"xor": [0, 1, 1, 0], "and": [0, 0, 0, 1], "or": [0, 1, 1, 1]}


def logic_gate(gate: str) -> Task:
    """The 4-row truth table of xor, and or or."""
    if gate not in _GATES:
        raise EvohpoError(f"unknown gate {gate!r}; choose from: {', '.join(_GATES)}")
    return _same_rows(gate, "binary", _GATE_X, np.array(_GATES[gate]), 2)


def xor() -> Task:
    return logic_gate("xor")


def and_() -> Task:
    return logic_gate("and")


def or_() -> Task:
    return logic_gate("or")


def slash_backslash() -> Task:
    """3x3x1 pixel images of / (label 1) and \\ (label 0): the clean stroke plus each variant
    with one stray pixel lit, 7 images per class."""
    images, labels = [], []
    strokes = {1: [(0, 2), (1, 1), (2, 0)], 0: [(0, 0), (1, 1), (2, 2)]}
    for label, on in strokes.items():
        clean = np.zeros((3, 3), dtype=np.float32)
        for r, c in on:
            clean[r, c] = 1.0
        images.append(clean.ravel())
        labels.append(label)
        for r in range(3):
            for c in range(3):
                if (r, c) not in on:
                    noisy = clean.copy()
                    noisy[r, c] = 1.0
                    images.append(noisy.ravel())
                    labels.append(label)
    x = np.array(images).reshape(-1, 3, 3, 1)
    return _same_rows("slash_backslash", "binary", x, np.array(labels), 2)


# segments a b c d e f g, lit (1) or dark (0), for the digits 0..9
_SEGMENTS = [
    "1111110", "0110000", "1101101", "1111001", "0110011",
    "1011011", "1011111", "1110000", "1111111", "1111011",
]


def seven_segment() -> Task:
    """Seven segment states -> the digit 0-9 they show (10 rows, 10 classes)."""
    x = np.array([[int(s) for s in row] for row in _SEGMENTS], dtype=np.float32)
    return _same_rows("seven_segment", "multiclass", x, np.arange(10), 10)


# -- sklearn data sets (ship with scikit-learn: no download) -----------------------------------
def _sklearn(loader: str, name: str, kind: Kind | None, split_seed: int) -> Task:
    import sklearn.datasets as ds

    data = getattr(ds, loader)()
    return from_arrays(data.data, data.target, kind=kind, name=name, split_seed=split_seed)


def digits(split_seed: int = 0) -> Task:
    """sklearn's 8x8 handwritten digits as 8x8x1 images (each pixel standardised on train):
    1,797 rows, 10 classes. An MLP flattens them to sklearn's 64 features."""
    import sklearn.datasets as ds

    data = ds.load_digits()
    return from_arrays(data.images[..., None], data.target, kind="multiclass", name="digits",
                       split_seed=split_seed)


def iris(split_seed: int = 0) -> Task:
    return _sklearn("load_iris", "iris", "multiclass", split_seed)


def wine(split_seed: int = 0) -> Task:
    return _sklearn("load_wine", "wine", "multiclass", split_seed)


def breast_cancer(split_seed: int = 0) -> Task:
    return _sklearn("load_breast_cancer", "breast_cancer", "binary", split_seed)


def diabetes(split_seed: int = 0) -> Task:
    """sklearn's diabetes progression (regression): fitness is validation MSE."""
    return _sklearn("load_diabetes", "diabetes", "regression", split_seed)


# -- keras.datasets from a local file ----------------------------------------------------------
def data_dir() -> Path:
    """Where local copies of downloadable data sets live: $EVOHPO_DATA, else ~/.keras/datasets."""
    return Path(os.environ.get("EVOHPO_DATA", Path.home() / ".keras" / "datasets"))


def _keras_npz(name: str, path: str | os.PathLike | None, val_rows: int, limit: int | None) -> Task:
    file = Path(path) if path is not None else data_dir() / f"{name}.npz"
    if not file.is_file():
        raise EvohpoError(
            f"{name} needs the local file {file} (keras.datasets format: x_train, y_train, "
            f"x_test, y_test); copy it there or set EVOHPO_DATA to its folder - "
            "there is no download here"
        )
    try:
        with np.load(file) as f:
            keys = ("x_train", "y_train", "x_test", "y_test")
            x_train, y_train, x_test, y_test = (f[k] for k in keys)
    except (KeyError, ValueError, OSError) as exc:
        raise EvohpoError(
            f"{file} is not a keras.datasets .npz (x_train, y_train, x_test, y_test): {exc}"
        ) from None
    for labels in (y_train, y_test):
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise EvohpoError(
                f"{file}: labels must be the classes 0-9, found {labels.min()}..{labels.max()}; "
                "check that the file is the keras.datasets one"
            )
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[: max(1, limit // 6)], y_test[: max(1, limit // 6)]
    x_train = x_train.reshape(*x_train.shape[:3], 1).astype(np.float32)  # 28x28x1
    x_test = x_test.reshape(*x_test.shape[:3], 1).astype(np.float32)
    # validation: a seeded, stratified shuffle of the training rows (not the last rows: a
    # file sorted by label would validate on its last classes only)
    x_train, y_train, x_val, y_val = carve(x_train, y_train.astype(np.int32), "multiclass",
                                            min(val_rows, len(x_train) // 5), 0, "validation")
    shape = tuple(x_train.shape[1:])
    scaling = ArrayScaling("multiclass", shape, np.zeros(shape, np.float32),
                           np.full(shape, 255.0, np.float32), tuple(range(10)),
                           kind_reason="multiclass: the digits 0-9")
    return Task(
        name, "multiclass", x_train / 255.0, y_train, x_val / 255.0, y_val,
        x_test / 255.0, y_test.astype(np.int32), n_classes=10,
        class_names=tuple(str(c) for c in range(10)), preprocess=scaling,
    )


def mnist(path: str | None = None, limit: int | None = None) -> Task:
    """MNIST from a local keras.datasets ``mnist.npz``: pixels / 255, 10,000 training rows
    (a seeded, stratified shuffle) validate, the file's test rows test."""
    return _keras_npz("mnist", path, 10_000, limit)


def fashion_mnist(path: str | None = None, limit: int | None = None) -> Task:
    """Fashion-MNIST from a local ``fashion_mnist.npz`` with the keras.datasets arrays."""
    return _keras_npz("fashion_mnist", path, 10_000, limit)


BUILTIN: dict[str, Callable[[], Task]] = {
    "xor": xor,
    "and": and_,
    "or": or_,
    "slash_backslash": slash_backslash,
    "seven_segment": seven_segment,
    "digits": digits,
    "iris": iris,
    "wine": wine,
    "breast_cancer": breast_cancer,
    "diabetes": diabetes,
    "mnist": mnist,
    "fashion_mnist": fashion_mnist,
    "synthetic": synthetic,
    "synthetic_regression": synthetic_regression,
}


def get(name: str, **table_kw: Any) -> Task:
    """A task by name, ``csv:PATH:TARGET`` for a CSV file with a target column, or
    ``npz:PATH`` for arrays (:func:`evohpo.tasks.arrays.from_npz`); ``table_kw`` (kind=, impute=)
    is for CSV tasks (and kind= for arrays) only."""
    if name.startswith("csv:"):
        _, _, rest = name.partition(":")
        path, sep, target = rest.rpartition(":")
        if not sep or not path or not target:
            raise EvohpoError(f"write a CSV task as csv:PATH:TARGET_COLUMN, got {name!r}")
        return from_csv(path, target, **table_kw)
    if name.startswith("npz:"):
        if table_kw.get("impute") is not None:
            raise EvohpoError("--impute is for csv:PATH:TARGET tasks; arrays must be complete")
        if not name[4:].strip():
            raise EvohpoError(f"write an array task as npz:PATH (a .npz file), got {name!r}")
        return from_npz(name[4:], kind=table_kw.get("kind"))
    if name not in BUILTIN:
        raise EvohpoError(
            f"unknown task {name!r}; choose from: {', '.join(BUILTIN)}, csv:PATH:TARGET or "
            "npz:PATH"
        )
    given = [f"{k}={v}" for k, v in table_kw.items() if v is not None]
    if given:
        raise EvohpoError(f"{', '.join(given)} is for csv:PATH:TARGET tasks; the built-in task "
                          f"{name!r} has its kind and no missing values: leave it out")
    return BUILTIN[name]()
