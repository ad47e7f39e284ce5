"""evohpo: evolutionary hyperparameter optimisation for Keras networks.

Importing evohpo does not import TensorFlow: only the processes that train do.
"""

from . import tasks
from .campaign import Best, CampaignResult, run_campaign
from .errors import EvohpoError
from .predictor import predict
from .space import SearchSpace
from .strategies import GeneticSearch, GridSearch, RandomSearch

__all__ = [
    "Best", "CampaignResult", "EvohpoError", "GeneticSearch", "GridSearch", "RandomSearch",
    "SearchSpace", "predict", "run_campaign", "tasks",
]
__version__ = "0.1.0"
