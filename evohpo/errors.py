"""The one exception type users catch: every bad input raises it with a message naming the fix."""

from __future__ import annotations


class EvohpoError(ValueError):
    """A problem with the user's input or files; the CLI prints it as one line and exits 2."""


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
