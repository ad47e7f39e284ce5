"""evohpo: evolutionary hyperparameter optimisation for Keras networks, and for any Python
function of a config (a black box, :mod:`evohpo.blackbox`; the tabular benchmarks,
:mod:`evohpo.tabular`).

Importing evohpo does not import TensorFlow: only the processes that train do.
"""

from . import presets, tabular, tasks
from .blackbox import BlackBox
from .campaign import Best, CampaignResult, run_campaign
from .errors import EvohpoError
from .hypermodels import space_from_hypermodel
from .model import ModelSpec
from .objectives import Objective
from .predictor import predict
from .space import Bool, Choice, Fixed, Float, Int, Repeat, Space
from .strategies import (
    AgingEvolution,
    CmaEsSearch,
    GeneticSearch,
    GridSearch,
    NSGA2Search,
    RandomSearch,
    TPESearch,
)

__all__ = [
    "AgingEvolution", "Best", "BlackBox", "Bool", "CampaignResult", "Choice", "CmaEsSearch",
    "EvohpoError", "Fixed", "Float", "GeneticSearch", "GridSearch", "Int", "ModelSpec",
    "NSGA2Search", "Objective", "RandomSearch", "Repeat", "Space", "TPESearch", "predict",
    "presets", "run_campaign", "space_from_hypermodel", "tabular", "tasks",
]
__version__ = "0.3.0"  # the package version too (pyproject reads it)
