"""Tasks: data splits plus the kind of problem, built-in tiny tasks, and loaders.

Every loader returns a :class:`Task` with scaled inputs and train/validation/test splits. The
search only ever looks at train and validation; test is for reporting the chosen model. The
tiny truth-table tasks (logic gates, slash/backslash, seven-segment) have too few rows to split,
so their three splits are the same rows: there the question is "can it fit", not "does it
generalise".
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .errors import EvohpoError

Kind = Literal["binary", "multiclass", "regression"]
KINDS: tuple[str, ...] = ("binary", "multiclass", "regression")


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
    # tables only: the encoding fitted on train + target coding (evohpo.tables.Preprocess), so
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


# -- validation -------------------------------------------------------------------------------
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


def _infer_kind(y: np.ndarray) -> Kind:
    """The rule lives in :func:`evohpo.tables.infer_kind` (whole numbers with many distinct
    values are regression), so arrays and tables agree."""
    from .tables import infer_kind

    return infer_kind(y).kind


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


def _split(
    x: np.ndarray, y: np.ndarray, kind: Kind, fractions: tuple[float, float], seed: int
) -> tuple[np.ndarray, ...]:
    """Stratified (for classification) train/val/test split with a fixed seed."""
    from sklearn.model_selection import train_test_split

    val_frac, test_frac = fractions
    strat = y if kind != "regression" else None
    try:
        x_rest, x_test, y_rest, y_test = train_test_split(
            x, y, test_size=test_frac, random_state=seed, stratify=strat
        )
        strat = y_rest if kind != "regression" else None
        x_train, x_val, y_train, y_val = train_test_split(
            x_rest, y_rest, test_size=val_frac / (1 - test_frac), random_state=seed, stratify=strat
        )
    except ValueError as exc:
        raise EvohpoError(
            f"too few rows to split into train/validation/test ({len(y)} rows): {exc}; "
            "give more rows (at least a few per class)"
        ) from None
    return x_train, y_train, x_val, y_val, x_test, y_test


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
    if kind is not None and kind not in KINDS:
        raise EvohpoError(f"unknown kind {kind!r}; choose from: {', '.join(KINDS)}")
    kind = kind or _infer_kind(ya)
    ya, class_names = _encode_labels(ya, kind, "y")
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise EvohpoError("val_fraction and test_fraction must be in (0, 1) and sum below 1")
    parts = list(_split(xa, ya, kind, (val_fraction, test_fraction), split_seed))
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
    from .arrays import ArrayScaling, _carve

    # validation: a seeded, stratified shuffle of the training rows (not the last rows: a
    # file sorted by label would validate on its last classes only)
    x_train, y_train, x_val, y_val = _carve(x_train, y_train.astype(np.int32), "multiclass",
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


# -- tables (CSV files, DataFrames): see evohpo.tables -----------------------------------------
def from_csv(path: str | os.PathLike, target: str, *, kind: Kind | None = None, **kw) -> Task:
    """A CSV file with a header; ``target`` names the label column, the rest are features
    (text columns one-hot encoded; ``impute=`` for missing values; see :mod:`evohpo.tables`)."""
    from .tables import from_csv as table_from_csv

    return table_from_csv(path, target, kind=kind, **kw)


def from_frame(frame: Any, target: str, *, kind: Kind | None = None, **kw) -> Task:
    """A pandas DataFrame with a ``target`` column, as :func:`from_csv` treats a file."""
    from .tables import from_frame as table_from_frame

    return table_from_frame(frame, target, kind=kind, **kw)


def synthetic() -> Task:
    """A noisy 6-class problem in 40 dimensions where search matters (issue 14); see
    :mod:`evohpo.benchmark_tasks`."""
    from .benchmark_tasks import synthetic as make

    return make()


def synthetic_regression() -> Task:
    """Friedman #1 plus an interaction in 20 inputs (regression); see
    :mod:`evohpo.benchmark_tasks`."""
    from .benchmark_tasks import synthetic_regression as make

    return make()


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
    ``npz:PATH`` for arrays (:func:`evohpo.arrays.from_npz`); ``table_kw`` (kind=, impute=)
    is for CSV tasks (and kind= for arrays) only."""
    if name.startswith("csv:"):
        _, _, rest = name.partition(":")
        path, sep, target = rest.rpartition(":")
        if not sep or not path or not target:
            raise EvohpoError(f"write a CSV task as csv:PATH:TARGET_COLUMN, got {name!r}")
        return from_csv(path, target, **table_kw)
    if name.startswith("npz:"):
        from .arrays import from_npz

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
