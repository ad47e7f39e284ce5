"""A campaign on a table leaves a model that takes new raw rows: API and ``evohpo predict``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evohpo
from evohpo import RandomSearch, run_campaign, tasks
from evohpo.cli import main
from evohpo.presets import mlp

pytestmark = pytest.mark.tensorflow

SPACE = mlp.space(layers=(1, 1), units=(8, 16), activations=["relu"], optimizers=["adam"],
                  learning_rate=(1e-2, 3e-2))


def animals(n: int, seed: int = 0) -> pd.DataFrame:
    """Three text labels decided by a number and a text column: learnable in a few epochs."""
    rng = np.random.default_rng(seed)
    size = rng.normal(0, 1, n).round(3)
    habitat = rng.choice(["land", "sea"], n)
    label = np.where(habitat == "sea", "fish", np.where(size > 0, "horse", "mouse"))
    return pd.DataFrame({"size": size, "habitat": habitat, "animal": label})


@pytest.fixture(scope="module")
def table_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("animals")
    frame = animals(240)
    task = tasks.from_frame(frame, "animal", name="animals")
    result = run_campaign(RandomSearch(SPACE, seed=0), task, budget=2, epochs=4, n_jobs=1,
                          out=out, progress=False)
    return frame, task, result


def test_campaign_saves_the_preprocessing_beside_the_model(table_run):
    _, task, result = table_run
    assert (result.out / "best.keras").is_file() and (result.out / "preprocess.joblib").is_file()
    assert task.kind == "multiclass" and task.class_names == ("fish", "horse", "mouse")


def test_predict_on_raw_rows_reproduces_the_test_score(table_run):
    frame, task, result = table_run
    preds = evohpo.predict(result.out, frame)
    assert list(preds.index) == list(frame.index)
    assert set(preds["prediction"]) <= {"fish", "horse", "mouse"}
    assert preds["probability"].between(1 / 3 - 1e-6, 1).all()
    # the test split's rows, found again by their encoding: same accuracy as the campaign's
    encoded = task.preprocess.features(frame)
    rows = [int(np.flatnonzero((encoded == x).all(axis=1))[0]) for x in task.x_test]
    accuracy = float(np.mean(preds["prediction"].iloc[rows] == frame["animal"].iloc[rows]))
    assert accuracy == pytest.approx(result.best.test_accuracy, abs=1e-9)


def test_predict_command_writes_rows_with_predictions(table_run, tmp_path, capsys):
    _, _, result = table_run
    new = animals(5, seed=9).drop(columns=["animal"]).assign(habitat="desert", comment="x")
    new.to_csv(tmp_path / "new.csv", sep=";", index=False)
    code = main(["predict", "--model", str(result.out), "--csv", str(tmp_path / "new.csv"),
                 "--out", str(tmp_path / "preds.csv")])
    assert code == 0, capsys.readouterr().err
    preds = pd.read_csv(tmp_path / "preds.csv")
    assert list(preds.columns) == ["size", "habitat", "comment", "prediction", "probability"]
    assert len(preds) == 5 and set(preds["prediction"]) <= {"fish", "horse", "mouse"}


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [("size;animal\n1.0;fish\n", "lack the column(s) habitat"),
     ("size,habitat\n", "has a header (size, habitat) but no data rows")],
)
def test_predict_command_errors_are_one_line(table_run, tmp_path, capsys, rows, fragment):
    (tmp_path / "new.csv").write_text(rows)
    code = main(["predict", "--model", str(table_run[2].out), "--csv", str(tmp_path / "new.csv")])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1


def test_predict_needs_a_table_campaign(tmp_path, capsys):
    (tmp_path / "best.keras").write_bytes(b"")  # a campaign on a built-in task has no encoding
    assert main(["predict", "--model", str(tmp_path), "--csv", "x.csv"]) == 2
    assert "holds no preprocess.joblib" in capsys.readouterr().err


@pytest.mark.slow
def test_search_on_a_semicolon_csv_then_predict_in_the_target_units(tmp_path, capsys):
    rng = np.random.default_rng(3)
    rooms = rng.integers(1, 6, 150)
    colour = rng.choice(["red", "blue"], 150)
    price = rooms * 30_000 + (colour == "red") * 20_000 + rng.integers(0, 999, 150)
    pd.DataFrame({"rooms": rooms, "colour": colour, "price": price}).to_csv(
        tmp_path / "houses.csv", sep=";", index=False)
    out = tmp_path / "run"
    code = main(["search", "--task", f"csv:{tmp_path / 'houses.csv'}:price", "--method",
                 "random", "--budget", "2", "--epochs", "1", "--out", str(out),
                 "--layers", "1,1", "--units", "4,8"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "regression (inferred: target 'price' holds whole numbers" in printed.err
    assert f"predict: evohpo predict --model {out}" in printed.out
    preds = evohpo.predict(out, tmp_path / "houses.csv")["prediction"]
    assert 10_000 < preds.median() < 300_000  # the user's units, not standardised ones


def test_predict_keeps_every_input_column_even_with_out_equal_to_csv(table_run, tmp_path,
                                                                     capsys):
    """Issue 24: the target column was dropped, and with --out = --csv the labels were gone."""
    _, _, result = table_run
    new = animals(6, seed=3)
    path = tmp_path / "labelled.csv"
    new.to_csv(path, index=False)
    code = main(["predict", "--model", str(result.out), "--csv", str(path), "--out", str(path)])
    assert code == 0, capsys.readouterr().err
    back = pd.read_csv(path)
    assert list(back.columns) == ["size", "habitat", "animal", "prediction", "probability"]
    assert back["animal"].tolist() == new["animal"].tolist()


def test_a_damaged_best_keras_is_one_line(table_run, tmp_path, capsys):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(table_run[2].out, folder)
    (folder / "best.keras").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "new.csv").write_text("size,habitat\n1.0,sea\n")
    code = main(["predict", "--model", str(folder), "--csv", str(tmp_path / "new.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "best.keras" in err and "damaged" in err


def test_a_folder_written_before_the_tasks_package_still_predicts(table_run, tmp_path):
    # evohpo < 0.3 pickled the preprocessing as evohpo.tables.Preprocess
    import shutil
    import sys

    import joblib

    from evohpo.tasks import tables

    frame, _, result = table_run
    old = tmp_path / "old"
    shutil.copytree(result.out, old)
    prep = joblib.load(old / "preprocess.joblib")
    sys.modules["evohpo.tables"] = tables
    tables.Preprocess.__module__ = "evohpo.tables"
    try:
        joblib.dump(prep, old / "preprocess.joblib")
    finally:
        tables.Preprocess.__module__ = "evohpo.tasks.tables"
        del sys.modules["evohpo.tables"]
    assert b"evohpo.tables" in (old / "preprocess.joblib").read_bytes()
    expected = evohpo.predict(result.out, frame.head(20))
    assert evohpo.predict(old, frame.head(20)).equals(expected)
    assert "evohpo.tables" not in sys.modules  # the old name was lent for the load only
