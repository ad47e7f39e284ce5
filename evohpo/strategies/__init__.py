"""Search strategies, all speaking the ask/tell protocol of :mod:`evohpo.strategies.base`."""

from __future__ import annotations

from ..errors import EvohpoError
from ..space import Space
from .base import WORST, Evaluation, Proposal, Status, Strategy
from .ga import GeneticSearch
from .grid import GridSearch
from .random_search import RandomSearch

METHODS = ("ga", "random", "grid")


def make(method: str, space: Space, *, seed: int = 0, population: int = 12,
         levels: int = 3) -> Strategy:
    """A strategy by its CSV method name, with the batch size the GA's population sets."""
    if method == "ga":
        return GeneticSearch(space, population=population, seed=seed)
    if method == "random":
        return RandomSearch(space, seed=seed, batch=population)
    if method == "grid":
        return GridSearch(space, seed=seed, levels=levels, batch=population)
    raise EvohpoError(f"unknown method {method!r}; choose from: {', '.join(METHODS)}")


__all__ = [
    "METHODS", "WORST", "Evaluation", "GeneticSearch", "GridSearch", "Proposal", "RandomSearch",
    "Status", "Strategy", "make",
]
