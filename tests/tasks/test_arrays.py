"""Your own arrays from the shell (issue 24): ``--task npz:PATH`` with seeded stratified splits,
one line for a class a split lacks, and ``predict --npz`` answering from raw inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evohpo.cli import main
from evohpo.errors import EvohpoError
from evohpo.tasks.arrays import from_npz


def sorted_digits(tmp_path, **extra):
    """sklearn's digits as raw 0-16 pixel images (n, 8, 8, 1), sorted by label, as files of
    image subsets found in packages are."""
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.argsort(d.target, kind="stable")
    x, y = d.images[order].astype(np.uint8)[..., None], d.target[order]
    path = tmp_path / "digits.npz"
    np.savez(path, x_train=x, y_train=y, **extra)
    return path, x, y


def test_a_file_sorted_by_label_is_split_by_a_stratified_shuffle(tmp_path, capsys):
    path, x, y = sorted_digits(tmp_path)
    task = from_npz(path)
    assert task.input_shape == (8, 8, 1) and task.kind == "multiclass" and task.n_classes == 10
    sizes = [len(task.y_train), len(task.y_val), len(task.y_test)]
    assert sum(sizes) == len(y) and abs(sizes[1] - 0.2 * len(y)) <= 2
    for split in (task.y_train, task.y_val, task.y_test):  # every class in every split
        assert set(np.unique(split)) == set(range(10))
    assert "note:" not in capsys.readouterr().err
    again = from_npz(path)
    assert np.array_equal(again.x_val, task.x_val)  # seeded: the same split every time
    assert abs(float(task.x_train.mean())) < 1e-4  # standardised on the training rows


def test_a_class_missing_from_a_split_is_said_in_one_line(tmp_path, capsys):
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.array([0] * 9 + [1] * 10 + [2])  # class 2 has one row: it cannot be in every split
    np.savez(tmp_path / "rare.npz", x_train=x, y_train=y)
    from_npz(tmp_path / "rare.npz")
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert len(notes) == 2 and all("class 2" in n for n in notes)


def test_explicit_splits_are_kept_as_given(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {f"x_{s}": rng.normal(size=(n, 3)) for s, n in
              (("train", 30), ("val", 10), ("test", 12))}
    arrays.update({f"y_{s}": rng.normal(size=len(arrays[f"x_{s}"])) for s in
                   ("train", "val", "test")})
    np.savez(tmp_path / "given.npz", **arrays)
    task = from_npz(tmp_path / "given.npz")
    assert task.kind == "regression" and (len(task.y_val), len(task.y_test)) == (10, 12)
    scaling = task.preprocess
    back = task.y_test * scaling.y_std + scaling.y_mean
    assert np.allclose(back, arrays["y_test"], atol=1e-5)


@pytest.mark.parametrize(("arrays", "fragment"), [
    ({"x": np.zeros((4, 2))}, "needs x_train and y_train"),
    ({"x_train": np.zeros((4, 2)), "y_train": np.zeros(4), "x_val": np.zeros((2, 2))},
     "holds x_val without y_val"),
    ({"x_train": np.zeros((4, 2)), "y_train": np.zeros(5)}, "has 4 rows but y_train has 5"),
    ({"x_train": np.zeros((4, 2)), "y_train": np.eye(4)}, "one-hot labels"),
    ({"x_train": np.array([["a", "b"]] * 4), "y_train": np.zeros(4)}, "are not numbers"),
    ({"x_train": np.full((6, 2), np.nan), "y_train": np.arange(6) % 2}, "NaN or infinite"),
    ({"x_train": np.zeros((6, 2)), "y_train": np.zeros(6), "x_test": np.zeros((2, 3)),
      "y_test": np.zeros(2)}, "x_test inputs have shape (3,)"),
])
def test_bad_arrays_are_one_line(tmp_path, arrays, fragment):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(EvohpoError, match="npz:.*" + fragment.replace("(", r"\(").replace(
            ")", r"\)")):
        from_npz(tmp_path / "bad.npz")


def test_not_an_npz_or_a_folder_is_one_line(tmp_path):
    (tmp_path / "x.npz").write_text("hello")
    with pytest.raises(EvohpoError, match="not a readable .npz"):
        from_npz(tmp_path / "x.npz")
    with pytest.raises(EvohpoError, match="is a folder"):
        from_npz(tmp_path)


@pytest.mark.tensorflow
@pytest.mark.slow
def test_search_on_raw_images_then_predict_from_raw_pixels(tmp_path, capsys):
    from sklearn.datasets import load_digits

    d = load_digits()
    rng = np.random.default_rng(1)
    test = rng.choice(len(d.target), 300, replace=False)
    train = np.setdiff1d(np.arange(len(d.target)), test)
    images = d.images.astype(np.uint8)[..., None]  # raw 0-16 pixels
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=images[train], y_train=d.target[train], x_test=images[test],
             y_test=d.target[test])
    out = tmp_path / "run"
    code = main(["search", "--task", f"npz:{path}", "--method", "random", "--budget", "1",
                 "--epochs", "2", "--out", str(out), "--quiet", "--layers", "1,1",
                 "--units", "32,64", "--optimizers", "adam", "--learning-rate", "0.005,0.01"])
    assert code == 0, capsys.readouterr().err
    new = tmp_path / "new.npz"
    np.savez(new, x=images[test], y=d.target[test])
    code = main(["predict", "--model", str(out), "--npz", str(new), "--out",
                 str(tmp_path / "preds.csv")])
    assert code == 0, capsys.readouterr().err
    preds = pd.read_csv(tmp_path / "preds.csv")
    assert list(preds.columns) == ["row", "prediction", "probability", "true"]
    accuracy = float(np.mean(preds["prediction"] == preds["true"]))
    best = json.loads((out / "best.json").read_text())["best"]
    assert accuracy == pytest.approx(best["test_accuracy"], abs=1e-9) and accuracy > 0.5
    code = main(["predict", "--model", str(out), "--csv", str(tmp_path / "preds.csv")])
    assert code == 2 and "give new inputs with --npz" in capsys.readouterr().err


@pytest.mark.tensorflow
def test_without_quiet_the_task_line_says_kind_and_shape(tmp_path, capsys):
    path, _, _ = sorted_digits(tmp_path)
    code = main(["search", "--task", f"npz:{path}", "--method", "random", "--budget", "1",
                 "--epochs", "1", "--out", str(tmp_path / "r"), "--layers", "1,1",
                 "--units", "4,8"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "multiclass, because" in captured.err and "inputs of shape (8, 8, 1)" in captured.err
    assert "--npz NEW_INPUTS.npz" in captured.out + captured.err
    assert "Traceback" not in captured.err
