"""Where evaluations run: loky, threads or Dask through joblib, Ray through its own tasks.

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
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ..blackbox import BlackBox
from ..engines.base import ship
from ..runtime import limit_threads_env
from ..tasks import Task
from .base import BACKENDS, Backend, check_backend, local_workers, restore_env
from .local import loky_died, loky_runner, serialised, stop_local_workers

__all__ = ["BACKENDS", "Backend", "check_backend", "local_workers", "open_backend",
           "stop_local_workers"]


@contextmanager
def open_backend(
    name: str, n_jobs: int, task: Task | BlackBox, *, scheduler: str | None = None,
    threads_per_worker: int = 1,
) -> Iterator[Backend]:
    """Start (or connect to) the workers, hand them the task once, and clean up afterwards."""
    check_backend(name, scheduler)
    from joblib import Parallel, delayed

    workers = local_workers(n_jobs, remote=bool(scheduler))
    with ExitStack() as stack:
        # local workers inherit the thread limits through the environment; the caller's own
        # environment is given back afterwards, so a TensorFlow it starts later is not capped
        stack.callback(restore_env, {k: os.environ.get(k) for k in limit_threads_env(1)})
        os.environ.update(limit_threads_env(threads_per_worker))
        if name == "loky":
            # a worker recycled for outgrowing EVOHPO_WORKER_MAX_GROWTH_MB is intended, not news
            stack.enter_context(warnings.catch_warnings())
            warnings.filterwarnings("ignore", message="A worker stopped while some jobs")
            tmp = Path(tempfile.mkdtemp(prefix="evohpo-task-"))
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
            yield Backend(name, loky_runner(workers, threads_per_worker, str(tmp)), delayed,
                          ship(task, tmp), loky_died(), workers, str(tmp))
        elif name == "threading":
            par = stack.enter_context(
                Parallel(n_jobs=workers, backend="threading", return_as="generator_unordered")
            )
            yield Backend(name, par, lambda fn: delayed(serialised(fn)), task, (), workers)
        elif name == "dask":
            from .dask_cluster import open_dask

            yield from open_dask(stack, scheduler, workers, task)
        else:
            from .ray_cluster import open_ray

            yield from open_ray(stack, scheduler, workers, task, threads_per_worker)
