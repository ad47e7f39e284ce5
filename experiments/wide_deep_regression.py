"""A functional Wide & Deep model on a regression table, with early stopping tuned by a fit hook.

The wide path feeds the raw features straight to the output, the deep path learns through a
stack of Dense layers, and the two are concatenated before the output unit (Cheng et al. 2016,
as the course notes build it with the Keras functional API). Try it small first:

    python experiments/wide_deep_regression.py --budget 8 --epochs 5 --out /tmp/wd

From the shell (``--space`` and ``--fit`` name objects in the same file):

    evohpo search --model experiments/wide_deep_regression.py:build \\
        --space experiments/wide_deep_regression.py:SPACE \\
        --fit experiments/wide_deep_regression.py:fit --objective val_loss:min \\
        --task diabetes --budget 40 --epochs 30 --n-jobs 2

Your own table: ``--task csv:PATH:TARGET`` (or ``tasks.from_csv`` in a script).
"""

from __future__ import annotations

import argparse
import sys

from evohpo import Choice, Float, GeneticSearch, Int, Repeat, Space, run_campaign, tasks
from evohpo.errors import EvohpoError

SPACE = Space(
    deep=Repeat(Int(1, 3), units=Int(8, 128, log=True)),
    activation=Choice(["relu", "elu", "selu", "tanh"]),
    optimizer=Choice(["adam", "nadam", "rmsprop"]),
    learning_rate=Float(1e-4, 3e-2, log=True),
    batch_size=Choice([16, 32, 64], ordered=True),  # a reserved key: evohpo trains with it
    patience=Int(2, 8),  # used by fit() below
)


def build(config: dict, task, seed: int | None = None):
    """config + task -> compiled Wide & Deep keras.Model (linear output, MSE)."""
    import keras

    inputs = keras.Input(task.input_shape, name="features")
    deep = inputs
    for i, block in enumerate(config["deep"]):
        init = keras.initializers.HeNormal(seed=None if seed is None else seed + i)
        deep = keras.layers.Dense(block["units"], activation=config["activation"],
                                  kernel_initializer=init, name=f"deep_{i + 1}")(deep)
    both = keras.layers.Concatenate(name="wide_and_deep")([inputs, deep])
    outputs = keras.layers.Dense(1, name="output")(both)
    model = keras.Model(inputs, outputs, name="wide_deep")
    optimizer = keras.optimizers.get({"class_name": config["optimizer"],
                                      "config": {"learning_rate": config["learning_rate"]}})
    model.compile(optimizer, loss="mse", metrics=["mae"])
    return model


def fit(config: dict, task) -> dict:
    """Extra model.fit arguments: stop when validation loss stalls, keep the best weights."""
    import keras

    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config["patience"],
                                         restore_best_weights=True)
    return {"callbacks": [stop], "validation_data": (task.x_val, task.y_val)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="diabetes", help="diabetes (default) or csv:PATH:TARGET")
    p.add_argument("--budget", type=int, default=40)
    p.add_argument("--population", type=int, default=10)
    p.add_argument("--epochs", type=int, default=30, help="at most; early stopping may stop")
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results/wide-deep")
    args = p.parse_args(argv)
    task = tasks.get(args.task)
    result = run_campaign(
        GeneticSearch(SPACE, population=args.population, seed=args.seed), task, model=build,
        fit=fit, objective="val_loss:min", budget=args.budget, epochs=args.epochs,
        n_jobs=args.n_jobs, out=args.out, overwrite=True,
    )
    print(f"task: {task.describe()}")
    print(f"evaluations: {len(result.evaluations)}  seconds: {result.seconds:.1f}")
    print(f"best: {result.best}")
    frame = result.frame()
    top = frame.sort_values("val_loss").head(5)
    print(top[["eval_id", "val_loss", "n_deep", "activation", "patience", "epochs"]]
          .to_string(index=False))
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except EvohpoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
