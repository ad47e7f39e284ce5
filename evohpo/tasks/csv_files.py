"""Reading a CSV file as users have them: the delimiter (``,`` ``;`` tab ``|``) is the one that
splits the first lines into the same number of fields; a ``;`` file with decimal commas
(``3,5``) is read as numbers; UTF-8 with or without a byte-order mark, else Latin-1. A file
holding NUL bytes (a spreadsheet, UTF-16, a compressed file) and a header naming a column twice
are refused, each in one line.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

from ..errors import EvohpoError, listing

DELIMITERS = (",", ";", "\t", "|")


def _read_text(file: Path) -> tuple[str, str]:
    """The file's text and encoding: UTF-8 (with or without BOM), else Latin-1."""
    raw = file.read_bytes()
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str, lines: int = 50) -> str:
    """The delimiter that splits the first ``lines`` lines into the same number (> 1) of fields,
    the most fields winning; ``,`` for a one-column file. Unlike ``csv.Sniffer`` this is not
    fooled by commas inside the values of a ``;`` file (decimal commas, free text)."""
    head = [line for line in text.splitlines()[:lines] if line.strip()]
    best, best_fields = ",", 1
    for delim in DELIMITERS:
        try:
            counts = {len(row) for row in csv.reader(head, delimiter=delim)}
        except csv.Error:
            continue
        if len(counts) == 1 and (n := counts.pop()) > best_fields:
            best, best_fields = delim, n
    return best


_DECIMAL_COMMA = re.compile(r"^[+-]?\d+(,\d+)?$")


def read_csv(path: str | os.PathLike) -> Any:
    """A CSV file with a header line -> DataFrame, delimiter sniffed; one-line errors for a
    missing, empty, header-only or unreadable file."""
    import pandas as pd

    file = Path(path)
    if file.is_dir():
        raise EvohpoError(f"{file} is a folder, not a CSV file; give the path of the CSV file")
    if not file.is_file():
        raise EvohpoError(f"CSV file {file} does not exist; check the path")
    text, encoding = _read_text(file)
    if "\x00" in text:
        raise EvohpoError(f"{file} holds NUL bytes, so it is not a text CSV file (a spreadsheet, "
                          "UTF-16 or compressed file?); save it as CSV (UTF-8) and pass that")
    if not text.strip():
        raise EvohpoError(f"{file} is empty; a CSV task needs a header line and data rows")
    delim = sniff_delimiter(text)
    _check_header_names(text, delim, file)
    options = {"sep": delim, "skipinitialspace": True}
    try:
        frame = pd.read_csv(io.StringIO(text), **options)
        if delim != "," and _has_decimal_commas(frame):
            frame = pd.read_csv(io.StringIO(text), decimal=",", **options)
    except (ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0][:150] if str(exc).strip() else ""
        raise EvohpoError(f"cannot read {file} as CSV ({first}); check its delimiter and "
                          "quoting") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise EvohpoError(f"{file} has a header ({listing(frame.columns)}) but no data rows; "
                          "add rows")
    return frame


def _check_header_names(text: str, delim: str, file: Path) -> None:
    """A name given twice in the header line is refused (pandas would silently rename the
    second ``a.1``, so a model would be trained on a column the user never named)."""
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delim), [])
    names = [h.strip() for h in header]
    if names and all(looks_numeric(n) for n in names):
        return  # no header line at all: the target's absence says so (from_frame)
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise EvohpoError(f"{file}: column names repeat ({listing(twice)}); rename them in the "
                          "header line")


def _has_decimal_commas(frame: Any) -> bool:
    for col in frame.columns:
        if frame[col].dtype.kind in "OT" or str(frame[col].dtype) in ("str", "string"):
            vals = frame[col].dropna().astype(str)
            if len(vals) and vals.str.match(_DECIMAL_COMMA).all() and vals.str.contains(",").any():
                return True
    return False


def looks_numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
