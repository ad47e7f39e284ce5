"""Evaluate a black box: call its function on one config (what a worker runs for a Job of a
black-box campaign, in place of :func:`evohpo.engines.single.evaluate`).

No TensorFlow and no hygiene: nothing is built. The same rules as for a network hold: the
evaluation's seed is a pure function of (campaign seed, evaluation id); an exception is a
``failed`` row with its error; a NaN or infinite score a ``diverged`` row; the hard time limit
(:mod:`evohpo.engines.limits`) stops a function that runs past it (``timeout``).
"""

from __future__ import annotations

import time

from ..blackbox import BlackBox, ReturnError, not_finite, scores
from ..strategies.base import Evaluation, Status
from . import limits
from .base import Job, Setup, error_text, finished, resolve
from .hygiene import worker_name


def evaluate(job: Job, setup: Setup) -> Evaluation:
    """Call the black box on ``job.config``; never raises for what the function does."""
    box: BlackBox = resolve(setup.task)
    start = time.perf_counter()
    worker = worker_name()
    record = {"eval_id": job.eval_id, "generation": job.generation, "config": job.config,
              "worker": worker}
    try:
        with limits.lease(job.time_limit, setup.scratch, [job.eval_id]) as hard, \
                limits.alarm(hard):
            value = box.call(job.config, job.seed)
        found = scores(value, setup.objectives, box.name)
    except limits.OverTime:
        return Evaluation(**record, status=Status.TIMEOUT, train_seconds=_since(start),
                          error=f"stopped: over the time limit of {job.time_limit:g} s")
    except ReturnError as exc:
        return Evaluation(**record, status=Status.FAILED, train_seconds=_since(start),
                          error=str(exc))
    except Exception as exc:  # the function's own failure is data, as a network's is
        return Evaluation(**record, status=Status.FAILED, train_seconds=_since(start),
                          error=error_text(exc))
    extra = {}
    unlisted = sorted(set(found) - set(box.metrics) - {o.name for o in setup.objectives})
    if box.metrics and unlisted:
        extra["note"] = (f"{box.name}() returned scores not in its metrics "
                         f"({', '.join(unlisted)}); list them in metrics= to get their columns")
    elif not box.metrics and len(found) > len(setup.objectives):
        extra["note"] = (f"{box.name}() returned more scores than its objectives "
                         f"({', '.join(unlisted)}); declare BlackBox({box.name}, metrics=[...]) "
                         "to get them as CSV columns")
    return finished(job, setup, scores=found, params=None, epochs=0, seconds=_since(start),
                    worker=worker, diverged=not_finite(found), extra=extra)


def _since(start: float) -> float:
    return time.perf_counter() - start
