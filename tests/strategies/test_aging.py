"""Aging evolution (evohpo/strategies/aging.py): the random start, tournaments, one-gene
mutation of what counts, the oldest dying, batches, seeds and checkpoints."""

from __future__ import annotations

import random
import statistics

import pytest

from evohpo.space import Bool, Choice, Fixed, Float, Int, Repeat, Space, config_key
from evohpo.strategies import make
from evohpo.strategies.aging import AgingEvolution
from tests._checks import error
from tests.strategies.landscapes import (
    MIXED,
    SMOOTH,
    best,
    drive,
    mixed,
    ok,
    proposals_of,
    round_trip,
    smooth,
)

EVERY = Space(i=Int(0, 50), il=Int(1, 1024, log=True), f=Float(-1.0, 1.0),
              fl=Float(1e-5, 1.0, log=True), c=Choice(["a", "b", "c"]),
              o=Choice([1, 2, 4, 8, 16], ordered=True), b=Bool(), k=Fixed("k"),
              r=Repeat(Int(1, 3), w=Int(2, 9)))


def changed(a: dict, b: dict) -> list[str]:
    """The top-level keys (and a Repeat's block fields) whose values differ."""
    out = [k for k in a.keys() | b.keys() if k != "r" and a.get(k) != b.get(k)]
    if len(a.get("r", [])) != len(b.get("r", [])):
        out.append("n_r")
    else:
        out += [f"r{i}" for i, (x, y) in enumerate(zip(a.get("r", []), b.get("r", [])))
                if x != y]
    return out


def test_the_start_is_random_then_every_batch_is_bred_from_the_population():
    aging = AgingEvolution(SMOOTH, seed=1, batch=4, population_size=8, sample_size=3, initial=6)
    first = aging.ask(100)
    assert len(first) == 4 and {p.generation for p in first} == {0}
    with pytest.raises(RuntimeError, match="tell the last batch"):
        aging.ask(4)
    with pytest.raises(ValueError, match="told 1 evaluations for 4 asked"):
        aging.tell([ok(0, 0, first[0].config, 0.0)])
    aging.tell([ok(i, 0, p.config, smooth(p.config)) for i, p in enumerate(first)])
    second = aging.ask(3)  # still the random start (6 > 4 asked), and never more than max_n
    assert len(second) == 3 and {p.generation for p in second} == {1}
    aging.tell([ok(i, 1, p.config, smooth(p.config)) for i, p in enumerate(second)])
    parents = [p.config for p in first + second]
    children = aging.ask(4)
    for child in children:  # each one gene away from a member of the population
        assert any(len(changed(child.config, parent)) == 1 for parent in parents)
    assert not aging.done


def test_the_oldest_dies_whatever_its_score():
    aging = AgingEvolution(SMOOTH, seed=2, batch=5, population_size=7, sample_size=2, initial=5)
    told = []
    for batch in range(4):
        proposals = aging.ask(5)
        scores = [0.0 if batch == 0 else 1.0 + i for i in range(5)]  # the first batch is best
        aging.tell([ok(i, batch, p.config, y) for i, (p, y) in enumerate(zip(proposals, scores))])
        told += [(p.config, y) for p, y in zip(proposals, scores)]
    alive = [(SMOOTH.decode(g), y) for g, y in aging.population]
    assert alive == told[-7:]  # the youngest 7, in age order: the best ones died of age
    assert aging.best[1] == 1.0


def test_the_tournament_parent_is_the_best_of_its_sample():
    """With S = P the best model is in a sample of 10 draws (with replacement) from 10 with
    probability 1 - 0.9^10 = 0.651; its children are one gene away from it."""
    space = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(4)})
    aging = AgingEvolution(space, seed=3, batch=10, population_size=10, sample_size=10,
                           initial=10)
    start = aging.ask(10)
    aging.tell([ok(i, 0, p.config, 0.0 if i == 4 else 1.0) for i, p in enumerate(start)])
    star = start[4].config
    hits = 0
    for _ in range(40):
        children = aging.ask(10)
        hits += sum(len(changed(c.config, star)) == 1 for c in children)
        aging._pending = []  # not told: the next batch comes from the same population
    assert 0.55 * 400 < hits < 0.75 * 400


@pytest.mark.parametrize("mutation", ["resample", "step"])
def test_one_gene_that_counts_changes_on_every_gene_type(mutation):
    aging = AgingEvolution(EVERY, seed=4, mutation=mutation)
    rng = random.Random(0)
    kinds = set()
    for _ in range(400):
        genome = list(EVERY.sample(rng))
        child = aging._mutate_one(list(genome))
        parent_config, child_config = EVERY.decode(genome), EVERY.decode(child)
        diff = changed(parent_config, child_config)
        assert len(diff) == 1, (parent_config, child_config)
        kinds.add(diff[0].rstrip("0123456789") if diff[0].startswith("r") else diff[0])
        moved = [i for i, (a, b) in enumerate(zip(genome, child)) if a != b]
        assert len(moved) == 1  # one slot: dormant blocks are left alone
        if mutation == "step" and diff == ["o"]:  # ordered: a neighbour
            values = EVERY.genes["o"].values
            assert abs(values.index(parent_config["o"]) - values.index(child_config["o"])) == 1
    assert kinds == {"i", "il", "f", "fl", "c", "o", "b", "n_r", "r"}


def test_conditional_genes_mutate_only_while_they_count():
    aging = AgingEvolution(MIXED, seed=5)
    rng = random.Random(1)
    for _ in range(300):
        genome = list(MIXED.sample(rng))
        before = MIXED.decode(genome)
        after = MIXED.decode(aging._mutate_one(list(genome)))
        assert config_key(after) != config_key(before)  # never a dormant gene: a new network
        if before["opt"] == after["opt"] == "adam":
            assert "momentum" not in after


def test_a_space_of_constants_gives_the_parent_back():
    aging = AgingEvolution(Space(k=Fixed(1)), seed=0)
    assert aging._mutate_one([]) == []


def test_seeds_reproduce_and_checkpoints_continue_exactly():
    a = make("aging", MIXED, seed=6, population=5, population_size=8, sample_size=3)
    b = make("aging", MIXED, seed=6, population=5, population_size=8, sample_size=3)
    assert proposals_of(a, 3, mixed) == proposals_of(b, 3, mixed)
    other = make("aging", MIXED, seed=7, population=5, population_size=8, sample_size=3)
    assert proposals_of(other, 3, mixed) != proposals_of(b, 3, mixed)
    resumed = make("aging", MIXED, seed=6, population=5, population_size=8, sample_size=3)
    resumed.load_state_dict(round_trip(a.state_dict()))
    assert proposals_of(resumed, 4, mixed) == proposals_of(a, 4, mixed)
    a.ask(5)
    with pytest.raises(RuntimeError, match="between ask"):
        a.state_dict()
    state = round_trip(resumed.state_dict())
    state["population"][0][0] = [1, 2]
    assert "not one it wrote" in error(lambda: resumed.load_state_dict(state))


def test_failures_enter_the_population_as_the_worst_and_age_out():
    aging = AgingEvolution(SMOOTH, seed=8, batch=6, population_size=6, sample_size=3,
                           initial=6)
    drive(aging, 30, fail=lambda c: c["act"] == "a")
    assert all(y == float("inf") or y >= 0 for _, y in aging.population)
    assert len(aging.population) == 6


@pytest.mark.parametrize(("options", "message"), [
    ({"sample_size": 31}, "sample_size must be a whole number in [1, population_size], got 31"),
    ({"initial": 0}, "initial must be a whole number in [1, population_size], got 0"),
    ({"population_size": 1}, "population_size must be a whole number >= 2, got 1"),
    ({"mutation": "gauss"}, "mutation must be one of resample, step, got 'gauss'"),
])
def test_bad_settings_are_one_line(options, message):
    assert error(lambda: make("aging", SMOOTH, **options)) == message


@pytest.mark.quality
def test_aging_evolution_beats_random_search_at_equal_budget():
    """20 seeds x 150 evaluations in batches of 10 on the smooth landscape (the benchmark
    script runs more seeds and reports the p-value)."""
    aging = [best(drive(make("aging", SMOOTH, seed=s, population=10), 150)) for s in range(20)]
    rand = [best(drive(make("random", SMOOTH, seed=s, population=10), 150)) for s in range(20)]
    assert statistics.median(aging) < statistics.median(rand)
