"""The built-in tasks by name (evohpo/tasks/builtin.py): truth tables, sklearn data sets, MNIST from
a local file, `tasks.get` and its errors. No TensorFlow needed."""

from __future__ import annotations

import numpy as np
import pytest

from evohpo import tasks
from evohpo.errors import EvohpoError


def test_logic_gates_are_their_truth_tables():
    assert tasks.xor().y_train.tolist() == [0, 1, 1, 0]
    assert tasks.and_().y_train.tolist() == [0, 0, 0, 1]
    assert tasks.or_().y_train.tolist() == [0, 1, 1, 1]
    t = tasks.get("xor")
    assert t.kind == "binary" and t.x_train.shape == (4, 2)


def test_slash_backslash_and_seven_segment():
    t = tasks.slash_backslash()
    assert t.x_train.shape == (14, 3, 3, 1) and t.input_shape == (3, 3, 1)
    assert t.n_features == 9 and sorted(set(t.y_train.tolist())) == [0, 1]
    slash = t.x_train[t.y_train == 1]
    assert all(row.reshape(3, 3)[[0, 1, 2], [2, 1, 0]].all() for row in slash)
    s = tasks.seven_segment()
    assert s.kind == "multiclass" and s.n_classes == 10 and s.x_train.shape == (10, 7)
    assert s.x_train[8].sum() == 7 and s.x_train[1].sum() == 2  # 8 lights all, 1 lights two


@pytest.mark.parametrize(
    ("name", "kind", "n_classes"),
    [("digits", "multiclass", 10), ("iris", "multiclass", 3), ("wine", "multiclass", 3),
     ("breast_cancer", "binary", 2), ("diabetes", "regression", 0)],
)
def test_sklearn_tasks_are_split_and_scaled(name, kind, n_classes):
    t = tasks.get(name)
    assert t.kind == kind and t.n_classes == n_classes
    n = len(t.y_train) + len(t.y_val) + len(t.y_test)
    assert len(t.y_val) == pytest.approx(0.2 * n, abs=2)
    assert np.allclose(t.x_train.mean(axis=0), 0, atol=1e-4)
    assert t.x_train.dtype == np.float32
    if kind != "regression":
        assert set(np.unique(t.y_test)) <= set(range(n_classes))


def test_splits_are_fixed_and_disjoint():
    a, b = tasks.iris(), tasks.iris()
    assert np.array_equal(a.x_val, b.x_val)
    u = tasks.from_arrays(np.arange(200.0).reshape(100, 2), [0, 1] * 50)  # unique rows
    train = {r.tobytes() for r in u.x_train}
    assert not any(r.tobytes() in train for r in np.concatenate([u.x_val, u.x_test]))
    assert a.fingerprint() == b.fingerprint() != tasks.iris(split_seed=1).fingerprint()


def test_unknown_task_names_the_choices():
    with pytest.raises(EvohpoError, match="unknown task 'digitz'; choose from: xor"):
        tasks.get("digitz")


def test_csv_task(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "data.csv"
    rows = ["a,b,label"] + [f"{rng.normal()},{rng.normal()},{i % 2}" for i in range(40)]
    path.write_text("\n".join(rows))
    t = tasks.get(f"csv:{path}:label")
    assert t.kind == "binary" and t.n_features == 2 and t.name == "data"
    with pytest.raises(EvohpoError, match="has no column 'target'; its columns are: a, b, label"):
        tasks.from_csv(path, "target")
    with pytest.raises(EvohpoError, match="does not exist"):
        tasks.from_csv(tmp_path / "missing.csv", "label")
    path.write_text("a,b,label\n" + "x,1,0\ny,2,1\n" * 10)  # text columns are one-hot encoded
    t = tasks.from_csv(path, "label")
    assert t.n_features == 3 and t.preprocess.categorical == ("a",)


def test_mnist_needs_a_local_file(tmp_path, monkeypatch):
    monkeypatch.setenv("EVOHPO_DATA", str(tmp_path))
    with pytest.raises(EvohpoError) as info:
        tasks.mnist()
    assert str(tmp_path / "mnist.npz") in str(info.value) and "no download" in str(info.value)
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "fashion_mnist.npz",
        x_train=rng.integers(0, 255, (300, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 300), x_test=rng.integers(0, 255, (50, 28, 28)),
        y_test=rng.integers(0, 10, 50),
    )
    t = tasks.fashion_mnist()
    assert t.n_features == 784 and len(t.y_val) == 60 and t.x_train.max() <= 1.0


def test_keras_npz_with_labels_out_of_range(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((20, 28, 28)), y_train=np.arange(20),
             x_test=np.zeros((5, 28, 28)), y_test=np.arange(5))
    with pytest.raises(EvohpoError, match="labels must be the classes 0-9, found 0..19"):
        tasks.mnist(path=str(tmp_path / "mnist.npz"))
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(EvohpoError, match="is not a keras.datasets .npz"):
        tasks.mnist(path=str(tmp_path / "other.npz"))


def test_mnist_validates_on_a_stratified_shuffle_not_its_last_rows(tmp_path):
    """Issue 24: a training file sorted by label validated on its last classes only."""
    labels = np.repeat(np.arange(10), 30)  # sorted, as subsets in packages are
    np.savez(tmp_path / "mnist.npz", x_train=np.tile(labels[:, None, None], (1, 28, 28)),
             y_train=labels, x_test=np.zeros((20, 28, 28), np.uint8), y_test=labels[::15])
    t = tasks.mnist(path=str(tmp_path / "mnist.npz"))
    assert set(np.unique(t.y_val)) == set(range(10)) == set(np.unique(t.y_train))
    assert len(t.y_val) == 60 and t.x_train.max() <= 1.0
    raw = np.full((2, 28, 28, 1), 255.0)  # predict's scaling takes raw pixels
    assert np.allclose(t.preprocess.features(raw), 1.0)
