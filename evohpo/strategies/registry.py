"""The search methods by name, one line each: what the CLI, ``compare``, the analysis and the
error messages know of a method is read from its line here, never listed again elsewhere.

Adding a method is its module plus one :class:`Method` line in :data:`REGISTRY` (and its row in
docs/architecture.md's module map). Everything a caller needs beyond the class is on the line:
how people write its name, which constructor argument the campaign's ``population`` sets, how
many objectives it takes and whether it is a search or a baseline searches are tested against.
The options a user may pass are read from the class's constructor, so they cannot drift.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from ..errors import EvohpoError
from ..space import Space
from .aging import AgingEvolution
from .base import Strategy, Traits
from .ga import GeneticSearch
from .grid import GridSearch
from .nsga2 import MAX_OBJECTIVES, MIN_OBJECTIVES, NSGA2Search
from .optuna_search import CmaEsSearch, TPESearch
from .random_search import RandomSearch

# Constructor arguments the campaign fills in, each when the class takes it; never options.
CAMPAIGN_ARGS = ("space", "seed", "levels", "n_objectives")


@dataclass(frozen=True)
class Method:
    """One search method: its CSV and command-line ``name`` and what callers need to know."""

    name: str
    cls: type
    label: str  # as the docs and messages write it: "GA", "NSGA-II"
    batch: str = "population"  # the constructor argument the campaign's population sets
    objectives: tuple[int, int | None] = (1, None)  # how many it takes (None: any number)
    search: bool = True  # False: a baseline the searches are tested against (random, a peer's)
    default: bool = True  # False: ``compare`` runs it only when --methods names it

    @property
    def options(self) -> tuple[str, ...]:
        """The constructor arguments a user may set (``cxpb``, ``selection``, ...)."""
        fixed = {*CAMPAIGN_ARGS, self.batch}
        return tuple(sorted(set(_parameters(self.cls)) - fixed))

    def takes(self, n_objectives: int) -> bool:
        low, high = self.objectives
        return n_objectives >= low and (high is None or n_objectives <= high)


REGISTRY: tuple[Method, ...] = (
    Method("ga", GeneticSearch, "GA", objectives=(1, 1)),
    Method("random", RandomSearch, "random search", batch="batch", search=False),
    Method("grid", GridSearch, "grid search", batch="batch", search=False),
    Method("nsga2", NSGA2Search, "NSGA-II", objectives=(MIN_OBJECTIVES, MAX_OBJECTIVES)),
    # the peers' methods (issue 23): baselines the GA is tested against, run when named
    Method("aging", AgingEvolution, "aging evolution", batch="batch", objectives=(1, 1),
           search=False, default=False),
    Method("tpe", TPESearch, "TPE", batch="batch", search=False, default=False),
    Method("cmaes", CmaEsSearch, "CMA-ES", batch="batch", objectives=(1, 1), search=False,
           default=False),
)
METHODS = tuple(m.name for m in REGISTRY)
SEARCHES = tuple(m.name for m in REGISTRY if m.search)  # what baselines are tested against
ORDER = SEARCHES + tuple(m.name for m in REGISTRY if not m.search)  # searches, then baselines


def method(name: str) -> Method:
    """The method called ``name``; an unknown name lists the known ones."""
    for m in REGISTRY:
        if m.name == name:
            return m
    raise EvohpoError(f"unknown method {name!r}; choose from: {', '.join(METHODS)}")


def make(name: str, space: Space, *, seed: int = 0, population: int = 12, levels: int = 3,
         n_objectives: int = 1, **options: object) -> Strategy:
    """A strategy by its CSV method name, with the batch size the population sets.

    ``n_objectives`` is how many objectives the campaign has: NSGA-II is built for them, the GA
    refuses more than one, random and grid search take any number (they only propose).
    ``options`` go to the method's class (cxpb, mutpb, ...); an unknown option, or any option
    for a method that takes none, is an error rather than silently ignored.
    """
    m = method(name)
    _check_options(m, options)
    given = {"space": space, "seed": seed, "levels": levels, "n_objectives": n_objectives}
    takes = _parameters(m.cls)
    strategy = m.cls(**{k: v for k, v in given.items() if k in takes}, **{m.batch: population},
                     **options)
    check_objective_count(strategy, n_objectives)
    return strategy


def _check_options(m: Method, options: dict[str, object]) -> None:
    """Options the method's class does not take are refused by name, before it is built."""
    if options and not m.options:
        raise EvohpoError(f"method {m.name!r} takes no options {', '.join(sorted(options))}")
    unknown = sorted(set(options) - set(m.options))
    if unknown:
        raise EvohpoError(f"unknown {m.label} option(s) {', '.join(unknown)}; "
                          f"evohpo.{m.cls.__name__} takes {', '.join(m.options)}")


def _parameters(cls: type) -> tuple[str, ...]:
    return tuple(p for p in inspect.signature(cls).parameters if p != "self")


def searches_for(n_objectives: int) -> tuple[str, ...]:
    """The searches (not baselines) that optimise ``n_objectives`` objectives."""
    return tuple(m.name for m in REGISTRY if m.search and m.takes(n_objectives))


def default_methods(n_objectives: int) -> tuple[str, ...]:
    """What a comparison runs unless told: the searches for this many objectives, then the
    default baselines (ga, random, grid for one; nsga2, random, grid for several); the peers'
    methods (aging, tpe, cmaes) only when named."""
    return tuple(name for name in ORDER
                 if method(name).default and method(name).takes(n_objectives))


def check_objective_count(strategy: Any, given: int, names: str = "") -> None:
    """A strategy that declares ``n_objectives`` (the GA: 1, NSGA-II: 2+) gets exactly that
    many; random and grid search take any number (they only propose). ``names``: the
    objectives as the user wrote them, for the message."""
    wants = Traits.of(strategy).n_objectives
    if wants is None or wants == given:
        return
    listed = f" ({names})" if names else ""
    if wants == 1:
        raise EvohpoError(f"{strategy.name} optimises one objective, and {given} were given"
                          f"{listed}; use {' or '.join(searches_for(2))} for several, or give one")
    one = f"; for one objective use {' or '.join(searches_for(1))}" if given == 1 else ""
    raise EvohpoError(f"{strategy.name} was built for {wants} objectives, and {given} were "
                      f"given{listed}; give {wants} objectives{one}")


def listed(words: tuple[str, ...] = METHODS, conjunction: str = "or") -> str:
    """Words as a help text lists them: ``ga, random, grid or nsga2``."""
    *rest, last = words
    return f"{', '.join(rest)} {conjunction} {last}" if rest else last


def labels(names: tuple[str, ...]) -> tuple[str, ...]:
    """How the docs write these methods: ``("GA", "random search", ...)``."""
    return tuple(method(name).label for name in names)
