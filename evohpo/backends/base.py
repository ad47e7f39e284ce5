"""What every backend shares: the open backend's record, the names, the worker count, the
environment given back afterwards."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import EvohpoError

BACKENDS = ("loky", "threading", "dask", "ray")


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


def need(module: str, extra: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EvohpoError(
            f"backend {extra!r} needs the {extra} extra: pip install 'evohpo[{extra}]'"
        ) from None


def restore_env(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


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
