"""Weight vectors as Keras models: the builder's network for an architecture, holding them.

Why here: the search and the fitness never need Keras; only a user who wants the model (to
predict or ``model.save``) and the SGD baseline do, so the builder (and with it TensorFlow) is
imported only when one of these functions runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import tasks as tasks_mod
from ..tasks import Task
from .network import NumpyMLP, activation_list, hidden_widths
from .search import WeightRun
from .vector import check_vector, set_weights


def builder_config(hidden: int | Sequence[int], activation: str | Sequence[str]) -> dict:
    """The builder config of the SGD recipe's network (SGD, lr 0.1, batch size 1)."""
    widths = hidden_widths(hidden)
    acts = activation_list(activation, len(widths))
    return {
        "layers": [{"units": int(w), "activation": a} for w, a in zip(widths, acts)],
        "optimizer": "sgd",
        "learning_rate": 0.1,
        "batch_size": 1,
    }


def to_keras_model(
    task: Task | str,
    hidden: int | Sequence[int],
    activation: str | Sequence[str],
    vector: np.ndarray,
):
    """The builder's compiled keras.Model for this architecture, holding ``vector``'s weights."""
    from ..presets.mlp import build as build_model

    if isinstance(task, str):
        task = tasks_mod.get(task)
    net = NumpyMLP.for_task(task, hidden, activation)
    check_vector(vector, net.n_weights, f"the {net.describe()} network")
    model = build_model(builder_config(hidden, activation), task, loss="mse")
    return set_weights(model, vector)


def run_model(run: WeightRun, task: Task | None = None):
    """The keras.Model of a finished run (predict with it, ``model.save("x.keras")``)."""
    return to_keras_model(task or run.task, run.sizes[1:-1], run.activations[:-1], run.best)
