"""What the command line checks before anything loads, in the user's spelling.

The library checks its arguments too (``budget``, ``n_jobs``, ``resume=True``), but a shell
user typed ``--budget``, ``--n-jobs`` and ``--resume``, and a typo should fail in a second,
before a large CSV is read or a model file runs. So every number a flag takes is checked as
argparse reads it (:func:`whole`, :func:`positive`), and the ``--out`` folder, backend and
scheduler once the flags are parsed; every message names the flags as typed.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from ..errors import EvohpoError, file_in_the_way


def whole(minimum: int, *, all_cores: bool = False) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum`` (or -1 with ``all_cores``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or (value < minimum and not (all_cores and value == -1)):
            more = " (or -1 for all cores)" if all_cores else ""
            raise argparse.ArgumentTypeError(
                f"must be a whole number >= {minimum}{more}, got {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


def positive(text: str) -> float:
    """An argparse type: a number > 0 (``inf`` allowed: no limit), never NaN."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0:  # also NaN
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def check_out(out: Path, *, resume: bool, overwrite: bool) -> None:
    """The ``--out`` folder of ``evohpo search``, before the task loads: a file is no folder;
    a results.csv evohpo did not write is never continued or replaced; one evohpo wrote needs
    ``--resume`` or ``--overwrite`` (``--overwrite`` alone when it holds no checkpoint)."""
    from ..checkpoint import CHECKPOINT_NAME
    from ..results import CSV_NAME, written_by_evohpo

    if resume and overwrite:
        raise EvohpoError("--resume and --overwrite exclude each other; pass one of them")
    check_folder(out, "--out")
    csv_path = out / CSV_NAME
    if not csv_path.is_file():
        return
    has_checkpoint = (out / CHECKPOINT_NAME).exists()
    if not has_checkpoint and not written_by_evohpo(csv_path):
        raise EvohpoError(f"{out} holds a {CSV_NAME} evohpo did not write; evohpo never "
                          "replaces or continues it (not with --overwrite or --resume either): "
                          "choose another --out, or move that file")
    if resume or overwrite:
        return
    if has_checkpoint:
        raise EvohpoError(f"{out} already holds a campaign ({CSV_NAME}); pass --resume to "
                          "continue it, --overwrite to replace it, or choose another --out")
    raise EvohpoError(f"{out} holds a {CSV_NAME} but no {CHECKPOINT_NAME} (a campaign that "
                      "stopped before its first batch finished): pass --overwrite to start "
                      "again, or choose another --out")


def check_folder(folder: Path, flag: str) -> None:
    """``flag`` names a folder (to create if missing): neither it nor a parent is a file."""
    file = file_in_the_way(folder)
    if file is not None:
        what = f"{flag} {folder}" + ("" if file == folder else f": {file}")
        raise EvohpoError(f"{what} is a file, not a folder; give {flag} a folder (it is "
                          "created if missing)")
