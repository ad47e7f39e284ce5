"""Built-in model families, each a search space plus a build function (``mlp`` for now), and
:func:`as_model_spec`, which turns ``model=`` as users pass it into a spec (None: the MLP; a
KerasTuner-style ``build_model(hp)`` or ``HyperModel``: its build replayed through our ``hp``,
the one place a hypermodel is told from a build function)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import EvohpoError
from ..hypermodels import HyperModelBuild, as_build
from ..model import ModelSpec, load_object
from . import mlp
from .mlp import MLP

__all__ = ["MLP", "as_model_spec", "is_hypermodel", "mlp"]


def as_model_spec(model: ModelSpec | Callable | str | Any | None,
                  fit: Callable | None = None) -> ModelSpec:
    """``model=`` as users pass it: None (the MLP preset), a build function, a ModelSpec,
    a KerasTuner-style hypermodel (:func:`evohpo.hypermodels.hypermodel_build` says which),
    or ``"FILE.py:NAME"`` / ``"MODULE:NAME"`` as on the command line."""
    if isinstance(model, str):
        model = load_object(model, "model")
    if model is None:
        if fit is not None:
            raise EvohpoError("fit= goes with your own model=; the MLP preset has its own")
        return MLP
    if isinstance(model, ModelSpec):
        hyper = as_build(model.build)
        model = model if hyper is None else replace(model, build=hyper, name=hyper.__name__)
        return model if fit is None else replace(model, fit=fit)
    hyper = as_build(model)
    if hyper is not None:
        return ModelSpec(build=hyper, fit=fit, name=hyper.__name__)  # type: ignore[attr-defined]
    name = getattr(model, "__name__", "custom")
    return ModelSpec(build=model, fit=fit, name=name)


def is_hypermodel(spec: ModelSpec) -> bool:
    """Whether ``spec`` builds through our ``hp`` (its space comes from
    :func:`evohpo.space_from_hypermodel`)."""
    return isinstance(spec.build, HyperModelBuild)
