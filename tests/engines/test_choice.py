"""Choosing the engine: fused groups for any model that can be fused, one by one otherwise
with the reason in one line; the user's build and fit hook always run; the same CSV whatever
the grouping; a resume keeps the engine the campaign began with."""

from __future__ import annotations

import json

import pytest

from evohpo import GeneticSearch, RandomSearch, run_campaign, tasks
from evohpo.engines import fused_worker
from evohpo.engines.base import Job
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.results import VOLATILE, read
from evohpo.strategies import Proposal

pytestmark = pytest.mark.tensorflow

SPACE = mlp.space(layers=(1, 2), units=(4, 32), activations=["relu", "tanh"],
                  optimizers=["adam", "sgd"], learning_rate=(1e-3, 3e-2))


def user_build(config, task):  # a custom model without genes of its own
    import keras

    inputs = keras.Input(task.input_shape)
    model = keras.Model(inputs, keras.layers.Dense(task.n_classes, activation="softmax")(
        keras.layers.Flatten()(inputs)))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.slow
def test_auto_picks_fused_for_the_mlp_and_the_csv_ignores_the_grouping(tmp_path):
    runs = [run_campaign(RandomSearch(SPACE, seed=2, batch=6), tasks.iris(), budget=6,
                         epochs=1, n_jobs=n, out=tmp_path / f"n{n}", progress=False,
                         campaign="same", save_best=False) for n in (1, 2)]
    a, b = (read(r.csv).drop(columns=list(VOLATILE)) for r in runs)
    assert a.equals(b)  # 1 group of 6 vs 2 groups of 3: the same numbers
    assert json.loads((tmp_path / "n1" / "checkpoint.json").read_text())["engine"] == "fused"


@pytest.mark.slow
def test_fused_and_single_agree_closely_but_are_not_the_same_training(tmp_path):
    kw = {"budget": 6, "epochs": 3, "n_jobs": 2, "progress": False, "save_best": False}
    fused = read(run_campaign(RandomSearch(SPACE, seed=4, batch=6), tasks.iris(),
                              out=tmp_path / "f", engine="fused", **kw).csv)
    single = read(run_campaign(RandomSearch(SPACE, seed=4, batch=6), tasks.iris(),
                               out=tmp_path / "s", engine="single", **kw).csv)
    assert fused["config"].tolist() == single["config"].tolist()
    assert abs(fused["val_accuracy"].mean() - single["val_accuracy"].mean()) < 0.15


def nan_hook(config, task):  # a batch-level callback: only fit can run it
    import keras

    return {"callbacks": [keras.callbacks.TerminateOnNaN()]}


def test_fused_is_refused_where_it_cannot_train(tmp_path):
    with pytest.raises(EvohpoError, match="callback TerminateOnNaN acts inside an epoch"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, model=user_build,
                     fit=nan_hook, engine="fused", out=tmp_path / "a", progress=False)
    with pytest.raises(EvohpoError, match="evaluator= replaces"):
        run_campaign(RandomSearch(SPACE, seed=0), tasks.iris(), budget=2, engine="fused",
                     evaluator=lambda job, setup: None, out=tmp_path / "b", progress=False)
    with pytest.raises(EvohpoError, match="unknown engine 'warp'"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, engine="warp",
                     out=tmp_path / "c")


def test_auto_says_in_one_line_why_a_campaign_trains_one_by_one(tmp_path, capsys):
    run_campaign(RandomSearch(SPACE, seed=0, batch=2), tasks.iris(), budget=2, epochs=1,
                 model=user_build, fit=nan_hook, out=tmp_path / "a", progress=False,
                 save_best=False)
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert notes == ["note: training one model at a time: callback TerminateOnNaN acts "
                     "inside an epoch (on_batch_end)"]
    assert json.loads((tmp_path / "a" / "checkpoint.json").read_text())["engine"] == "single"


def test_a_users_own_model_is_fused(tmp_path):
    result = run_campaign(RandomSearch(SPACE, seed=0, batch=3), tasks.iris(), budget=3,
                          epochs=1, model=user_build, out=tmp_path / "a", progress=False)
    assert json.loads((tmp_path / "a" / "checkpoint.json").read_text())["engine"] == "fused"
    assert all(e.ok for e in result.evaluations) and result.best.test_scores


def wider_build(config, task, seed=None, epochs=None):
    """The MLP preset's network with every hidden layer twice as wide."""
    from evohpo.presets.mlp import build

    wide = {**config, "layers": [{**layer, "units": 2 * layer["units"]}
                                 for layer in config["layers"]]}
    return build(wide, task, seed=seed, epochs=epochs)


def stop_at_once(config, task):
    """A fit hook whose callback stops training after the second epoch."""
    import keras

    class StopAfterTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch >= 1:
                self.model.stop_training = True

    return {"callbacks": [StopAfterTwo()]}


def test_the_mlp_with_a_users_build_or_fit_hook_runs_the_users_code(tmp_path):
    """Regression: model=MLP with fit=, or replace(MLP, build=...), went to a fused engine
    that never called them; the user's code was silently ignored."""
    from dataclasses import replace

    from evohpo.presets import MLP

    kw = {"budget": 3, "epochs": 4, "progress": False, "save_best": False}
    plain = run_campaign(RandomSearch(SPACE, seed=3, batch=3), tasks.iris(),
                         out=tmp_path / "p", **kw).evaluations
    hooked = run_campaign(RandomSearch(SPACE, seed=3, batch=3), tasks.iris(), model=MLP,
                          fit=stop_at_once, out=tmp_path / "h", **kw).evaluations
    wider = run_campaign(RandomSearch(SPACE, seed=3, batch=3), tasks.iris(),
                         model=replace(MLP, build=wider_build), out=tmp_path / "w",
                         **kw).evaluations
    for out in ("p", "h", "w"):
        assert json.loads((tmp_path / out / "checkpoint.json").read_text())["engine"] == "fused"
    assert [e.epochs for e in plain] == [4, 4, 4]
    assert [e.epochs for e in hooked] == [2, 2, 2]  # the hook's callback ran
    assert all(w.params > p.params for w, p in zip(wider, plain))  # the user's build ran


def test_a_member_the_fused_step_cannot_train_is_trained_one_by_one_with_its_reason():
    """A config-dependent fit hook: the member it hands a batch-level callback trains with
    fit in the group's worker (the per-model engine's numbers), the others fused."""
    from evohpo.engines.base import Setup
    from evohpo.engines.single import evaluate
    from evohpo.model import ModelSpec
    from evohpo.objectives import resolve_many
    from evohpo.presets import MLP

    def some_nan(config, task):
        return nan_hook(config, task) if config["optimizer"] == "sgd" else {}

    objs = resolve_many(None, "multiclass")
    setup = Setup(tasks.iris(), ModelSpec(build=MLP.build, fit=some_nan, name="x"), objs[0])
    layer = [{"units": 8, "activation": "relu"}]
    jobs = [Job({"layers": layer, "optimizer": opt, "learning_rate": 0.01, "batch_size": 16},
                i, 0, 100 + i, 2) for i, opt in enumerate(["adam", "sgd"])]
    fused_ev, alone_ev = fused_worker.train_members(jobs, setup, shuffle_seed=0)
    assert "alone" not in fused_ev.extra and fused_ev.ok
    assert "TerminateOnNaN" in alone_ev.extra["alone"]
    assert alone_ev.scores == evaluate(jobs[1], setup).scores


@pytest.mark.slow
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


def test_to_evaluation_fills_objectives_from_the_members_scores():
    from evohpo.engines.base import Setup
    from evohpo.engines.fused import MemberResult
    from evohpo.objectives import resolve_many
    from evohpo.presets import MLP

    objs = resolve_many("val_accuracy:max,params:min", "multiclass")
    setup = Setup(tasks.iris(), MLP, objs[0], objs[1:])
    job = Job({"x": 1}, 3, 0, 7, 2)
    scores = {"val_loss": 0.5, "val_accuracy": 0.9, "params": 120.0}
    ev = fused_worker.to_evaluation(job, MemberResult("ok", scores, 120, 2, 0.1), setup, "w")
    assert ev.ok and ev.objective == -0.9 and ev.objectives == (-0.9, 120.0)
    assert ev.scores == scores
    diverged = MemberResult("diverged", {}, 120, 1, 0.1, "nan")
    bad = fused_worker.to_evaluation(job, diverged, setup, "w")
    assert str(bad.status) == "diverged" and bad.objective == float("inf") and not bad.objectives
    assert bad.error == "nan"


def test_a_black_box_is_decided_without_asking_a_worker():
    from evohpo.engines import choice

    def probe():  # asking would start TensorFlow in the workers
        raise AssertionError("probed")

    auto = choice.choose("auto", custom_evaluator=False, black_box=True, probe=probe)
    assert auto == choice.EngineChoice("single")  # silently: nothing of the user's is dropped
    with pytest.raises(EvohpoError, match="fused engine cannot train this campaign: a black "
                                          "box is a Python function, not a Keras model"):
        choice.choose("fused", custom_evaluator=False, black_box=True, probe=probe)
