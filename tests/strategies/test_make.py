"""make(), the strategies by their CSV method name (evohpo/strategies/__init__.py): each method,
its options, unknown methods and settings refused.
"""

from __future__ import annotations

import pytest

from evohpo.errors import EvohpoError
from evohpo.strategies import (
    GeneticSearch,
    GridSearch,
    NSGA2Search,
    RandomSearch,
    Strategy,
    make,
)
from tests.strategies.landscapes import MIXED


# -- make -----------------------------------------------------------------------------------------
def test_make_builds_each_method():
    ga, rs, gs = (make(m, MIXED, seed=4, population=6, levels=2) for m in ("ga", "random", "grid"))
    assert (type(ga), type(rs), type(gs)) == (GeneticSearch, RandomSearch, GridSearch)
    assert (ga.name, rs.name, gs.name) == ("ga", "random", "grid")
    assert ga.population_size == 6 and rs.batch == 6 and gs.batch == 6 and gs.levels == 2
    assert all(s.seed == 4 and s.space is MIXED for s in (ga, rs, gs))
    assert all(isinstance(s, Strategy) for s in (ga, rs, gs))


def test_make_refuses_unknown_methods_and_settings():
    with pytest.raises(EvohpoError) as info:
        make("nsga3", MIXED)
    assert str(info.value) == ("unknown method 'nsga3'; choose from: ga, random, grid, nsga2, "
                               "aging, tpe, cmaes")
    with pytest.raises(EvohpoError, match="unknown GA option.s. popsize"):
        make("ga", MIXED, popsize=10)
    with pytest.raises(EvohpoError, match="unknown NSGA-II option.s. elites"):
        make("nsga2", MIXED, n_objectives=2, elites=1)
    with pytest.raises(EvohpoError, match="'random' takes no options cxpb"):
        make("random", MIXED, cxpb=0.5)
    with pytest.raises(EvohpoError, match="ga optimises one objective, and 2 were given"):
        make("ga", MIXED, n_objectives=2)
    with pytest.raises(EvohpoError, match="nsga2 needs two or more objectives; for one "
                                          "objective use ga"):
        make("nsga2", MIXED)
    assert make("ga", MIXED, cxpb=0.25).cxpb == 0.25


def test_make_builds_nsga2_for_the_campaign_s_objectives_with_its_options():
    s = make("nsga2", MIXED, seed=3, population=8, n_objectives=3, cxpb=0.5, max_retries=2)
    assert isinstance(s, NSGA2Search) and s.name == "nsga2" and s.seed == 3
    assert s.population_size == 8 and s.n_objectives == 3 and s.cxpb == 0.5
    assert s.max_retries == 2
    # random and grid only propose: any number of objectives
    assert make("random", MIXED, n_objectives=3).batch == 12
