"""Cross-validation in the engines (evohpo/engines/cv.py): K fold results as one evaluation,
each worker's folds cut once, the refit task. No TensorFlow here: the training is
tests/engines/test_fused.py's and the campaign's (tests/test_campaign.py)."""

from __future__ import annotations

import numpy as np
import pytest

from evohpo import tasks
from evohpo.engines import cv
from evohpo.engines.base import Job, Setup
from evohpo.objectives import default
from evohpo.presets import MLP
from evohpo.strategies.base import Evaluation, Status

JOB = Job({"units": 8}, eval_id=3, generation=1, seed=11, epochs=4)


def _setup(k: int = 3) -> Setup:
    return Setup(None, MLP, default("multiclass"), cv=k)


def _fold(acc: float, loss: float, status: Status = Status.OK, error: str = "",
          epochs: int = 4) -> Evaluation:
    return Evaluation(eval_id=3, generation=1, config=JOB.config, status=status,
                      scores={"val_accuracy": acc, "val_loss": loss, "params": 90.0},
                      params=90, epochs=epochs, train_seconds=1.5, worker="w", error=error)


def test_folds_become_their_mean_with_each_scores_spread():
    ev = cv.combine(JOB, _setup(), [_fold(0.8, 0.5), _fold(0.9, 0.3, epochs=2),
                                    _fold(0.7, 0.4)])
    assert ev.status == Status.OK and ev.error == ""
    assert ev.scores["val_accuracy"] == pytest.approx(0.8)
    assert ev.scores["val_accuracy_std"] == pytest.approx(np.std([0.8, 0.9, 0.7]))
    assert ev.scores["val_loss"] == pytest.approx(0.4)
    assert ev.scores["val_loss_std"] == pytest.approx(np.std([0.5, 0.3, 0.4]))
    assert ev.scores["params"] == 90.0 and "params_std" not in ev.scores
    assert ev.objective == pytest.approx(-0.8)  # the mean is what the strategy compares
    assert (ev.params, ev.epochs, ev.train_seconds) == (90, 4, 4.5)
    assert (ev.eval_id, ev.generation, ev.config) == (3, 1, JOB.config)


@pytest.mark.parametrize("status", [Status.DIVERGED, Status.FAILED, Status.TIMEOUT])
def test_the_first_fold_that_did_not_finish_makes_the_evaluation(status):
    folds = [_fold(0.8, 0.5), _fold(0.1, float("nan"), status, "it broke"),
             _fold(0.2, 0.9, Status.FAILED, "later")]
    ev = cv.combine(JOB, _setup(), folds)
    assert ev.status == status
    assert ev.error == "fold 2 of 3: it broke"
    assert ev.train_seconds == 4.5


def test_a_nan_mean_diverges_as_one_model_would():
    ev = cv.combine(JOB, _setup(2), [_fold(0.8, 0.5), _fold(0.9, float("inf"))])
    assert ev.status == Status.DIVERGED


def test_a_worker_cuts_the_folds_of_its_task_once():
    wine = tasks.wine()
    first = cv.folds_of(wine, 3)
    assert cv.folds_of(wine, 3) is first
    assert cv.folds_of(wine, 4) is not first and cv.folds_of(wine, 4).k == 4
    assert cv.folds_of(tasks.wine(), 4).task is not wine  # another task object: cut again


def test_the_chosen_config_is_refit_on_train_and_validation():
    wine = tasks.wine()
    assert cv.refit_task(wine, 0) is wine
    refit = cv.refit_task(wine, 5)
    assert len(refit.y_train) == len(wine.y_train) + len(wine.y_val)
    assert cv.train_rows(wine, 0) == len(wine.y_train)
    assert cv.train_rows(wine, 5) == pytest.approx(len(refit.y_train) * 0.8, abs=1)
