"""A fake evaluator for tests of the campaign machinery where TensorFlow is not the point."""

from __future__ import annotations

import json
import random

from evohpo import SearchSpace
from evohpo.strategies.base import Evaluation, Status

SPACE = SearchSpace(layers=(1, 2), units=(4, 32), activations=["relu", "tanh"],
                    optimizers=["adam", "rmsprop"], learning_rate=(1e-3, 3e-2))


def fake_evaluate(config, task, *, eval_id, generation, seed, epochs, time_limit=None):
    """A score that depends only on the network and its seed, like a real training run."""
    rng = random.Random(f"{json.dumps(config, sort_keys=True)}:{seed}")
    acc = round(rng.uniform(0.3, 1.0), 6)
    return Evaluation(eval_id, generation, config, Status.OK, -acc, acc, round(1 - acc, 6),
                      params=sum(config["units"]), epochs=epochs, train_seconds=0.001,
                      worker="fake")
