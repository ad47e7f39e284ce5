"""The campaign loop end to end on tiny data, in real loky worker processes."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import pytest

from evohpo import GeneticSearch, run_campaign
from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read
from evohpo.strategies import Proposal, Status
from tests._fakes import SPACE, Repeater, cv_run, fold_trainer, mlp_config


@pytest.fixture(scope="module")
def two_runs(iris, tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for n_jobs in (1, 2):
        out[n_jobs] = run_campaign(
            GeneticSearch(SPACE, population=4, seed=7), iris, budget=10, epochs=2,
            n_jobs=n_jobs, out=base / f"n{n_jobs}", progress=False, campaign="same",
        )
    return out


@pytest.mark.tensorflow
@pytest.mark.slow
def test_same_seed_same_csv_whatever_n_jobs(two_runs):
    a, b = (read(r.csv).drop(columns=list(VOLATILE)) for r in two_runs.values())
    assert len(a) == 10 and a["eval_id"].tolist() == list(range(10))
    assert a.equals(b)
    assert (a["status"] == "ok").all() and a["val_accuracy"].between(0, 1).all()
    assert set(a["method"]) == {"ga"}
    assert a["generation"].tolist() == [0] * 4 + [1] * 2 + [2] * 2 + [3] * 2
    # trained in worker processes (never this one), at most two of them, reused for 10 runs;
    # whether both got work depends on scheduling, so that is not asserted
    pids = {int(w.rsplit(":", 1)[1]) for w in read(two_runs[2].csv)["worker"]}
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids


@pytest.mark.tensorflow
@pytest.mark.slow
def test_best_model_is_saved_and_scored_on_test(two_runs, iris):
    result = two_runs[2]
    best = result.best
    frame = read(result.csv)
    assert best.val_accuracy == frame["val_accuracy"].max()
    assert 0 <= best.test_accuracy <= 1
    summary = json.loads((result.out / "best.json").read_text())
    assert summary["best"]["test_accuracy"] == best.test_accuracy
    assert summary["evaluations"] == 10 and summary["status_counts"] == {"ok": 10}
    import keras

    model = keras.saving.load_model(best.model_path)
    acc = float((model.predict(iris.x_test, verbose=0).argmax(axis=1) == iris.y_test).mean())
    assert acc == pytest.approx(best.test_accuracy, abs=1e-6)
    assert str(best).startswith(f"eval {best.eval_id}: ")


@pytest.mark.tensorflow
@pytest.mark.slow
def test_existing_results_are_never_silently_overwritten(two_runs, iris):
    out = two_runs[1].out
    with pytest.raises(EvohpoError, match="already holds a campaign"):
        run_campaign(GeneticSearch(SPACE, 4), iris, budget=2, out=out, progress=False)


class NoState:
    """A strategy that forgot the checkpoint half of the protocol."""

    name, seed, space, done = "nostate", 0, SPACE, False

    def ask(self, max_n):
        return [Proposal(mlp_config(8))]

    def tell(self, evaluations):
        pass


def test_a_strategy_missing_part_of_the_protocol_is_refused_before_training(tmp_path, iris):
    with pytest.raises(EvohpoError, match="state_dict, load_state_dict"):
        run_campaign(NoState(), iris, budget=2, epochs=1, out=tmp_path / "r", progress=False)
    assert not (tmp_path / "r").exists()


@pytest.mark.tensorflow
def test_duplicates_come_from_the_cache(tmp_path, iris):
    result = run_campaign(Repeater(), iris, budget=6, epochs=1, n_jobs=2, out=tmp_path / "r",
                          progress=False, save_best=False)
    frame = read(result.csv)
    assert frame["cached"].tolist() == [False, False, True, True, True, True]
    assert result.cache_hits == 4
    first = frame.set_index("layers_1_units").loc[8]
    assert first["val_accuracy"].nunique() == 1  # a cache hit repeats the original's score
    assert (frame.loc[frame["cached"], "worker"] == "cache").all()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"budget": 0}, "budget must be"), ({"budget": 3, "n_jobs": 0}, "n_jobs must be"),
     ({"budget": 3, "epochs": 0}, "epochs must be")],
)
def test_bad_campaign_arguments(tmp_path, iris, kwargs, fragment):
    with pytest.raises(EvohpoError, match=fragment):
        run_campaign(GeneticSearch(SPACE, 4), iris, out=tmp_path / "x", **kwargs)


def test_unwritable_output_folder(tmp_path, iris):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(EvohpoError, match="file is a file, not a folder"):
        run_campaign(GeneticSearch(SPACE, 4), iris, budget=2, out=blocker / "sub")


# -- cross-validation (cv=K) ----------------------------------------------------------------




def test_cv_scores_are_the_folds_mean_and_their_spread_goes_to_the_csv(tmp_path, iris,
                                                                      fake_folds):
    import numpy as np

    from evohpo.engines.base import Job, Setup, eval_seed
    from evohpo.objectives import default
    from evohpo.presets import MLP
    from evohpo.tasks import folds as folds_mod

    result = cv_run(tmp_path / "r", iris)
    frame = read(result.csv)
    assert {"val_accuracy_std", "val_loss_std"} <= set(frame.columns)
    assert "val_accuracy_std" not in frame.columns[frame.columns.get_loc("n_layers"):]
    folds = folds_mod.folds(iris, 3)
    for row in frame[~frame["cached"]].itertuples():
        job = Job(json.loads(row.config), row.eval_id, row.generation, eval_seed(3, row.eval_id),
                  1)
        setup = Setup(iris, MLP, default("multiclass"))
        each = [fold_trainer(None, job, setup, folds.view(k)).scores["val_accuracy"]
                for k in range(3)]
        assert row.val_accuracy == pytest.approx(np.mean(each), abs=1e-12)
        assert row.val_accuracy_std == pytest.approx(np.std(each), abs=1e-12)
    summary = json.loads((result.out / "best.json").read_text())
    assert summary["cv"] == 3 and summary["best"]["trained_on"].startswith("train+validation")
    assert summary["best"]["scores"]["val_accuracy"] == frame["val_accuracy"].max()
    assert "(3-fold cross-validation)" in str(result.best)


def test_a_fold_that_fails_makes_the_evaluation_fail_naming_the_fold(tmp_path, iris,
                                                                     monkeypatch, fake_folds):
    from evohpo.engines import single

    calls = []

    def second_fold_breaks(keras, job, setup, data):
        calls.append(job.eval_id)
        if calls.count(job.eval_id) == 2 and job.eval_id == 1:
            return replace(fold_trainer(keras, job, setup, data), status=Status.FAILED,
                           error="ValueError: broken")
        return fold_trainer(keras, job, setup, data)

    monkeypatch.setattr(single, "_evaluate_on", second_fold_breaks)
    frame = read(cv_run(tmp_path / "r", iris, budget=4).csv)
    assert frame["status"].tolist() == ["ok", "failed", "ok", "ok"]
    assert frame["error"][1] == "fold 2 of 3: ValueError: broken"
    assert calls.count(1) == 2  # the folds after a failed one are not trained


@pytest.mark.parametrize(
    ("cv", "fragment"),
    [(1, "cv must be a whole number of folds >= 2"), (2.5, "cv must be a whole number"),
     (200, "only 120 train+validation rows; pass cv=120 or fewer"),
     (50, "has only 40 train+validation row(s); stratified folds need at least 50")],
)
def test_bad_numbers_of_folds_are_refused_before_anything_trains(tmp_path, iris, cv, fragment):
    from tests._checks import error

    assert fragment in error(lambda: cv_run(tmp_path / "r", iris, cv=cv))
    assert not (tmp_path / "r").exists()


def test_cv_with_a_replaced_evaluator_is_refused(tmp_path, iris):
    from tests._fakes import fake_evaluate

    with pytest.raises(EvohpoError, match="drop one of the two"):
        cv_run(tmp_path / "r", iris, evaluator=fake_evaluate)


@pytest.fixture(scope="module")
def cv_runs(iris, tmp_path_factory):
    """Real training, both engines: fused with 1 and 2 workers, single with 2."""
    base = tmp_path_factory.mktemp("cv")
    kw = {"budget": 4, "epochs": 1, "progress": False, "campaign": "same", "cv": 2}
    return {
        (engine, n_jobs): run_campaign(GeneticSearch(SPACE, population=2, seed=1), iris,
                                       n_jobs=n_jobs, out=base / f"{engine}{n_jobs}",
                                       engine=engine, **kw)
        for engine, n_jobs in (("fused", 1), ("fused", 2), ("single", 2))
    }


@pytest.mark.tensorflow
@pytest.mark.slow
def test_cv_campaigns_in_both_engines_write_means_and_spreads(cv_runs, iris):
    fused_1, fused_2 = (read(cv_runs[("fused", n)].csv).drop(columns=list(VOLATILE))
                        for n in (1, 2))
    assert fused_1.equals(fused_2)  # groups differ with the workers; a member's numbers not
    for result in cv_runs.values():
        frame = read(result.csv)
        assert (frame["status"] == "ok").all(), frame["error"].tolist()
        assert frame["val_accuracy"].between(0, 1).all()
        assert (frame["val_loss_std"] > 0).all() and frame["val_accuracy_std"].notna().all()
        summary = json.loads((result.out / "best.json").read_text())
        assert summary["cv"] == 2 and summary["best"]["trained_on"] == "train+validation (refit)"
        import keras

        model = keras.saving.load_model(result.best.model_path)
        acc = float((model.predict(iris.x_test, verbose=0).argmax(axis=1) == iris.y_test).mean())
        assert acc == pytest.approx(result.best.test_accuracy, abs=1e-6)
