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
         levels: int = 3, **options: object) -> Strategy:
    """A strategy by its CSV method name, with the batch size the GA's population sets.

    ``options`` go to the GA (cxpb, mutpb, tournament, elites, ...); anything else, or any
    option for another method, is an error rather than silently ignored.
    """
    if options and method != "ga":
        raise EvohpoError(f"method {method!r} takes no options {', '.join(sorted(options))}")
    if method == "ga":
        try:
            return GeneticSearch(space, population=population, seed=seed, **options)
        except TypeError:
            raise EvohpoError(f"unknown GA option(s) {', '.join(sorted(options))}; see "
                              "evohpo.GeneticSearch for its settings") from None
    if method == "random":
        return RandomSearch(space, seed=seed, batch=population)
    if method == "grid":
        return GridSearch(space, seed=seed, levels=levels, batch=population)
    raise EvohpoError(f"unknown method {method!r}; choose from: {', '.join(METHODS)}")


__all__ = [
    "METHODS", "WORST", "Evaluation", "GeneticSearch", "GridSearch", "Proposal", "RandomSearch",
    "Status", "Strategy", "make",
]
