"""Train/validation/test splits: one seeded, stratified rule for every kind of data.

Rows are shuffled with a fixed seed and, for classification, stratified, so every class is in
every split in its share: a file sorted by label would otherwise train on its first classes and
validate on its last. Tables and :func:`~evohpo.tasks.task.from_arrays` split row indices with
:func:`split_rows`; an ``.npz`` (or keras.datasets) file that gives some splits itself has the
missing ones carved out of its training rows with :func:`carve`.
"""

from __future__ import annotations

import numpy as np

from ..errors import EvohpoError
from .kinds import Kind


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    """Both fractions in (0, 1), leaving training rows."""
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise EvohpoError("val_fraction and test_fraction must be in (0, 1) and sum below 1")


def split_rows(codes: np.ndarray, kind: Kind, val_fraction: float, test_fraction: float,
                seed: int, source: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices of train/validation/test, stratified for classification."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(codes))
    strat = codes if kind != "regression" else None
    if strat is not None:
        labels, counts = np.unique(codes, return_counts=True)
        if counts.min() < 3:
            raise EvohpoError(
                f"{source}: a class has only {counts.min()} row(s) ({int((counts < 3).sum())} of "
                f"{len(labels)} classes have fewer than 3); a stratified train/validation/test "
                "split needs at least 3 rows per class: add rows, drop rare classes, or if the "
                "target is a quantity pass kind='regression' (--kind regression)"
            )
    try:
        rest, test = train_test_split(rows, test_size=test_fraction, random_state=seed,
                                      stratify=strat)
        strat = codes[rest] if strat is not None else None
        train, val = train_test_split(rest, test_size=val_fraction / (1 - test_fraction),
                                      random_state=seed, stratify=strat)
    except ValueError:
        raise EvohpoError(
            f"{source}: {len(rows)} rows are too few to split into train/validation/test with "
            f"every class in each; add rows (about {5 * (int(codes.max()) + 1)} or more)"
        ) from None
    return train, val, test


def carve(x: np.ndarray, y: np.ndarray, kind: Kind, fraction: float,
           seed: int, what: str) -> tuple[np.ndarray, ...]:
    """(x_rest, y_rest, x_part, y_part): ``fraction`` of the rows, seeded, stratified for
    classification where every class has two rows or more."""
    from sklearn.model_selection import train_test_split

    strat = None
    if kind != "regression":
        _, counts = np.unique(y, return_counts=True)
        strat = y if counts.min() >= 2 else None
    try:
        x_rest, x_part, y_rest, y_part = train_test_split(
            x, y, test_size=fraction, random_state=seed, stratify=strat, shuffle=True)
    except ValueError as exc:
        raise EvohpoError(f"too few rows to carve the {what} split out of x_train "
                          f"({len(y)} rows): {exc}; give more rows or the split itself") from None
    return x_rest, y_rest, x_part, y_part
