"""Typed search spaces: genes, their composition into a DEAP genome, and the grid over them.

Knows nothing of Keras or of MLPs: a space is genes; what they mean is the build function's.
``genes`` holds the leaf gene types, ``repeat`` the repeated group, ``conditions`` the ``when=``
logic, ``space`` the genome layout (sample, vary, decode, encode), ``grid`` the grid over it.
"""

from .genes import Bool, Choice, Fixed, Float, Gene, Int
from .grid import Grid
from .repeat import Repeat
from .space import Config, Individual, Space, config_key, describe, seeded_global_random

__all__ = [
    "Bool", "Choice", "Config", "Fixed", "Float", "Gene", "Grid", "Individual", "Int", "Repeat",
    "Space", "config_key", "describe", "seeded_global_random",
]
