"""The hard per-evaluation time limit, in the worker that runs the evaluation.

Training checks ``time_limit`` between batches (the soft limit: the row keeps its epochs).
What runs outside that loop — the user's build function, a fit hook, scoring, one long
traced call — is held by two more levels:

* :func:`alarm`: ``SIGALRM`` raises :class:`OverTime` in the worker's main thread when the
  limit (plus :data:`GRACE`) has passed: a build or hook stuck in Python (a loop, a sleep, a
  lock) stops there, and the evaluation becomes a ``timeout`` row; the worker lives on.
* :func:`lease` and :func:`enforce`: when the evaluation is still running :data:`KILL_AFTER`
  seconds later (native code sees no signal until it returns, and one that holds the GIL
  blocks the worker's own threads too), the campaign, which reads each worker's lease file in
  the backend's scratch folder while it waits, ends that worker process and leaves a marker
  per evaluation. It then records those evaluations as ``timeout`` (:func:`read_markers`),
  retries the others the dead worker took with it, and loky starts a fresh worker.

Both need worker *processes* whose evaluations run in their main thread, and a folder shared
with the campaign (loky). Elsewhere they do nothing and the campaign says so once: threads
cannot be interrupted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

GRACE = 1.0  # seconds past the limit before the alarm: the soft limit stops training first
KILL_AFTER = 3.0  # seconds past the alarm before the campaign ends a stuck worker
EXIT_CODE = 75  # what a worker ended by the watchdog exits with
_PREFIX = "timeout-"
_LEASE = "lease-"


class OverTime(BaseException):
    """The evaluation ran past its hard time limit. A BaseException, like KeyboardInterrupt,
    so that the ``except Exception`` that turns a bad network into a failed row cannot
    swallow it."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(f"over the time limit of {clock.seconds:g} s")
        self.clock = clock


class Clock:
    """One armed limit: ``seconds`` from when it was armed; ``what`` is the phase the code
    inside was in when it ran out (for the row's error)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.what = "training"


_armed: list[Clock] = []  # innermost last; the earliest deadline is the one the timer waits for


def usable() -> bool:
    """Signals reach only a process's main thread: a loky worker, not a thread or Dask task."""
    return (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and multiprocessing.current_process().name != "MainProcess")


def _ring(signum: int, frame: object) -> None:
    if _armed:
        raise OverTime(min(_armed, key=lambda c: c.deadline))


def _rearm() -> None:
    if not _armed:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    left = min(c.deadline for c in _armed) - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


@contextmanager
def alarm(seconds: float | None) -> Iterator[Clock | None]:
    """Raise :class:`OverTime` in this thread once ``seconds`` have passed (nested alarms:
    the earliest deadline rings, carrying its own clock). Yields None where unusable."""
    if seconds is None or not usable():
        yield None
        return
    clock = Clock(float(seconds))
    if not _armed:
        signal.signal(signal.SIGALRM, _ring)
    _armed.append(clock)
    _rearm()
    try:
        yield clock
    finally:
        _armed.remove(clock)
        _rearm()


def marker(scratch: str, eval_id: int) -> Path:
    return Path(scratch) / f"{_PREFIX}{eval_id}"


@contextmanager
def lease(limit: float | None, scratch: str | None, eval_ids: Sequence[int],
          label: str = "time limit") -> Iterator[float | None]:
    """Around one worker call with a ``limit``: yields the hard limit for :func:`alarm`
    (``limit + GRACE``; None without a limit) and tells the campaign, through a file in
    ``scratch``, that this process runs ``eval_ids`` until :data:`KILL_AFTER` seconds after
    that at the latest; past it, :func:`enforce` in the campaign ends the process (see the
    module docstring). The file goes when the block ends."""
    if limit is None:
        yield None
        return
    hard = limit + GRACE
    if scratch is None or not usable():
        yield hard
        return
    path = Path(scratch) / f"{_LEASE}{os.getpid()}-{time.monotonic_ns()}.json"
    record = {"pid": os.getpid(), "eval_ids": list(eval_ids),
              "what": f"over the {label} of {limit:g} s",
              "deadline": time.time() + hard + KILL_AFTER}
    path.write_text(json.dumps(record), encoding="utf-8")
    try:
        yield hard
    finally:
        path.unlink(missing_ok=True)


def enforce(scratch: str | None) -> list[int]:
    """Campaign side, called while it waits: end every worker process whose lease ran out,
    leaving a marker per evaluation it held. Returns the process ids ended. A process stuck
    in native code holding the GIL sees neither signals nor its own threads: only another
    process can stop it."""
    if scratch is None:
        return []
    ended = []
    for path in Path(scratch).glob(f"{_LEASE}*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written or already gone
        if time.time() <= record["deadline"]:
            continue
        for eval_id in record["eval_ids"]:
            marker(scratch, eval_id).write_text(record["what"], encoding="utf-8")
        path.unlink(missing_ok=True)
        try:
            os.kill(record["pid"], signal.SIGKILL)
            ended.append(record["pid"])
        except OSError:
            pass  # it ended by itself meanwhile
    return ended


def read_markers(scratch: str | None, eval_ids: Iterable[int]) -> dict[int, str]:
    """The evaluations among ``eval_ids`` whose worker :func:`enforce` ended, with what ran
    out; their marker files are removed."""
    if scratch is None:
        return {}
    found = {}
    for eval_id in eval_ids:
        path = marker(scratch, eval_id)
        try:
            found[eval_id] = path.read_text(encoding="utf-8")
            path.unlink()
        except OSError:
            continue
    return found
