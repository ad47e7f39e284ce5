"""Dask: a LocalCluster of worker processes, or an existing scheduler (``--scheduler``); the
task's data is broadcast to every worker once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

from ..errors import EvohpoError
from ..tasks import Task
from .base import Backend, need

CONNECT_TIMEOUT = "15s"  # how long to try reaching an existing Dask scheduler


def open_dask(stack: ExitStack, scheduler: str | None, workers: int,
              task: Task) -> Iterator[Backend]:
    """Yield the Dask backend; ``stack`` closes the client (and a local cluster) afterwards."""
    from joblib import Parallel, delayed, parallel_config

    distributed = need("dask.distributed", "dask")
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
