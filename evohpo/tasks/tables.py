"""Tables as users have them: CSV files and pandas DataFrames -> a :class:`~evohpo.tasks.Task`.

What happens to a table, in order:

1. **Reading** (:func:`read_csv`): the delimiter (``,`` ``;`` tab ``|``) is the one that splits
   the first lines into the same number of fields; a ``;`` file with decimal commas (``3,5``)
   is read as numbers. A file holding NUL bytes (a spreadsheet, UTF-16, a compressed file) and
   a header naming a column twice are refused.
2. **Kind** (:func:`infer_kind`), unless given: a text, true/false or categorical target is
   classification (binary with two values); numbers with fractions are regression; whole
   numbers are binary with two values and regression with more than 20 distinct values (or
   more than 10 that are over 5% of the rows), multiclass otherwise. The reason is kept, so a
   run can say why.
3. **Missing values**: refused unless ``impute`` says what to do: ``mean``/``median`` (numeric
   columns; text columns take their most frequent value), ``most_frequent``, or ``drop`` (rows
   with any missing value). Rows whose *target* is missing are always dropped when ``impute``
   is given: a label cannot be made up (so a target empty in every row is refused, whatever
   ``impute`` says).
4. **Columns**: a first column without a header name is the row index ``to_csv()`` saves:
   dropped, with a note; any other nameless column is refused. Dates and times (as values or
   as text such as ``2024-03-01`` or ``10:30``) are refused, and so is ID-like text (more than
   MAX_CATEGORIES distinct values, and more than half its rows).
5. **Split** 60/20/20 (stratified for classification), then **encoding fitted on the training
   rows only**: numeric columns standardised, text/bool/category columns one-hot encoded
   (categories unseen in training become all zeros; a column with more than MAX_CATEGORIES
   values keeps its most frequent ones and puts the rest, and unseen ones, in one shared
   column, with a note), regression targets standardised.
   The fitted scikit-learn ``ColumnTransformer`` and the target coding travel with the task
   as a :class:`Preprocess`, which a campaign saves beside ``best.keras`` so that
   :mod:`evohpo.predictor` can take new raw rows and answer in the user's labels and units.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EvohpoError, listing
from .csv_files import looks_numeric, read_csv
from .kinds import Kind, KindGuess, check_kind, decode_outputs, infer_kind, is_text
from .splits import split_rows
from .task import Task

IMPUTE: tuple[str, ...] = ("mean", "median", "most_frequent", "drop")
MIN_ROWS = 10  # fewer cannot be split into train/validation/test usefully
MAX_CATEGORIES = 50  # a text column's most frequent values one-hot encoded; the rest share one
ID_SHARE = 0.5  # a text column with more distinct values than this share of its rows is an ID
UNNAMED = re.compile(r"^Unnamed: \d+$")  # pandas' name for a column without a header name
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/]\d{1,2}[-/]\d{2,4}"
                   r"|\d{1,2}\.\d{1,2}\.\d{4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                   r"(Z|[+-]\d{2}:?\d{2})?$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def check_impute(impute: str | None) -> str | None:
    if impute is not None and impute not in IMPUTE:
        raise EvohpoError(f"unknown impute {impute!r}; choose from: {', '.join(IMPUTE)}")
    return impute


# -- the fitted preprocessing that travels with a task -----------------------------------------
@dataclass(frozen=True)
class Preprocess:
    """Everything needed to turn new raw rows into model inputs and outputs back into the
    user's labels and units. Picklable; saved by a campaign as ``preprocess.joblib``."""

    target: str
    kind: Kind
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    transformer: Any  # sklearn ColumnTransformer fitted on the training rows
    classes: tuple[Any, ...] = ()  # original labels, in the order of the model's outputs
    y_mean: float = 0.0  # regression targets were standardised with these (training rows)
    y_std: float = 1.0
    impute: str | None = None
    kind_reason: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    def features(self, frame: Any, source: str = "the new rows") -> np.ndarray:
        """Raw rows (a DataFrame holding at least the training columns) -> model inputs."""
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise EvohpoError(
                f"{source} lack the column(s) {listing(missing)} the model was trained on; "
                f"give every one of: {listing(self.columns, 10)}"
            )
        part = _coerce(frame[list(self.columns)], self.numeric, self.categorical, source)
        if self.impute in (None, "drop"):
            gaps = _missing_counts(part)
            if gaps:
                raise EvohpoError(
                    f"{source} have missing values in {listing(gaps)}; the model was trained "
                    "without imputation (--impute): fill them in or drop those rows"
                )
        return np.asarray(self.transformer.transform(part), dtype=np.float32)

    def decode(self, outputs: np.ndarray) -> dict[str, np.ndarray]:
        """Model outputs -> ``prediction`` (labels or target units) and, for classifiers,
        ``probability`` of that prediction."""
        return decode_outputs(outputs, self.kind, self.classes, self.y_mean, self.y_std)


def _missing_counts(frame: Any) -> list[str]:
    counts = frame.isna().sum()
    return [f"{c} ({n} row{'s' if n > 1 else ''})" for c, n in counts.items() if n]


def _coerce(frame: Any, numeric: Sequence[str], categorical: Sequence[str], source: str) -> Any:
    """The same column types at fit and predict time: numeric -> float64, categorical -> str
    (missing stays NaN), so a CSV's ``True`` and a DataFrame's ``True`` are one category.
    Built as one frame from whole blocks: 2,000 column inserts would fragment it (and make
    pandas print a PerformanceWarning per column)."""
    import pandas as pd

    block = frame[list(numeric)]
    if all(pd.api.types.is_numeric_dtype(t) for t in block.dtypes):
        numbers = block.astype(np.float64)
    else:
        numbers = pd.DataFrame({c: _numbers(frame[c], c, source) for c in numeric},
                               index=frame.index, columns=list(numeric))
    infinite = np.isinf(numbers.to_numpy()).any(axis=0)
    if infinite.any():
        c = numeric[int(np.argmax(infinite))]
        raise EvohpoError(f"{source}: column {c!r} holds infinite values; replace them")
    texts = frame[list(categorical)].astype(object)
    texts = texts.where(texts.isna(), texts.map(str, na_action="ignore")).astype(object)
    return pd.concat([numbers, texts], axis=1)


def _numbers(col: Any, name: str, source: str) -> Any:
    """A column that held numbers in training, as float64, or the first cell that is not."""
    import pandas as pd

    try:
        return pd.to_numeric(col).astype(np.float64)
    except (ValueError, TypeError):
        bad = col[pd.to_numeric(col, errors="coerce").isna() & col.notna()]
        raise EvohpoError(
            f"{source}: column {name!r} held numbers in training but holds "
            f"{_show(bad.iloc[0])} here; give numbers"
        ) from None


def _transformer(numeric: Sequence[str], categorical: Sequence[str], impute: str | None) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    fills = impute in ("mean", "median", "most_frequent")
    num = [SimpleImputer(strategy=impute)] if fills else []
    cat = [SimpleImputer(strategy="most_frequent")] if fills else []
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(*num, StandardScaler()), list(numeric)))
    if categorical:
        # the MAX_CATEGORIES most frequent values of a column each get a column, the rarer ones
        # (and, at prediction time, unseen ones) share one; columns with fewer are unchanged
        onehot = OneHotEncoder(handle_unknown="infrequent_if_exist", sparse_output=False,
                               max_categories=MAX_CATEGORIES + 1, dtype=np.float32)
        parts.append(("categorical", make_pipeline(*cat, onehot), list(categorical)))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


# -- a table -> Task ---------------------------------------------------------------------------
def _target(values: Any, guess: KindGuess, target: str, source: str):
    """Encoded target: (y, classes, mean, std)."""
    if guess.kind == "regression":
        if is_text(values):
            example = _show(values.dropna().iloc[0])
            raise EvohpoError(
                f"{source}: kind is regression but target {target!r} holds labels such as "
                f"{example}; pass kind='binary' or 'multiclass' (--kind), or a numeric target"
            )
        y = values.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise EvohpoError(f"{source}: target {target!r} holds infinite values; drop those "
                              "rows")
        return y, (), 0.0, 1.0
    labels = values.map(str) if is_text(values) else values
    classes, codes = np.unique(labels.to_numpy(), return_inverse=True)
    if guess.kind == "binary" and len(classes) != 2:
        raise EvohpoError(
            f"{source}: kind is binary but target {target!r} has {len(classes)} classes; pass "
            "kind='multiclass' or 'regression' (--kind)"
        )
    return codes.astype(np.int32), tuple(c.item() if hasattr(c, "item") else c
                                         for c in classes), 0.0, 1.0


def _column_types(features: Any, source: str) -> tuple[list[str], list[str]]:
    """Numeric and categorical feature columns. Refused: dates and times (as values or as
    text), and ID-like text (more than MAX_CATEGORIES distinct values, more than ID_SHARE of
    its rows): one-hot encoded, either would be thousands of features that mean nothing."""
    import pandas as pd

    numeric, categorical = [], []
    for c in features.columns:
        col = features[c]
        if (pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col)
                or (is_text(col) and _holds_dates(col))):
            raise EvohpoError(f"{source}: column {c!r} holds dates or times; turn it into "
                              "numbers (e.g. day of year, hour) or drop it")
        if is_text(col):
            distinct, present = col.nunique(), int(col.notna().sum())
            if distinct > MAX_CATEGORIES and distinct > ID_SHARE * present:
                what = (f"a different value in every row ({distinct})" if distinct == present
                        else f"{distinct} distinct values in {present} rows")
                raise EvohpoError(f"{source}: text column {c!r} has {what}, like an ID or free "
                                  "text; drop it or make it numeric")
            categorical.append(str(c))
        else:
            numeric.append(str(c))
    return numeric, categorical


def _holds_dates(col: Any) -> bool:
    """Every value written as a date, a date and time, or a clock time (2021-03-04,
    04/03/2021, 2021-03-04 10:15:00, 10:15)."""
    values = col.dropna()
    if values.empty:
        return False
    first = str(values.iloc[0]).strip()  # most text columns are told apart by their first value
    if not (_DATE.match(first) or _TIME.match(first)):
        return False
    values = values.astype(str).str.strip()
    return bool((values.str.match(_DATE) | values.str.match(_TIME)).all())


def _unnamed(frame: Any, target: str, source: str) -> tuple[Any, list[str]]:
    """Columns without a name in the header line. The first is the row index that
    ``DataFrame.to_csv()`` (or R's ``write.csv``) saves: dropped, with a note (row numbers
    are no feature). Any other is refused: a nameless column cannot be matched at
    prediction time, and a missing name usually means a shifted header line."""
    nameless = [c for c in frame.columns if UNNAMED.match(c) and c != target]
    index = [c for c in nameless[:1] if c == frame.columns[0]]
    others = [str(frame.columns.get_loc(c) + 1) for c in nameless if c not in index]
    if others:
        which = f"column {others[0]} has" if len(others) == 1 else \
            f"columns {listing(others)} have"
        raise EvohpoError(f"{source}: {which} no name in the header line; name it there (or "
                          "drop it)")
    if not index:
        return frame, []
    return frame.drop(columns=index), [
        "dropped the first column: it has no header name, like the row index "
        "DataFrame.to_csv() saves; name it in the header to use it as a feature"]


def from_frame(
    frame: Any,
    target: str,
    *,
    kind: Kind | None = None,
    impute: str | None = None,
    name: str = "frame",
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    source: str | None = None,
) -> Task:
    """A pandas DataFrame whose column ``target`` is the label -> Task (see the module doc).

    The returned task's ``preprocess`` holds the fitted encoding and target coding.
    """
    import pandas as pd

    source = source or f"table {name!r}"
    if not isinstance(frame, pd.DataFrame):
        raise EvohpoError(f"expected a pandas DataFrame, got {type(frame).__name__}; use "
                          "tasks.from_arrays for arrays")
    kind = check_kind(kind)
    impute = check_impute(impute)
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise EvohpoError("val_fraction and test_fraction must be in (0, 1) and sum below 1")
    frame = frame.rename(columns=str)
    if target not in frame.columns:
        hint = ""
        if len(frame.columns) and all(looks_numeric(c) for c in frame.columns):
            hint = " (the first line looks like data: add a header line naming the columns)"
        raise EvohpoError(f"{source} has no column {target!r}; its columns are: "
                          f"{listing(frame.columns, 10)}{hint}")
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()].unique()
        raise EvohpoError(f"{source}: column names repeat ({listing(dup)}); rename them")
    if frame[target].isna().all():
        raise EvohpoError(f"{source}: target {target!r} is empty in every row; choose a target "
                          "column that holds labels or values")
    frame, notes = _unnamed(frame, target, source)
    empty = [c for c in frame.columns if c != target and frame[c].isna().all()]
    notes += [f"dropped column(s) {listing(empty)}: empty in every row"] if empty else []
    frame = frame.drop(columns=empty)
    if len(frame.columns) < 2:
        raise EvohpoError(f"{source} has no feature columns besides the target {target!r}")
    frame, more = _handle_missing(frame, target, impute, source)
    notes += more
    if len(frame) < MIN_ROWS:
        raise EvohpoError(f"{source} has {len(frame)} usable row(s); a train/validation/test "
                          f"split needs at least {MIN_ROWS}: add rows")
    y_raw = frame[target]
    if y_raw.nunique() < 2:
        raise EvohpoError(f"{source}: target {target!r} holds one value ({_show(y_raw.iloc[0])}) "
                          "in every row; there is nothing to learn: choose another target column")
    guess = (KindGuess(kind, f"kind={kind}", inferred=False) if kind
             else infer_kind(y_raw, f"target {target!r}"))
    y, classes, _, _ = _target(y_raw, guess, target, source)
    features = frame.drop(columns=[target])
    numeric, categorical = _column_types(features, source)
    train, val, test = split_rows(y if guess.kind != "regression" else np.zeros(len(y)),
                                   guess.kind, val_fraction, test_fraction, split_seed, source)
    x = _coerce(features, numeric, categorical, source)
    transformer = _transformer(numeric, categorical, impute).fit(x.iloc[train])
    xs = [np.asarray(transformer.transform(x.iloc[rows]), dtype=np.float32)
          for rows in (train, val, test)]
    ys = [y[rows] for rows in (train, val, test)]
    y_mean, y_std = 0.0, 1.0
    if guess.kind == "regression":
        y_mean, y_std = float(ys[0].mean()), float(ys[0].std() or 1.0)
        ys = [((v - y_mean) / y_std).astype(np.float32) for v in ys]
    if categorical:
        notes += _onehot_notes(categorical, transformer.named_transformers_["categorical"][-1])
    prep = Preprocess(
        target, guess.kind, tuple(numeric), tuple(categorical), transformer, classes,
        y_mean, y_std, impute, str(guess), tuple(notes),
    )
    return Task(
        name=name, kind=guess.kind, x_train=xs[0], y_train=ys[0], x_val=xs[1], y_val=ys[1],
        x_test=xs[2], y_test=ys[2], n_classes=len(classes),
        class_names=tuple(str(c) for c in classes), preprocess=prep,
    )


def _onehot_notes(categorical: Sequence[str], encoder: Any) -> list[str]:
    """What one-hot encoding did, from the encoder fitted on the training rows: one line for
    every text column (``plan (3 values)``), and one more for each column with more than
    MAX_CATEGORIES values, whose rarer values share one column."""
    sizes, capped = [], []
    for name, values, rare in zip(categorical, encoder.categories_,
                                  encoder.infrequent_categories_):
        sizes.append(f"{name} ({len(values)} values)")
        if rare is not None:
            capped.append(f"text column {name!r} has {len(values)} distinct values in the "
                          f"training rows: its {len(values) - len(rare)} most frequent each "
                          f"get a column, the other {len(rare)} (and values first seen at "
                          "prediction time) share one")
    return ["one-hot encoded " + listing(sizes), *capped]


def _show(value: Any) -> str:
    """A cell as users wrote it: 5, not np.int64(5)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _handle_missing(frame: Any, target: str, impute: str | None, source: str):
    """Refuse missing values without ``impute``; else drop rows as the module doc says."""
    gaps = _missing_counts(frame)
    if not gaps:
        return frame, []
    if impute is None:
        raise EvohpoError(
            f"{source} has missing values in {listing(gaps)}; pass impute= (--impute) mean, "
            "median, most_frequent or drop"
        )
    if impute == "drop":
        kept = frame.dropna()
        return kept, [f"dropped {len(frame) - len(kept)} row(s) with missing values"]
    kept = frame[frame[target].notna()]
    dropped = len(frame) - len(kept)
    note = [f"imputed missing values ({impute})"]
    if dropped:
        note.append(f"dropped {dropped} row(s) whose target is missing")
    return kept, note


def from_csv(path: str | os.PathLike, target: str, *, kind: Kind | None = None,
             impute: str | None = None, **kw: Any) -> Task:
    """A CSV file with a header line; ``target`` names the label column, the rest are features."""
    file = Path(path)
    frame = read_csv(file)
    return from_frame(frame, target, kind=kind, impute=impute, name=file.stem,
                      source=str(file), **kw)
