"""Checkpoint and resume: a SIGKILLed campaign resumes to the CSV of an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evohpo import GeneticSearch, RandomSearch, run_campaign, tasks
from evohpo.cli import main
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.results import VOLATILE, read
from evohpo.strategies import Evaluation, Status
from tests import user_model
from tests._checks import csv_rows
from tests._fakes import SPACE, Repeater, cv_run

ARGS = ["--task", "iris", "--method", "ga", "--population", "4", "--budget", "8",
        "--epochs", "1", "--seed", "5", "--n-jobs", "2", "--layers", "1,2", "--units", "4,32",
        "--activations", "relu,tanh", "--optimizers", "adam,rmsprop",
        "--learning-rate", "1e-3,3e-2"]


USER = ["--model", str(Path(__file__).with_name("user_model.py")) + ":build"]


def _fresh(kind: str, out: Path, campaign: str):
    if kind == "mlp":
        strategy, model = GeneticSearch(SPACE, population=4, seed=5), None
    else:
        strategy, model = GeneticSearch(user_model.SPACE, population=4, seed=5), user_model.build
    return run_campaign(strategy, tasks.iris(), budget=8, model=model, epochs=1, n_jobs=2,
                        out=out, progress=False, campaign=campaign)


def _kill_and_resume(base: Path, kind: str) -> dict:
    args = ARGS if kind == "mlp" else [*ARGS[:14], *USER]
    killed = base / f"killed-{kind}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evohpo.cli", "search", *args, "--out", str(killed), "--quiet"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 240
    while csv_rows(killed / "results.csv") < 5 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the campaign and its workers
    except ProcessLookupError:
        pass  # it had already finished: resuming a finished campaign must work too
    proc.wait()
    rows_at_kill = csv_rows(killed / "results.csv")
    with open(killed / "results.csv", "a") as f:
        f.write("killed,ga,5,99,1,ok,,fal")  # and a row torn in the middle of its write
    ckpt = json.loads((killed / "checkpoint.json").read_text())
    assert main(["search", *args, "--out", str(killed), "--resume", "--quiet"]) == 0
    fresh = _fresh(kind, base / f"twin-{kind}", killed.name)
    return {"killed": killed, "fresh": fresh, "rows_at_kill": rows_at_kill, "ckpt": ckpt}


def fake(job, setup):
    """A stand-in for training (no TensorFlow): a score that depends on the config only."""
    width = job.config["layers"][0]["units"]
    return Evaluation(eval_id=job.eval_id, generation=job.generation, config=job.config,
                      status=Status.OK, objective=-width / 100,
                      scores={"val_accuracy": width / 100, "val_loss": 1.0})


def _finished_quickly(out: Path) -> Path:
    run_campaign(GeneticSearch(SPACE, population=4, seed=5), tasks.iris(), budget=8, epochs=1,
                 out=out, backend="threading", progress=False, save_best=False, evaluator=fake)
    return out


def test_resume_refuses_another_space(tmp_path):
    out = _finished_quickly(tmp_path / "q")
    other = mlp.space(layers=(1, 3), units=(4, 32))
    with pytest.raises(EvohpoError, match="another search space"):
        run_campaign(GeneticSearch(other, population=4, seed=5), tasks.iris(), budget=8,
                     epochs=1, out=out, resume=True, backend="threading", evaluator=fake)


@pytest.fixture(scope="module", params=["mlp", "user"])
def killed_and_resumed(request, tmp_path_factory):
    return _kill_and_resume(tmp_path_factory.mktemp("resume"), request.param)


@pytest.mark.tensorflow
@pytest.mark.slow
def test_resumed_csv_equals_uninterrupted(killed_and_resumed):
    """Wherever the kill lands (mid generation, between, or even after the end), the resumed
    CSV is the uninterrupted one: the outcome is checked, not the timing."""
    k = killed_and_resumed
    assert k["rows_at_kill"] >= 5 and k["ckpt"]["n_evals"] <= k["rows_at_kill"]
    resumed = read(k["killed"] / "results.csv").drop(columns=list(VOLATILE))
    fresh = read(k["fresh"].csv).drop(columns=list(VOLATILE))
    assert len(resumed) == 8 and resumed["eval_id"].tolist() == list(range(8))
    assert resumed.equals(fresh)
    done = json.loads((k["killed"] / "checkpoint.json").read_text())
    assert done["finished"] and done["n_evals"] == 8
    assert (k["killed"] / "best.keras").is_file()


def test_resume_refuses_other_settings_and_corrupt_checkpoints(tmp_path):
    killed = _finished_quickly(tmp_path / "quick")
    with pytest.raises(EvohpoError, match="it was run with seed=5, not 6"):
        run_campaign(GeneticSearch(SPACE, population=4, seed=6), tasks.iris(), budget=8,
                     epochs=1, out=killed, resume=True)
    with pytest.raises(EvohpoError, match="task data differ"):
        run_campaign(GeneticSearch(SPACE, population=4, seed=5), tasks.wine(), budget=8,
                     epochs=1, out=killed, resume=True)
    with pytest.raises(EvohpoError, match="nothing to resume"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, out=tmp_path, resume=True)
    (tmp_path / "checkpoint.json").write_text('{"evohpo_checkpoint": 1, "method": "ga", "se')
    (tmp_path / "results.csv").write_text("")
    with pytest.raises(EvohpoError, match="corrupted checkpoint"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, out=tmp_path, resume=True)
    (tmp_path / "checkpoint.json").write_text('{"hello": "world"}')
    with pytest.raises(EvohpoError, match="corrupted checkpoint"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, out=tmp_path, resume=True)
    with pytest.raises(EvohpoError, match="exclude each other"):
        run_campaign(GeneticSearch(SPACE, 4), tasks.iris(), budget=2, out=tmp_path, resume=True,
                     overwrite=True)



def test_resume_keeps_the_folds_and_refuses_another_k(tmp_path, iris, fake_folds):
    out = tmp_path / "r"
    cv_run(out, iris, budget=4)
    for other in (5, 0):
        with pytest.raises(EvohpoError, match=f"it was run with cv=3, not {other}; pass the "
                                              r"same cv \(--cv\)"):
            cv_run(out, iris, cv=other, budget=8, resume=True)
    resumed = cv_run(out, iris, cv=None, budget=8, resume=True)  # not asked: keeps cv=3
    assert read(resumed.csv)["val_accuracy_std"].notna().all()
    state = json.loads((out / "checkpoint.json").read_text())
    (out / "checkpoint.json").write_text(json.dumps({**state, "cv": 1}))  # a hand edit
    with pytest.raises(EvohpoError, match="checkpoint.json 'cv' is 1, not a number of folds"):
        cv_run(out, iris, cv=None, budget=8, resume=True)
    plain = tmp_path / "plain"
    cv_run(plain, iris, cv=None, budget=4)
    with pytest.raises(EvohpoError, match="it was run with cv=0, not 3"):
        cv_run(plain, iris, cv=3, budget=8, resume=True)


class Killed(Exception):
    """Stands in for a kill in the middle of a batch."""


def test_a_cv_campaign_killed_mid_batch_resumes_to_the_uninterrupted_csv(tmp_path, iris,
                                                                          monkeypatch,
                                                                          fake_folds):
    """Rows written after the checkpoint are replayed with their spreads, and rows read back
    from the CSV serve cache hits with their spreads too."""
    from evohpo.results import ResultsLog

    append = ResultsLog.append
    written = []

    def dies_mid_generation_1(log, record, *more):  # generation 1: evals 4 and 5, one written
        if record["generation"] == 1 and written:
            raise Killed
        if record["generation"] == 1:
            written.append(record["eval_id"])
        append(log, record, *more)

    killed = tmp_path / "killed"
    with monkeypatch.context() as patch:
        patch.setattr(ResultsLog, "append", dies_mid_generation_1)
        with pytest.raises(Killed):
            cv_run(killed, iris, budget=12, campaign="same")
    ckpt = json.loads((killed / "checkpoint.json").read_text())
    assert ckpt["cv"] == 3 and ckpt["n_evals"] == 4 and len(read(killed / "results.csv")) == 5
    resumed = read(cv_run(killed, iris, cv=3, budget=12, resume=True).csv)
    fresh = read(cv_run(tmp_path / "fresh", iris, budget=12, campaign="same").csv)
    assert resumed.drop(columns=list(VOLATILE)).equals(fresh.drop(columns=list(VOLATILE)))
    assert resumed["val_accuracy_std"].notna().all()


def test_rows_read_back_on_resume_serve_cache_hits_with_their_spreads(tmp_path, iris,
                                                                      fake_folds):
    out = tmp_path / "r"
    cv_run(out, iris, strategy=Repeater(), budget=3)
    frame = read(cv_run(out, iris, strategy=Repeater(), budget=6, resume=True).csv)
    assert frame["cached"].tolist() == [False, False, True, True, True, True]
    for column in ("val_accuracy", "val_accuracy_std", "val_loss_std"):
        assert frame[column].tolist()[3:] == frame[column].tolist()[:3]
        assert frame[column].notna().all()


def test_resume_refuses_the_same_genes_in_another_order(tmp_path):
    """Genes in another order lay the genome out differently: the checkpoint's genomes would
    decode wrongly, so the resume is refused (JSON dicts alone compare equal)."""
    from evohpo import Choice, Float, Space

    def run(space, **kw):
        return run_campaign(RandomSearch(space, seed=0, batch=2), tasks.iris(), budget=2,
                            epochs=1, out=tmp_path / "o", backend="threading", progress=False,
                            save_best=False, evaluator=fake_any, **kw)

    run(Space(lr=Float(1e-3, 1e-1, log=True), opt=Choice(["adam", "sgd"])))
    with pytest.raises(EvohpoError, match="another search space"):
        run(Space(opt=Choice(["adam", "sgd"]), lr=Float(1e-3, 1e-1, log=True)), resume=True)


def fake_any(job, setup):
    return Evaluation(eval_id=job.eval_id, generation=job.generation, config=job.config,
                      status=Status.OK, objective=-0.5,
                      scores={"val_accuracy": 0.5, "val_loss": 1.0})
