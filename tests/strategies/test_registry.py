"""The method registry, the protocol's optional members and the declared constructor checks:
every caller's knowledge of a method comes from its one registry line."""

from __future__ import annotations

import math

import pytest

from evohpo.space import Choice, Float, Int, Space
from evohpo.strategies import REGISTRY, GeneticSearch, NSGA2Search, make
from evohpo.strategies.base import Traits
from evohpo.strategies.checks import OneOf, Probability, Whole, check
from evohpo.strategies.registry import (
    METHODS,
    ORDER,
    SEARCHES,
    check_objective_count,
    default_methods,
    labels,
    listed,
    method,
)
from tests._checks import error

SMALL = Space(x=Float(-2.0, 2.0), n=Int(1, 8), c=Choice(["a", "b", "c"]))


@pytest.mark.parametrize("m", REGISTRY, ids=lambda m: m.name)
def test_every_registered_method_is_built_by_its_name_with_the_population_as_its_batch(m):
    n = m.objectives[0]
    strategy = make(m.name, SMALL, seed=5, population=7, n_objectives=n)
    assert type(strategy) is m.cls and strategy.name == m.name and strategy.seed == 5
    assert getattr(strategy, m.batch if m.batch != "population" else "population_size") == 7
    assert len(strategy.ask(100)) >= 1
    assert all(hasattr(strategy, option) for option in m.options)  # options are settings


def test_callers_read_the_registry_order_and_defaults():
    assert METHODS == ("ga", "random", "grid", "nsga2", "aging", "tpe", "cmaes")
    assert SEARCHES == ("ga", "nsga2")
    assert ORDER == ("ga", "nsga2", "random", "grid", "aging", "tpe", "cmaes")
    assert default_methods(1) == ("ga", "random", "grid")  # the peers' methods when named
    assert default_methods(2) == default_methods(4) == ("nsga2", "random", "grid")
    assert listed() == "ga, random, grid, nsga2, aging, tpe or cmaes"
    assert listed(("ga",)) == "ga" and listed(("ga", "grid"), "and") == "ga and grid"
    assert listed(labels(default_methods(1)), "and") == "GA, random search and grid search"
    assert method("nsga2").label == "NSGA-II" and method("random").options == ()
    assert error(lambda: method("pso")) == (
        "unknown method 'pso'; choose from: ga, random, grid, nsga2, aging, tpe, cmaes")
    assert labels(("aging", "tpe", "cmaes")) == ("aging evolution", "TPE", "CMA-ES")
    assert [method(m).takes(2) for m in ("aging", "tpe", "cmaes")] == [False, True, False]


def test_the_objective_count_is_checked_once_for_make_and_the_campaign():
    ga, nsga2 = GeneticSearch(SMALL), NSGA2Search(SMALL, n_objectives=3)
    assert error(lambda: check_objective_count(ga, 2, "a, b")) == (
        "ga optimises one objective, and 2 were given (a, b); use nsga2 for several, or give one")
    assert error(lambda: check_objective_count(nsga2, 1, "a")) == (
        "nsga2 was built for 3 objectives, and 1 were given (a); give 3 objectives; for one "
        "objective use ga")
    assert error(lambda: check_objective_count(nsga2, 2)) == (
        "nsga2 was built for 3 objectives, and 2 were given; give 3 objectives")
    check_objective_count(make("random", SMALL), 4)  # it only proposes: any number


def test_optional_members_have_declared_defaults():
    class Plain:  # a user's strategy declares none of them
        name = "plain"

    assert Traits.of(Plain()) == Traits(None, None, None)
    ga = GeneticSearch(SMALL, fidelity=2)
    assert Traits.of(ga) == Traits(n_objectives=1, fidelity=2, duplicates_avoided=0)
    assert Traits.of(NSGA2Search(SMALL, n_objectives=3)).n_objectives == 3


def test_the_constraint_table_fills_defaults_in_order_and_says_one_line():
    table = {"population": Whole(2), "elites": Whole(0, "population", open_high=True,
                                                     default=lambda a: a["population"] - 1),
             "spare": Whole(0, "population - elites"), "initial": Whole("population"),
             "p": Probability(optional=True), "how": OneOf(("plus", "comma"))}
    assert check(table, {"population": 5, "elites": None, "spare": 1, "initial": 5,
                         "p": None, "how": "plus", "other": object}) | {"other": 0} == {
        "population": 5, "elites": 4, "spare": 1, "initial": 5, "p": None, "how": "plus",
        "other": 0}
    for args, message in [
        ({"population": 2.0}, "population must be a whole number >= 2, got 2.0"),
        ({"population": True}, "population must be a whole number >= 2, got True"),
        ({"population": 4, "elites": 4}, "elites must be a whole number in [0, population), got 4"),
        ({"population": 4, "elites": 1, "spare": 4},
         "spare must be a whole number in [0, population - elites], got 4"),
        ({"population": 4, "initial": 3},
         "initial must be a whole number >= population (4), got 3"),
        ({"p": math.nan}, "p must be a probability in [0, 1], got nan"),
        ({"p": True}, "p must be a probability in [0, 1], got True"),
        ({"how": "best"}, "how must be one of plus, comma, got 'best'"),
    ]:
        assert error(lambda a=args: check(table, a)) == message


def test_the_right_objective_count_passes_and_every_refusal_says_what_to_give():
    assert check_objective_count(GeneticSearch(SMALL), 1) is None
    assert check_objective_count(GeneticSearch(SMALL), 1, "val_accuracy") is None
    assert check_objective_count(NSGA2Search(SMALL, n_objectives=3), 3, "a, b, c") is None
    assert check_objective_count(NSGA2Search(SMALL), 2) is None
    assert check_objective_count(make("grid", SMALL), 1) is None
    assert error(lambda: check_objective_count(GeneticSearch(SMALL), 3)) == (
        "ga optimises one objective, and 3 were given; use nsga2 for several, or give one")
    assert error(lambda: check_objective_count(NSGA2Search(SMALL), 3, "a, b, c")) == (
        "nsga2 was built for 2 objectives, and 3 were given (a, b, c); give 2 objectives")


def test_options_a_method_does_not_take_are_refused_by_name():
    assert error(lambda: make("random", SMALL, b=1, a=2)) == (
        "method 'random' takes no options a, b")
    ga_options = ", ".join(method("ga").options)
    assert error(lambda: make("ga", SMALL, zeta=1, cxpb=0.5, alpha=2)) == (
        f"unknown GA option(s) alpha, zeta; evohpo.GeneticSearch takes {ga_options}")
    assert "cxpb" in method("ga").options and "population" not in method("ga").options
    assert make("ga", SMALL, cxpb=0.25).cxpb == 0.25
    assert make("random", SMALL).name == "random"  # no options: nothing to refuse
