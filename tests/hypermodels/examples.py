"""KerasTuner hypermodels as users write them, for the tests of evohpo/hypermodels/; not a test
module. ``getting_started`` (keras.io's) and ``scoped`` (conditional scopes, a layer count,
``parent_name``) are the ones in experiments/keras_tuner_hypermodels.py, loaded as ``--model``
loads them; ``layers_loop`` is keras.io's getting-started model with a layer count, each layer
its own width (all for 10 classes with integer labels, as the digits task gives them).
"""

from __future__ import annotations

from pathlib import Path

from evohpo.model import load_object

EXPERIMENT = Path(__file__).parents[2] / "experiments" / "keras_tuner_hypermodels.py"
getting_started = load_object(f"{EXPERIMENT}:build_model", "model")
scoped = load_object(f"{EXPERIMENT}:build_conditional", "model")


def layers_loop(hp):
    import keras

    layers = [keras.layers.Flatten()]
    for i in range(hp.Int("num_layers", 1, 3)):
        layers.append(keras.layers.Dense(hp.Int(f"units_{i}", 32, 512, step=32),
                                         activation=hp.Choice("activation", ["relu", "tanh"])))
    if hp.Boolean("dropout"):
        layers.append(keras.layers.Dropout(0.25))
    model = keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(hp.Float("lr", 1e-4, 1e-2, sampling="log")),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
