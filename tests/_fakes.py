"""Fakes shared by test files (not a test module): a fake evaluator for tests of the campaign
machinery where TensorFlow is not the point, and the small spaces it and the file tests use.
"""

from __future__ import annotations

import json
import random

from evohpo.presets import mlp
from evohpo.space import (
    Choice,
    Float,
    Int,
    Repeat,
    Space,
    config_key,
)
from evohpo.strategies.base import Evaluation, Proposal, Status

SPACE = mlp.space(layers=(1, 2), units=(4, 32), activations=["relu", "tanh"],
                  optimizers=["adam", "rmsprop"], learning_rate=(1e-3, 3e-2))


def fake_evaluate(job, setup):
    """A score that depends only on the network and its seed, like a real training run."""
    config = job.config
    rng = random.Random(f"{json.dumps(config, sort_keys=True)}:{job.seed}")
    acc = round(rng.uniform(0.3, 1.0), 6)
    return Evaluation(eval_id=job.eval_id, generation=job.generation, config=config,
                      status=Status.OK, objective=-acc,
                      scores={"val_accuracy": acc, "val_loss": round(1 - acc, 6)},
                      params=sum(layer["units"] for layer in config["layers"]),
                      epochs=job.epochs, train_seconds=0.001, worker="fake")


CK_SPACE = Space(layers=Repeat(Int(1, 3), units=Int(4, 64, log=True)),
                 opt=Choice(["adam", "sgd"]), momentum=Float(0.0, 0.9, when={"opt": "sgd"}))


# -- a tiny landscape, generated: the black box the black-box tests tune (no benchmark data) --
LANDSCAPE_SPACE = Space(width=Choice([8, 16, 32, 64, 128], ordered=True),
                        act=Choice(["relu", "tanh", "elu"]), lr=Float(1e-4, 1e-1, log=True),
                        depth=Int(1, 4))
LANDSCAPE_METRICS = ("loss", "size", "seconds")


def landscape(config, seed):
    """A smooth bowl over the genes plus seeded noise (the same seed, the same value), with a
    size to trade against the loss and a made-up time: a tabular benchmark in miniature."""
    import math

    rng = random.Random(f"{config_key(config)}:{seed}")
    width = math.log2(config["width"]) - 5  # best near 32
    act = {"relu": 0.0, "tanh": 0.1, "elu": 0.05}[config["act"]]
    lr = math.log10(config["lr"]) + 2.5  # best near 3e-3
    loss = 0.2 + 0.05 * width ** 2 + act + 0.1 * lr ** 2 + 0.02 * (config["depth"] - 2) ** 2
    size = config["width"] * config["depth"]
    return {"loss": loss + rng.gauss(0, 0.01), "size": float(size),
            "seconds": round(0.5 + size / 100, 3)}


def fold_trainer(keras, job, setup, data):
    """Stands in for one training of the per-model engine (``engines.single._evaluate_on``,
    no TensorFlow): a score that depends on the config, the seed and the fold's held-out rows,
    like a real one. The ``fake_folds`` fixture (conftest.py) puts it in place."""
    from evohpo.engines.base import finished
    from evohpo.space import config_key

    rng = random.Random(f"{config_key(job.config)}:{job.seed}")
    acc = round(rng.uniform(0.3, 0.9) + float(data.y_val.mean()) / 10, 6)
    return finished(job, setup, scores={"val_accuracy": acc, "val_loss": 1 - acc,
                                        "params": 10.0},
                    params=10, epochs=job.epochs, seconds=0.0, worker="fake")


def cv_run(out, task, cv=3, strategy=None, **kw):
    """A cross-validated campaign in this process, one model at a time: with ``fake_folds``
    it runs evohpo's real cross-validation around :func:`fold_trainer`."""
    from evohpo import GeneticSearch, run_campaign

    kw = {"budget": 8, "epochs": 1, "backend": "threading", "engine": "single",
          "progress": False, "save_best": False, **kw}
    strategy = strategy or GeneticSearch(SPACE, population=4, seed=3)
    return run_campaign(strategy, task, out=out, cv=cv, **kw)


def mlp_config(units: int) -> dict:
    """One MLP config of SPACE with a single hidden layer of ``units``."""
    return {"layers": [{"units": units, "activation": "relu"}], "optimizer": "adam",
            "learning_rate": 0.01, "batch_size": 32}


class Repeater:
    """A user-written strategy: proposes the same two networks over and over (8, 9, 8 units
    in every batch of three), so every batch after the first is all cache hits."""

    name = "repeat"
    seed = 0
    space = SPACE
    done = False

    def ask(self, max_n):
        return [Proposal(mlp_config(8 + i % 2)) for i in range(min(3, max_n))]

    def tell(self, evaluations):
        self.told = evaluations

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass
