"""The campaign loop end to end on tiny data, in real loky worker processes."""

from __future__ import annotations

import json
import os

import pytest

from evohpo import GeneticSearch, run_campaign
from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read
from evohpo.strategies import Proposal
from tests._fakes import SPACE


@pytest.fixture(scope="module")
def two_runs(iris, tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for n_jobs in (1, 2):
        out[n_jobs] = run_campaign(
            GeneticSearch(SPACE, population=4, seed=7), iris, budget=10, epochs=2,
            n_jobs=n_jobs, out=base / f"n{n_jobs}", progress=False, campaign="same",
        )
    return out


@pytest.mark.tensorflow
@pytest.mark.slow
def test_same_seed_same_csv_whatever_n_jobs(two_runs):
    a, b = (read(r.csv).drop(columns=list(VOLATILE)) for r in two_runs.values())
    assert len(a) == 10 and a["eval_id"].tolist() == list(range(10))
    assert a.equals(b)
    assert (a["status"] == "ok").all() and a["val_accuracy"].between(0, 1).all()
    assert set(a["method"]) == {"ga"}
    assert a["generation"].tolist() == [0] * 4 + [1] * 2 + [2] * 2 + [3] * 2
    # trained in worker processes (never this one), at most two of them, reused for 10 runs;
    # whether both got work depends on scheduling, so that is not asserted
    pids = {int(w.rsplit(":", 1)[1]) for w in read(two_runs[2].csv)["worker"]}
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids


@pytest.mark.tensorflow
@pytest.mark.slow
def test_best_model_is_saved_and_scored_on_test(two_runs, iris):
    result = two_runs[2]
    best = result.best
    frame = read(result.csv)
    assert best.val_accuracy == frame["val_accuracy"].max()
    assert 0 <= best.test_accuracy <= 1
    summary = json.loads((result.out / "best.json").read_text())
    assert summary["best"]["test_accuracy"] == best.test_accuracy
    assert summary["evaluations"] == 10 and summary["status_counts"] == {"ok": 10}
    import keras

    model = keras.saving.load_model(best.model_path)
    acc = float((model.predict(iris.x_test, verbose=0).argmax(axis=1) == iris.y_test).mean())
    assert acc == pytest.approx(best.test_accuracy, abs=1e-6)
    assert str(best).startswith(f"eval {best.eval_id}: ")


@pytest.mark.tensorflow
@pytest.mark.slow
def test_existing_results_are_never_silently_overwritten(two_runs, iris):
    out = two_runs[1].out
    with pytest.raises(EvohpoError, match="already holds a campaign"):
        run_campaign(GeneticSearch(SPACE, 4), iris, budget=2, out=out, progress=False)


def _mlp(units: int) -> dict:
    return {"layers": [{"units": units, "activation": "relu"}], "optimizer": "adam",
            "learning_rate": 0.01, "batch_size": 32}


class Repeater:
    """A user-written strategy: proposes the same two networks over and over."""

    name = "repeat"
    seed = 0
    space = SPACE
    done = False

    def ask(self, max_n):
        return [Proposal(_mlp(8 + i % 2)) for i in range(min(3, max_n))]

    def tell(self, evaluations):
        self.told = evaluations

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class NoState:
    """A strategy that forgot the checkpoint half of the protocol."""

    name, seed, space, done = "nostate", 0, SPACE, False

    def ask(self, max_n):
        return [Proposal(_mlp(8))]

    def tell(self, evaluations):
        pass


def test_a_strategy_missing_part_of_the_protocol_is_refused_before_training(tmp_path, iris):
    with pytest.raises(EvohpoError, match="state_dict, load_state_dict"):
        run_campaign(NoState(), iris, budget=2, epochs=1, out=tmp_path / "r", progress=False)
    assert not (tmp_path / "r").exists()


@pytest.mark.tensorflow
def test_duplicates_come_from_the_cache(tmp_path, iris):
    result = run_campaign(Repeater(), iris, budget=6, epochs=1, n_jobs=2, out=tmp_path / "r",
                          progress=False, save_best=False)
    frame = read(result.csv)
    assert frame["cached"].tolist() == [False, False, True, True, True, True]
    assert result.cache_hits == 4
    first = frame.set_index("layers_1_units").loc[8]
    assert first["val_accuracy"].nunique() == 1  # a cache hit repeats the original's score
    assert (frame.loc[frame["cached"], "worker"] == "cache").all()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"budget": 0}, "budget must be"), ({"budget": 3, "n_jobs": 0}, "n_jobs must be"),
     ({"budget": 3, "epochs": 0}, "epochs must be")],
)
def test_bad_campaign_arguments(tmp_path, iris, kwargs, fragment):
    with pytest.raises(EvohpoError, match=fragment):
        run_campaign(GeneticSearch(SPACE, 4), iris, out=tmp_path / "x", **kwargs)


def test_unwritable_output_folder(tmp_path, iris):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(EvohpoError, match="file is a file, not a folder"):
        run_campaign(GeneticSearch(SPACE, 4), iris, budget=2, out=blocker / "sub")
