"""Checks shared by test files (not a test module): one-line errors, binomial counts, gene
mutations, rows of a results CSV.
"""

from __future__ import annotations

import math
import random

import pytest

from evohpo.errors import EvohpoError
from evohpo.results import read_rows
from evohpo.space import seeded_global_random


def error(fn) -> str:
    """The one-line message of the EvohpoError ``fn`` raises."""
    with pytest.raises(EvohpoError) as info:
        fn()
    assert "\n" not in str(info.value)
    return str(info.value)


def binomial_near(count: int, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


def mutations(gene, slots: list, n: int, seed: int = 0) -> list:
    """``n`` mutations of ``slots`` by ``gene``, drawn as Space.mutate draws them: DEAP's
    operators use the global ``random``, so it runs on a seeded stream (reproducible)."""
    with seeded_global_random(random.Random(seed)) as g:
        return [gene.mutate(list(slots), g)[0] for _ in range(n)]


def std(values) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values))


def csv_rows(path) -> int:
    """How many rows a results CSV holds so far (0 while it does not exist or has no header)."""
    try:
        return len(read_rows(path)[1])
    except (OSError, EvohpoError):
        return 0
