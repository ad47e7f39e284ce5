"""Search strategies, all speaking the ask/tell protocol of :mod:`evohpo.strategies.base`."""

from __future__ import annotations

import inspect

from ..errors import EvohpoError
from ..space import Space
from .base import WORST, Evaluation, Proposal, Status, Strategy
from .ga import GeneticSearch
from .grid import GridSearch
from .nsga2 import NSGA2Search
from .random_search import RandomSearch

METHODS = ("ga", "random", "grid", "nsga2")
TUNABLE = {"ga": GeneticSearch, "nsga2": NSGA2Search}  # methods that take options
LABELS = {"ga": "GA", "nsga2": "NSGA-II"}


def make(method: str, space: Space, *, seed: int = 0, population: int = 12,
         levels: int = 3, n_objectives: int = 1, **options: object) -> Strategy:
    """A strategy by its CSV method name, with the batch size the population sets.

    ``n_objectives`` is how many objectives the campaign has: NSGA-II is built for them, the GA
    refuses more than one, random and grid search take any number (they only propose).
    ``options`` go to the GA or NSGA-II (cxpb, mutpb, ...); an unknown option, or any option
    for another method, is an error rather than silently ignored.
    """
    if method not in METHODS:
        raise EvohpoError(f"unknown method {method!r}; choose from: {', '.join(METHODS)}")
    if options and method not in TUNABLE:
        raise EvohpoError(f"method {method!r} takes no options {', '.join(sorted(options))}")
    if method in TUNABLE:
        _check_options(method, options)
    if method == "ga":
        if n_objectives != 1:
            raise EvohpoError(f"ga optimises one objective, and {n_objectives} were given; use "
                              "nsga2 for several, or give one")
        return GeneticSearch(space, population=population, seed=seed, **options)
    if method == "nsga2":
        return NSGA2Search(space, population=population, seed=seed, n_objectives=n_objectives,
                           **options)
    if method == "random":
        return RandomSearch(space, seed=seed, batch=population)
    return GridSearch(space, seed=seed, levels=levels, batch=population)


def _check_options(method: str, options: dict[str, object]) -> None:
    """Options the method's class does not take are refused by name, before it is built."""
    cls = TUNABLE[method]
    fixed = {"self", "space", "population", "seed", "n_objectives"}
    known = set(inspect.signature(cls).parameters) - fixed
    unknown = sorted(set(options) - known)
    if unknown:
        raise EvohpoError(f"unknown {LABELS[method]} option(s) {', '.join(unknown)}; "
                          f"evohpo.{cls.__name__} takes {', '.join(sorted(known))}")


__all__ = [
    "METHODS", "WORST", "Evaluation", "GeneticSearch", "GridSearch", "NSGA2Search", "Proposal",
    "RandomSearch", "Status", "Strategy", "make",
]
