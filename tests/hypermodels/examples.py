"""KerasTuner hypermodels as users write them, for the tests of evohpo/hypermodels/ and the
command line (``--model tests/hypermodels/examples.py:getting_started``); not a test module.

``getting_started`` is keras.io's KerasTuner getting-started hypermodel (one hidden layer),
``layers_loop`` its version with a layer count, ``scoped`` the conditional-scope example of
KerasTuner's ``conditional_scope`` docstring with a CNN branch and ``parent_name``; all for 10
classes with integer labels (sparse loss), as the digits task gives them.
"""

from __future__ import annotations


def getting_started(hp):
    import keras
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


def layers_loop(hp):
    import keras
    from keras import layers

    model = keras.Sequential()
    model.add(layers.Flatten())
    for i in range(hp.Int("num_layers", 1, 3)):
        model.add(layers.Dense(units=hp.Int(f"units_{i}", min_value=32, max_value=512, step=32),
                               activation=hp.Choice("activation", ["relu", "tanh"])))
    if hp.Boolean("dropout"):
        model.add(layers.Dropout(rate=0.25))
    model.add(layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("lr", min_value=1e-4, max_value=1e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def scoped(hp):
    import keras
    from keras import layers

    model = keras.Sequential()
    model_type = hp.Choice("model_type", ["mlp", "cnn"])
    with hp.conditional_scope("model_type", ["mlp"]):
        if model_type == "mlp":
            model.add(layers.Flatten())
            model.add(layers.Dense(hp.Int("units", 16, 128, sampling="log"), activation="relu"))
    with hp.conditional_scope("model_type", ["cnn"]):
        if model_type == "cnn":
            for i in range(hp.Int("conv_layers", 1, 2)):
                model.add(layers.Conv2D(hp.Choice(f"filters_{i}", [8, 16]), 3, padding="same",
                                        activation="relu"))
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
