"""Ray: a local instance or an existing cluster (``--scheduler HOST:PORT``); evaluations are
Ray tasks, the task's data sits in the object store once. An unreachable address, or an open
port that is not a Ray head, is a one-line error in seconds (``ray.init`` would retry)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from ..errors import EvohpoError
from ..runtime import limit_threads_env
from ..tasks import Task
from .base import Backend, need, restore_env

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


def open_ray(stack: ExitStack, scheduler: str | None, workers: int, task: Task,
             threads: int) -> Iterator[Backend]:
    """Yield the Ray backend; ``stack`` shuts down what this process started afterwards."""
    saved = {k: os.environ.get(k) for k in _RAY_ENV}
    stack.callback(restore_env, saved)
    for key, value in _RAY_ENV.items():
        if key != "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" or _loopback(scheduler):
            os.environ.setdefault(key, value)
    imported_before = "ray" in sys.modules
    ray = need("ray", "ray")
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
