"""Workers on this machine: loky's reusable processes (the default, also for n_jobs=1) and
threads taking turns.

joblib's ``Parallel`` runs n_jobs=1 in the calling process; evohpo always uses worker
processes, so that one evaluation's crash never takes the campaign down, TensorFlow never
starts in the caller, and n_jobs=1 and n_jobs=4 train in identically configured processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from .. import lifeline
from ..runtime import limit_threads_env

LEASE_CHECK_SECONDS = 0.5  # how often a waiting campaign looks for runaway evaluations


def loky_died() -> tuple[type[BaseException], ...]:
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.process_executor import TerminatedWorkerError

    return (TerminatedWorkerError, BrokenProcessPool)


def loky_runner(workers: int, threads: int,
                 scratch: str | None = None) -> Callable[[Any], Iterator[Any]]:
    """Run jobs on loky's reusable executor and yield results as they finish.

    The executor (and its workers, TensorFlow already imported) is reused across batches and
    campaigns; a broken one (a worker died) is replaced on the next call. While it waits, it
    ends the workers whose evaluations ran past their hard time limit
    (:func:`evohpo.engines.limits.enforce`, leases in ``scratch``).
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    from joblib.externals.loky import get_reusable_executor

    from ..engines import limits

    def run(jobs: Any) -> Iterator[Any]:
        executor = get_reusable_executor(max_workers=workers, timeout=300,
                                         env=limit_threads_env(threads),
                                         # issue 15: workers die with the campaign
                                         initializer=lifeline.worker_init,
                                         initargs=lifeline.worker_initargs())
        futures = [executor.submit(fn, *args, **kwargs) for fn, args, kwargs in jobs]
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, timeout=LEASE_CHECK_SECONDS,
                                     return_when=FIRST_COMPLETED)
                for future in futures:  # the finished ones, in submission order
                    if future in done:
                        yield future.result()
                limits.enforce(scratch)
        finally:  # the campaign stopped early (an error): drop the work not yet started
            for future in futures:
                future.cancel()

    return run


def stop_local_workers() -> int:
    """End this process's loky workers now (Ctrl-C on the command line): without this the
    process waits at exit for the evaluations they are running, up to a whole epoch or group.
    Their rows were not written yet; finished rows are in the CSV. Returns how many ended."""
    import psutil

    ended = 0
    for child in psutil.Process().children(recursive=True):
        try:
            if any("popen_loky" in part for part in child.cmdline()):
                child.kill()
                ended += 1
        except psutil.Error:
            continue
    return ended


_THREAD_LOCK = threading.Lock()


def serialised(fn: Callable) -> Callable:
    """Keras seeds and sessions are process-wide: threads take turns to stay reproducible."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with _THREAD_LOCK:
            return fn(*args, **kwargs)

    run.__name__ = getattr(fn, "__name__", "evaluate")
    return run
