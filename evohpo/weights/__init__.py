"""Direct weight search: a Keras MLP's weights as one vector, searched by the (1+1)-ES.

With four training rows, gradient descent from a random start often ends in a wrong basin; an
evolution strategy that treats the weights as a vector and minimises the loss directly (with
restarts) does not care about vanishing gradients or plateaus. One module per job:

- :mod:`~evohpo.weights.vector`: a Keras model's weights <-> one vector (Keras's own order);
- :mod:`~evohpo.weights.activations` and :mod:`~evohpo.weights.network`: the same network as a
  numpy forward pass, microseconds per evaluation instead of a Keras call;
- :mod:`~evohpo.weights.fitness`: the loss (MSE) and the "solved" check;
- :mod:`~evohpo.weights.search`: the ES run per seed;
- :mod:`~evohpo.weights.export`: a weight vector as the builder's Keras model;
- :mod:`~evohpo.weights.baseline`: the Keras SGD recipe it is compared with;
- :mod:`~evohpo.weights.summary`: many runs summarised.

Only the export and the baseline import Keras, lazily: the search runs without TensorFlow.
"""

from .activations import ACTIVATIONS
from .baseline import SGDRun, train_sgd
from .export import builder_config, run_model, to_keras_model
from .fitness import DEFAULT_MSE_TARGET, WeightFitness
from .network import NumpyMLP, init_scale
from .search import WeightRun, search_weights
from .summary import summarise_es, summarise_sgd
from .vector import get_vector, n_weights, set_weights

__all__ = [
    "ACTIVATIONS", "DEFAULT_MSE_TARGET", "NumpyMLP", "SGDRun", "WeightFitness", "WeightRun",
    "builder_config", "get_vector", "init_scale", "n_weights", "run_model", "search_weights",
    "set_weights", "summarise_es", "summarise_sgd", "to_keras_model", "train_sgd",
]
