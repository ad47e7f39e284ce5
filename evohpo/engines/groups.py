"""Where a batch of jobs goes: one worker call per job, or one per fused group of MLPs.

The campaign hands every batch to :func:`dispatch`. With the per-model engine each job is one
worker call (``evaluate``); with the fused engine the fusable jobs are split into groups
(:func:`evohpo.engines.fused.split_groups`, a pure function of the batch), each group is one
worker call that trains all its members in one traced function, and the rest go one by one.
Either way results come back as Evaluations as they finish, and the same failure rules hold:

* a worker that dies takes its call with it: the jobs that did not come back are retried one
  at a time, so the network that kills its worker is found and recorded as ``crashed``;
* with a time limit, a group gets ``limit x members``; a member still training when that runs
  out is retrained alone with the plain limit, so ``timeout`` means what it means one by one.

A member's numbers depend on its config, seed, epochs and the campaign's ``shuffle_seed``
only, never on the group it shares, so the CSV is the same for any n_jobs and after resume.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from ..strategies.base import Evaluation, Status
from .base import Job, Setup, resolve, save_model

ENGINES = ("auto", "single", "fused")
MAX_GROUP = 12  # members per group: 12-24 is the measured sweet spot (benchmarks/README.md)
FUSABLE_OBJECTIVES = frozenset({"val_accuracy", "val_loss", "params"})
_STATUS = {"ok": Status.OK, "diverged": Status.DIVERGED, "failed": Status.FAILED,
           "timeout": Status.TIMEOUT}


def fusable(setup: Setup) -> str:
    """Why this campaign cannot use the fused engine, or "" if it can."""
    if setup.model.name != "mlp":
        return "the fused engine trains the built-in MLP only; your model trains one by one"
    other = [o.name for o in setup.objectives
             if o.fn is not None or o.name not in FUSABLE_OBJECTIVES]
    if other:
        return (f"the fused engine measures {', '.join(sorted(FUSABLE_OBJECTIVES))}, not "
                f"{other[0]}; use --engine single")
    return ""


def crashed(job: Job, exc: BaseException) -> Evaluation:
    return Evaluation(
        eval_id=job.eval_id, generation=job.generation, config=job.config,
        status=Status.CRASHED, worker="crashed",
        error=f"worker process died (killed or out of memory): {type(exc).__name__}",
    )


def to_evaluation(job: Job, result: Any, setup: Setup, worker: str) -> Evaluation:
    """A fused member's result as the same record the per-model engine returns."""
    scores = {f"val_{k}": float(v) for k, v in result.metrics.items()}
    if result.params is not None:
        scores["params"] = float(result.params)
    status = _STATUS[result.status]
    record = {"eval_id": job.eval_id, "generation": job.generation, "config": job.config,
              "params": result.params, "epochs": result.epochs,
              "train_seconds": result.seconds, "worker": worker, "error": result.error}
    if status != Status.OK:
        return Evaluation(**record, status=status, scores=scores)
    vector = tuple(o.minimised(scores.get(o.name)) for o in setup.objectives)
    return Evaluation(**record, status=status, scores=scores, objective=vector[0],
                      objectives=vector if setup.others else ())


def train_members(jobs: list[Job], setup: Setup, shuffle_seed: int) -> list[Evaluation]:
    """Worker side: train ``jobs`` (one group: same batch size and epochs) as one fused group."""
    from . import fused
    from .single import _limit_worker_growth, worker_name

    _limit_worker_growth()
    task = resolve(setup.task)
    limit = jobs[0].time_limit
    results = fused.train_group(
        [j.config for j in jobs], [j.seed for j in jobs], task, jobs[0].epochs,
        time_limit=None if limit is None else limit * len(jobs), shuffle_seed=shuffle_seed,
    )
    worker = worker_name()
    return [to_evaluation(j, r, setup, worker) for j, r in zip(jobs, results, strict=True)]


def train_final_fused(job: Job, setup: Setup, shuffle_seed: int,
                      save_to: str | None = None) -> dict[str, Any]:
    """Retrain the chosen member alone (its numbers do not depend on its group), keep its
    weights, and report validation and test scores of exactly the model that was scored."""
    from ..model import output_spec
    from . import fused
    from .scoring import metrics_from_outputs, outputs

    task = resolve(setup.task)
    (result,) = fused.train_group([job.config], [job.seed], task, job.epochs,
                                  shuffle_seed=shuffle_seed, keep_weights=True)
    model = fused.member_model(job.config, task, job.seed)
    model.set_weights(result.weights)
    _, _, loss, metrics = output_spec(task.kind, task.n_classes)
    model.compile(optimizer=fused.make_optimizer(job.config, 1), loss=loss, metrics=metrics)
    val = {f"val_{k}": v for k, v in
           metrics_from_outputs(outputs(model, task.x_val), task.y_val, task.kind).items()}
    test = {f"test_{k}": v for k, v in
            metrics_from_outputs(outputs(model, task.x_test), task.y_test, task.kind).items()}
    saved, error = save_model(model, save_to)
    return {"val": val, "test": test, "params": result.params, "saved_to": saved,
            "error": error}


def _calls(backend: Any, jobs: list[Job], setup: Setup, evaluator: Callable, fused: bool,
           shuffle_seed: int, n_workers: int, task: Any) -> list[tuple[list[Job], Any]]:
    """(jobs, worker call) pairs: fused groups first (heaviest first), then single jobs."""
    if not fused:
        return [([j], backend.delayed(evaluator)(j, setup)) for j in jobs]
    from . import fused as fused_mod

    calls: list[tuple[list[Job], Any]] = []
    grouped: set[int] = set()
    by_epochs: dict[int, list[Job]] = {}
    for j in jobs:
        by_epochs.setdefault(j.epochs, []).append(j)
    n_outputs = task.n_classes if task.kind == "multiclass" else 1
    for epochs, same in by_epochs.items():
        groups = fused_mod.split_groups([j.config for j in same], epochs, MAX_GROUP, n_workers,
                                        n_inputs=task.n_features, n_outputs=n_outputs)
        for group in groups:
            members = [same[i] for i in group]
            grouped.update(j.eval_id for j in members)
            calls.append((members, backend.delayed(train_members)(members, setup,
                                                                   shuffle_seed)))
    calls += [([j], backend.delayed(evaluator)(j, setup)) for j in jobs
              if j.eval_id not in grouped]
    return calls


def dispatch(backend: Any, jobs: list[Job], setup: Setup, *, evaluator: Callable, fused: bool,
             shuffle_seed: int, n_workers: int, task: Any) -> Iterator[Evaluation]:
    """Yield the evaluations of ``jobs`` as they finish (see the module docstring)."""
    setup = replace(setup, task=backend.task_arg)
    calls = _calls(backend, jobs, setup, evaluator, fused, shuffle_seed, n_workers, task)
    finished: set[int] = set()
    retry_alone: list[Job] = []
    by_id = {j.eval_id: j for j in jobs}
    try:
        for out in backend.run(call for _, call in calls):
            for ev in out if isinstance(out, list) else [out]:
                if fused and ev.status == Status.TIMEOUT and _in_group(calls, ev):
                    retry_alone.append(by_id[ev.eval_id])  # the group's limit was shared
                    finished.add(ev.eval_id)
                    continue
                finished.add(ev.eval_id)
                yield ev
    except backend.worker_died:
        pass
    retry_alone += [j for j in jobs if j.eval_id not in finished]
    for job in sorted(retry_alone, key=lambda j: j.eval_id):
        solo = _calls(backend, [job], setup, evaluator, fused, shuffle_seed, 1, task)
        try:
            (out,) = list(backend.run([solo[0][1]]))
            (ev,) = out if isinstance(out, list) else [out]
        except backend.worker_died as exc:
            ev = crashed(job, exc)
        yield ev


def _in_group(calls: list[tuple[list[Job], Any]], ev: Evaluation) -> bool:
    return any(len(members) > 1 and any(j.eval_id == ev.eval_id for j in members)
               for members, _ in calls)
