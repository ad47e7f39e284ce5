"""Failure isolation: a network that raises, times out or kills its worker is a row, not a crash."""

from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

import pytest

from evohpo import SearchSpace, run_campaign, tasks
from evohpo.fitness import evaluate
from evohpo.results import read
from evohpo.strategies import Proposal, Status

CFG = {"n_layers": 1, "units": [8], "activations": ["relu"], "optimizer": "adam",
       "learning_rate": 0.01, "batch_size": 8}


def test_time_limit_stops_training_as_timeout():
    ev = evaluate(CFG, tasks.digits(), eval_id=0, generation=0, seed=0, epochs=50,
                  time_limit=0.2)
    assert ev.status == Status.TIMEOUT and ev.epochs < 50
    assert "time limit of 0.2 s" in ev.error and ev.objective == float("inf")


def killing_evaluator(config, task, *, marker: str, **kw):
    """Runs in a worker process: units 9 always kills its worker (think out-of-memory); units 10
    kills it once (think a node lost), marked by a file so the retry can succeed."""
    if config["units"] == [9]:
        os.kill(os.getpid(), signal.SIGKILL)
    marker = Path(marker)
    if config["units"] == [10] and not marker.exists():
        marker.write_text("killed once")
        os.kill(os.getpid(), signal.SIGKILL)
    return evaluate(config, task, **kw)


class Fixed:
    """A strategy proposing a fixed list of widths, two per batch."""

    name = "fixed"
    seed = 3
    space = SearchSpace(layers=(1, 1), units=(4, 16))

    def __init__(self, widths):
        self.widths, self.i = list(widths), 0

    @property
    def done(self):
        return self.i >= len(self.widths)

    def ask(self, max_n):
        batch = self.widths[self.i:self.i + min(2, max_n)]
        return [Proposal({**CFG, "units": [w]}, generation=self.i // 2) for w in batch]

    def tell(self, evaluations):
        self.i += len(evaluations)

    def state_dict(self):
        return {"i": self.i}

    def load_state_dict(self, state):
        self.i = state["i"]


@pytest.mark.parametrize("backend", ["loky", "ray"])
def test_dead_workers_are_recorded_and_the_campaign_goes_on(tmp_path, backend):
    evaluator = functools.partial(killing_evaluator, marker=str(tmp_path / "marker"))
    result = run_campaign(Fixed([8, 9, 10, 11, 12, 13]), tasks.iris(), budget=6, epochs=1,
                          n_jobs=2, out=tmp_path / "run", progress=False, evaluator=evaluator,
                          backend=backend)
    frame = read(result.csv).set_index("units_1")
    assert len(frame) == 6
    assert frame.loc[9, "status"] == "crashed" and "worker process died" in frame.loc[9, "error"]
    others = frame.drop(index=9)
    assert (others["status"] == "ok").all()  # the one killed once was retried and scored
    assert (tmp_path / "marker").exists()
    assert result.best is not None and result.best.config["units"] != [9]
