"""How a config becomes a compiled model (evohpo/model.py): a model Keras would build at its
first batch is built for the task's inputs before training, and one that cannot take them is
a one-line build error."""

from __future__ import annotations

import numpy as np
import pytest

from evohpo import tasks
from evohpo.model import BuildError, ModelSpec

pytestmark = pytest.mark.tensorflow


def sequential_without_input(config, task):
    """KerasTuner's examples: no Input, so Keras builds the weights at the first batch."""
    import keras

    model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(task.n_classes, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def sequential_with_input(config, task):
    import keras

    model = sequential_without_input(config, task)
    with_input = keras.Sequential([keras.Input(task.input_shape), *model.layers])
    with_input.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return with_input


def subclassed(config, task):
    import keras

    class Small(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(4, activation="relu")
            self.out = keras.layers.Dense(task.n_classes, activation="softmax")

        def call(self, x):
            return self.out(self.hidden(x))

    model = Small()
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def wrong_inputs(config, task):
    import keras

    model = keras.Sequential([keras.layers.Reshape((7, 7)), keras.layers.Flatten(),
                              keras.layers.Dense(task.n_classes, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _make(build, task, seed=0):
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    return ModelSpec(build).make({}, task, seed=seed, epochs=1)


def test_a_model_without_an_input_is_built_for_the_tasks_inputs_with_the_same_weights():
    task = tasks.iris()
    model = _make(sequential_without_input, task)
    assert model.built and tuple(model.inputs[0].shape[1:]) == task.input_shape
    reference = _make(sequential_with_input, task)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(),
                                                    reference.get_weights(), strict=True))
    assert model.count_params() == reference.count_params() > 0
    assert _make(subclassed, task).count_params() == 4 * 4 + 4 + 4 * 3 + 3  # one forward pass


def test_a_model_that_cannot_take_the_inputs_is_one_line_naming_the_shape():
    with pytest.raises(BuildError) as info:
        _make(wrong_inputs, tasks.iris())
    message = str(info.value)
    assert message.startswith("the model cannot take task iris's inputs of shape (4,) (")
    assert "\n" not in message
