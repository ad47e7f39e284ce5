"""A black box for the command-line tests (``--function tests/slow_landscape.py:landscape``):
the generated landscape of ``tests/_fakes.py``, 50 ms per call, so a test can kill a campaign
in the middle of it. It reports whether TensorFlow was imported in the process that called it
(``tf``): a black-box campaign must never import it, in its workers either."""

from __future__ import annotations

import sys
import time

from evohpo import BlackBox
from tests import _fakes

SPACE = _fakes.LANDSCAPE_SPACE


def landscape(config, seed):
    time.sleep(0.05)
    return {**_fakes.landscape(config, seed), "tf": float("tensorflow" in sys.modules)}


BOX = BlackBox(landscape, objective="loss:min", metrics=(*_fakes.LANDSCAPE_METRICS, "tf"),
               space=SPACE)


def plain(config):
    """A function returning one float: its objective's name and direction come from
    ``--objective``."""
    return _fakes.landscape(config, 0)["loss"]


def not_a_number(config):
    return "small"
