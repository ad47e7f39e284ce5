"""The same campaign on loky, threads, a 2-process Dask LocalCluster and Ray gives the same CSV."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from evohpo import GeneticSearch, run_campaign, tasks
from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read
from tests._fakes import SPACE


def _run(backend, out, **kw):
    return run_campaign(GeneticSearch(SPACE, population=4, seed=11), tasks.iris(), budget=6,
                        epochs=1, n_jobs=2, out=out, backend=backend, progress=False,
                        campaign="same", **kw)


@pytest.fixture(scope="module")
def loky_frame(tmp_path_factory):
    return read(_run("loky", tmp_path_factory.mktemp("loky")).csv).drop(columns=list(VOLATILE))


@pytest.mark.tensorflow
@pytest.mark.slow
def test_dask_local_cluster_matches_loky(loky_frame, tmp_path):
    result = _run("dask", tmp_path / "dask")
    frame = read(result.csv)
    assert frame.drop(columns=list(VOLATILE)).equals(loky_frame)
    # trained in the cluster's worker processes, not here (how the scheduler spread the six
    # evaluations over its two workers is its business, so it is not asserted)
    pids = {int(w.rsplit(":", 1)[1]) for w in frame["worker"]}
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids
    assert result.best is not None and (tmp_path / "dask" / "best.keras").is_file()


@pytest.mark.tensorflow
@pytest.mark.slow
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
     ({"backend": "loky", "scheduler": "tcp://127.0.0.1:8786"},
      "--scheduler is for --backend dask or ray"),
     ({"backend": "dask", "scheduler": "tcp://127.0.0.1:9"}, "cannot reach the Dask scheduler")],
)
def test_backend_mistakes(tmp_path, kwargs, fragment, monkeypatch):
    monkeypatch.setattr("evohpo.backends.dask_cluster.CONNECT_TIMEOUT", "2s")
    backend = kwargs.pop("backend")
    with pytest.raises(EvohpoError, match=fragment):
        _run(backend, tmp_path / "x", **kwargs)


# -- Ray: its own tasks, a local instance started by evohpo or an existing cluster ----------------
@pytest.mark.tensorflow
@pytest.mark.slow
def test_ray_local_instance_matches_loky(loky_frame, tmp_path):
    result = _run("ray", tmp_path / "ray")
    frame = read(result.csv)
    assert frame.drop(columns=list(VOLATILE)).equals(loky_frame)
    pids = {int(w.rsplit(":", 1)[1]) for w in frame["worker"]}  # Ray's workers, not this
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids  # process (spread: Ray's business)
    assert result.best is not None and (tmp_path / "ray" / "best.keras").is_file()
    assert not sys.modules["ray"].is_initialized()  # the instance evohpo started is shut down


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_head():
    """`ray start --head` on 127.0.0.1 in its own process group, stopped by that group's id."""
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="rayh")  # short: Ray's socket paths must fit in 107 bytes
    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0",
               RAY_AUTH_MODE="disabled")
    head = subprocess.Popen(
        [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",
         f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
         "--disable-usage-stats", f"--temp-dir={temp}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert head.poll() is None and time.monotonic() < deadline, "ray head failed"
                time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)  # whatever of the group is still there
        head.wait()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.tensorflow
@pytest.mark.slow
def test_ray_existing_cluster_matches_loky(loky_frame, ray_head, tmp_path):
    frame = read(_run("ray", tmp_path / "cluster", scheduler=ray_head).csv)
    assert frame.drop(columns=list(VOLATILE)).equals(loky_frame)
    assert not sys.modules["ray"].is_initialized()  # disconnected; the cluster keeps running


@pytest.mark.parametrize(
    ("address", "fragment"),
    [("127.0.0.1:9", "cannot reach the Ray cluster at 127.0.0.1:9"),
     ("no-port-here", "is not a Ray cluster address")],
)
def test_ray_bad_scheduler_is_one_line_error(tmp_path, address, fragment, monkeypatch):
    monkeypatch.setattr("evohpo.backends.ray_cluster.RAY_CONNECT_TIMEOUT", 2.0)
    start = time.monotonic()
    with pytest.raises(EvohpoError, match=fragment) as info:
        _run("ray", tmp_path / "x", scheduler=address)
    assert "\n" not in str(info.value) and time.monotonic() - start < 30


def test_ray_open_port_that_is_not_a_cluster_is_one_line_error(tmp_path, monkeypatch):
    # a port that accepts connections but never speaks Ray (a proxy, another service):
    # ray.init would retry it for about 20 s with a warning a second
    monkeypatch.setattr("evohpo.backends.ray_cluster.RAY_CONNECT_TIMEOUT", 2.0)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"127.0.0.1:{server.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(EvohpoError, match="does not answer as a Ray cluster") as info:
            _run("ray", tmp_path / "x", scheduler=address)
    assert "\n" not in str(info.value) and time.monotonic() - start < 8


def test_ray_imported_in_network_mode_refuses_a_loopback_cluster(tmp_path, monkeypatch):
    import ray  # as a user script would have done before calling evohpo

    monkeypatch.setattr(ray._private.ray_constants, "ENABLE_RAY_CLUSTER", True)
    with pytest.raises(EvohpoError, match="RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0"):
        _run("ray", tmp_path / "x", scheduler="127.0.0.1:6379")


@pytest.mark.slow
def test_ray_evaluator_workers_cannot_import_is_one_line_error(tmp_path, monkeypatch):
    (tmp_path / "only_here.py").write_text(
        "from evohpo.engines.single import evaluate\n\n\ndef evaluator(job, setup):\n"
        "    return evaluate(job, setup)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import only_here

    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    with pytest.raises(EvohpoError) as info:
        _run("ray", tmp_path / "run", evaluator=only_here.evaluator)
    text = str(info.value)
    assert "No module named 'only_here'" in text and "importable" in text and "\n" not in text
