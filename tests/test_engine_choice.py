"""Choosing the engine: fused groups for the built-in MLP, one by one otherwise; the same CSV
whatever the grouping; a resume keeps the engine the campaign began with."""

from __future__ import annotations

import json

import pytest

from evohpo import GeneticSearch, RandomSearch, run_campaign, tasks
from evohpo.engines import groups
from evohpo.engines.base import Job
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.results import VOLATILE, read
from evohpo.strategies import Proposal

SPACE = mlp.space(layers=(1, 2), units=(4, 32), activations=["relu", "tanh"],
                  optimizers=["adam", "sgd"], learning_rate=(1e-3, 3e-2))


def user_build(config, task):  # a custom model: the fused engine cannot train it
    import keras

    inputs = keras.Input(task.input_shape)
    model = keras.Model(inputs, keras.layers.Dense(task.n_classes, activation="softmax")(
        keras.layers.Flatten()(inputs)))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_auto_picks_fused_for_the_mlp_and_the_csv_ignores_the_grouping(tmp_path):
    runs = [run_campaign(RandomSearch(SPACE, seed=2, batch=6), tasks.iris(), budget=6,
                         epochs=1, n_jobs=n, out=tmp_path / f"n{n}", progress=False,
                         campaign="same", save_best=False) for n in (1, 2)]
    a, b = (read(r.csv).drop(columns=list(VOLATILE)) for r in runs)
    assert a.equals(b)  # 1 group of 6 vs 2 groups of 3: the same numbers
    assert json.loads((tmp_path / "n1" / "checkpoint.json").read_text())["engine"] == "fused"


def test_fused_and_single_agree_closely_but_are_not_the_same_training(tmp_path):
    kw = {"budget": 6, "epochs": 3, "n_jobs": 2, "progress": False, "save_best": False}
    fused = read(run_campaign(RandomSearch(SPACE, seed=4, batch=6), tasks.iris(),
                              out=tmp_path / "f", engine="fused", **kw).csv)
    single = read(run_campaign(RandomSearch(SPACE, seed=4, batch=6), tasks.iris(),
                               out=tmp_path / "s", engine="single", **kw).csv)
    assert fused["config"].tolist() == single["config"].tolist()
    assert abs(fused["val_accuracy"].mean() - single["val_accuracy"].mean()) < 0.15


def test_fused_is_refused_where_it_cannot_train(tmp_path):
    with pytest.raises(EvohpoError, match="trains the built-in MLP only"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, model=user_build,
                     engine="fused", out=tmp_path / "a")
    with pytest.raises(EvohpoError, match="not latency"):
        run_campaign(RandomSearch(SPACE, seed=0), tasks.iris(), budget=2, engine="fused",
                     objective="val_accuracy:max,latency:min", out=tmp_path / "b")
    with pytest.raises(EvohpoError, match="unknown engine 'warp'"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, engine="warp",
                     out=tmp_path / "c")


def test_resume_keeps_the_engine_it_began_with(tmp_path):
    out = tmp_path / "r"
    run_campaign(RandomSearch(SPACE, seed=1, batch=3), tasks.iris(), budget=3, epochs=1,
                 out=out, engine="single", progress=False, save_best=False)
    # auto continues on the single engine the campaign began with ...
    result = run_campaign(RandomSearch(SPACE, seed=1, batch=3), tasks.iris(), budget=6,
                          epochs=1, out=out, resume=True, progress=False, save_best=False)
    assert len(result.evaluations) == 6
    assert json.loads((out / "checkpoint.json").read_text())["engine"] == "single"
    # ... and an explicit other engine is refused
    with pytest.raises(EvohpoError, match="it was run with engine='single', not 'fused'"):
        run_campaign(RandomSearch(SPACE, seed=1, batch=3), tasks.iris(), budget=9, epochs=1,
                     out=out, resume=True, engine="fused", progress=False)


class Fixed:
    """Proposes two given networks once: one fast, one far too slow for the time limit."""

    name, seed, space, done = "fixed", 0, SPACE, False

    def ask(self, max_n):
        self.done = True
        layer = {"activation": "relu"}
        return [Proposal({"layers": [{**layer, "units": 4}], "optimizer": "adam",
                          "learning_rate": 0.01, "batch_size": 32}),
                Proposal({"layers": [{**layer, "units": 512}] * 2, "optimizer": "adam",
                          "learning_rate": 0.01, "batch_size": 1})]

    def tell(self, evaluations):
        pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def test_a_member_over_the_time_limit_times_out_alone_and_the_other_finishes(tmp_path):
    result = run_campaign(Fixed(), tasks.digits(), budget=2, epochs=30, time_limit=3.0,
                          out=tmp_path / "t", progress=False, save_best=False, engine="fused")
    statuses = [str(e.status) for e in result.evaluations]
    assert statuses == ["ok", "timeout"]
    assert "time limit" in result.evaluations[1].error or result.evaluations[1].error


def test_to_evaluation_fills_objectives_from_the_members_metrics():
    from evohpo.engines.base import Setup
    from evohpo.engines.fused import MemberResult
    from evohpo.objectives import resolve_many
    from evohpo.presets import MLP

    objs = resolve_many("val_accuracy:max,params:min", "multiclass")
    setup = Setup(tasks.iris(), MLP, objs[0], objs[1:])
    job = Job({"x": 1}, 3, 0, 7, 2)
    ok = MemberResult("ok", {"loss": 0.5, "accuracy": 0.9}, 120, 2, 0.1)
    ev = groups.to_evaluation(job, ok, setup, "w")
    assert ev.ok and ev.objective == -0.9 and ev.objectives == (-0.9, 120.0)
    assert ev.scores == {"val_loss": 0.5, "val_accuracy": 0.9, "params": 120.0}
    bad = groups.to_evaluation(job, MemberResult("diverged", {}, 120, 1, 0.1, "nan"), setup, "w")
    assert str(bad.status) == "diverged" and bad.objective == float("inf") and not bad.objectives
