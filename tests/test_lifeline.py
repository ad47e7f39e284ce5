"""Workers die with their campaign: a SIGKILLed parent leaves no loky worker behind.

Each test starts a small parent process (no TensorFlow) whose loky workers run jobs that sleep
for a minute, with more jobs queued behind them, then SIGKILLs only the parent (not its process
group, which is what killing a campaign by its pid does) and watches the workers. Without
evohpo's lifeline they live on for loky's idle timeout; the control case shows that.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

PARENT = r'''
import json, os, sys, threading, time
import psutil
from joblib import delayed
from joblib.externals.loky import get_reusable_executor
from evohpo import lifeline
from evohpo.backends.local import loky_runner as _loky_runner

def job(i, folder, seconds):
    open(os.path.join(folder, f"started-{i}"), "w").close()
    time.sleep(seconds)
    open(os.path.join(folder, f"done-{i}"), "w").close()
    return os.getpid()

def workers():
    return sorted(p.pid for p in psutil.Process().children(recursive=True)
                  if "LokyProcess" in " ".join(p.cmdline()))

mode, folder = sys.argv[1], sys.argv[2]
if mode == "thread":  # the pool is driven from threads that end: it must survive them
    run = _loky_runner(2, 1)
    first = []
    t = threading.Thread(target=lambda: first.extend(run([delayed(job)(i, folder, 0.2)
                                                          for i in range(4)])))
    t.start(); t.join()
    before = sorted(set(first))  # the workers that served the first thread
    time.sleep(2.0)
    after = [p for p in before if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    second = []
    def again():
        try:
            second.extend(run([delayed(job)(i, folder, 0.2) for i in range(4, 8)]))
        except Exception as exc:  # a pool whose workers were killed is broken
            second.append(type(exc).__name__)
    t = threading.Thread(target=again)
    t.start(); t.join()
    print(json.dumps({"before": before, "after": after, "served": sorted(set(map(str, second)))}))
    sys.exit(0)
# two quick jobs, then two that sleep a minute, then two queued behind them
jobs = [delayed(job)(i, folder, 0.1 if i < 2 else 60) for i in range(6)]
if mode == "evohpo":  # what a campaign does, from the main thread
    results = _loky_runner(2, 1)(jobs)
    next(results), next(results)
else:
    init = {"pdeathsig": (lifeline.worker_init, (os.getpid(), True, 0)),
            "watchdog": (lifeline.worker_init, (os.getpid(), False, 0.5)),
            "none": (None, ())}[mode]
    ex = get_reusable_executor(max_workers=2, timeout=300, initializer=init[0],
                               initargs=init[1])
    futures = [ex.submit(f, *a, **k) for f, a, k in jobs]
while not {"started-2", "started-3"} <= set(os.listdir(folder)):
    time.sleep(0.02)
print(json.dumps(workers()), flush=True)
time.sleep(600)
'''


def _parent(tmp_path: Path, mode: str) -> subprocess.Popen:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    (tmp_path / "marks").mkdir()
    return subprocess.Popen([sys.executable, str(script), mode, str(tmp_path / "marks")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)


def _alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _kill_parent_and_watch(proc: subprocess.Popen, wait: float) -> tuple[list[int], list[int]]:
    """SIGKILL the parent alone; return its workers and those still alive after ``wait`` s."""
    try:
        workers = json.loads(proc.stdout.readline())
        assert len(workers) == 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + wait
        left = _alive(workers)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = _alive(workers)
        return workers, left
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("mode", ["evohpo", "pdeathsig", "watchdog"])
def test_workers_die_with_a_killed_parent_and_drop_queued_work(tmp_path: Path, mode: str):
    workers, left = _kill_parent_and_watch(_parent(tmp_path, mode), wait=10)
    assert left == [], f"{mode}: workers {left} outlived their parent by 10 s"
    marks = set(os.listdir(tmp_path / "marks"))
    assert marks == {"started-0", "started-1", "done-0", "done-1", "started-2", "started-3"}, (
        "the running jobs must not finish and the queued ones must not start"
    )


@pytest.mark.slow
def test_without_a_lifeline_workers_are_orphaned(tmp_path: Path):
    """The control: plain loky workers outlive a SIGKILLed parent (what issue 15 measured)."""
    workers, left = _kill_parent_and_watch(_parent(tmp_path, "none"), wait=3)
    assert left == workers


@pytest.mark.slow
def test_a_pool_driven_from_short_lived_threads_survives_them(tmp_path: Path):
    """PDEATHSIG fires when the forking *thread* ends; a campaign run from a thread must not
    lose its workers when that thread returns (they would then be reused, broken)."""
    proc = _parent(tmp_path, "thread")
    out, _ = proc.communicate(timeout=120)
    seen = json.loads(out)
    assert 1 <= len(seen["before"]) <= 2
    assert seen["after"] == seen["before"]
    assert set(seen["served"]) <= set(map(str, seen["before"]))  # the same workers again
