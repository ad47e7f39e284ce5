"""``--bench`` and ``--function`` (evohpo/cli/box_args.py): a black box tuned from the shell by
``search`` and ``compare``, a killed one resumed to the CSV of an uninterrupted one, and every
flag of a trained model beside them refused in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evohpo import tabular
from evohpo.cli import main
from evohpo.results import VOLATILE, read
from tests._checks import csv_rows

ROOT = Path(__file__).parents[2]
FILE = ROOT / "tests" / "slow_landscape.py"
BOX = ["--function", f"{FILE}:BOX", "--budget", "48", "--population", "6", "--seed", "4"]


def test_search_tunes_a_function_in_a_file_with_its_space_and_objective(tmp_path, capsys):
    out = tmp_path / "plain"
    code = main(["search", "--function", f"{FILE}:plain", "--objective", "loss:min",
                 "--method", "random", "--budget", "8", "--population", "4", "--out", str(out),
                 "--quiet", "--backend", "threading"])
    printed = capsys.readouterr().out
    assert code == 0 and "task: plain (a black-box function)" in printed
    assert "best: eval " in printed and "model:" not in printed  # nothing to save
    frame = read(out / "results.csv")
    assert len(frame) == 8 and {"width", "act", "lr", "depth", "loss"} <= set(frame.columns)


def test_search_on_a_benchmark_names_its_folder_after_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["search", "--bench", "nb201:cifar10", "--method", "random", "--budget", "6",
                 "--population", "3", "--quiet", "--backend", "threading"])
    assert code == 0, capsys.readouterr().err
    frame = read(tmp_path / "results" / "nb201-cifar10-random-seed0" / "results.csv")
    assert len(frame) == 6 and frame["val_acc"].between(0, 100).all()
    assert {"val_acc_mean", "latency", "model_size", "train_time", "Op0", "Op5"} <= set(frame)


@pytest.mark.slow
def test_compare_runs_methods_on_a_benchmark(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", "--bench", "hpobench:car", "--methods", "ga,random", "--seeds", "2",
                 "--budget", "24", "--population", "6", "--out", str(out), "--quiet",
                 "--backend", "threading"])
    printed = capsys.readouterr().out
    assert code == 0 and "task: hpobench:car (HPOBench MLP" in printed
    for run in ("ga-seed0", "ga-seed1", "random-seed0", "random-seed1"):
        best = json.loads((out / run / "best.json").read_text())
        assert best["facts"]["best"] == tabular.best("hpobench:car")["best"]
        assert best["objective"] == "val_acc:max" and best["evaluations"] == 24
    report = (out / "report.md").read_text()
    assert "# ga vs random on hpobench:car" in report and "epoch" not in report
    assert "| alpha |" in report and "| val_f1 |" not in report  # scores are not genes
    assert "score_vs_params" not in report and not (out / "score_vs_params.png").exists()
    record = json.loads((out / "compare.json").read_text())
    assert record["kind"] == "blackbox" and record["epochs"] is None
    assert main(["compare", "--bench", "hpobench:car", "--methods", "ga,random", "--seeds",
                 "2", "--budget", "24", "--population", "6", "--out", str(out), "--quiet",
                 "--backend", "threading", "--resume"]) == 0  # done runs are kept


@pytest.mark.slow
def test_a_killed_black_box_campaign_resumes_to_the_uninterrupted_csv(tmp_path):
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evohpo.cli", "search", *BOX, "--n-jobs", "2", "--out",
         str(killed), "--quiet"], cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while csv_rows(killed / "results.csv") < 15 and time.time() < deadline \
            and proc.poll() is None:
        time.sleep(0.01)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the campaign and its workers, mid-batch
    except ProcessLookupError:
        pass  # finished already (a starved test process): resuming that must work too
    proc.wait()
    at_kill = csv_rows(killed / "results.csv")
    checkpoint = json.loads((killed / "checkpoint.json").read_text())
    assert 15 <= at_kill and checkpoint["n_evals"] <= at_kill
    # both in fresh processes: this test process (and loky workers it reuses) may hold
    # TensorFlow from an earlier test in it, and the ``tf`` column would say so
    def search(*args: str) -> int:
        return subprocess.run([sys.executable, "-m", "evohpo.cli", "search", *BOX, "--quiet",
                               *args], cwd=ROOT, capture_output=True).returncode

    assert search("--n-jobs", "2", "--out", str(killed), "--resume") == 0
    assert search("--out", str(tmp_path / "whole"), "--backend", "threading") == 0
    resumed = read(killed / "results.csv").drop(columns=[*VOLATILE, "campaign"])
    whole = read(tmp_path / "whole" / "results.csv").drop(columns=[*VOLATILE, "campaign"])
    assert len(resumed) == 48 and resumed.equals(whole) and (resumed["tf"] == 0).all()


@pytest.mark.parametrize(("argv", "message"), [
    (["--bench", "nb201:cifar10", "--epochs", "3"],
     "--epochs is for training Keras models, and --bench evaluates a black box: leave it out"),
    (["--bench", "nb201:cifar10", "--units", "4,8"], "--units is for training Keras models"),
    (["--function", f"{FILE}:plain", "--model", f"{FILE}:plain"], "--model is for training"),
    (["--bench", "nb201:cifar10", "--kind", "binary"], "--kind is for training Keras models"),
    (["--bench", "nb201:cifar10", "--space", f"{FILE}:SPACE"],
     "--bench brings its benchmark's own space: leave --space out"),
    (["--bench", "nb201:cifar", "--budget", "3"], "unknown benchmark 'nb201:cifar'; choose "
                                                  "from: hpolib:naval_propulsion"),
    (["--task", "nb201:cifar10"], "nb201:cifar10 is a tabular benchmark, not a task to train "
                                  "on: pass --bench nb201:cifar10"),
    (["--task", "iris", "--function", f"{FILE}:plain"],
     "--task and --function exclude each other; give one of them"),
    (["--function", f"{FILE}:SPACE"], "is a Space, not a function of a config"),
    (["--function", f"{FILE}:plain"], "black box plain: name its value and say which way is "
                                      "better: objective='loss:min'"),
    (["--function", f"{FILE}:plain", "--objective", "loss"],
     "objective 'loss' of black box plain needs a direction: write loss:min or loss:max"),
    (["--bench", "hpolib:protein_structure", "--objective", "val_acc:max"],
     "black box hpolib:protein_structure reports no 'val_acc'; it reports val_loss, "
     "val_loss_mean, train_time, model_size"),
])
@pytest.mark.parametrize("command", ["search", "compare"])
def test_a_flag_a_black_box_cannot_honour_is_one_error_line(tmp_path, error_line, command,
                                                            argv, message):
    assert main([command, *argv, "--out", str(tmp_path / "x")]) == 2
    assert message in error_line()
    assert not (tmp_path / "x").exists()  # refused before anything ran


def test_a_method_for_several_objectives_needs_them(tmp_path, error_line):
    assert main(["search", "--bench", "nb201:cifar10", "--method", "nsga2", "--out",
                 str(tmp_path / "x")]) == 2
    assert "nsga2 needs two or more objectives" in error_line()
    assert main(["compare", "--bench", "nb201:cifar10", "--methods", "nsga2,random",
                 "--objective", "val_acc:max,latency:min", "--budget", "12", "--seeds", "1",
                 "--population", "6", "--out", str(tmp_path / "mo"), "--quiet",
                 "--backend", "threading"]) == 0


def test_help_lists_every_benchmark(capsys):
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert all(name in shown for name in tabular.NAMES)
