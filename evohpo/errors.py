"""The one exception type users catch: every bad input raises it with a message naming the fix."""

from __future__ import annotations

import errno
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LIST_CAP = 5  # names listed in one error message


class EvohpoError(ValueError):
    """A problem with the user's input or files; the CLI prints it as one line and exits 2."""


def listing(items: Iterable[Any], cap: int = LIST_CAP) -> str:
    """``a, b, c, d, e and 7 more``: lists in one-line messages stay short."""
    items = [str(i) for i in items]
    head = ", ".join(items[:cap])
    return head if len(items) <= cap else f"{head} and {len(items) - cap} more"


def check_whole(name: str, value: object, minimum: int, hint: str = "") -> int:
    """``value`` as a whole number >= ``minimum``, or an EvohpoError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise EvohpoError(f"{name} must be a whole number >= {minimum}{hint}, got {value!r}")
    return value


def check_n_jobs(name: str, n_jobs: object) -> int:
    """A worker count: >= 1, or -1 for all cores."""
    if n_jobs == -1 and not isinstance(n_jobs, bool):
        return -1
    return check_whole(name, n_jobs, 1, " (or -1 for all cores)")


def write_failed(path: str | Path, exc: OSError, *, resumable: bool) -> EvohpoError:
    """An OSError (a full disk, a quota, a read-only or vanished folder) while writing one of
    evohpo's files, as one line naming the folder and the errno. Files are appended or replaced
    atomically, so what was written before stays readable; ``resumable`` says whether a
    checkpoint exists to ``--resume`` from, or the command simply runs again."""
    path = Path(path)
    code = errno.errorcode.get(exc.errno or 0, "")
    why = f"{exc.strerror or exc}" + (f" ({code})" if code else "")
    then = "with --resume" if resumable else "again"
    fix = _WRITE_FIXES.get(exc.errno or 0, "free space (or fix the folder)")
    return EvohpoError(
        f"cannot write {path.name} in {path.parent}: {why}; what was written before is kept: "
        f"{fix.format(name=path.name)} and run the same command {then}"
    )


_WRITE_FIXES = {  # a full disk is the usual cause; these errnos name another
    errno.EISDIR: "{name} is a folder: move it away (or write elsewhere)",
    errno.ENOTDIR: "a part of the path is a file, not a folder: write elsewhere",
    errno.EACCES: "make the folder writable (or write elsewhere)",
    errno.EPERM: "make the folder writable (or write elsewhere)",
    errno.EROFS: "the file system is read-only: write elsewhere",
}


def file_in_the_way(folder: str | Path) -> Path | None:
    """The file (``folder`` itself or one of its parents) that stops ``folder`` from being a
    folder, or None. ``mkdir`` would only say "File exists" or "Not a directory", so callers
    name this file in their one line instead."""
    folder = Path(folder)
    for path in (folder, *folder.parents):
        if path.is_dir():
            return None
        if path.exists():
            return path
    return None
