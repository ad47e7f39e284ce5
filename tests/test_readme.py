"""The README, the docs/ pages and benchmarks/README.md are where users copy from: their Python
imports must import, every ``evohpo SUBCOMMAND --flag`` they show must be a flag that
subcommand accepts, every ``make TARGET`` a Makefile target, every relative link must reach a
file (and heading) that exists, every repository path they name must exist, and the module
map of docs/architecture.md must list every module of evohpo/. Nothing here trains: the
examples are run by the demo, the experiments and the campaign tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evohpo.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS, ROOT / "benchmarks" / "README.md"]
TEXTS = {page: page.read_text() for page in PAGES}
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PLACEHOLDER_PATHS = {"benchmarks/NAME.py"}  # "run them with benchmarks/NAME.py --json"


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _fenced(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block (indented fences too, as inside a list item)."""
    blocks, lang, body = [], None, []
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if lang is None:
                lang, body = line.lstrip()[3:].strip(), []
            else:
                blocks.append((lang, "\n".join(body)))
                lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def _prose(text: str) -> str:
    """The text outside fenced blocks."""
    kept, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def _inline_code(text: str) -> list[str]:
    """Inline code spans of the prose, paired within each paragraph (they may wrap lines)."""
    spans = []
    for paragraph in re.split(r"\n\s*\n", _prose(text)):
        spans += re.findall(r"`([^`]+)`", paragraph)
    return spans


def _python_blocks() -> list[tuple[str, str]]:
    return [(_name(p), body) for p, t in TEXTS.items() for lang, body in _fenced(t)
            if lang == "python"]


def _shell_blocks(text: str) -> list[str]:
    return [body for lang, body in _fenced(text) if lang in ("", "sh", "bash", "shell")]


def _imports() -> list[tuple[str, str]]:
    lines = set()
    for page, block in _python_blocks():
        for line in block.splitlines():
            if re.match(r"(from evohpo[\w.]* import |import evohpo)", line.strip()):
                lines.add((page, line.split("#")[0].strip()))
    return sorted(lines)


def _commands(text: str) -> list[str]:
    """Each ``evohpo ...`` command of the shell blocks (continuation lines joined) and of the
    inline code spans."""
    commands = []
    for block in _shell_blocks(text):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("evohpo ") or line.startswith(".venv/bin/evohpo "):
                commands.append(line)
    for span in _inline_code(text):
        span = " ".join(span.split())
        if re.match(r"(\.venv/bin/)?evohpo (search|compare|report|weights|predict)\b", span):
            commands.append(span)
    return commands


def _all_commands() -> list[tuple[str, str]]:
    return [(_name(p), c) for p, t in TEXTS.items() for c in _commands(t)]


def test_the_pages_have_examples_to_check():
    assert len(DOCS) >= 6, "docs/ should hold the quickstart and the other pages"
    assert len(_imports()) >= 5 and len(_all_commands()) >= 20
    readme = _name(README)
    assert any(page == readme for page, _ in _imports()), "the README's script is not checked"
    assert any(page == readme for page, _ in _all_commands()), "the README's CLI line is unchecked"


def test_the_readme_starts_with_the_two_commands():
    first = _fenced(TEXTS[README])[0][1].splitlines()
    assert [line.split()[:2] for line in first] == [["make", "demo"], ["make", "test"]]


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_each_page_says_who_it_is_for(page):
    lines = TEXTS[page].splitlines()
    assert lines[0].startswith("# "), f"{_name(page)} should open with its title"
    first = next(line for line in lines[1:] if line.strip())
    assert first.startswith("For "), f"{_name(page)}: the first sentence should say who it is for"


@pytest.mark.parametrize(("page", "line"), _imports(), ids=lambda x: x[:60])
def test_imports_import(page, line):
    exec(compile(line, page, "exec"), {})


@pytest.mark.parametrize(("page", "block"), _python_blocks(), ids=lambda x: x[:40])
def test_python_blocks_are_python(page, block):
    compile(block, page, "exec")  # a syntax error in an example users copy


def _flags_of(subcommand: str) -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return {opt for action in sub.choices[subcommand]._actions for opt in action.option_strings}


@pytest.mark.parametrize(("page", "command"), _all_commands(), ids=lambda x: x[:70])
def test_commands_use_flags_their_subcommand_has(page, command):
    words = command.split()[1:]
    subcommand = words[0]
    known = _flags_of(subcommand)
    flags = [w.strip("[]").split("=")[0].rstrip(",.;:)") for w in words[1:]]
    unknown = [f for f in flags if f.startswith("--") and f not in known]
    assert not unknown, f"{page}: `{command}` uses {unknown}, unknown to `evohpo {subcommand}`"


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return {m.group(1) for m in re.finditer(r"^([\w-]+):", makefile, re.MULTILINE)}


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_make_targets_exist(page):
    text = TEXTS[page]
    wanted = set(re.findall(r"^\s*make ([\w-]+)", "\n".join(_shell_blocks(text)), re.MULTILINE))
    wanted |= {m.group(1) for span in _inline_code(text)
               if (m := re.match(r"make ([\w-]+)$", span.strip()))}
    unknown = wanted - _make_targets()
    assert not unknown, f"{_name(page)}: no Makefile target {unknown}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in _prose(page.read_text()).splitlines():
        if m := re.match(r"#{1,6} (.+)", line):
            slug = _slug(m.group(1))
            anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _links(text: str) -> list[str]:
    return [t for t in re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", _prose(text))
            if not re.match(r"[a-z]+:", t)]  # http:, https:, mailto: are not checked here


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_relative_links_reach_files_and_headings(page):
    broken = []
    for target in _links(TEXTS[page]):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target} (no file {file.relative_to(ROOT)})")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target} (no heading #{anchor} in {file.relative_to(ROOT)})")
    assert not broken, f"{_name(page)}: broken links: {broken}"


def _repo_paths(text: str) -> set[str]:
    found = re.findall(r"(?<![\w/.-])((?:evohpo|experiments|benchmarks|tests)/[\w./*-]*\w)", text)
    return set(found) - PLACEHOLDER_PATHS


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_paths_named_exist(page):
    missing = sorted(p for p in _repo_paths(TEXTS[page])
                     if not (list(ROOT.glob(p)) if "*" in p else (ROOT / p).exists()))
    assert not missing, (f"{_name(page)} names {missing}, which do not exist: update the page "
                         "to where they moved")


def _modules() -> list[str]:
    """evohpo's modules as the map names them: packages as ``evohpo/pkg/``, files by path."""
    names = []
    for f in sorted((ROOT / "evohpo").rglob("*.py")):
        rel = f.relative_to(ROOT)
        if f.name == "__init__.py" and rel.parent != Path("evohpo"):
            names.append(f"{rel.parent}/")
        else:
            names.append(str(rel))
    return names


@pytest.mark.parametrize("module", _modules())
def test_the_module_map_lists_every_module(module):
    assert f"`{module}`" in TEXTS[ARCHITECTURE], (
        f"docs/architecture.md's module map lacks {module}: add a row "
        f"| `{module}` | its job (the first line of its docstring) |")
