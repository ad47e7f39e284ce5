"""What crosses the worker boundary: a Job (one config to train) and the campaign's Setup.

Workers receive plain data only: a config dict, integer seeds, the task (or a reference to a
file or object store entry they load once and keep), the model spec and the objective. Each
evaluation is seeded from (campaign seed, evaluation id), never from the worker or the order
of completion, so any n_jobs and any backend give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import tasks as tasks_mod
from ..model import DEFAULT_BATCH_SIZE, ModelSpec
from ..objectives import Objective, minimised
from ..space import Config
from ..strategies.base import Evaluation, Status
from ..tasks import Task


@dataclass(frozen=True)
class Job:
    """One config to train, with everything that makes its result reproducible."""

    config: Config
    eval_id: int
    generation: int
    seed: int
    epochs: int
    time_limit: float | None = None


def epochs_of(job: Job) -> int:
    """The epochs a job trains: the config's ``epochs`` gene if it has one, else the job's."""
    return int(job.config.get("epochs", job.epochs))


def batch_size_of(config: dict) -> int:
    """The minibatch size a config trains with: its ``batch_size`` gene, else the default."""
    return int(config.get("batch_size", DEFAULT_BATCH_SIZE))


@dataclass(frozen=True)
class Setup:
    """The part of every job that is the same for the whole campaign."""

    task: Any  # a Task, or a reference with .fingerprint and .load() (TaskRef, a Ray ref)
    model: ModelSpec
    objective: Objective
    others: tuple[Objective, ...] = ()  # further objectives of a multi-objective run
    scratch: str | None = None  # a folder the workers share with the campaign (limits.py)
    cv: int = 0  # K: each evaluation trains K folds of train+validation (engines/cv.py); 0: off

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return (self.objective, *self.others)


@dataclass(frozen=True)
class TaskRef:
    """A task saved to a file: what loky workers receive instead of the arrays themselves (a
    black box's function, which may hold large data of its own, is sent the same way)."""

    path: str
    fingerprint: str

    def load(self) -> Any:
        if self.path.endswith(".npz"):
            return tasks_mod.load(self.path)
        import cloudpickle

        with open(self.path, "rb") as f:
            return cloudpickle.load(f)


def ship(task: Any, folder: Path) -> TaskRef:
    """Write ``task`` (a Task's arrays, or any other task such as a black box, pickled) once
    into ``folder``, for workers to load once each (:func:`resolve`)."""
    if isinstance(task, Task):
        path = folder / "task.npz"
        tasks_mod.save(task, path)
    else:
        import cloudpickle

        path = folder / "task.pkl"
        path.write_bytes(cloudpickle.dumps(task))
    return TaskRef(str(path), task.fingerprint())


_TASKS: dict[str, Task] = {}  # per-process cache: the data reaches each worker once


def resolve(task: Any) -> Any:
    """The task itself, or a reference (:class:`TaskRef`, a Ray reference) loaded once per
    process."""
    if not hasattr(task, "load"):  # a Task or a black box, sent as it is
        return task
    if task.fingerprint not in _TASKS:
        _TASKS.clear()  # one campaign's task at a time is all a worker needs to keep
        _TASKS[task.fingerprint] = task.load()
    return _TASKS[task.fingerprint]


def eval_seed(campaign_seed: int, eval_id: int) -> int:
    """The seed of one evaluation, a pure function of (campaign seed, evaluation id)."""
    return int(np.random.SeedSequence([campaign_seed, eval_id]).generate_state(1)[0] % 2**31)


def error_text(exc: BaseException) -> str:
    """An exception as one short line for a CSV row or best.json: type and first line."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"[:300]


def save_model(model: Any, path: str | None) -> tuple[str | None, str]:
    """Save the final model as ``.keras`` if asked: (where it went, or None; the error, or "").
    Atomic (:func:`evohpo.files.save_model_atomically`): a failed save leaves no truncated
    file. A model Keras cannot serialise (a custom layer) is reported, and the campaign goes
    on."""
    if not path:
        return None, ""
    from ..files import save_model_atomically

    try:
        save_model_atomically(model, Path(path))
    except Exception as exc:  # noqa: BLE001 - reported in best.json
        return None, f"model not saved: {error_text(exc)}"
    return path, ""


def _missing_objective(name: str, scores: dict[str, float]) -> str:
    there = ", ".join(sorted(scores))
    return (f"objective {name!r} is not among the model's metrics ({there}); "
            "compile the model with that metric or choose one of these")


def finished(job: Job, setup: Setup, *, scores: dict[str, float], params: int | None,
             epochs: int, seconds: float, worker: str, diverged: str = "",
             extra: dict[str, Any] | None = None) -> Evaluation:
    """The record of a model that trained to the end, the same from either engine: diverged
    when training said so (``diverged`` is why) or a score is NaN/inf; failed when an
    objective is not among its scores; else ok, with the objectives minimised."""
    record = {"eval_id": job.eval_id, "generation": job.generation, "config": job.config,
              "params": params, "epochs": epochs, "train_seconds": seconds, "worker": worker,
              "scores": scores, "extra": extra or {}}
    if diverged or not all(math.isfinite(v) for v in scores.values()):
        return Evaluation(**record, status=Status.DIVERGED,
                          error=diverged or "loss or a metric is NaN or infinite (diverged)")
    missing = [o.name for o in setup.objectives if o.name not in scores]
    if missing:
        return Evaluation(**record, status=Status.FAILED,
                          error=_missing_objective(missing[0], scores))
    vector = minimised(setup.objectives, scores)
    return Evaluation(**record, status=Status.OK, objective=vector[0],
                      objectives=vector if setup.others else ())
