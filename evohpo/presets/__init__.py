"""Built-in model families, each a search space plus a build function (``mlp`` for now), and
:func:`as_model_spec`, which turns ``model=`` as users pass it into a spec (None: the MLP)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..errors import EvohpoError
from ..model import ModelSpec, load_object
from . import mlp
from .mlp import MLP

__all__ = ["MLP", "as_model_spec", "mlp"]


def as_model_spec(model: ModelSpec | Callable | str | None,
                  fit: Callable | None = None) -> ModelSpec:
    """``model=`` as users pass it: None (the MLP preset), a build function, a ModelSpec, or
    ``"FILE.py:NAME"`` / ``"MODULE:NAME"`` as on the command line."""
    if isinstance(model, str):
        model = load_object(model, "model")
    if model is None:
        if fit is not None:
            raise EvohpoError("fit= goes with your own model=; the MLP preset has its own")
        return MLP
    if isinstance(model, ModelSpec):
        return model if fit is None else replace(model, fit=fit)
    name = getattr(model, "__name__", "custom")
    return ModelSpec(build=model, fit=fit, name=name)
