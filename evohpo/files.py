"""How evohpo writes files: every file whole or not at all (a temporary beside it, fsynced,
renamed), the results log appended row by row (each row fsynced, or a batch of quick rows at
once: :class:`evohpo.results.ResultsLog`), a failed write (a full disk, a read-only folder)
one line naming the folder, and what a killed writer left behind cleaned. Every file evohpo
writes, models included, goes through here.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import write_failed

RESUMABLE_FROM = ("checkpoint.json", "compare.json")  # a folder with one of these can resume


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """A failed write (ENOSPC, EDQUOT, EROFS, ...) becomes one EvohpoError naming the folder."""
    try:
        yield
    except OSError as exc:
        resumable = any((Path(path).parent / n).is_file() for n in RESUMABLE_FROM)
        raise write_failed(path, exc, resumable=resumable) from None


def cut_torn_tail(path: Path) -> None:
    """Truncate an unfinished last line so the next row starts a line of its own; every
    complete line stays byte for byte."""
    with open(path, "rb+") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        f.truncate(f.read().rfind(b"\n") + 1)
        f.flush()
        os.fsync(f.fileno())


def append(path: Path, text: str, *, sync: bool = True) -> None:
    """Append ``text``; once this returns it survives the process being killed (SIGKILL too:
    the kernel holds it). ``sync`` also fsyncs it, so that it survives a power cut; without,
    :func:`sync` does that later for every row appended meanwhile."""
    with open(path, "a", newline="") as f:
        f.write(text)
        f.flush()
        if sync:
            os.fsync(f.fileno())


def sync(path: Path) -> None:
    """fsync a file appended to without ``sync``: what the kernel holds reaches the disk."""
    with open(path, "ab") as f:
        os.fsync(f.fileno())


def _fill(f: IO, data: str | bytes) -> None:
    """Write and fsync the temporary file of an atomic write (a hook for the disk-full tests)."""
    f.write(data)
    f.flush()
    os.fsync(f.fileno())


_TEMPORARY = re.compile(  # the temporaries of atomic_write and save_model_atomically
    r"^\.[^/]+\.(csv|json|md|joblib)\.[a-z0-9_]+\.tmp$|^\.[^/]+\.keras\.[a-z0-9_]+\.tmp\.keras$")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file, fsync, rename: readers see the old or the new file, never half."""
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w", newline=None if
                           isinstance(data, bytes) else "") as f:
                _fill(f, data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def save_model_atomically(model: Any, path: Path) -> None:
    """``model.save(path)`` through a temporary beside it, fsynced, then renamed: a full disk
    or a kill leaves the old file or none, never a truncated ``.keras`` (the temporary ends in
    ``.keras`` because Keras insists on it; a killed writer's is cleaned as the others)."""
    path = Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp.keras")
        os.close(fd)
        try:
            model.save(tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def write_json(path: Path, data: dict) -> None:
    atomic_write(Path(path), json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_table(path: Path, frame) -> None:
    """A pandas DataFrame (a summary, not an evaluation log) as CSV, atomically."""
    atomic_write(Path(path), frame.to_csv(index=False, lineterminator="\n"))


def write_text(path: Path, text: str) -> None:
    """A text file such as report.md, atomically."""
    atomic_write(Path(path), text if text.endswith("\n") else text + "\n")


def folder_name(name: str) -> str:
    """A task's or benchmark's name as a default folder name: ``hpolib:protein_structure`` ->
    ``hpolib-protein_structure``."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-") or "task"


def remove_temporaries(folder: Path) -> list[str]:
    """Delete what atomic writes of a killed process left behind (``.NAME.xxxx.tmp``).

    Call only while owning ``folder`` (see :mod:`evohpo.lock`): then no write is in flight."""
    removed = []
    for path in Path(folder).glob(".*.tmp*"):
        if _TEMPORARY.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed
