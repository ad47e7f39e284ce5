"""Built-in model families, each a search space plus a build function (``mlp`` for now)."""

from . import mlp
from .mlp import MLP

__all__ = ["MLP", "mlp"]
