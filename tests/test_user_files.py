"""evohpo may only remove or replace files it can prove it wrote (issue 24: never lose what the
user had): a refused search keeps a foreign results.csv, best.keras is written atomically, and
a report does not replace an earlier one without --overwrite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evohpo import results
from evohpo.cli import main
from evohpo.files import remove_temporaries, save_model_atomically
from evohpo.results import remove_unstarted

FOREIGN = [
    "name,score\nada,3\nbob,4,5\n",  # rows evohpo cannot parse
    "name,score\n",  # a header of someone else's, no rows
    "method,seed,eval_id,status,objective,config\n1,2\n",  # our header, a foreign row
    "\ufeffmethod,seed,eval_id,status,objective,config\n",  # a spreadsheet's BOM
]


@pytest.mark.parametrize("text", FOREIGN)
@pytest.mark.parametrize("flag", [[], ["--resume"]])
def test_a_refused_search_keeps_a_results_csv_it_did_not_write(tmp_path, capsys, text, flag):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "results.csv").write_text(text, encoding="utf-8")
    before = (out / "results.csv").read_bytes()
    code = main(["search", "--task", "iris", "--budget", "2", "--epochs", "1",
                 "--out", str(out), "--quiet", *flag])
    err = capsys.readouterr().err
    assert code == 2 and "error:" in err and "Traceback" not in err
    assert (out / "results.csv").read_bytes() == before


def test_only_our_own_empty_start_is_cleaned(tmp_path):
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "results.csv").write_text(",".join(results.REQUIRED) + ",val_accuracy\n")
    assert remove_unstarted(ours) and not (ours / "results.csv").exists()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "results.csv").write_text("name,score\n")
    assert not remove_unstarted(theirs) and (theirs / "results.csv").is_file()


class _FailingModel:
    """A model whose save writes half a file, then meets a full disk."""

    def save(self, path):
        Path(path).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")


class _Model:
    def save(self, path):
        assert str(path).endswith(".keras")  # Keras insists on the suffix
        Path(path).write_bytes(b"new model")


def test_best_keras_is_written_atomically(tmp_path):
    target = tmp_path / "best.keras"
    target.write_bytes(b"old model")
    with pytest.raises(Exception, match="No space left"):
        save_model_atomically(_FailingModel(), target)
    assert target.read_bytes() == b"old model"
    assert sorted(os.listdir(tmp_path)) == ["best.keras"]  # no temporary left behind
    save_model_atomically(_Model(), target)
    assert target.read_bytes() == b"new model" and sorted(os.listdir(tmp_path)) == ["best.keras"]


def test_a_killed_model_save_leaves_a_temporary_that_is_cleaned(tmp_path):
    (tmp_path / ".best.keras.abc123_x.tmp.keras").write_bytes(b"half")
    (tmp_path / "notes.keras").write_bytes(b"user's")
    assert remove_temporaries(tmp_path) == [".best.keras.abc123_x.tmp.keras"]
    assert sorted(os.listdir(tmp_path)) == ["notes.keras"]


@pytest.mark.tensorflow
@pytest.mark.slow
def test_report_refuses_to_replace_an_earlier_report(finished_run, tmp_path, capsys):
    run = finished_run
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.md").write_text("my notes\n")
    capsys.readouterr()
    code = main(["report", str(run), "--out", str(report)])
    err = capsys.readouterr().err
    assert code == 2 and "already holds report.md" in err and "--overwrite" in err
    assert (report / "report.md").read_text() == "my notes\n"
    assert main(["report", str(run), "--out", str(report), "--overwrite"]) == 0
    assert (report / "report.md").read_text() != "my notes\n"


@pytest.mark.parametrize("seed", ["-1", "-7"])
def test_a_negative_seed_is_one_line_and_leaves_no_folder_behind(tmp_path, capsys, seed):
    out = tmp_path / "neg"
    with pytest.raises(SystemExit) as info:
        main(["search", "--task", "iris", "--budget", "2", "--epochs", "1", "--seed", seed,
              "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1
    assert "argument --seed: must be a whole number >= 0" in err
    assert not (out / "results.csv").exists()


@pytest.fixture(scope="module")
def a_finished_run(tmp_path_factory):
    """One small finished campaign; each test edits its own copy (one training for all)."""
    out = tmp_path_factory.mktemp("runs") / "done"
    assert main(["search", "--task", "iris", "--method", "random", "--budget", "2",
                 "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture()
def finished_run(a_finished_run, tmp_path, capsys):
    import shutil

    capsys.readouterr()
    return Path(shutil.copytree(a_finished_run, tmp_path / "done"))


def _edit_csv(out: Path, old: str, new: str, count: int = 1) -> None:
    path = out / "results.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


@pytest.mark.parametrize(("edit", "fragment"), [
    (lambda out: _edit_csv(out, ",ok,", ",okay,"), "row 1, column status: 'okay'"),
    (lambda out: _edit_csv(out, ",false,", ",maybe,"), "row 1, column cached: 'maybe'"),
    (lambda out: (out / "checkpoint.json").write_text(
        (out / "checkpoint.json").read_text().replace('"n_evals": 2', '"n_evals": "two"')),
     "n_evals is 'two', not a whole number"),
])
@pytest.mark.tensorflow
@pytest.mark.slow
def test_hand_edited_files_are_one_line_naming_file_row_and_column(finished_run, capsys, edit,
                                                                   fragment):
    edit(finished_run)
    code = main(["search", "--task", "iris", "--method", "random", "--budget", "4",
                 "--epochs", "1", "--out", str(finished_run), "--quiet", "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert fragment in err


@pytest.mark.tensorflow
@pytest.mark.slow
def test_a_non_numeric_score_names_its_cell(finished_run, capsys):
    import pandas as pd

    frame = pd.read_csv(finished_run / "results.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "val_accuracy"] = "high"
    frame.to_csv(finished_run / "results.csv", index=False)
    code = main(["search", "--task", "iris", "--method", "random", "--budget", "4",
                 "--epochs", "1", "--out", str(finished_run), "--quiet", "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and "row 1, column val_accuracy: 'high' is not a number" in err


@pytest.mark.tensorflow
@pytest.mark.slow
def test_a_spreadsheets_bom_is_read_through(finished_run, capsys):
    for name in ("results.csv", "checkpoint.json"):  # an editor's BOM in JSON files too
        path = finished_run / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code = main(["search", "--task", "iris", "--method", "random", "--budget", "3",
                 "--epochs", "1", "--out", str(finished_run), "--quiet", "--resume"])
    assert code == 0, capsys.readouterr().err
    best = finished_run / "best.json"
    best.write_bytes(b"\xef\xbb\xbf" + best.read_bytes())
    assert main(["report", str(finished_run), "--out", str(finished_run / "rep")]) == 0


@pytest.mark.tensorflow
def test_a_model_file_imports_its_sibling_from_any_folder(tmp_path, monkeypatch, capsys):
    """Issue 24: --model FILE.py:build whose file does `from cnn_space import SPACE` failed
    with ModuleNotFoundError; workers (other processes) must get the sibling too."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "cnn_space.py").write_text(
        "from evohpo import Choice, Space\n"
        "SPACE = Space(units=Choice([4, 8]))\n"
        "UNITS_SCALE = 2\n")
    (lib / "model.py").write_text(
        "from cnn_space import SPACE, UNITS_SCALE\n\n"
        "def build(config, task):\n"
        "    import keras\n"
        "    inputs = keras.Input(task.input_shape)\n"
        "    h = keras.layers.Dense(config['units'] * UNITS_SCALE, activation='relu')(inputs)\n"
        "    out = keras.layers.Dense(task.n_classes, activation='softmax')(h)\n"
        "    model = keras.Model(inputs, out)\n"
        "    model.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])\n"
        "    return model\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code = main(["search", "--task", "iris", "--model", str(lib / "model.py") + ":build",
                 "--space", str(lib / "cnn_space.py") + ":SPACE", "--budget", "2",
                 "--method", "random", "--epochs", "1", "--n-jobs", "2", "--out", "run",
                 "--quiet"])
    assert code == 0, capsys.readouterr().err
    frame = results.read(elsewhere / "run" / "results.csv")
    assert (frame["status"] == "ok").all()
    assert set(frame["params"]) <= {4 * 8 + 8 + 8 * 3 + 3, 4 * 16 + 16 + 16 * 3 + 3}


def test_module_name_is_found_in_the_current_folder(tmp_path, monkeypatch):
    from evohpo.model import load_object

    (tmp_path / "my_models_here.py").write_text("def build(config, task):\n    return 1\n")
    monkeypatch.chdir(tmp_path)
    assert load_object("my_models_here:build", "model")({}, None) == 1


def test_n_jobs_beyond_the_cores_is_capped_with_one_line(capsys):
    from evohpo.backends import local_workers

    cores = os.cpu_count() or 1
    assert local_workers(1000) == cores
    assert f"n_jobs=1000 is more than the {cores} cores" in capsys.readouterr().err
    assert local_workers(1) == 1 and local_workers(-1) == cores
    assert local_workers(1000, remote=True) == 1000  # an existing cluster has its own size
    assert capsys.readouterr().err == ""


def diverge_build(config, task):
    """Every network diverges: sgd at a learning rate of 1e6."""
    import keras

    inputs = keras.Input(task.input_shape)
    out = keras.layers.Dense(task.n_classes, activation="softmax")(
        keras.layers.Dense(config["units"], activation="relu")(inputs))
    model = keras.Model(inputs, out)
    model.compile(keras.optimizers.SGD(1e6), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.mark.tensorflow
def test_a_first_batch_that_all_diverges_stops_with_one_line(tmp_path):
    from evohpo import Choice, RandomSearch, Space, run_campaign, tasks
    from evohpo.errors import EvohpoError

    space = Space(units=Choice([8, 16, 32]))
    with pytest.raises(EvohpoError, match=r"no evaluation of the first batch finished \(\d "
                                          r"diverged.*lower the learning rates"):
        run_campaign(RandomSearch(space, seed=0, batch=3), tasks.iris(), budget=9, epochs=2,
                     model=diverge_build, out=tmp_path / "d", progress=False)
    assert len(results.read(tmp_path / "d" / "results.csv")) == 3  # its rows are kept


@pytest.mark.parametrize(("flags", "fragment"), [
    (["--population", "6"], "population=4, not 6"),
    (["--population", "4", "--time-limit", "60"], "time_limit=None, not 60.0"),
])
@pytest.mark.tensorflow
def test_resume_refuses_settings_that_change_the_results(tmp_path, capsys, flags, fragment):
    out = tmp_path / "ga"
    base = ["search", "--task", "iris", "--method", "ga", "--epochs", "1", "--out", str(out),
            "--quiet", "--layers", "1,1", "--units", "4,8"]
    assert main([*base, "--budget", "4", "--population", "4"]) == 0
    capsys.readouterr()
    before = (out / "results.csv").read_bytes()
    code = main([*base, "--budget", "8", *flags, "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "only a larger budget" in err
    assert (out / "results.csv").read_bytes() == before
    assert main([*base, "--budget", "8", "--population", "4", "--resume"]) == 0  # extends
    assert len(results.read(out / "results.csv")) == 8


@pytest.mark.tensorflow
def test_a_custom_objective_from_a_file_and_its_test_score(tmp_path, capsys):
    import json

    (tmp_path / "metrics.py").write_text(
        "import numpy as np\n"
        "from evohpo.objectives import Objective\n\n"
        "def macro_recall(model, task):\n"
        "    pred = np.asarray(model(task.x_val)).argmax(axis=1)\n"
        "    return float(np.mean([np.mean(pred[task.y_val == c] == c)\n"
        "                          for c in np.unique(task.y_val)]))\n\n"
        "RECALL = Objective('macro_recall', 'max', fn=macro_recall)\n")
    out = tmp_path / "run"
    code = main(["search", "--task", "iris", "--method", "random", "--budget", "2",
                 "--epochs", "2", "--objective", f"{tmp_path / 'metrics.py'}:RECALL",
                 "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    frame = results.read(out / "results.csv")
    assert frame["macro_recall"].between(0, 1).all()
    best = json.loads((out / "best.json").read_text())
    assert 0 <= best["best"]["test"]["test_macro_recall"] == best["best"]["test_objective"] <= 1
    code = main(["search", "--task", "iris", "--budget", "2", "--overwrite", "--objective",
                 f"{tmp_path / 'metrics.py'}:macro_recall", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "RECALL_" not in err and "Objective('macro_recall'" in err


@pytest.mark.tensorflow
@pytest.mark.slow
def test_a_resumed_campaign_prints_its_best_in_the_spaces_order(tmp_path, capsys):
    """Issue 24: after --resume the best config's genes printed in alphabetical order (the
    CSV's), and the progress line showed the resumed process's best, not the campaign's."""
    out = tmp_path / "r"
    base = ["search", "--task", "iris", "--method", "random", "--epochs", "1", "--out",
            str(out), "--layers", "1,1", "--units", "4,8"]
    assert main([*base, "--budget", "12", "--quiet"]) == 0
    first = capsys.readouterr().out
    assert main([*base, "--budget", "24", "--resume"]) == 0
    again = capsys.readouterr()
    best_line = next(line for line in again.out.splitlines() if line.startswith("best:"))
    assert best_line.index("layers=") < best_line.index("optimizer=") < best_line.index(
        "learning_rate=")
    best_before = float(next(line for line in first.splitlines() if line.startswith(
        "best:")).rpartition("val_accuracy=")[2].split()[0])
    progress = [line for line in again.err.splitlines() if "best val_accuracy" in line]
    shown = float(progress[0].split("best val_accuracy ")[1].split()[0])
    assert shown >= best_before - 1e-4  # the campaign's best so far, not the new batch's
