"""Where evaluations run: loky, threads or Dask through joblib, Ray through its own tasks.

Only the campaign loop uses this. Each backend gets the same three things right: TensorFlow's
threads are limited in every worker before TensorFlow starts (``runtime.keras`` reads the
limit; local workers inherit it through the environment), the task's data reaches each worker
once (a file for loky, a broadcast for Dask, the object store for Ray, shared memory for
threads), and workers receive plain data (config dicts, seeds), so the same seed gives the
same evaluations on every backend.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
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
LEASE_CHECK_SECONDS = 0.5  # how often a waiting campaign looks for runaway evaluations


@dataclass
class Backend:
    """An open backend: ``run(jobs)`` yields results as they finish."""

    name: str
    run: Callable[[Any], Iterator[Any]]
    delayed: Callable
    task_arg: Any  # what workers receive for the task: a TaskRef, the Task, or a Ray reference
    worker_died: tuple[type[BaseException], ...]
    workers: int
    scratch: str | None = None  # a folder shared with the workers (loky): hard-limit markers


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


def _loky_runner(workers: int, threads: int,
                 scratch: str | None = None) -> Callable[[Any], Iterator[Any]]:
    """Run jobs on loky's reusable executor and yield results as they finish.

    joblib's ``Parallel`` runs n_jobs=1 in the calling process; evohpo always uses worker
    processes, so that one evaluation's crash never takes the campaign down, TensorFlow never
    starts in the caller, and n_jobs=1 and n_jobs=4 train in identically configured processes.
    The executor (and its workers, TensorFlow already imported) is reused across batches and
    campaigns; a broken one (a worker died) is replaced on the next call. While it waits, it
    ends the workers whose evaluations ran past their hard time limit
    (:func:`evohpo.engines.limits.enforce`, leases in ``scratch``).
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    from joblib.externals.loky import get_reusable_executor

    from .engines import limits

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


def local_workers(n_jobs: int, *, remote: bool = False) -> int:
    """How many workers to start here: ``n_jobs`` (-1: every core), but never more than this
    machine's cores, saying so in one line: each worker holds its own TensorFlow (about
    700 MB), and more workers than cores only share the same cores. An existing Dask or Ray
    cluster (``remote``) has the size it has; this number only sizes a local one."""
    cores = os.cpu_count() or 1
    if n_jobs < 1:
        return cores
    if n_jobs > cores and not remote:
        print(f"note: n_jobs={n_jobs} is more than the {cores} cores of this machine; "
              f"starting {cores} workers", file=sys.stderr, flush=True)
        return cores
    return n_jobs


def check_backend(name: str, scheduler: str | None) -> None:
    """A known backend; a scheduler address only with one that connects to a cluster."""
    if name not in BACKENDS:
        raise EvohpoError(f"unknown backend {name!r}; choose --backend from: "
                          f"{', '.join(BACKENDS)}")
    if scheduler is not None and name not in ("dask", "ray"):
        raise EvohpoError(f"--scheduler is for --backend dask or ray (the address of a running "
                          f"cluster); --backend {name} runs on this machine: leave it out")


@contextmanager
def open_backend(
    name: str, n_jobs: int, task: Task, *, scheduler: str | None = None,
    threads_per_worker: int = 1,
) -> Iterator[Backend]:
    """Start (or connect to) the workers, hand them the task once, and clean up afterwards."""
    check_backend(name, scheduler)
    from joblib import Parallel, delayed, parallel_config

    workers = local_workers(n_jobs, remote=bool(scheduler))
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
            yield Backend(name, _loky_runner(workers, threads_per_worker, str(tmp)), delayed,
                          TaskRef(str(tmp / "task.npz"), task.fingerprint()), _loky_died(),
                          workers, str(tmp))
        elif name == "threading":
            par = stack.enter_context(
                Parallel(n_jobs=workers, backend="threading", return_as="generator_unordered")
            )
            yield Backend(name, par, lambda fn: delayed(_serialised(fn)), task, (), workers)
        elif name == "dask":
            yield from _dask(stack, scheduler, workers, task, Parallel, delayed, parallel_config)
        else:
            yield from _ray(stack, scheduler, workers, task, threads_per_worker)


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


RAY_CONNECT_TIMEOUT = 10.0  # seconds to reach an existing Ray cluster before giving up
GCS_PROBE = "GetClusterId"  # a call every Ray head answers (ray.init makes it first)
_RAY_ENV = {
    # no usage statistics sent anywhere: evohpo talks to nothing but its own workers
    "RAY_USAGE_STATS_ENABLED": "0",
    # a local instance listens on 127.0.0.1 only, not on the machine's network address (read
    # when ray is imported; Ray's own switch for single-machine instances); also set for a
    # cluster at a loopback address
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
}


def _call(fn: Callable, args: tuple, kwargs: dict) -> Any:
    """What a Ray task runs: one ``(fn, args, kwargs)`` job as built by joblib's ``delayed``."""
    return fn(*args, **kwargs)


def _check_reachable(address: str, timeout: float) -> None:
    """Fail in seconds, not never: ``ray.init`` retries an unreachable address forever."""
    import socket

    if address == "auto":
        return  # Ray looks up the cluster started on this machine and fails fast itself
    host, sep, port = address.split("://")[-1].rpartition(":")
    if not sep or not host or not port.isdigit():
        raise EvohpoError(
            f"--scheduler {address!r} is not a Ray cluster address; write HOST:PORT "
            "(the head's GCS port, 6379 by default), ray://HOST:10001 or auto"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise EvohpoError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); check the "
            "address (HOST:6379) and that `ray start --head` is running there"
        ) from None
    if "://" not in address and os.environ.get("RAY_USE_TLS", "0") in ("0", ""):
        _check_gcs_answers(f"{host}:{port}", timeout)


def _check_gcs_answers(address: str, timeout: float) -> None:
    """An open port proves little (a proxy or another service may hold it, and ``ray.init``
    then retries for 20 s): ask for the cluster's id, the first call ``ray.init`` makes too."""
    import grpc  # installed with ray

    channel = grpc.insecure_channel(address)
    try:
        ask = channel.unary_unary(f"/ray.rpc.NodeInfoGcsService/{GCS_PROBE}")
        ask(b"", timeout=timeout)  # an empty request message is a valid GetClusterIdRequest
    except grpc.RpcError as exc:
        if exc.code() != grpc.StatusCode.UNAUTHENTICATED:  # token clusters: ray.init says more
            detail = (exc.details() or exc.code().name).splitlines()[0][:120]
            raise EvohpoError(
                f"{address} does not answer as a Ray cluster ({detail}); check the address "
                "(the head's GCS port, 6379 by default) and that `ray start --head` runs there"
            ) from None
    finally:
        channel.close()


def _loopback(address: str | None) -> bool:
    """A local instance, or a cluster on this machine's loopback address (a driver must then
    use loopback too, or Ray waits forever for a node on the machine's network address)."""
    if address is None:
        return True
    host = address.split("://")[-1].rpartition(":")[0].strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


def _ray_uses_network(ray: Any) -> bool:
    """Whether this process's Ray addresses nodes by the machine's network address."""
    constants = getattr(getattr(ray, "_private", None), "ray_constants", None)
    return bool(getattr(constants, "ENABLE_RAY_CLUSTER", False))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _last_line(exc: BaseException) -> str:
    """The line of a Ray error that says what went wrong: its traceback's last, uncoloured."""
    import re

    lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines()]
    return ([ln for ln in lines if ln] or [type(exc).__name__])[-1][:200]


def _ray_runner(ray: Any) -> Callable[[Any], Iterator[Any]]:
    """Run jobs as Ray tasks (one CPU each, never retried: a dead worker is the campaign's to
    record) and yield results as they finish, via ``ray.wait``. joblib's Ray backend is not
    used: it cannot yield results as they finish (``return_as="generator_unordered"``)."""
    remote = ray.remote(_call).options(num_cpus=1, max_retries=0)

    def run(jobs: Any) -> Iterator[Any]:
        pending = [remote.remote(fn, args, kwargs) for fn, args, kwargs in jobs]
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                try:
                    result = ray.get(done[0])
                except ray.exceptions.RaySystemError as exc:  # not the evaluation's own error
                    raise EvohpoError(
                        f"Ray could not run an evaluation ({_last_line(exc)}"
                        "); every Ray worker needs evohpo, and a custom evaluator's module, "
                        "importable (pip install it there, or set PYTHONPATH)"
                    ) from None
                yield result
        finally:  # abandoned (a worker died, Ctrl-C): stop what is still queued or running
            for ref in pending:
                ray.cancel(ref)

    return run


def _ray(stack, scheduler, workers, task, threads):
    saved = {k: os.environ.get(k) for k in _RAY_ENV}
    stack.callback(_restore_env, saved)
    for key, value in _RAY_ENV.items():
        if key != "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" or _loopback(scheduler):
            os.environ.setdefault(key, value)
    imported_before = "ray" in sys.modules
    ray = _need("ray", "ray")
    from joblib import delayed

    if not ray.is_initialized():
        if scheduler and _loopback(scheduler) and imported_before and _ray_uses_network(ray):
            raise EvohpoError(
                f"ray was imported before evohpo could tell it that {scheduler} is on loopback "
                "(it would wait forever for a node at this machine's network address); set "
                "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before importing ray, or give the cluster's "
                "network address"
            )
        env = {"env_vars": limit_threads_env(threads)}
        if not scheduler:  # as loky's workers: import what this process can (same machine)
            env["env_vars"]["PYTHONPATH"] = os.pathsep.join(
                dict.fromkeys(os.path.abspath(p) for p in sys.path if os.path.isdir(p or ".")))
        quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
        if scheduler:
            _check_reachable(scheduler, RAY_CONNECT_TIMEOUT)
            try:
                ray.init(address=scheduler, runtime_env=env, **quiet)
            except Exception as exc:  # ConnectionError, RuntimeError, AuthenticationError...
                raise EvohpoError(
                    f"cannot connect to the Ray cluster at {scheduler} ({_first_line(exc)}); "
                    "check the address, that the cluster runs the same Ray version, and for "
                    "token authentication set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN"
                ) from None
        else:
            try:
                ray.init(address="local", num_cpus=workers, runtime_env=env,
                         include_dashboard=False, **quiet)
            except Exception as exc:
                raise EvohpoError(
                    f"cannot start a local Ray instance ({_first_line(exc)}); see Ray's logs "
                    "in /tmp/ray, or use --backend loky"
                ) from None
        stack.callback(ray.shutdown)
    if scheduler:
        workers = int(ray.cluster_resources().get("CPU", workers)) or workers
    ref = RayTask(ray.put(task), task.fingerprint())  # the object store holds the data once
    died = tuple(getattr(ray.exceptions, name) for name in (
        "WorkerCrashedError", "OutOfMemoryError", "NodeDiedError")
        if hasattr(ray.exceptions, name))
    yield Backend("ray", _ray_runner(ray), delayed, ref, died, workers)


@dataclass(frozen=True)
class RayTask:
    """A task in Ray's object store; workers fetch it once and keep it (engines.base.resolve)."""

    object_ref: Any
    fingerprint: str

    def load(self) -> Task:
        import ray

        return ray.get(self.object_ref)
