"""``evohpo compare --resume``: a comparison stopped half way continues to the summary, report
and plots of one that never stopped. No TensorFlow: a fake evaluator on the threading backend;
the stop is an exception from inside a run, which leaves the folder as a kill does (runs done,
one run with a checkpoint and rows after it, runs not started)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from evohpo import compare_state
from evohpo.cli import main
from evohpo.compare import compare, make_plan
from evohpo.compare_state import RunState
from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read
from tests._fakes import SPACE, fake_evaluate

SETTINGS = dict(seeds=2, budget=6, epochs=1, n_jobs=1, population=4, levels=2,
                backend="threading")
RUN_KW = dict(save_best=False, progress=False)
KILL_AT = 17  # the evaluation call that "kills" the comparison: in its third run of six


class Killed(Exception):
    """Stands for a SIGKILL in the middle of a run."""


def _plan(out: Path, **change):
    return make_plan("iris", SPACE, out=out, **{**SETTINGS, **change})


def _killing_at(n: int):
    calls = {"n": 0}

    def evaluate(job, setup):
        calls["n"] += 1
        if calls["n"] == n:
            raise Killed(f"killed at evaluation call {n}")
        return fake_evaluate(job, setup)

    return evaluate


def _counting(calls: list):
    def evaluate(job, setup):
        calls.append(job.eval_id)
        return fake_evaluate(job, setup)

    return evaluate


@dataclass
class Runs:
    whole: Path
    killed: Path
    states: dict[str, RunState]
    whole_calls: int
    resume_calls: int
    kept_untouched: bool


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    base = tmp_path_factory.mktemp("cmp")
    whole_calls: list[int] = []
    compare(_plan(base / "whole"), evaluator=_counting(whole_calls), **RUN_KW)
    killed = base / "killed"
    with pytest.raises(Killed):
        compare(_plan(killed), evaluator=_killing_at(KILL_AT), **RUN_KW)
    plan = _plan(killed)
    states = {f"{m}-seed{s}": compare_state.run_state(plan.folder(m, s), grid=m == "grid")
              for m, s in plan.runs}
    done = {n: (killed / n / "results.csv").stat().st_mtime_ns
            for n, st in states.items() if st == RunState.DONE}
    resume_calls: list[int] = []
    compare(_plan(killed), resume=True, evaluator=_counting(resume_calls), **RUN_KW)
    untouched = all((killed / n / "results.csv").stat().st_mtime_ns == t for n, t in done.items())
    return Runs(base / "whole", killed, states, len(whole_calls), len(resume_calls), untouched)


@pytest.mark.slow
def test_the_stop_landed_half_way_and_nothing_finished_was_redone(runs):
    states = list(runs.states.values())
    assert states.count(RunState.DONE) >= 2 and states.count(RunState.NEW) >= 2
    assert states.count(RunState.STARTED) == 1
    assert runs.kept_untouched  # finished runs kept as they were
    # every evaluation that finished before the stop is reused, none is trained twice
    assert runs.resume_calls == runs.whole_calls - (KILL_AT - 1)


@pytest.mark.slow
def test_resumed_comparison_equals_an_uninterrupted_one(runs):
    whole, killed = runs.whole, runs.killed
    for run in sorted(p.name for p in whole.iterdir() if p.is_dir()):
        a = read(whole / run / "results.csv").drop(columns=list(VOLATILE))
        b = read(killed / run / "results.csv").drop(columns=list(VOLATILE))
        assert a.equals(b), run
    timing = [c for c in pd.read_csv(whole / "summary.csv").columns if c.startswith("seconds")]
    a = pd.read_csv(whole / "summary.csv").drop(columns=timing)
    b = pd.read_csv(killed / "summary.csv").drop(columns=timing)
    pd.testing.assert_frame_equal(a, b)
    md_a, md_b = ((p / "report.md").read_text() for p in (whole, killed))
    untimed = compare_state.without_timings(md_a)
    assert "total - s" in untimed and untimed.count("±") == md_a.count("±") - 3  # 3 methods
    assert untimed == compare_state.without_timings(md_b)
    pngs = sorted(p.name for p in whole.glob("*.png"))
    assert len(pngs) == 4
    for name in pngs:
        assert (whole / name).read_bytes() == (killed / name).read_bytes(), name
    record = json.loads((killed / "compare.json").read_text())
    assert record["finished"] and record["grid_size"] == json.loads(
        (whole / "compare.json").read_text())["grid_size"]


@pytest.mark.parametrize("change, needle", [
    ({"budget": 8}, "it was run with budget 6, not 8; pass the same --budget"),
    ({"seeds": 3}, "it was run with seeds 2, not 3; pass the same --seeds"),
    ({"levels": 3}, "pass the same --levels"),
    ({"cv": 3}, "it was run with cv 0, not 3; pass the same --cv"),
])
@pytest.mark.slow
def test_resume_refuses_other_settings(runs, change, needle):
    killed = runs.killed
    with pytest.raises(EvohpoError, match=re.escape(needle)):
        compare(_plan(killed, **change), resume=True, evaluator=fake_evaluate, **RUN_KW)


@pytest.mark.slow
def test_resume_may_change_n_jobs(runs):
    killed = runs.killed
    report = compare(_plan(killed, n_jobs=2), resume=True, evaluator=fake_evaluate, **RUN_KW)
    assert report.summary_csv.is_file()


def test_resume_needs_a_comparison(tmp_path):
    with pytest.raises(EvohpoError, match="nothing to resume in .*no compare.json"):
        compare(_plan(tmp_path / "none"), resume=True, evaluator=fake_evaluate, **RUN_KW)
    assert not (tmp_path / "none").exists()
    with pytest.raises(EvohpoError, match="exclude each other"):
        compare(_plan(tmp_path / "x"), resume=True, overwrite=True)


@pytest.mark.slow
def test_cli_compare_resume_refuses_other_settings_in_one_line(runs, error_line):
    killed = runs.killed
    code = main(["compare", "--task", "iris", "--seeds", "2", "--budget", "9", "--epochs", "1",
                 "--population", "4", "--levels", "2", "--layers", "1,2", "--units", "4,32",
                 "--activations", "relu,tanh", "--optimizers", "adam,rmsprop",
                 "--learning-rate", "1e-3,3e-2", "--out", str(killed), "--resume"])
    assert code == 2 and "pass the same --budget" in error_line()
