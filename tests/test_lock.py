"""One process per results folder: a second search, resume, overwrite or compare on a folder in
use is refused in one line naming the host and pid that hold it; a killed holder leaves no
stale lock. The running campaign is a real process (fake evaluator, no TensorFlow)."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evohpo import GeneticSearch, lock, run_campaign, tasks
from evohpo.cli import main
from evohpo.compare import compare, make_plan
from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read
from tests._checks import csv_rows
from tests._fakes import SPACE, fake_evaluate

REPO = Path(__file__).resolve().parents[1]  # the scripts below import tests._fakes from it
BUDGET = 8
FAKE = dict(budget=BUDGET, epochs=1, n_jobs=1, backend="threading", save_best=False,
            progress=False, campaign="c")
CHILD = r'''
import os, sys, time
sys.path.insert(0, sys.argv[2])
from tests._fakes import SPACE, fake_evaluate
from evohpo import GeneticSearch, run_campaign, tasks


def rows():
    try:
        with open(os.path.join(sys.argv[1], "results.csv")) as f:
            return sum(1 for _ in f) - 1
    except OSError:
        return 0

def slow(job, setup):
    # once a row is on disk the campaign holds its folder until the test creates the release
    # file: what the test checks meanwhile never races the campaign's end, however slow the
    # machine (the deadline only stops a forgotten child)
    deadline = time.monotonic() + 300
    while rows() >= 1 and not os.path.exists(sys.argv[4]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return fake_evaluate(job, setup)

run_campaign(GeneticSearch(SPACE, population=4, seed=3), tasks.iris(), out=sys.argv[1],
             budget=int(sys.argv[3]), epochs=1, n_jobs=1, backend="threading",
             save_best=False, progress=False, evaluator=slow, campaign="c")
'''


def _strategy():
    return GeneticSearch(SPACE, population=4, seed=3)


def _release(tmp_path: Path) -> Path:
    return tmp_path / "release"


def _running_campaign(tmp_path: Path, out: Path) -> subprocess.Popen:
    """A campaign in another process, returned once it has written its first row; it then
    waits, holding its folder, until ``_release(tmp_path)`` exists."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen([sys.executable, str(script), str(out),
                             str(REPO), str(BUDGET), str(_release(tmp_path))])
    deadline = time.monotonic() + 60
    while csv_rows(out / "results.csv") < 1 and proc.poll() is None:
        assert time.monotonic() < deadline, "the child campaign did not start"
        time.sleep(0.02)
    assert proc.poll() is None, "the child campaign ended before the test could use it"
    return proc


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    result = run_campaign(_strategy(), tasks.iris(), out=tmp_path_factory.mktemp("t") / "c",
                          evaluator=fake_evaluate, **FAKE)
    return read(result.csv).drop(columns=list(VOLATILE))


@pytest.mark.slow
def test_a_folder_in_use_refuses_resume_overwrite_search_and_compare(tmp_path, twin,
                                                                     error_line):
    out = tmp_path / "c"
    proc = _running_campaign(tmp_path, out)
    try:
        who = f"pid {proc.pid} on host {socket.gethostname()}"
        for kw in ({"resume": True}, {"overwrite": True}, {}):
            with pytest.raises(EvohpoError) as info:
                run_campaign(_strategy(), tasks.iris(), out=out, evaluator=fake_evaluate,
                             **FAKE, **kw)
            msg = str(info.value)
            assert "\n" not in msg and f"{out} is in use by another evohpo process" in msg
            assert who in msg and f"kill {proc.pid}" in msg
        code = main(["search", "--task", "iris", "--out", str(out), "--resume", "--quiet"])
        assert code == 2 and who in error_line()
        plan = make_plan("iris", SPACE, seeds=1, budget=2, epochs=1, out=out,
                         backend="threading")
        with pytest.raises(EvohpoError, match=f"in use .*{who}"):
            compare(plan, resume=True, evaluator=fake_evaluate, save_best=False)
        _release(tmp_path).touch()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    # the running campaign alone wrote its folder: exactly its rows, none twice
    assert read(out / "results.csv").drop(columns=list(VOLATILE)).equals(twin)
    assert not (out / lock.LOCK_NAME).exists()  # removed by its holder at the end


@pytest.mark.slow
def test_a_killed_holder_leaves_no_stale_lock(tmp_path, twin):
    out = tmp_path / "c"
    proc = _running_campaign(tmp_path, out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (out / lock.LOCK_NAME).read_text() == f"{socket.gethostname()}:{proc.pid}\n"
    assert lock.holder(out) is None  # the kernel released it with the process
    run_campaign(_strategy(), tasks.iris(), out=out, resume=True, evaluator=fake_evaluate,
                 **FAKE)
    assert read(out / "results.csv").drop(columns=list(VOLATILE)).equals(twin)


def test_hold_records_the_holder_and_tidies_up(tmp_path):
    folder = tmp_path / "new" / "run"
    with lock.hold(folder):
        text = (folder / lock.LOCK_NAME).read_text()
        assert text == f"{socket.gethostname()}:{os.getpid()}\n"
        assert lock.holder(folder) == lock.Holder(socket.gethostname(), os.getpid())
        with pytest.raises(EvohpoError, match=f"pid {os.getpid()}"):
            with lock.hold(folder):  # a second owner, even in the same process
                pass
    assert not folder.exists()  # created for nothing: removed again
    with pytest.raises(EvohpoError, match="nothing to resume"):
        run_campaign(_strategy(), tasks.iris(), out=tmp_path / "none", resume=True,
                     evaluator=fake_evaluate, **FAKE)
    assert not (tmp_path / "none").exists()


def test_a_lock_file_replaced_under_us_is_locked_again(tmp_path, monkeypatch):
    """The previous holder removed the file between our open and our flock: the lock we got
    is on a file no longer in the folder, so hold() must retry on the new one."""
    real, calls = lock.fcntl.flock, []

    def flock(fd, op):
        calls.append(op)
        if len(calls) == 1:  # the old holder unlinks; a third process creates a new file
            (tmp_path / lock.LOCK_NAME).unlink()
            (tmp_path / lock.LOCK_NAME).write_text("")
        return real(fd, op)

    monkeypatch.setattr(lock.fcntl, "flock", flock)
    with lock.hold(tmp_path):
        monkeypatch.setattr(lock.fcntl, "flock", real)
        assert len(calls) == 2
        assert lock.holder(tmp_path) == lock.Holder.me()  # the file in the folder is ours


def test_a_file_system_without_locks_is_one_error_line(tmp_path, monkeypatch):
    def flock(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock.fcntl, "flock", flock)
    with pytest.raises(EvohpoError, match="does not support file locks; choose an --out"):
        with lock.hold(tmp_path / "nfs"):
            pass
    assert not (tmp_path / "nfs").exists()


def test_the_new_owner_removes_half_done_writes_of_a_killed_one(tmp_path):
    debris = [".checkpoint.json.k2x9_a0b.tmp", ".results.csv.abcdefgh.tmp"]
    for name in [*debris, ".mine.tmp", "notes.json"]:
        (tmp_path / name).write_text("x")
    with lock.hold(tmp_path):
        left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [lock.LOCK_NAME, ".mine.tmp", "notes.json"]
