"""A KerasTuner hypermodel as an evohpo build function: the one rule that tells
``build_model(hp)`` from evohpo's ``build(config, task)``, and the build function that replays
a config through our ``hp``.

The rule (:func:`hypermodel_build`): a KerasTuner ``HyperModel`` (any object with a
``build(hp)`` method that is not itself a function), or a function whose first parameter is
named ``hp`` or annotated as ``HyperParameters``, or one that can be called with one
positional argument and not with two. evohpo's build functions take ``(config, task)``, so
nothing that worked before changes meaning. The engines seed Keras
(``keras.utils.set_random_seed``) before every build, so a hypermodel needs no ``seed``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import EvohpoError
from ..model import ModelSpec
from .hp import HyperParameters


def _takes_hp(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    params = list(sig.parameters.values())
    if params and params[0].kind in (params[0].POSITIONAL_ONLY,
                                     params[0].POSITIONAL_OR_KEYWORD):
        note = params[0].annotation
        text = note if isinstance(note, str) else getattr(note, "__name__", "")
        if params[0].name == "hp" or "HyperParameters" in text:
            return True
    try:
        sig.bind(None)
    except TypeError:
        return False
    try:
        sig.bind(None, None)
    except TypeError:
        return True
    return False


def _own_fit(model: Any) -> bool:
    """Whether a HyperModel object trains the model itself (overrides KerasTuner's ``fit``)."""
    owner = next((c for c in type(model).__mro__ if "fit" in vars(c)), None)
    return owner is not None and not owner.__module__.startswith("keras_tuner")


def hypermodel_build(model: Any) -> Callable[[Any], Any] | None:
    """``model``'s ``build(hp)`` when it is a KerasTuner-style hypermodel (the module's rule),
    else None."""
    if model is None or isinstance(model, str | ModelSpec | type):
        return None
    if not inspect.isroutine(model) and callable(getattr(model, "build", None)):
        if _own_fit(model):
            raise EvohpoError(
                f"{type(model).__name__} overrides HyperModel.fit, and evohpo trains the model "
                "itself: declare the batch size as hp.Choice('batch_size', ...) in build(), "
                "pass other model.fit arguments with fit=, or use a build_model(hp) function")
        return model.build
    return model if callable(model) and _takes_hp(model) else None


@dataclass(frozen=True)
class HyperModelBuild:
    """evohpo's ``build(config, task)`` for a hypermodel: the config's values through our
    ``hp`` (a hyperparameter the config lacks takes its default, as in KerasTuner)."""

    hypermodel: Callable[[Any], Any]
    declare: Callable[[Any], Any] | None = None  # a HyperModel's declare_hyperparameters

    def __post_init__(self) -> None:
        owner = getattr(self.hypermodel, "__self__", None)
        name = type(owner).__name__ if owner is not None else getattr(
            self.hypermodel, "__name__", "build_model")
        object.__setattr__(self, "__name__", name)

    def __call__(self, config: dict, task: Any) -> Any:
        return self.run(HyperParameters(config))

    def run(self, hp: Any) -> Any:
        """The hypermodel on ``hp``, as KerasTuner calls it (declarations first)."""
        if self.declare is not None:
            self.declare(hp)
        return self.hypermodel(hp)


def as_build(model: Any) -> HyperModelBuild | None:
    """A hypermodel as evohpo's build function, or None when ``model`` is not one."""
    build = hypermodel_build(model)
    if build is None:
        return None
    declare = getattr(model, "declare_hyperparameters", None) if build is not model else None
    return HyperModelBuild(build, declare if callable(declare) else None)
