"""The command line: a real tiny search, and one-line errors with exit code 2 for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evohpo.cli import main
from evohpo.results import read


def test_search_writes_csv_and_prints_best(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["search", "--task", "iris", "--method", "random", "--budget", "3",
                 "--epochs", "1", "--n-jobs", "2", "--out", str(out), "--quiet",
                 "--layers", "1,2", "--units", "4,16", "--optimizers", "adam"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "best: eval " in printed and "val_accuracy=" in printed and "test_accuracy=" in printed
    frame = read(out / "results.csv")
    assert len(frame) == 3 and set(frame["optimizer"]) == {"adam"}
    assert frame["n_layers"].between(1, 2).all() and (out / "best.keras").is_file()


BAD = [
    (["search", "--task", "nope"], "unknown task 'nope'"),
    (["search", "--task", "iris", "--method", "pso"], "unknown method 'pso'"),
    (["search", "--task", "iris", "--activations", "relu,foo"], "unknown activation 'foo'"),
    (["search", "--task", "iris", "--optimizers", "adamm"], "unknown optimizer 'adamm'"),
    (["search", "--task", "iris", "--units", "16,4"], "units min 16 is greater than max 4"),
    (["search", "--task", "iris", "--units", "0,4"], "units must be > 0"),
    (["search", "--task", "iris", "--learning-rate", "0,0.1"], "learning_rate must be > 0"),
    (["search", "--task", "iris", "--layers", "0,2"], "layers must be > 0"),
    (["search", "--task", "iris", "--budget", "0"], "budget must be"),
    (["search", "--task", "iris", "--n-jobs", "0"], "n_jobs must be"),
    (["search", "--task", "iris", "--units", "a,b"], "expected whole numbers"),
    (["search", "--task", "csv:/no/such.csv:y"], "does not exist"),
    (["search"], "the following arguments are required: --task"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD)
def test_bad_input_is_one_line_and_exit_2(argv, fragment, capsys, tmp_path):
    if argv[0] == "search" and "--task" in argv:
        argv = [*argv, "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and fragment in err and "\n" not in err
    assert "Traceback" not in err


def test_console_script_exit_code():
    proc = subprocess.run([sys.executable, "-m", "evohpo.cli", "search", "--task", "nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: unknown task")


def test_importing_evohpo_does_not_start_tensorflow():
    """The CLI answers `--help` and bad input in a fraction of a second: no TF in the parent."""
    code = "import sys, evohpo, evohpo.cli; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
