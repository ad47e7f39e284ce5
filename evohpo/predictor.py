"""Use a campaign's best model on new raw rows: ``evohpo.predict(folder, frame_or_csv)``.

A campaign on a table (``csv:PATH:TARGET`` or ``tasks.from_frame``) leaves two files in its
folder: ``best.keras`` and ``preprocess.joblib`` (the encoding fitted on the training rows
and the target's labels or scaling, see :class:`evohpo.tasks.tables.Preprocess`). Together
they take rows as the user has them (text columns, original units, extra columns ignored)
and answer in the user's labels and units. ``preprocess.joblib`` is a pickle: load only
folders you trust.

(Named ``predictor`` so that ``evohpo.predict`` stays the function, not a module.)
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from . import results as results_mod
from .errors import EvohpoError
from .tasks.arrays import ArrayScaling
from .tasks.csv_files import read_csv
from .tasks.tables import Preprocess


@dataclass(frozen=True)
class Predictor:
    """A trained model with the preprocessing it was trained behind. The model is loaded on
    first use, so new inputs are checked (and refused in one line) before TensorFlow starts."""

    prep: Preprocess | ArrayScaling  # a table's encoding (rows) or an array task's scaling
    folder: Path

    @cached_property
    def model(self) -> Any:
        """The keras.Model in ``best.keras``, loaded once."""
        from .runtime import keras

        model_file = self.folder / results_mod.BEST_MODEL_NAME
        try:
            return keras().models.load_model(model_file, compile=False)
        except Exception as exc:  # a foreign file: Keras' traceback helps nobody
            raise _damaged(model_file, type(exc).__name__) from None

    def predict(self, frame: Any, source: str = "the new rows") -> Any:
        """Raw rows -> DataFrame (same index) with ``prediction`` and, for classifiers,
        ``probability`` of that prediction."""
        import pandas as pd

        if len(frame) == 0:
            raise EvohpoError(f"{source} hold no rows; give at least one row to predict")
        x = self.prep.features(frame, source)
        outputs = self.model.predict(x, batch_size=4096, verbose=0)
        index = getattr(frame, "index", None)
        return pd.DataFrame(self.prep.decode(np.asarray(outputs)), index=index)


def _damaged(model_file: Path, why: str) -> EvohpoError:
    return EvohpoError(f"cannot read {model_file} ({why}); it is damaged or not a Keras model: "
                       "run the campaign again to write it")


# where the pickled preprocessing classes lived before they moved into evohpo.tasks (0.3):
# folders written by earlier versions name these modules in preprocess.joblib
_OLD_MODULES = {"evohpo.tables": "evohpo.tasks.tables", "evohpo.arrays": "evohpo.tasks.arrays"}


@contextlib.contextmanager
def _modules_moved_in_0_3() -> Iterator[None]:
    """Let pickles name the old module paths while one file is read; nothing stays behind."""
    added = [old for old in _OLD_MODULES if old not in sys.modules]
    for old in added:
        sys.modules[old] = importlib.import_module(_OLD_MODULES[old])
    try:
        yield
    finally:
        for old in added:
            del sys.modules[old]


def load(model_dir: str | os.PathLike) -> Predictor:
    """The preprocessing a campaign saved in ``model_dir``, and its model (loaded when first
    used). Every file is checked here without TensorFlow: a missing folder or file, a
    preprocessing file evohpo did not write, a ``best.keras`` that is not a Keras archive."""
    import joblib

    folder = Path(model_dir)
    model_file = folder / results_mod.BEST_MODEL_NAME
    prep_file = folder / results_mod.PREPROCESS_NAME
    if not folder.is_dir():
        what = "is a file" if folder.exists() else "does not exist"
        raise EvohpoError(f"{folder} {what}; pass the folder (--out) of a finished campaign")
    if not model_file.is_file():
        raise EvohpoError(f"{folder} holds no {model_file.name}; pass the --out folder of a "
                          "finished campaign")
    if not prep_file.is_file():
        raise EvohpoError(
            f"{folder} holds no {prep_file.name}: only campaigns on tables (csv:PATH:TARGET, "
            "tasks.from_frame) and arrays (npz:PATH, mnist) save what predicting from raw "
            "inputs needs"
        )
    if not _is_keras_archive(model_file):  # truncated, or not a Keras 3 file at all
        raise _damaged(model_file, "not a Keras archive")
    try:
        with _modules_moved_in_0_3():
            prep = joblib.load(prep_file)
    except Exception as exc:  # a truncated file, another scikit-learn's pickle...
        why = f"{type(exc).__name__}: {exc}"[:120]
        raise EvohpoError(f"cannot read {prep_file} ({why}); it is damaged or from another "
                          "version: run the campaign again with this evohpo") from None
    if not isinstance(prep, Preprocess | ArrayScaling):
        raise EvohpoError(f"{prep_file} is not an evohpo preprocessing file")
    return Predictor(prep, folder)


def _is_keras_archive(path: Path) -> bool:
    """A ``.keras`` file is a zip holding ``config.json``: checked without TensorFlow."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return "config.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def predict(model_dir: str | os.PathLike, data: Any) -> Any:
    """Predictions of the best model in ``model_dir`` for ``data``: for a table campaign a
    pandas DataFrame or the path of a CSV file holding at least the training feature columns
    (the target column, if present, and any other extra columns are ignored); for an array
    campaign (npz, mnist) a numpy array of raw inputs (rows, *shape)."""
    import pandas as pd

    predictor = load(model_dir)
    if isinstance(data, np.ndarray):
        return predictor.predict(data, source="the new inputs")
    if isinstance(data, pd.DataFrame):
        return predictor.predict(data.rename(columns=str))
    if isinstance(data, (str, os.PathLike)):
        return predictor.predict(read_csv(data), source=str(data))
    raise EvohpoError(f"predict takes a DataFrame, a CSV path or an array, got "
                      f"{type(data).__name__}")
