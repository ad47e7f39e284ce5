"""The ask/tell protocol and its records (evohpo/strategies/base.py): failed and worst records,
plain-data evaluations, checkpoint numbers, check_strategy.
"""

from __future__ import annotations

import json
import math
import random

import pytest

from evohpo.space import (
    Fixed,
    Int,
    Space,
)
from evohpo.strategies import (
    WORST,
    Evaluation,
    GeneticSearch,
    Status,
)
from tests._checks import error
from tests.strategies.landscapes import SMALL


def test_failed_and_worst_records():
    ev = Evaluation(eval_id=0, generation=0, config={}, status=Status.FAILED)
    assert ev.objective == WORST == math.inf and not ev.ok and ev.val_accuracy is None
    with pytest.raises(TypeError):
        Evaluation(0, 0, {}, Status.OK)  # keyword-only: a new field never shifts another
    space = Space(x=Int(0, 3), k=Fixed(1))  # a constant is not searched: no genome slot,
    assert space.length == 1 and space.decode([2]) == {"x": 2, "k": 1}  # yet in every config


def test_finite_numbers_stay_numbers_in_a_checkpoint():
    from evohpo.strategies.base import json_float, rng_state, set_rng_state

    assert json_float(1.5) == 1.5 and type(json_float(1.5)) is float
    assert json_float(-0.0) == 0.0 and json_float(math.inf) == "inf"
    assert json_float(-math.inf) == "-inf" and json_float(math.nan) == "nan"
    rng = random.Random(7)
    rng.random()
    state = json.loads(json.dumps(rng_state(rng)))
    other = random.Random(0)
    set_rng_state(other, state)
    assert [other.random() for _ in range(3)] == [rng.random() for _ in range(3)]


def test_the_campaign_refuses_a_strategy_naming_what_it_lacks():
    from evohpo.strategies.base import check_strategy

    class Half:
        name, seed = "half", 0

        def ask(self, max_n):
            return []

    assert error(lambda: check_strategy(Half())) == (
        "strategy Half lacks space, done, tell, state_dict, load_state_dict; a strategy "
        "provides name, seed, space, done, ask, tell, state_dict, load_state_dict (see "
        "evohpo.strategies.base.Strategy)")

    class NoSpace(Half):
        space, done = "a dict", False

        def tell(self, evaluations):
            pass

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    assert error(lambda: check_strategy(NoSpace())) == (
        "strategy NoSpace.space is not an evohpo.Space; run_campaign runs strategies over a "
        "Space")
    check_strategy(GeneticSearch(SMALL))  # the built-in ones pass


def test_evaluation_records_are_plain_data():
    ev = Evaluation(eval_id=1, generation=0, config={"a": 1}, status=Status.OK, objective=-0.5,
                    scores={"val_accuracy": 0.5, "val_loss": 0.7})
    d = ev.to_dict()
    assert d["eval_id"] == 1 and d["config"] == {"a": 1} and d["status"] == "ok"
    assert d["scores"] == {"val_accuracy": 0.5, "val_loss": 0.7} and d["objectives"] == ()
    assert ev.val_accuracy == 0.5 and ev.val_loss == 0.7 and ev.ok
