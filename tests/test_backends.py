"""The same campaign on loky, threads and a 2-process Dask LocalCluster gives the same CSV."""

from __future__ import annotations

import sys

import pytest

from evohpo import GeneticSearch, run_campaign, tasks
from evohpo.errors import EvohpoError
from evohpo.presets import mlp
from evohpo.results import VOLATILE, read

SPACE = mlp.space(layers=(1, 2), units=(4, 32), activations=["relu", "tanh"],
                    optimizers=["adam", "rmsprop"], learning_rate=(1e-3, 3e-2))


def _run(backend, out, **kw):
    return run_campaign(GeneticSearch(SPACE, population=4, seed=11), tasks.iris(), budget=6,
                        epochs=1, n_jobs=2, out=out, backend=backend, progress=False,
                        campaign="same", **kw)


@pytest.fixture(scope="module")
def loky_frame(tmp_path_factory):
    return read(_run("loky", tmp_path_factory.mktemp("loky")).csv).drop(columns=list(VOLATILE))


def test_dask_local_cluster_matches_loky(loky_frame, tmp_path):
    result = _run("dask", tmp_path / "dask")
    frame = read(result.csv)
    assert frame.drop(columns=list(VOLATILE)).equals(loky_frame)
    assert frame["worker"].nunique() == 2  # two Dask worker processes shared the work
    assert result.best is not None and (tmp_path / "dask" / "best.keras").is_file()


def test_threading_matches_loky(loky_frame, tmp_path):
    frame = read(_run("threading", tmp_path / "threads").csv)
    assert frame.drop(columns=list(VOLATILE)).equals(loky_frame)


def test_missing_extra_names_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if `pip install evohpo[ray]` was not run
    expected = r"backend 'ray' needs the ray extra: pip install 'evohpo\[ray\]'"
    with pytest.raises(EvohpoError, match=expected):
        _run("ray", tmp_path / "ray")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"backend": "spark"}, "unknown backend 'spark'"),
     ({"backend": "loky", "scheduler": "tcp://127.0.0.1:8786"}, "--scheduler is for the dask"),
     ({"backend": "dask", "scheduler": "tcp://127.0.0.1:9"}, "cannot reach the Dask scheduler")],
)
def test_backend_mistakes(tmp_path, kwargs, fragment, monkeypatch):
    monkeypatch.setattr("evohpo.backends.CONNECT_TIMEOUT", "2s")
    backend = kwargs.pop("backend")
    with pytest.raises(EvohpoError, match=fragment):
        _run(backend, tmp_path / "x", **kwargs)
