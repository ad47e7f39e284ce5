"""Fixtures shared by the whole suite. Importable helpers (not fixtures) live beside it:
``tests/_fakes.py`` (a fake evaluator and small spaces, also imported by the scripts some tests
start) and ``tests/_checks.py`` (one-line errors, binomial counts, CSV rows).

Markers (registered in pyproject.toml, ``--strict-markers``): ``slow`` for a test taking more
than about 3 s of its own (or needing a module fixture that does), ``tensorflow`` for a test
that imports or trains TensorFlow, in its own process or in the workers it starts, ``quality``
for a statistical search-quality check that mutation runs leave out. ``make test`` runs every
test; ``-m "not slow"`` or ``-m "not tensorflow"`` pick a quick subset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evohpo import files, tasks
from evohpo import results as results_mod
from tests.analysis.runs import write_run


@pytest.fixture(scope="session")
def iris() -> tasks.Task:
    """The iris task (150 rows, 3 classes): small enough for a real campaign in seconds."""
    return tasks.iris()


@pytest.fixture
def error_line(capsys):
    """Read what a command printed on stderr, check it is one ``error:`` line, return it."""

    def read() -> str:
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err
        assert lines[0].startswith("error: "), captured.err
        return lines[0]

    return read


@pytest.fixture
def compare_dir(tmp_path: Path) -> Path:
    """GA reaches 0.9 fast, random slowly, grid never; one failed row per random run."""
    root = tmp_path / "cmp"
    write_run(root / "ga-seed0", "ga", 0, [0.5, 0.8, 0.9, 0.9], test=0.85, seconds=10)
    write_run(root / "ga-seed1", "ga", 1, [0.6, 0.9, 0.7, 0.8], test=0.87, seconds=12)
    write_run(root / "random-seed0", "random", 0, [0.5, None, 0.6, 0.9], test=0.8, seconds=9)
    write_run(root / "random-seed1", "random", 1, [None, 0.4, 0.7, 0.6], test=0.6, seconds=11)
    write_run(root / "grid-seed0", "grid", 0, [0.3, 0.5, 0.6, 0.5], test=0.55, seconds=8)
    write_run(root / "grid-seed1", "grid", 1, [0.4, 0.5, 0.5, 0.5], test=0.5, seconds=8)
    for s in (0, 1):
        files.write_json(root / f"grid-seed{s}" / results_mod.GRID_NAME, {"grid_size": 16})
    return root


@pytest.fixture
def moved(monkeypatch) -> list[tuple[Path, Path]]:
    """Every (temporary, target) pair evohpo renames (an atomic write), as it happens."""
    import os

    renames: list[tuple[Path, Path]] = []
    replace = os.replace

    def spy(src, dst):
        renames.append((Path(src), Path(dst)))
        return replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    return renames


@pytest.fixture
def fake_folds(monkeypatch):
    """The per-model engine's real cross-validation, each fold's training replaced by
    ``tests._fakes.fold_trainer`` (no TensorFlow): for campaigns in this process."""
    from evohpo.engines import single
    from tests._fakes import fold_trainer

    monkeypatch.setattr(single, "_keras", lambda: None)
    monkeypatch.setattr(single, "_evaluate_on", fold_trainer)
