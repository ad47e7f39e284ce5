"""Checkpoint and resume: a SIGKILLed campaign resumes to the CSV of an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from evohpo import GeneticSearch, SearchSpace, run_campaign, tasks
from evohpo.cli import main
from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read, read_rows

ARGS = ["--task", "iris", "--method", "ga", "--population", "4", "--budget", "8",
        "--epochs", "1", "--seed", "5", "--n-jobs", "2", "--layers", "1,2", "--units", "4,32",
        "--activations", "relu,tanh", "--optimizers", "adam,rmsprop",
        "--learning-rate", "1e-3,3e-2"]
SPACE = SearchSpace(layers=(1, 2), units=(4, 32), activations=["relu", "tanh"],
                    optimizers=["adam", "rmsprop"], learning_rate=(1e-3, 3e-2))


def _rows(path) -> int:
    try:
        return len(read_rows(path)[1])
    except (OSError, EvohpoError):
        return 0


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory):
    base = tmp_path_factory.mktemp("resume")
    killed = base / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evohpo.cli", "search", *ARGS, "--out", str(killed), "--quiet"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 240
    while _rows(killed / "results.csv") < 5 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the campaign and its workers, mid generation 1
    proc.wait()
    rows_at_kill = _rows(killed / "results.csv")
    with open(killed / "results.csv", "a") as f:
        f.write("killed,ga,5,99,1,ok,,fal")  # and a row torn in the middle of its write
    ckpt = json.loads((killed / "checkpoint.json").read_text())
    assert main(["search", *ARGS, "--out", str(killed), "--resume", "--quiet"]) == 0
    fresh = run_campaign(GeneticSearch(SPACE, population=4, seed=5), tasks.iris(), budget=8,
                         epochs=1, n_jobs=2, out=base / "killed-twin", progress=False,
                         campaign="killed")
    return {"killed": killed, "fresh": fresh, "rows_at_kill": rows_at_kill, "ckpt": ckpt}


def test_resumed_csv_equals_uninterrupted(killed_and_resumed):
    k = killed_and_resumed
    assert 4 < k["rows_at_kill"] < 8, "the kill must land mid-campaign"
    assert k["ckpt"]["n_evals"] in (4, 6) and not k["ckpt"]["finished"]
    resumed = read(k["killed"] / "results.csv").drop(columns=list(VOLATILE))
    fresh = read(k["fresh"].csv).drop(columns=list(VOLATILE))
    assert len(resumed) == 8 and resumed["eval_id"].tolist() == list(range(8))
    assert resumed.equals(fresh)
    done = json.loads((k["killed"] / "checkpoint.json").read_text())
    assert done["finished"] and done["n_evals"] == 8
    assert (k["killed"] / "best.keras").is_file()


def test_resume_refuses_other_settings_and_corrupt_checkpoints(killed_and_resumed, tmp_path):
    killed = killed_and_resumed["killed"]
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

