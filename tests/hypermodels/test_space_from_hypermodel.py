"""KerasTuner hypermodels run unchanged (evohpo/hypermodels/__init__.py): keras.io's getting-
started hypermodel and its conditional variants, with real Keras, get their space from one
call, build the same network under KerasTuner's ``hp`` and ours, and run a campaign on both
engines."""

from __future__ import annotations

import json
import random

import keras_tuner as kt
import pytest

from evohpo import (
    Choice,
    Float,
    GeneticSearch,
    GridSearch,
    Int,
    RandomSearch,
    run_campaign,
    space_from_hypermodel,
    tasks,
)
from evohpo.hypermodels import as_build
from evohpo.results import read
from tests._checks import error
from tests.hypermodels import examples

pytestmark = pytest.mark.tensorflow
EXAMPLES = [examples.getting_started, examples.layers_loop, examples.scoped]


def tiny_digits() -> tasks.Task:
    """digits' 8x8x1 images, 240 training rows: the hypermodels end with Dense(10)."""
    d = tasks.digits()
    return tasks.Task("tiny-digits", "multiclass", d.x_train[:240], d.y_train[:240],
                      d.x_val[:120], d.y_val[:120], d.x_test[:60], d.y_test[:60], n_classes=10)


def test_the_getting_started_space_is_keras_tuners_in_typed_genes(capsys, tmp_path):
    space = space_from_hypermodel(examples.getting_started)
    assert space.genes == {"units": Int(32, 512, step=32), "activation": Choice(["relu", "tanh"]),
                           "dropout": space.genes["dropout"], "lr": Float(1e-4, 1e-2, log=True)}
    assert type(space.genes["dropout"]).__name__ == "Bool"
    err = capsys.readouterr().err
    assert err.startswith("note: build_model: 4 genes from 5 builds of build_model(hp) "
                          "in ")
    tuner = kt.RandomSearch(examples.getting_started, objective="val_accuracy", max_trials=1,
                            overwrite=True, directory=str(tmp_path))
    theirs = {hp.name: type(hp).__name__ for hp in tuner.oracle.hyperparameters.space}
    assert theirs == {"units": "Int", "activation": "Choice", "dropout": "Boolean", "lr": "Float"}


@pytest.mark.slow
@pytest.mark.parametrize("fn", EXAMPLES, ids=lambda f: f.__name__)
def test_each_config_builds_the_network_keras_tuner_builds_from_it(fn):
    import keras

    space = space_from_hypermodel(fn)
    ours = as_build(fn)
    for seed in range(4):
        config = space.decode(space.sample(random.Random(seed)))
        keras.backend.clear_session()  # the same layer names on both sides
        mine = ours(config, None)
        keras.backend.clear_session()
        hp = kt.HyperParameters()
        hp.values.update(config)
        theirs = fn(hp)
        assert json.dumps(mine.get_config(), default=str) == json.dumps(theirs.get_config(),
                                                                        default=str)
        assert mine.optimizer.get_config() == theirs.optimizer.get_config()


def build(config, task):
    return config


def test_what_is_not_a_hypermodel_is_one_line():
    assert error(lambda: space_from_hypermodel(build)) == (
        "build is not a hypermodel; pass build_model(hp) (one argument, the hp) or a KerasTuner "
        "HyperModel")
    assert error(lambda: space_from_hypermodel(examples.layers_loop, max_builds=0)) == (
        "max_builds must be a whole number >= 1, got 0")


@pytest.mark.slow
@pytest.mark.parametrize("fn, method, engine, backend", [
    (examples.layers_loop, GeneticSearch, "fused", "loky"),
    (examples.scoped, RandomSearch, "single", "threading"),
    (examples.getting_started, GridSearch, "auto", "loky"),
], ids=["loop-ga-fused", "scoped-random-single-threads", "getting-started-grid"])
def test_a_campaign_runs_a_hypermodel_like_a_native_space(tmp_path, fn, method, engine,
                                                          backend):
    space = space_from_hypermodel(fn, batch_size=Choice([64, 128], ordered=True))
    strategy = (method(space, population=4, seed=1) if method is GeneticSearch
                else method(space, seed=1) if method is RandomSearch
                else method(space, levels=2, seed=1))
    result = run_campaign(strategy, tiny_digits(), model=fn, budget=4, epochs=1, n_jobs=2,
                          out=tmp_path / "run", engine=engine, backend=backend,
                          save_best=engine == "fused", progress=False)
    frame = read(result.csv)
    assert len(frame) == 4 and (frame["status"] == "ok").all()
    assert set(space.columns) <= set(frame.columns)  # one column per hyperparameter
    assert set(frame["batch_size"]) <= {64, 128}
    for config in frame["config"]:
        config = json.loads(config)
        assert space.decode(space.encode(config)) == config
    if engine != "single":
        assert json.loads((tmp_path / "run" / "checkpoint.json").read_text())["engine"] == "fused"
    assert result.best is not None
    assert bool(result.best.model_path) is (engine == "fused")  # retrained and saved
