"""The kind of problem a target makes (binary, multiclass, regression): the names, the rule
that infers one from a target's values, and how a model's outputs become labels or target
units again. One rule for tables, arrays and built-in tasks, so they always agree.

The rule (:func:`infer_kind`): a text, true/false or categorical target is classification
(binary with two values); numbers with fractions are regression; whole numbers are binary with
two values and regression with more than 20 distinct values (or more than 10 that are over 5%
of the rows), multiclass otherwise. The reason is kept, so a run can say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import EvohpoError

Kind = Literal["binary", "multiclass", "regression"]
KINDS: tuple[str, ...] = ("binary", "multiclass", "regression")
MAX_WHOLE_CLASSES = 20  # a whole-number target with more distinct values is regression...
DISTINCT_SHARE = 0.05  # ...and so is one with more than MIN_SHARE_CLASSES over 5% of the rows
MIN_SHARE_CLASSES = 10


@dataclass(frozen=True)
class KindGuess:
    """A task kind and why: given by the user, or inferred from the target's values."""

    kind: Kind
    reason: str
    inferred: bool = True

    def __str__(self) -> str:
        how = "inferred" if self.inferred else "given"
        return f"{self.kind} ({how}: {self.reason})"


def is_text(values: Any) -> bool:
    """Text, true/false or categorical values (not numbers) by pandas' or numpy's dtype."""
    import pandas as pd

    dtype = getattr(values, "dtype", np.asarray(values).dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    return pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype)


def infer_kind(y: Any, name: str = "target") -> KindGuess:
    """The kind a target's values suggest, with the rule that decided (see the module doc)."""
    import pandas as pd

    values = pd.Series(np.asarray(y) if not isinstance(y, pd.Series) else y).dropna()
    distinct = int(values.nunique())
    if is_text(values):
        kind: Kind = "binary" if distinct == 2 else "multiclass"
        return KindGuess(kind, f"{name} holds labels ({distinct} distinct values)")
    numbers = values.to_numpy(dtype=np.float64)
    if not np.all(np.mod(numbers[np.isfinite(numbers)], 1) == 0):
        return KindGuess("regression", f"{name} holds numbers with fractions")
    if distinct == 2:
        return KindGuess("binary", f"{name} holds two whole-number values")
    share = distinct / max(len(values), 1)
    if distinct > MAX_WHOLE_CLASSES:
        return KindGuess("regression", f"{name} holds whole numbers with {distinct} distinct "
                                       f"values, more than {MAX_WHOLE_CLASSES}")
    if distinct > MIN_SHARE_CLASSES and share > DISTINCT_SHARE:
        return KindGuess("regression", f"{name} holds whole numbers with {distinct} distinct "
                                       f"values, {share:.0%} of the rows")
    return KindGuess("multiclass", f"{name} holds whole numbers with {distinct} distinct "
                                   f"values, at most {MAX_WHOLE_CLASSES}")


def check_kind(kind: str | None) -> Kind | None:
    if kind is not None and kind not in KINDS:
        raise EvohpoError(f"unknown kind {kind!r}; choose from: {', '.join(KINDS)}")
    return kind  # type: ignore[return-value]



def decode_outputs(outputs: np.ndarray, kind: Kind, classes: Sequence[Any], y_mean: float,
                   y_std: float) -> dict[str, np.ndarray]:
    """Model outputs -> ``prediction`` (labels, or target units for regression: the model
    predicts the standardised target) and, for classifiers, ``probability`` of that label."""
    out = np.asarray(outputs, dtype=np.float64)
    if kind == "regression":
        return {"prediction": out[:, 0] * y_std + y_mean}
    if kind == "binary":
        p1 = out[:, 0]
        codes = (p1 > 0.5).astype(int)
        prob = np.where(codes == 1, p1, 1 - p1)
    else:
        codes = out.argmax(axis=1)
        prob = out[np.arange(len(out)), codes] / out.sum(axis=1)
    labels = np.empty(len(codes), dtype=object)
    labels[:] = [classes[c] for c in codes]
    return {"prediction": labels, "probability": prob}
