"""Mutation score per module after ``mutmut run`` (``make mutation`` calls it): killed / total.

A timeout counts as killed (the mutant hung the tests, which noticed); a mutant no selected
test reaches counts as not killed. With ``--survivors`` it also prints each surviving mutant's
diff, to judge against the equivalents listed in tests/MUTATION.md. Not a test module.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.__main__ import (
    SourceFileMutationData,
    get_diff_for_mutant,
    status_by_exit_code,
    walk_mutatable_files,
)

KILLED = {"killed", "timeout"}


def _where(name: str, path: str, diff: str) -> str:
    """``file:line`` of the first changed line of a mutant, for tests/MUTATION.md."""
    qual = re.sub(r"__mutmut_\d+$", "", name.rsplit(".", 1)[-1])
    parts = qual[2:].split("ǁ") if qual.startswith("xǁ") else [qual[2:]]
    source = Path(path).read_text()
    start = None
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and len(parts) == 2 and node.name == parts[0]:
            start = next((f.lineno for f in node.body if isinstance(f, ast.FunctionDef)
                          and f.name == parts[1]), start)
        elif isinstance(node, ast.FunctionDef) and len(parts) == 1 and node.name == parts[0]:
            start = node.lineno
    hunk = re.search(r"^@@ -(\d+)", diff, re.M)
    if start is None or hunk is None:
        return path
    lines = diff[hunk.end():].splitlines()[1:]
    offset = next((i for i, line in enumerate(lines) if line.startswith("-")), 0)
    return f"{path}:{start + int(hunk.group(1)) - 1 + offset}"


def main(argv: list[str]) -> int:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[tuple[str, str]] = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in data.exit_code_by_key.items():
            status = status_by_exit_code[code]
            module = name.split(".x")[0].split(".xǁ")[0]
            counts[module][status] += 1
            if status not in KILLED:
                survivors.append((name, str(data.path)))
    total = Counter()
    print(f"{'module':34} {'killed':>7} {'total':>6} {'score':>7}  not killed")
    for module in sorted(counts):
        c = counts[module]
        killed, n = sum(c[s] for s in KILLED), sum(c.values())
        total.update(c)
        rest = ", ".join(f"{s} {k}" for s, k in sorted(c.items()) if s not in KILLED)
        print(f"{module:34} {killed:7} {n:6} {killed / n:7.1%}  {rest}")
    killed, n = sum(total[s] for s in KILLED), sum(total.values())
    print(f"{'all':34} {killed:7} {n:6} {killed / max(n, 1):7.1%}")
    if "--survivors" in argv:
        for name, path in survivors:
            diff = get_diff_for_mutant(name, path=path)
            print(f"\n## {name} {_where(name, path, diff)}")
            print("\n".join(line for line in diff.splitlines()
                            if line[:1] in "+-" and not line.startswith(("+++", "---"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
