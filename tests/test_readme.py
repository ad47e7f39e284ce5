"""The README is where a new user copies from: its Python imports must import, and every
``evohpo SUBCOMMAND --flag`` it shows must be a flag that subcommand accepts. (Training
examples are run by the demo, the experiments and the campaign tests, not here.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evohpo.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()


def _fenced(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block, fences opened and closed in turn."""
    blocks, lang, body = [], None, []
    for line in text.splitlines():
        if line.startswith("```"):
            if lang is None:
                lang, body = line[3:].strip(), []
            else:
                blocks.append((lang, "\n".join(body)))
                lang = None
        elif lang is not None:
            body.append(line)
    return blocks


PY_BLOCKS = [b for lang, b in _fenced(TEXT) if lang == "python"]
SHELL_BLOCKS = [b for lang, b in _fenced(TEXT) if lang in ("", "sh", "bash", "shell")]


def _imports() -> list[str]:
    lines = []
    for block in PY_BLOCKS:
        for line in block.splitlines():
            if re.match(r"(from evohpo[\w.]* import |import evohpo)", line.strip()):
                lines.append(line.split("#")[0].strip())
    return sorted(set(lines))


def _commands() -> list[str]:
    """Each ``evohpo ...`` command of the shell blocks, continuation lines joined."""
    commands = []
    for block in SHELL_BLOCKS:
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("evohpo ") or line.startswith(".venv/bin/evohpo "):
                commands.append(line)
    return commands


def test_the_readme_has_examples_to_check():
    assert len(_imports()) >= 5 and len(_commands()) >= 5


@pytest.mark.parametrize("line", _imports())
def test_readme_imports_import(line):
    exec(compile(line, "README.md", "exec"), {})


def _flags_of(subcommand: str) -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return {opt for action in sub.choices[subcommand]._actions for opt in action.option_strings}


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c[:70])
def test_readme_commands_use_flags_their_subcommand_has(command):
    words = command.split()
    words = words[1:]
    subcommand = words[0]
    known = _flags_of(subcommand)
    unknown = [w.split("=")[0] for w in words[1:]
               if w.startswith("--") and w.split("=")[0] not in known]
    assert not unknown, f"README: `{command}` uses {unknown}, unknown to `evohpo {subcommand}`"
