"""Tasks: what a campaign learns from. ``evohpo.tasks.get("digits")``, ``tasks.from_csv(...)``,
``tasks.from_npz(...)`` or ``tasks.from_arrays(x, y)`` each give a :class:`Task`.

The layers, lowest first: ``kinds`` (binary/multiclass/regression and the rule inferring one),
``splits`` (one seeded, stratified split rule), ``task`` (the record, arrays -> Task),
``csv_files`` / ``tables`` (CSV files and DataFrames), ``arrays`` (``.npz`` files),
``generated`` and ``builtin`` (the tasks by name, and :func:`get`); ``folds`` (K-fold
cross-validation of train+validation).
"""

from . import folds
from .arrays import from_npz
from .builtin import (
    BUILTIN,
    and_,
    breast_cancer,
    data_dir,
    diabetes,
    digits,
    fashion_mnist,
    get,
    iris,
    logic_gate,
    mnist,
    or_,
    seven_segment,
    slash_backslash,
    wine,
    xor,
)
from .generated import synthetic, synthetic_regression
from .kinds import KINDS, Kind
from .tables import from_csv, from_frame
from .task import Task, from_arrays, load, save

__all__ = [
    "BUILTIN", "KINDS", "Kind", "Task", "and_", "breast_cancer", "data_dir", "diabetes",
    "digits", "fashion_mnist", "folds", "from_arrays", "from_csv", "from_frame", "from_npz", "get",
    "iris", "load", "logic_gate", "mnist", "or_", "save", "seven_segment", "slash_backslash",
    "synthetic", "synthetic_regression", "wine", "xor",
]
