"""Random search (evohpo/strategies/random_search.py): independent samples from the space's prior,
its batches, seeds and checkpoints.
"""

from __future__ import annotations

import pytest

from evohpo.errors import EvohpoError
from evohpo.strategies import (
    RandomSearch,
    make,
)
from tests.strategies.landscapes import (
    MIXED,
    PRIOR,
    SMALL,
    mixed,
    ok,
    prior_checks,
    proposals_of,
    round_trip,
)


@pytest.mark.parametrize("method", ["random", "grid"])
def test_resumed_random_and_grid_continue_exactly(method):
    a = make(method, MIXED, seed=3, population=7)
    proposals_of(a, 3, mixed)
    b = make(method, MIXED, seed=3, population=7)
    b.load_state_dict(round_trip(a.state_dict()))
    assert proposals_of(b, 3, mixed) == proposals_of(a, 3, mixed)


@pytest.mark.quality
def test_random_search_samples_the_prior():
    rs = RandomSearch(PRIOR, seed=0, batch=50)
    configs = [c for batch in proposals_of(rs, 60, lambda c: 0.0) for c in batch]
    assert len(configs) == 3000
    prior_checks(configs)


def test_random_search_batches_and_seeds():
    rs = RandomSearch(MIXED, seed=1, batch=5)
    assert not rs.done
    first = rs.ask(100)
    assert len(first) == 5 and {p.generation for p in first} == {0}
    rs.tell([ok(i, 0, p.config, 0.0) for i, p in enumerate(first)])
    assert len(rs.ask(3)) == 3
    assert [p.config for p in RandomSearch(MIXED, seed=1, batch=5).ask(5)] == [
        p.config for p in first]
    assert [p.config for p in RandomSearch(MIXED, seed=2, batch=5).ask(5)] != [
        p.config for p in first]
    with pytest.raises(EvohpoError, match="batch must be a whole number >= 1, got 0"):
        RandomSearch(MIXED, batch=0)


def test_random_search_numbers_its_batches():
    from evohpo.strategies import RandomSearch

    rs = RandomSearch(SMALL, seed=4, batch=3)
    assert {p.generation for p in rs.ask(10)} == {0}
    rs.tell([])
    assert {p.generation for p in rs.ask(10)} == {1}
    assert RandomSearch(SMALL).batch == 12 and RandomSearch(SMALL).seed == 0


def test_random_search_accepts_a_batch_of_one_and_counts_every_batch():
    from evohpo.strategies import RandomSearch

    rs = RandomSearch(SMALL, batch=1)
    for expected in range(3):
        (p,) = rs.ask(5)
        assert p.generation == expected
        rs.tell([])
