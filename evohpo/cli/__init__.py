"""The ``evohpo`` command: one module per subcommand, ``main`` and ``args`` shared."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
