"""``evohpo`` command line: search, compare, report, weights.

Every user mistake ends as one line ``error: …`` on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..errors import EvohpoError
from . import compare, predict, report, search, weights
from .args import Parser

# one module per subcommand, each adding itself with ``add_parser``, in --help's order
COMMANDS = (search, compare, report, weights, predict)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="evohpo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except EvohpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        from ..backends import stop_local_workers

        stop_local_workers()  # else the exit waits for the evaluations they are running
        print("error: interrupted; finished rows are in the results CSV", file=sys.stderr)
        return 130
