"""Tables shared by the task tests (not a test module): a house-price frame, one with holes, and
the one-line check of an error's text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def houses(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A regression table: whole-number prices, a text and a true/false column."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "rooms": rng.integers(1, 6, n),
        "area": np.arange(n) + 40.5,  # distinct per row: lets a test find a row again
        "colour": rng.choice(["red", "green", "blue"], n),
        "garden": rng.choice([True, False], n),
    })
    df["price"] = (df.rooms * 30_000 + df.area * 1_000 + (df.colour == "red") * 5_000).astype(int)
    return df


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and len(text) < 400, text
    return text


# -- missing values ---------------------------------------------------------------------------
def holes(n: int = 200) -> pd.DataFrame:
    df = houses(n)
    for i, col in enumerate(["rooms", "area", "colour", "garden"]):
        df[col] = df[col].astype(object) if col in ("colour", "garden") else df[col].astype(float)
        df.loc[df.index[i * 3:(i + 1) * 3], col] = np.nan
    df.loc[df.index[50], "price"] = np.nan
    for k in range(3):  # three more columns with a gap each: the message must cap its list
        df[f"extra{k}"] = 1.0 * np.arange(n)
        df.loc[df.index[60 + k], f"extra{k}"] = np.nan
    return df
