"""Optuna's TPE and CMA-ES as strategies (evohpo/strategies/optuna_search.py): batches asked
before any is told, seeds, checkpoints that replay to the same proposals, failures told as
FAIL, several objectives for TPE, and one line when Optuna is not installed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from optuna.trial import TrialState

from evohpo.space import Choice, Float, Int, Space
from evohpo.strategies import make
from evohpo.strategies.optuna_search import CmaEsSearch, TPESearch
from tests._checks import error
from tests.strategies.landscapes import (
    MIXED,
    SMALL,
    SMOOTH,
    _drive,
    _two,
    drive,
    mixed,
    ok,
    proposals_of,
    round_trip,
)

PEERS = ["tpe", "cmaes"]


@pytest.mark.parametrize("method", PEERS)
def test_a_batch_is_asked_whole_before_it_is_told(method):
    search = make(method, SMOOTH, seed=1, population=6)
    first = search.ask(100)
    assert len(first) == 6 and {p.generation for p in first} == {0}
    states = [t.state for t in search._study.trials]
    assert states == [TrialState.RUNNING] * 6  # Optuna's parallel form: all open at once
    with pytest.raises(RuntimeError, match="tell the last batch"):
        search.ask(6)
    with pytest.raises(ValueError, match="told 2 evaluations for 6 asked"):
        search.tell([ok(0, 0, p.config, 0.0) for p in first[:2]])
    search.tell([ok(i, 0, p.config, float(i)) for i, p in enumerate(first)])
    assert search.trials == 6 and [t.value for t in search._study.trials] == list(range(6))
    assert len(search.ask(4)) == 4 and not search.done  # never more than max_n


@pytest.mark.parametrize("method", PEERS)
def test_seeds_reproduce_past_the_random_start(method):
    runs = [proposals_of(make(method, MIXED, seed=s, population=6), 4, mixed) for s in (3, 3, 4)]
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert len({str(c) for c in runs[0][3]}) > 1  # a model-based batch is not one point


@pytest.mark.parametrize("method", PEERS)
@pytest.mark.parametrize("space", [SMOOTH, MIXED], ids=["flat", "conditional"])
def test_a_restored_search_proposes_what_the_uninterrupted_one_does(method, space):
    whole = make(method, space, seed=5, population=5)
    proposals_of(whole, 3, mixed if space is MIXED else lambda c: len(str(c)) / 10)
    state = round_trip(whole.state_dict())
    resumed = make(method, space, seed=5, population=5)
    resumed.load_state_dict(state)
    objective = mixed if space is MIXED else lambda c: len(str(c)) / 10
    assert proposals_of(resumed, 3, objective) == proposals_of(whole, 3, objective)
    whole.ask(5)
    with pytest.raises(RuntimeError, match="between ask"):
        whole.state_dict()


def test_a_checkpoint_that_replays_otherwise_is_one_line():
    search = make("tpe", SMOOTH, seed=6, population=4)
    proposals_of(search, 2)
    state = round_trip(search.state_dict())
    state["batches"][1][0]["config"]["act"] = "z"
    assert error(lambda: make("tpe", SMOOTH, seed=6, population=4).load_state_dict(state)) == (
        f"cannot resume the tpe search: Optuna {state['optuna']} replays it differently from "
        f"the Optuna {state['optuna']} that wrote the checkpoint (or another population); "
        "resume with that version, or start again with --overwrite")
    del state["batches"]
    assert "not one it wrote" in error(
        lambda: make("tpe", SMOOTH, seed=6, population=4).load_state_dict(state))


@pytest.mark.parametrize("method", PEERS)
def test_failures_are_told_as_failed_trials(method):
    search = make(method, SMOOTH, seed=7, population=6)
    evals = drive(search, 24, fail=lambda c: c["act"] == "a")
    states = [t.state for t in search._study.trials]
    assert states.count(TrialState.FAIL) == sum(not e.ok for e in evals) > 0
    assert states.count(TrialState.COMPLETE) == sum(e.ok for e in evals)


def test_tpe_takes_optuna_5_defaults_and_groups_a_dynamic_space():
    flat, dynamic = TPESearch(SMOOTH), TPESearch(MIXED)
    assert (flat.n_startup_trials, flat.n_ei_candidates, flat.multivariate,
            flat.constant_liar) == (10, 24, None, True)
    assert flat.group is False and dynamic.group is True
    assert TPESearch(MIXED, n_objectives=2).group is False  # MOTPE: independent by default
    assert TPESearch(MIXED, group=False).group is False
    cma = CmaEsSearch(SMOOTH)
    assert (cma.n_startup_trials, cma.popsize, cma.with_margin) == (1, None, False)


def test_tpe_searches_several_objectives():
    search = make("tpe", SMALL, seed=8, population=4, n_objectives=2)
    assert search.n_objectives == 2
    _drive(search, 4, _two)
    trials = search._study.trials
    assert len(trials) == 16 and all(len(t.values) == 2 for t in trials)
    assert [t.values for t in trials[:2]] == [
        list(_two(c)) for c in (search._history[0][0]["config"],
                                search._history[0][1]["config"])]


def test_the_samplers_own_options_are_checked_and_reach_them():
    assert error(lambda: make("tpe", SMOOTH, n_startup_trials=-1)) == (
        "n_startup_trials must be a whole number >= 0, got -1")
    assert error(lambda: make("cmaes", SMOOTH, popsize=1)) == (
        "popsize must be a whole number >= 2, got 1")
    assert error(lambda: make("tpe", SMOOTH, popsize=4)).startswith("unknown TPE option(s) popsize")

    def batches(**options) -> list[list[dict]]:
        return proposals_of(make("tpe", SMOOTH, seed=9, population=5, **options), 3)

    assert batches(n_startup_trials=20) == batches(n_startup_trials=100)  # all random start
    default = batches()  # 10: the third batch is TPE's own
    assert default[:2] == batches(n_startup_trials=20)[:2]
    assert default[2] != batches(n_startup_trials=20)[2]


@pytest.mark.parametrize(("method", "missing"), [("tpe", "optuna"), ("cmaes", "optuna"),
                                                 ("cmaes", "cmaes")])
def test_a_missing_optuna_is_one_line_naming_the_extra(method, missing, monkeypatch):
    monkeypatch.setitem(sys.modules, missing, None)  # import optuna now raises ImportError
    assert error(lambda: make(method, SMOOTH)) == (
        f"the {method} method needs the {missing} package, which is not installed; "
        "pip install 'evohpo[optuna]'")


def test_importing_evohpo_never_imports_optuna():
    code = ("import sys, evohpo, evohpo.strategies, evohpo.compare; "
            "print(sorted(m for m in ('optuna', 'cmaes') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_an_ordered_choice_is_modelled_as_numbers_by_cmaes():
    """CMA-ES models the numeric parameters every trial holds: an ordered choice (an index)
    moves towards the good end; its independent sampler would stay uniform."""
    space = Space(o=Choice(list(range(20)), ordered=True), x=Float(-1.0, 1.0), n=Int(0, 30))
    search = make("cmaes", space, seed=10, population=8)
    evals = drive(search, 120, objective=lambda c: (c["o"] - 3) ** 2 + c["x"] ** 2)
    late = [e.config["o"] for e in evals[-24:]]
    assert sum(abs(o - 3) <= 2 for o in late) > 12  # uniform: 5 / 20 of 24 = 6
