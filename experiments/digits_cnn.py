"""Tune your own model: a small CNN on digits as 8x8x1 images (MNIST 28x28x1 if you have it).

Copy this file and change SPACE and build(): that is the whole API. Try it small first:

    python experiments/digits_cnn.py --budget 8 --epochs 1 --out /tmp/cnn

The same from the shell, with any search method:

    evohpo search --model experiments/digits_cnn.py:build --task digits --method ga \\
        --budget 48 --population 12 --epochs 5 --n-jobs 2 --out results/digits-cnn

(``--space`` defaults to ``SPACE`` in the same file.) ``--task mnist`` uses the local
keras.datasets ``mnist.npz`` ($EVOHPO_DATA or ~/.keras/datasets; there is no download).
"""

from __future__ import annotations

import argparse
import sys

from evohpo import Bool, Choice, Float, GeneticSearch, Int, Repeat, Space, run_campaign, tasks
from evohpo.errors import EvohpoError

SPACE = Space(
    conv=Repeat(Int(1, 3), filters=Choice([8, 16, 32, 64], ordered=True), kernel=Choice([3, 5])),
    pool=Bool(),  # 2x2 max pooling after the first block
    dense=Int(16, 256, log=True),
    dropout=Float(0.0, 0.5),
    optimizer=Choice(["adam", "sgd"]),
    momentum=Float(0.0, 0.95, when={"optimizer": "sgd"}),  # only counts for sgd
    learning_rate=Float(3e-4, 3e-2, log=True),
    batch_size=Choice([16, 32, 64], ordered=True),  # a reserved key: evohpo trains with it
)


def build(config: dict, task, seed: int | None = None):
    """config (a dict of SPACE's active genes) + task -> a compiled keras.Model.

    ``seed`` is optional: evohpo passes one per evaluation, so giving it to the initialisers
    makes every evaluation reproducible whatever worker runs it.
    """
    import keras  # imported here: only the worker processes that train need TensorFlow

    def init(i: int):
        return keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)

    x = inputs = keras.Input(task.input_shape)  # (8, 8, 1) for digits
    for i, block in enumerate(config["conv"]):  # a list of dicts, one per block
        x = keras.layers.Conv2D(block["filters"], block["kernel"], padding="same",
                                activation="relu", kernel_initializer=init(i))(x)
        if config["pool"] and i == 0:
            x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(config["dense"], activation="relu", kernel_initializer=init(10))(x)
    x = keras.layers.Dropout(config["dropout"], seed=seed)(x)
    outputs = keras.layers.Dense(task.n_classes, activation="softmax",
                                 kernel_initializer=init(11))(x)
    model = keras.Model(inputs, outputs)
    if config["optimizer"] == "sgd":
        optimizer = keras.optimizers.SGD(config["learning_rate"], momentum=config["momentum"])
    else:
        optimizer = keras.optimizers.Adam(config["learning_rate"])
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="digits", help="digits (default) or mnist (local npz)")
    p.add_argument("--budget", type=int, default=48)
    p.add_argument("--population", type=int, default=12)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/digits-cnn")
    args = p.parse_args(argv)
    task = tasks.mnist(limit=12_000) if args.task == "mnist" else tasks.get(args.task)
    result = run_campaign(
        GeneticSearch(SPACE, population=args.population, seed=args.seed), task,
        model=build, objective="val_accuracy", budget=args.budget, epochs=args.epochs,
        n_jobs=args.n_jobs, out=args.out, overwrite=True,
    )
    print(f"task: {task.describe()}")
    print(f"evaluations: {len(result.evaluations)}  seconds: {result.seconds:.1f}")
    print(f"best: {result.best}")
    frame = result.frame()  # every evaluation as a pandas DataFrame
    print(frame.groupby("n_conv")["val_accuracy"].agg(["count", "mean", "max"]))
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except EvohpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
