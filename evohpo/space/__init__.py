"""Typed search spaces: genes, their composition into a DEAP genome, and the grid over them.

Knows nothing of Keras or of MLPs: a space is genes; what they mean is the build function's.
"""

from .genes import Bool, Choice, Fixed, Float, Gene, Int
from .grid import Grid
from .space import Config, Individual, Repeat, Space, config_key, describe, seeded_global_random

__all__ = [
    "Bool", "Choice", "Config", "Fixed", "Float", "Gene", "Grid", "Individual", "Int", "Repeat",
    "Space", "config_key", "describe", "seeded_global_random",
]
