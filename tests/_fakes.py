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
from evohpo.strategies.base import Evaluation, Status

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
