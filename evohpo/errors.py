"""The one exception type users catch: every bad input raises it with a message naming the fix."""

from __future__ import annotations


class EvohpoError(ValueError):
    """A problem with the user's input or files; the CLI prints it as one line and exits 2."""
