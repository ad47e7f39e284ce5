"""Your own arrays as a task: ``--task npz:PATH`` (or :func:`from_npz` in a script).

A ``.npz`` file holds ``x_train`` and ``y_train`` and, optionally, ``x_val``/``y_val`` and
``x_test``/``y_test`` (keras.datasets files hold train and test). The shape of one input is
kept (images stay ``(28, 28, 1)``: an MLP flattens, a CNN convolves).

Why this module: a split that is not shuffled is silently wrong on files sorted by label (a
5,000-row MNIST subset sorted by digit trains on 0-7 and validates on 8-9). So every split the
file does not give is carved out of the training rows by a **seeded, stratified shuffle**, and
a class missing from any split is said in one line. Inputs are standardised per position on
the training rows and the scaling is kept (:class:`ArrayScaling`, saved beside ``best.keras``
as ``preprocess.joblib``), so ``evohpo predict --npz`` answers from raw inputs (raw 0-255
pixels included) exactly as the model was trained.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EvohpoError
from .kinds import Kind, check_kind, decode_outputs, infer_kind
from .splits import carve, check_fractions
from .task import Task

PAIRS = (("x_train", "y_train"), ("x_val", "y_val"), ("x_test", "y_test"))
MIN_ROWS = 10  # x_train rows needed to carve validation and test splits out of it
NEW_INPUT_KEYS = ("x", "x_test", "x_val", "x_train")  # what predict --npz reads, in order
NEW_LABEL_KEYS = {"x": "y", "x_test": "y_test", "x_val": "y_val", "x_train": "y_train"}


@dataclass(frozen=True)
class ArrayScaling:
    """How raw inputs became model inputs, and outputs become labels or target units."""

    kind: Kind
    shape: tuple[int, ...]  # one input's shape
    mean: np.ndarray | None  # per input position, fitted on the training rows (None: raw)
    std: np.ndarray | None
    classes: tuple[Any, ...] = ()
    y_mean: float = 0.0
    y_std: float = 1.0
    target: str = "y"
    kind_reason: str = ""  # what the CLI prints: why this kind
    notes: tuple[str, ...] = ()

    def features(self, x: Any, source: str = "the new inputs") -> np.ndarray:
        """Raw inputs (rows, *shape) -> model inputs, checked like the training inputs."""
        arr = _numeric(x, source)
        if tuple(arr.shape[1:]) != self.shape:
            raise EvohpoError(f"{source} have inputs of shape {tuple(arr.shape[1:])}, but the "
                              f"model was trained on {self.shape}; give inputs of that shape")
        if self.mean is None:
            return arr
        return ((arr - self.mean) / self.std).astype(np.float32)

    def decode(self, outputs: np.ndarray) -> dict[str, np.ndarray]:
        return decode_outputs(outputs, self.kind, self.classes, self.y_mean, self.y_std)


def _numeric(x: Any, what: str) -> np.ndarray:
    """Inputs as float32 rows, or one line saying what is wrong with them: not real numbers
    (text, objects, dates, complex), no rows, rows without values, NaN or infinite values."""
    arr = np.asarray(x)
    if arr.dtype == object or np.iscomplexobj(arr) or not (
            np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise EvohpoError(f"{what} are not numbers (dtype {arr.dtype}); store real-valued "
                          "numeric arrays")
    _check_rows(arr, what)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.size == 0:
        raise EvohpoError(f"{what}: inputs of shape {arr.shape[1:]} hold no values; store at "
                          "least one value per row")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise EvohpoError(f"{what} hold {int(np.sum(~np.isfinite(arr)))} NaN or infinite "
                          "values; replace or drop those rows")
    return arr


def _check_rows(arr: np.ndarray, what: str) -> None:
    """An array of rows: not a single value, not empty."""
    if arr.ndim == 0:
        raise EvohpoError(f"{what} is a single value, not an array of rows; store one row per "
                          "example")
    if len(arr) == 0:
        raise EvohpoError(f"{what} has no rows; store at least one row per split")


def _arrays(path: Path, label: str, example: str) -> dict[str, np.ndarray]:
    """Every array in an .npz file, or one line naming ``label``. Never pickled objects:
    ``allow_pickle=False`` makes numpy refuse them, since loading a pickle runs its code."""
    import zipfile

    if path.is_dir():
        raise EvohpoError(f"{label} is a folder; give the path of a .npz file")
    if not path.is_file():
        raise EvohpoError(f"{label} does not exist; check the path")
    fix = f"write it with numpy.savez(path, {example})"
    try:
        with open(path, "rb") as raw:
            head = raw.read(6)
    except OSError as exc:
        raise EvohpoError(f"cannot read {label} ({exc.strerror}); check its permissions") from None
    if not head:
        raise EvohpoError(f"{label} is empty, not a readable .npz file of arrays; {fix}")
    if head.startswith(b"\x93NUMPY"):
        raise EvohpoError(f"{label} is one .npy array, not an .npz file of named arrays; {fix}")
    if head[:1] == b"\x80":  # a pickle's first byte: numpy would only load it unsafely
        raise _pickled(label, fix)
    if not head.startswith(b"PK"):  # numpy.savez writes a zip archive
        raise EvohpoError(f"{label} is not a readable .npz file of arrays (numpy.savez writes "
                          f"a zip archive; this is none); {fix}")
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        if "Object arrays" in str(exc):
            raise _pickled(label, fix) from None
        raise EvohpoError(f"{label} is not a readable .npz file of arrays ({exc}); "
                          f"{fix}") from None


def _pickled(label: str, fix: str) -> EvohpoError:
    return EvohpoError(f"{label} holds pickled Python objects (object arrays), which evohpo "
                       f"does not load: loading them could run code; store numeric arrays and "
                       f"{fix}")


def _read(path: Path) -> dict[str, np.ndarray]:
    data = _arrays(path, f"npz:{path}", "x_train=..., y_train=...")
    if "x_train" not in data or "y_train" not in data:
        raise EvohpoError(f"npz:{path} holds {', '.join(sorted(data)) or 'nothing'}; it needs "
                          "x_train and y_train (optionally x_val/y_val, x_test/y_test)")
    for x_key, y_key in PAIRS[1:]:
        if (x_key in data) != (y_key in data):
            there, missing = (x_key, y_key) if x_key in data else (y_key, x_key)
            raise EvohpoError(f"npz:{path} holds {there} without {missing}; give both or "
                              "neither")
    return data


def _labels(y: np.ndarray, key: str, path: Path) -> np.ndarray:
    y = np.asarray(y)
    _check_rows(y, f"npz:{path}: {key}")
    if y.ndim > 1:
        if y.ndim == 2 and y.shape[1] == 1:
            return y[:, 0]
        raise EvohpoError(f"npz:{path}: {key} has shape {y.shape}; give one label or value "
                          "per row (one-hot labels: store their argmax)")
    return y


def from_npz(path: str | os.PathLike, *, kind: Kind | None = None, split_seed: int = 0,
             val_fraction: float = 0.2, test_fraction: float = 0.2, scale: bool = True,
             name: str | None = None) -> Task:
    """A task from a ``.npz`` of arrays (see the module doc for the keys and the rules).

    A missing test split is ``test_fraction`` of ``x_train``; a missing validation split is
    ``val_fraction`` of the rows (of ``x_train`` plus the carved test rows, so 60/20/20 when
    the file holds only training rows); both seeded by ``split_seed`` and stratified.
    ``scale=False`` keeps the inputs as stored."""
    path = Path(path)
    kind = check_kind(kind)
    check_fractions(val_fraction, test_fraction)
    data = _read(path)
    xs = {x_key: _numeric(data[x_key], f"npz:{path}: {x_key}") for x_key, _ in PAIRS
          if x_key in data}
    ys = {y_key: _labels(data[y_key], y_key, path) for _, y_key in PAIRS if y_key in data}
    for x_key, y_key in PAIRS:
        if x_key in xs and len(xs[x_key]) != len(ys[y_key]):
            raise EvohpoError(f"npz:{path}: {x_key} has {len(xs[x_key])} rows but {y_key} has "
                              f"{len(ys[y_key])}; they must be equal")
        if x_key in xs and xs[x_key].shape[1:] != xs["x_train"].shape[1:]:
            raise EvohpoError(f"npz:{path}: {x_key} inputs have shape {xs[x_key].shape[1:]}, "
                              f"x_train's {xs['x_train'].shape[1:]}; they must be equal")
    every = np.concatenate(list(ys.values()))
    if kind is None:
        guess = infer_kind(every, "y")
        kind, reason = guess.kind, f"{guess.kind}, because {guess.reason}"
    else:
        reason = f"{kind}, as given"
    classes: tuple[Any, ...] = ()
    if kind != "regression":
        if every.dtype.kind == "f" and not np.all(np.isfinite(every)):
            raise EvohpoError(f"npz:{path}: the labels hold NaN or infinite values; drop those "
                              "rows")
        found = np.unique(every)
        if len(found) < 2 or (kind == "binary" and len(found) != 2):
            fix = ("a classifier needs two classes or more" if len(found) < 2 else
                   "pass --kind multiclass (kind=)")
            raise EvohpoError(f"npz:{path}: kind {kind} but the labels have {len(found)} "
                              f"distinct value{'s' if len(found) != 1 else ''}; {fix}")
        classes = tuple(v.item() if hasattr(v, "item") else v for v in found)
        ys = {k: np.searchsorted(found, v).astype(np.int32) for k, v in ys.items()}
    else:
        ys = {k: _values(v, k, path) for k, v in ys.items()}
    x_train, y_train = xs["x_train"], ys["y_train"]
    if ("x_test" not in xs or "x_val" not in xs) and len(x_train) < MIN_ROWS:
        raise EvohpoError(f"npz:{path}: x_train has {len(x_train)} rows, too few to carve "
                          f"the test split and validation split out of (at least {MIN_ROWS}); "
                          "add rows, or give x_val/y_val and x_test/y_test")
    if "x_test" in xs:
        x_test, y_test = xs["x_test"], ys["y_test"]
    else:
        x_train, y_train, x_test, y_test = carve(x_train, y_train, kind, test_fraction,
                                                  split_seed, "test")
    if "x_val" in xs:
        x_val, y_val = xs["x_val"], ys["y_val"]
    else:
        share = val_fraction / (1 - test_fraction) if "x_test" not in xs else val_fraction
        x_train, y_train, x_val, y_val = carve(x_train, y_train, kind, share, split_seed,
                                                "validation")
    if kind != "regression":
        _say_missing_classes(path, classes, {"training": y_train, "validation": y_val,
                                             "test": y_test})
    mean = std = None
    y_mean, y_std = 0.0, 1.0
    if scale:
        mean = x_train.mean(axis=0, dtype=np.float64).astype(np.float32)
        std = x_train.std(axis=0, dtype=np.float64).astype(np.float32)
        std[std == 0] = 1.0
        x_train, x_val, x_test = ((a - mean) / std for a in (x_train, x_val, x_test))
    if kind == "regression":
        y_mean, y_std = float(y_train.mean()), float(y_train.std() or 1.0)
        y_train, y_val, y_test = ((a - y_mean) / y_std for a in (y_train, y_val, y_test))
    sizes = f"{len(y_train)}/{len(y_val)}/{len(y_test)} train/validation/test rows"
    scaling = ArrayScaling(kind, tuple(int(d) for d in x_train.shape[1:]), mean, std, classes,
                           y_mean, y_std, kind_reason=reason,
                           notes=(f"inputs of shape {tuple(x_train.shape[1:])}, {sizes}"
                                  + ("; standardised per position on the training rows"
                                     if scale else ""),))
    return Task(name or f"npz:{path.stem}", kind,
                *(a.astype(np.float32) if i % 2 == 0 else a
                  for i, a in enumerate((x_train, y_train, x_val, y_val, x_test, y_test))),
                n_classes=len(classes), class_names=tuple(str(c) for c in classes),
                preprocess=scaling)


def _values(y: np.ndarray, key: str, path: Path) -> np.ndarray:
    """A regression target: finite numbers."""
    if not (np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.bool_)):
        raise EvohpoError(f"npz:{path}: kind regression but {key} holds labels such as "
                          f"{y.flat[0].item()!r}; pass --kind binary or multiclass (kind=), "
                          "or store numbers")
    y = y.astype(np.float32)
    if not np.all(np.isfinite(y)):
        raise EvohpoError(f"npz:{path}: {key} holds NaN or infinite values; drop those rows")
    return y


def _say_missing_classes(path: Path, classes: tuple[Any, ...],
                         splits: dict[str, np.ndarray]) -> None:
    """One line per split that lacks a class: its scores would say nothing about that class."""
    for split, codes in splits.items():
        absent = sorted(set(range(len(classes))) - set(np.unique(codes).tolist()))
        if absent:
            names = ", ".join(str(classes[c]) for c in absent[:10])
            print(f"note: npz:{path}: the {split} split has no rows of class {names}; its "
                  "scores say nothing about it (give more rows of it, or the splits yourself)",
                  file=sys.stderr, flush=True)


def read_new_inputs(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None, str]:
    """What ``predict --npz`` reads: the first of ``x``, ``x_test``, ``x_val``, ``x_train``,
    its labels if the file has them, and the key used."""
    data = _arrays(Path(path), f"--npz {path}", "x=...")
    key = next((k for k in NEW_INPUT_KEYS if k in data), None)
    if key is None:
        raise EvohpoError(f"--npz {path} holds {', '.join(sorted(data)) or 'nothing'}; store the "
                          "inputs to predict as x (numpy.savez(path, x=...))")
    labels = data.get(NEW_LABEL_KEYS[key])
    return data[key], None if labels is None else np.asarray(labels).reshape(len(labels), -1)[
        :, 0], key
