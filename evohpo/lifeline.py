"""Local workers die with their campaign, however it dies.

loky's workers wait for work until an idle timeout (300 s here): after a ``kill -9`` of the
campaign they kept training queued networks as orphans for minutes, ~700 MB each (fault 2 of
issue 15). Every loky worker therefore runs :func:`worker_init` when it starts, which ties its
life to the campaign process in two ways:

* Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, so the kernel kills the worker the moment its
  parent goes. The kernel's "parent" is the *thread* that forked the worker, and loky forks
  from the thread that submits work (and from its own manager thread, which lives as long as
  the pool). That is safe only when work is submitted from the main thread, which lives as long
  as the process: :func:`worker_initargs` asks for PDEATHSIG only then, and otherwise leaves it
  to the watchdog, so a campaign run from a short-lived thread does not lose its pool when that
  thread ends.
* Everywhere: a watchdog thread that checks every ``POLL_SECONDS`` whether the parent is still
  the campaign process (``os.getppid()`` changes when a process is orphaned; elsewhere psutil)
  and otherwise ends the worker at once with ``os._exit``, dropping queued work.

Dask and Ray workers belong to the cluster, not to the campaign: see the README.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
POLL_SECONDS = 0.5
ORPHAN_EXIT_CODE = 70  # what an orphaned worker exits with (nobody is left to read it)


def worker_initargs() -> tuple[int, bool, float]:
    """``initargs`` for :func:`worker_init` in this process: the campaign's pid, whether the
    PDEATHSIG is safe (work is submitted from the main thread), and the watchdog period.

    The same values on every call from one thread, so loky keeps reusing its executor."""
    main = threading.current_thread() is threading.main_thread()
    return os.getpid(), main and sys.platform.startswith("linux"), POLL_SECONDS


def worker_init(parent_pid: int, pdeathsig: bool, poll_seconds: float) -> None:
    """Run in each new worker: die with ``parent_pid`` (PDEATHSIG and/or a watchdog)."""
    if pdeathsig:
        set_pdeathsig()
    alive = _parent_check(parent_pid)
    if not alive():  # the parent died before the signal was armed (or while we started)
        os._exit(ORPHAN_EXIT_CODE)
    if poll_seconds > 0:
        threading.Thread(target=_watch, args=(alive, poll_seconds), daemon=True,
                         name="evohpo-lifeline").start()


def set_pdeathsig(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent thread exits; False if the
    platform cannot (the watchdog still covers it)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parent_check(parent_pid: int):
    """A function telling whether ``parent_pid`` is still this process's living parent."""
    if os.name == "posix":  # an orphan is re-parented (to init or a subreaper)
        return lambda: os.getppid() == parent_pid
    import psutil  # Windows does not re-parent: compare the parent's identity instead

    try:
        born = psutil.Process(parent_pid).create_time()
    except psutil.Error:
        return lambda: False

    def alive() -> bool:
        try:
            return psutil.Process(parent_pid).create_time() == born
        except psutil.Error:
            return False

    return alive


def _watch(alive, poll_seconds: float) -> None:
    while alive():
        time.sleep(poll_seconds)
    os._exit(ORPHAN_EXIT_CODE)
