"""Where evaluations run: joblib's loky, threading, Dask or Ray backend, set up the same way.

Only the campaign loop uses this. Each backend gets the same three things right: TensorFlow's
threads are limited in every worker before TensorFlow starts (``runtime.keras`` reads the
limit; local workers inherit it through the environment), the task's data reaches each worker
once (a file for loky, a broadcast for Dask, the object store for Ray, shared memory for
threads), and workers receive plain data (config dicts, seeds), so the same seed gives the
same evaluations on every backend.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import lifeline
from . import tasks as tasks_mod
from .engines.base import TaskRef
from .errors import EvohpoError
from .runtime import limit_threads_env
from .tasks import Task

BACKENDS = ("loky", "threading", "dask", "ray")
CONNECT_TIMEOUT = "15s"  # how long to try reaching an existing Dask scheduler


@dataclass
class Backend:
    """An open backend: ``run(jobs)`` yields results as they finish."""

    name: str
    run: Callable[[Any], Iterator[Any]]
    delayed: Callable
    task_arg: Any  # what workers receive for the task: a TaskRef, the Task, or a Ray reference
    worker_died: tuple[type[BaseException], ...]
    workers: int


def _need(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise EvohpoError(
            f"backend {extra!r} needs the {extra} extra: pip install 'evohpo[{extra}]'"
        ) from None


def _loky_died() -> tuple[type[BaseException], ...]:
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.process_executor import TerminatedWorkerError

    return (TerminatedWorkerError, BrokenProcessPool)


def _loky_runner(workers: int, threads: int) -> Callable[[Any], Iterator[Any]]:
    """Run jobs on loky's reusable executor and yield results as they finish.

    joblib's ``Parallel`` runs n_jobs=1 in the calling process; evohpo always uses worker
    processes, so that one evaluation's crash never takes the campaign down, TensorFlow never
    starts in the caller, and n_jobs=1 and n_jobs=4 train in identically configured processes.
    The executor (and its workers, TensorFlow already imported) is reused across batches and
    campaigns; a broken one (a worker died) is replaced on the next call.
    """
    from concurrent.futures import as_completed

    from joblib.externals.loky import get_reusable_executor

    def run(jobs: Any) -> Iterator[Any]:
        executor = get_reusable_executor(max_workers=workers, timeout=300,
                                         env=limit_threads_env(threads),
                                         # issue 15: workers die with the campaign
                                         initializer=lifeline.worker_init,
                                         initargs=lifeline.worker_initargs())
        futures = [executor.submit(fn, *args, **kwargs) for fn, args, kwargs in jobs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:  # the campaign stopped early (an error): drop the work not yet started
            for future in futures:
                future.cancel()

    return run


def _restore_env(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_THREAD_LOCK = threading.Lock()


def _serialised(fn: Callable) -> Callable:
    """Keras seeds and sessions are process-wide: threads take turns to stay reproducible."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with _THREAD_LOCK:
            return fn(*args, **kwargs)

    run.__name__ = getattr(fn, "__name__", "evaluate")
    return run


@contextmanager
def open_backend(
    name: str, n_jobs: int, task: Task, *, scheduler: str | None = None,
    threads_per_worker: int = 1,
) -> Iterator[Backend]:
    """Start (or connect to) the workers, hand them the task once, and clean up afterwards."""
    if name not in BACKENDS:
        raise EvohpoError(f"unknown backend {name!r}; choose from: {', '.join(BACKENDS)}")
    if scheduler and name not in ("dask", "ray"):
        raise EvohpoError(f"--scheduler is for the dask and ray backends, not {name!r}")
    from joblib import Parallel, delayed, parallel_config

    workers = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
    with ExitStack() as stack:
        # local workers inherit the thread limits through the environment; the caller's own
        # environment is given back afterwards, so a TensorFlow it starts later is not capped
        stack.callback(_restore_env, {k: os.environ.get(k) for k in limit_threads_env(1)})
        os.environ.update(limit_threads_env(threads_per_worker))
        if name == "loky":
            # a worker recycled for outgrowing EVOHPO_WORKER_MAX_GROWTH_MB is intended, not news
            stack.enter_context(warnings.catch_warnings())
            warnings.filterwarnings("ignore", message="A worker stopped while some jobs")
            tmp = Path(tempfile.mkdtemp(prefix="evohpo-task-"))
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
            tasks_mod.save(task, tmp / "task.npz")
            yield Backend(name, _loky_runner(workers, threads_per_worker), delayed,
                          TaskRef(str(tmp / "task.npz"), task.fingerprint()), _loky_died(),
                          workers)
        elif name == "threading":
            par = stack.enter_context(
                Parallel(n_jobs=n_jobs, backend="threading", return_as="generator_unordered")
            )
            yield Backend(name, par, lambda fn: delayed(_serialised(fn)), task, (), workers)
        elif name == "dask":
            yield from _dask(stack, scheduler, workers, task, Parallel, delayed, parallel_config)
        else:
            yield from _ray(stack, scheduler, workers, task, threads_per_worker, Parallel,
                            delayed, parallel_config)


def _dask(stack, scheduler, workers, task, Parallel, delayed, parallel_config):
    distributed = _need("dask.distributed", "dask")
    if scheduler:
        try:
            client = stack.enter_context(distributed.Client(scheduler, timeout=CONNECT_TIMEOUT))
        except (OSError, TimeoutError) as exc:
            raise EvohpoError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                "check the address (tcp://HOST:8786) and that `dask scheduler` is running"
            ) from None
    else:
        cluster = stack.enter_context(distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
        ))
        client = stack.enter_context(distributed.Client(cluster))
    n_workers = len(client.scheduler_info().get("workers", {})) or workers
    # scatter=[task]: broadcast the data to every worker once, not with every evaluation
    stack.enter_context(parallel_config(backend="dask", scatter=[task]))
    par = stack.enter_context(Parallel(n_jobs=-1, return_as="generator_unordered"))
    yield Backend("dask", par, delayed, task, (distributed.KilledWorker,), n_workers)


def _ray(stack, scheduler, workers, task, threads, Parallel, delayed, parallel_config):
    ray = _need("ray", "ray")
    from ray.util.joblib import register_ray

    if not ray.is_initialized():
        env = {"env_vars": limit_threads_env(threads)}
        if scheduler:
            ray.init(address=scheduler, runtime_env=env, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, runtime_env=env, include_dashboard=False,
                     log_to_driver=False)
        stack.callback(ray.shutdown)
    register_ray()
    ref = RayTask(ray.put(task), task.fingerprint())  # the object store holds the data once
    stack.enter_context(parallel_config(backend="ray"))
    par = stack.enter_context(Parallel(n_jobs=workers, return_as="generator_unordered"))
    yield Backend("ray", par, delayed, ref, (ray.exceptions.WorkerCrashedError,), workers)


@dataclass(frozen=True)
class RayTask:
    """A task in Ray's object store; workers fetch it once and keep it (see fitness.resolve)."""

    object_ref: Any
    fingerprint: str

    def load(self) -> Task:
        import ray

        return ray.get(self.object_ref)
