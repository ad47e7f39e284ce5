"""Fixtures shared by the whole suite. Importable helpers (not fixtures) live beside it:
``tests/_fakes.py`` (a fake evaluator and small spaces, also imported by the scripts some tests
start) and ``tests/_checks.py`` (one-line errors, binomial counts, CSV rows).

Markers (registered in pyproject.toml, ``--strict-markers``): ``slow`` for a test taking more
than about 3 s of its own, ``tensorflow`` for a test that imports or trains TensorFlow, in its
own process or in the workers it starts. ``make test`` runs every test; ``-m "not slow"`` or
``-m "not tensorflow"`` pick a quick subset.
"""

from __future__ import annotations

import pytest

from evohpo import tasks


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
