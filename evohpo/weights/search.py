"""The (1+1)-ES on a network's weights: one run per seed, until solved or out of budget.

Why its own loop instead of the campaign's: an evaluation here costs microseconds (a numpy
forward pass), so the ask/tell calls go straight to :class:`~evohpo.strategies.es.OnePlusOneES`
with no processes, rows or checkpoints in between. TensorFlow is never imported.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import tasks as tasks_mod
from ..errors import EvohpoError
from ..strategies.es import ESHistory, OnePlusOneES
from ..tasks import Task
from .fitness import WeightFitness
from .network import NumpyMLP, init_scale


@dataclass
class WeightRun:
    """One ES run: did it solve the task, after how many evaluations, and its best weights."""

    task: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    seed: int
    solved: bool
    evals: int
    seconds: float
    loss: float
    best: np.ndarray
    history: ESHistory

    @property
    def restarts(self) -> int:
        return len(self.history.restarts) - 1


def search_weights(
    task: Task | str,
    hidden: int | Sequence[int] = 2,
    activation: str | Sequence[str] = "tanh",
    seed: int = 0,
    budget: int = 5000,
    *,
    mse_target: float | None = None,
    gain: float = 0.5,
    **es_options: Any,
) -> WeightRun:
    """Run the (1+1)-ES on the weights of the network the builder makes for ``task`` until it
    is solved or ``budget`` evaluations are spent. ``es_options`` go to :class:`OnePlusOneES`
    (``sigma0``, ``window``, ``stall``, ...); ``gain`` sets the start spread (:func:`init_scale`).
    """
    if isinstance(task, str):
        task = tasks_mod.get(task)
    if int(budget) != budget or budget <= 0:
        raise EvohpoError(f"budget must be a positive number of evaluations, got {budget}")
    net = NumpyMLP.for_task(task, hidden, activation)
    fitness = WeightFitness(net, task, mse_target)
    es = OnePlusOneES(
        net.n_weights, seed, budget=int(budget), scale=init_scale(net, gain), **es_options
    )
    evaluate, ask, tell = fitness.evaluate, es.ask_vector, es.tell_loss
    solved = False
    start = time.perf_counter()
    while not es.done:
        x = ask()
        loss, solved = evaluate(x)
        tell(loss)
        if solved:
            best, best_loss = x, loss
            break
    else:  # not solved: the best point seen (the last one if every loss was non-finite)
        best, best_loss = (es.best, es.best_loss) if es.best is not None else (x, math.inf)
    seconds = time.perf_counter() - start
    return WeightRun(
        task.name, net.sizes, net.activations, seed, solved, es.evals, seconds,
        float(best_loss), np.array(best), es.history,
    )
