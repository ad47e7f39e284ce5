"""Your KerasTuner hypermodel, unchanged: keras.io's getting-started ``build_model(hp)`` and one
with a conditional scope, tuned by evohpo's GA (keras-tuner need not be installed).

Try it small first:

    python experiments/keras_tuner_hypermodels.py --budget 8 --epochs 1 --out /tmp/kt

The same from the shell, with any search method (no ``--space``: it is the hp calls):

    evohpo search --model experiments/keras_tuner_hypermodels.py:build_model --task digits \\
        --method ga --budget 24 --population 8 --epochs 3 --n-jobs 2 --out results/kt-digits

The only change from keras.io's version is the loss: evohpo's tasks give integer labels, so
``sparse_categorical_crossentropy`` instead of one-hot ``categorical_crossentropy``.
"""

from __future__ import annotations

import argparse
import sys

from evohpo import Choice, GeneticSearch, run_campaign, space_from_hypermodel, tasks
from evohpo.errors import EvohpoError


def build_model(hp):
    """keras.io's KerasTuner getting-started hypermodel, for 10 classes."""
    import keras  # imported here: only the processes that build models need TensorFlow
    from keras import layers

    model = keras.Sequential()
    model.add(layers.Flatten())
    model.add(layers.Dense(units=hp.Int("units", min_value=32, max_value=512, step=32),
                           activation=hp.Choice("activation", ["relu", "tanh"])))
    if hp.Boolean("dropout"):
        model.add(layers.Dropout(rate=0.25))
    model.add(layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("lr", min_value=1e-4, max_value=1e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def build_conditional(hp):
    """An MLP or a small CNN (``conditional_scope``, as in KerasTuner's docs), a layer count
    with a width per layer, and momentum only for SGD (``parent_name``)."""
    import keras
    from keras import layers

    model = keras.Sequential()
    model_type = hp.Choice("model_type", ["mlp", "cnn"])
    with hp.conditional_scope("model_type", ["mlp"]):
        if model_type == "mlp":
            model.add(layers.Flatten())
            model.add(layers.Dense(hp.Int("units", 16, 256, sampling="log"), activation="relu"))
    with hp.conditional_scope("model_type", ["cnn"]):
        if model_type == "cnn":
            for i in range(hp.Int("conv_layers", 1, 2)):
                model.add(layers.Conv2D(hp.Choice(f"filters_{i}", [8, 16, 32]), 3,
                                        padding="same", activation="relu"))
            model.add(layers.GlobalAveragePooling2D())
    model.add(layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("lr", 1e-3, 1e-1, sampling="log")
    if hp.Choice("optimizer", ["adam", "sgd"]) == "sgd":
        momentum = hp.Float("momentum", 0.0, 0.9, step=0.3, parent_name="optimizer",
                            parent_values=["sgd"])
        optimizer = keras.optimizers.SGD(learning_rate, momentum=momentum)
    else:
        optimizer = keras.optimizers.Adam(learning_rate)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="build_model", choices=["build_model", "build_conditional"])
    p.add_argument("--budget", type=int, default=24)
    p.add_argument("--population", type=int, default=8)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/kt-digits")
    args = p.parse_args(argv)
    hypermodel = globals()[args.model]
    # the space of its hp calls, plus the batch size (a gene evohpo trains with)
    space = space_from_hypermodel(hypermodel, batch_size=Choice([32, 64], ordered=True))
    result = run_campaign(
        GeneticSearch(space, population=args.population, seed=args.seed), tasks.digits(),
        model=hypermodel, budget=args.budget, epochs=args.epochs, n_jobs=args.n_jobs,
        out=args.out, overwrite=True,
    )
    print(f"evaluations: {len(result.evaluations)}  seconds: {result.seconds:.1f}")
    print(f"best: {result.best}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except EvohpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
