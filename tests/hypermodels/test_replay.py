"""What counts as a KerasTuner hypermodel, and its build function (evohpo/hypermodels/replay.py):
one rule that never mistakes evohpo's ``build(config, task)``, a config replayed through our
``hp``, and what ``model=`` makes of each (evohpo/presets/__init__.py ``as_model_spec``)."""

from __future__ import annotations

import functools
import pickle

import cloudpickle
import keras_tuner as kt
import pytest

from evohpo import ModelSpec
from evohpo.hypermodels import HyperModelBuild, HyperParameters, as_build, hypermodel_build
from evohpo.presets import MLP, as_model_spec, is_hypermodel
from tests._checks import error
from tests.hypermodels import fakes

pytestmark = pytest.mark.tensorflow  # keras_tuner imports Keras


def values(hp):
    """A hypermodel that returns what it was given instead of a model."""
    return {"units": hp.Int("units", 8, 64), "act": hp.Choice("act", ["relu", "tanh"])}


def named_otherwise(h):
    return h


def annotated(x: HyperParameters, extra=1):
    return x


def hp_first(hp, task=None):
    return hp


def build(config, task, seed=None):
    return config


def config_only(config, task=None):
    return config


def variadic(*args):
    return args


class MyHyperModel(kt.HyperModel):
    def declare_hyperparameters(self, hp):
        hp.Fixed("declared", 7)

    def build(self, hp):
        return values(hp)


class OwnFit(kt.HyperModel):
    def build(self, hp):
        return values(hp)

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)


class Duck:
    def build(self, hp):
        return values(hp)


@pytest.mark.parametrize("model, expected", [
    (values, True), (named_otherwise, True), (annotated, True), (hp_first, True),
    (lambda hp: hp, True), (functools.partial(hp_first, task=3), True),
    (build, False), (config_only, False), (variadic, False), (MLP, False), (None, False),
    ("file.py:build", False), (MyHyperModel, False),
])
def test_the_rule_tells_a_hypermodel_from_a_build_function(model, expected):
    assert (hypermodel_build(model) is not None) is expected


def test_a_hypermodel_object_is_its_build_and_declarations():
    built = as_build(MyHyperModel())
    assert built.__name__ == "MyHyperModel" and built.declare is not None
    assert built({"units": 16}, None) == {"units": 16, "act": "relu"}
    hp = HyperParameters({"units": 9})
    built.run(hp)
    assert hp.values["declared"] == 7  # declare_hyperparameters ran first, as in KerasTuner
    assert as_build(Duck())({"act": "tanh"}, None) == {"units": 8, "act": "tanh"}


def test_a_hypermodel_that_trains_itself_is_refused_with_the_fix():
    assert error(lambda: as_build(OwnFit())) == (
        "OwnFit overrides HyperModel.fit, and evohpo trains the model itself: declare the "
        "batch size as hp.Choice('batch_size', ...) in build(), pass other model.fit arguments "
        "with fit=, or use a build_model(hp) function")


def test_a_config_is_replayed_and_missing_values_take_their_defaults():
    built = as_build(values)
    assert isinstance(built, HyperModelBuild) and built.__name__ == "values"
    assert built({"units": 32, "act": "tanh"}, None) == {"units": 32, "act": "tanh"}
    assert built({}, None) == {"units": 8, "act": "relu"}  # KerasTuner's defaults


def test_the_build_function_reaches_workers_by_pickle():
    built = as_build(fakes.loop)
    again = pickle.loads(pickle.dumps(built))
    assert again == built and again.__name__ == "loop"
    by_value = cloudpickle.loads(cloudpickle.dumps(as_build(lambda hp: hp.Int("n", 1, 3))))
    assert by_value({"n": 2}, None) == 2


def test_model_turns_a_hypermodel_into_a_spec_and_leaves_the_rest_alone():
    spec = as_model_spec(values)
    assert is_hypermodel(spec) and spec.name == "values" and spec.needs == frozenset()
    wrapped = as_model_spec(ModelSpec(build=values, name="x"), fit=dict)
    assert is_hypermodel(wrapped) and wrapped.name == "values" and wrapped.fit is dict
    assert not is_hypermodel(as_model_spec(build)) and as_model_spec(None) is MLP
    assert not is_hypermodel(as_model_spec(config_only))
