"""The gradient-descent baseline the weight search is compared with: the Keras SGD recipe.

Why: with four training rows SGD from a random start often ends in a wrong basin; this runs
the classic recipe (the builder's network, SGD lr 0.1, batch size 1, 200 epochs, MSE loss) and
judges it by the same :class:`~evohpo.weights.fitness.WeightFitness` check as the ES, so the
two are compared on one criterion. TensorFlow is imported only when a run starts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import tasks as tasks_mod
from ..errors import EvohpoError
from ..tasks import Task
from .export import builder_config
from .fitness import WeightFitness
from .network import NumpyMLP


@dataclass(frozen=True)
class SGDRun:
    """One SGD run: ``solved`` by the ES's criterion, ``correct`` = every row classified right
    (no MSE threshold), and the final training MSE."""

    seed: int
    solved: bool
    correct: bool
    loss: float
    seconds: float


def train_sgd(
    task: Task | str,
    hidden: int | Sequence[int] = 2,
    activation: str | Sequence[str] = "tanh",
    seed: int = 0,
    *,
    epochs: int = 200,
    learning_rate: float = 0.1,
    batch_size: int = 1,
    mse_target: float | None = None,
    literal_epochs: bool = False,
) -> SGDRun:
    """The Keras recipe: builder's network, SGD(lr 0.1), batch size 1, 200 epochs, MSE loss,
    ``keras.utils.set_random_seed(seed)``; judged by the same :class:`WeightFitness` check.

    Keras spends ~50-80 ms of bookkeeping per epoch, which on a 4-row task is ~20x the
    training itself. So by default the 200 epochs are fed as one pass over 200 independent
    shuffles of the rows (drawn from a Generator seeded with ``seed``): plain SGD has no state
    between epochs, so these are the same 800 batch-size-1 steps with the same per-epoch
    reshuffling. ``literal_epochs=True`` calls ``fit(epochs=200, shuffle=True)`` instead.
    """
    from ..presets.mlp import build as build_model
    from ..runtime import keras as _keras

    if isinstance(task, str):
        task = tasks_mod.get(task)
    if epochs < 1:
        raise EvohpoError(f"epochs must be >= 1, got {epochs}")
    keras = _keras()
    net = NumpyMLP.for_task(task, hidden, activation)
    fitness = WeightFitness(net, task, mse_target)
    x, y = task.x_train, fitness.target.astype(np.float32)
    start = time.perf_counter()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    config = builder_config(hidden, activation) | {
        "learning_rate": learning_rate, "batch_size": batch_size,
    }
    steps_per_pass = math.ceil(len(x) / batch_size)
    model = build_model(config, task, loss="mse", steps_per_execution=10 * steps_per_pass)
    if literal_epochs:
        model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    else:
        rng = np.random.default_rng(seed)
        order = np.concatenate([rng.permutation(len(x)) for _ in range(epochs)])
        model.fit(x[order], y[order], epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
    out = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
    loss, solved = fitness.outputs_solved(out)
    correct = fitness.correct(out)
    return SGDRun(seed, solved, correct, loss, time.perf_counter() - start)
