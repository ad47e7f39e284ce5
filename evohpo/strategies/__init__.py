"""Search strategies, all speaking the ask/tell protocol of :mod:`evohpo.strategies.base`; the
methods the CLI accepts by name are the lines of :mod:`evohpo.strategies.registry`."""

from __future__ import annotations

from .aging import AgingEvolution
from .base import WORST, Evaluation, Proposal, Status, Strategy
from .ga import GeneticSearch
from .grid import GridSearch
from .nsga2 import NSGA2Search
from .optuna_search import CmaEsSearch, TPESearch
from .random_search import RandomSearch
from .registry import METHODS, REGISTRY, Method, make

__all__ = [
    "METHODS", "REGISTRY", "WORST", "AgingEvolution", "CmaEsSearch", "Evaluation",
    "GeneticSearch", "GridSearch", "Method", "NSGA2Search", "Proposal", "RandomSearch", "Status",
    "Strategy", "TPESearch", "make",
]
