"""A full disk stops a campaign with one line, keeps every row it wrote, and --resume finishes
it once space is free, with the CSV of a run that never failed. No TensorFlow: a fake
evaluator on the threading backend."""

from __future__ import annotations

import errno
import functools
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evohpo import GeneticSearch, campaign, files, tasks
from evohpo.cli import main
from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read, read_rows
from tests._fakes import SPACE, fake_evaluate

REPO = Path(__file__).resolve().parents[1]  # the scripts below import tests._fakes from it

BUDGET = 12
RUN = dict(budget=BUDGET, epochs=1, n_jobs=1, backend="threading", save_best=False,
           progress=False, evaluator=fake_evaluate)


def _run(out: Path, **kw):
    return campaign.run_campaign(GeneticSearch(SPACE, population=4, seed=3), tasks.iris(),
                                 out=out, campaign="disk", **RUN, **kw)


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """The CSV of the same campaign with a disk that never fills."""
    result = _run(tmp_path_factory.mktemp("twin") / "run")
    return read(result.csv).drop(columns=list(VOLATILE))


def _full_at(n: int, real):
    """A row writer whose ``n``-th call writes half its row, then fails like a full disk."""
    calls = {"n": 0}

    def append(path, text, **kw):
        calls["n"] += 1
        if calls["n"] == n:
            with open(path, "a") as f:
                f.write(text[: len(text) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text, **kw)

    return append


@pytest.mark.parametrize("nth_row", [1, 6, 11])
def test_full_disk_at_a_row_stops_keeps_rows_and_resumes(tmp_path, monkeypatch, twin, nth_row):
    out = tmp_path / "run"
    monkeypatch.setattr(files, "append", _full_at(nth_row, files.append))
    with pytest.raises(EvohpoError) as info:
        _run(out)
    message = str(info.value)
    assert "\n" not in message and str(out) in message
    assert "No space left on device (ENOSPC)" in message and "--resume" in message
    kept = read(out / "results.csv").drop(columns=list(VOLATILE))  # the torn half is no row
    assert len(kept) == nth_row - 1
    same = twin.set_index("eval_id").loc[kept["eval_id"]].reset_index()[list(kept.columns)]
    # each kept row is the finished row
    pd.testing.assert_frame_equal(kept, same, check_dtype=False, check_index_type=False)
    ckpt = json.loads((out / "checkpoint.json").read_text())
    assert not ckpt["finished"] and ckpt["n_evals"] <= nth_row - 1
    monkeypatch.undo()  # space is free again
    _run(out, resume=True)
    resumed = read(out / "results.csv").drop(columns=list(VOLATILE))
    assert resumed.equals(twin)


def test_full_disk_while_checkpointing_keeps_the_previous_checkpoint(tmp_path, monkeypatch,
                                                                      twin):
    out = tmp_path / "run"
    real, seen = files._fill, []

    def fill(f, text):
        if '"evohpo_checkpoint"' in text:
            seen.append(json.loads(text)["n_evals"])
            if len(seen) == 3:  # the checkpoint after the second generation
                raise OSError(errno.ENOSPC, "No space left on device")
        real(f, text)

    monkeypatch.setattr(files, "_fill", fill)
    with pytest.raises(EvohpoError, match=r"cannot write checkpoint\.json in .*ENOSPC"):
        _run(out)
    ckpt = json.loads((out / "checkpoint.json").read_text())
    assert ckpt["n_evals"] == seen[1] < seen[2]  # the one before the failed write
    assert not list(out.glob(".checkpoint.json.*"))  # no temporary file left behind
    assert len(read_rows(out / "results.csv")[1]) == seen[2]  # and the rows after it
    monkeypatch.undo()
    _run(out, resume=True)
    assert read(out / "results.csv").drop(columns=list(VOLATILE)).equals(twin)


def test_cli_full_disk_is_one_error_line_with_exit_2(tmp_path, monkeypatch, error_line):
    out = tmp_path / "cli"
    fake = functools.partial(campaign.run_campaign, evaluator=fake_evaluate,
                             backend="threading", save_best=False)
    monkeypatch.setattr(campaign, "run_campaign", fake)
    monkeypatch.setattr(files, "append", _full_at(3, files.append))
    code = main(["search", "--task", "iris", "--budget", "8", "--population", "4",
                 "--epochs", "1", "--out", str(out), "--quiet"])
    line = error_line()
    assert code == 2
    assert line.startswith("error: cannot write results.csv in ") and str(out) in line
    assert "No space left on device" in line


LIMITED = r'''
import json, resource, sys
sys.path.insert(0, sys.argv[2])
from tests._fakes import SPACE, fake_evaluate
from evohpo import GeneticSearch, run_campaign, tasks
from evohpo.errors import EvohpoError


resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[3]), resource.RLIM_INFINITY))
try:
    run_campaign(GeneticSearch(SPACE, population=4, seed=3), tasks.iris(), out=sys.argv[1],
                 budget=60, epochs=1, n_jobs=1, backend="threading", save_best=False,
                 progress=False, evaluator=fake_evaluate, campaign="disk")
except EvohpoError as exc:
    print(json.dumps(str(exc)))
'''


@pytest.mark.parametrize("limit", [12_000, 20_000])
@pytest.mark.slow
def test_a_real_write_error_from_the_kernel(tmp_path, limit):
    """No monkeypatch: in a child process the kernel refuses to let a file grow past
    RLIMIT_FSIZE (EFBIG). The GA checkpoint is the first file to reach it: at 12 kB already
    the first one (then nothing has started and the same command simply runs again), at 20 kB
    a later one (then --resume continues)."""
    out, script = tmp_path / "run", tmp_path / "limited.py"
    script.write_text(LIMITED)
    proc = subprocess.run([sys.executable, str(script), str(out), str(REPO),
                           str(limit)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    message = json.loads(proc.stdout)
    assert message.startswith(f"cannot write checkpoint.json in {out}: File too large (EFBIG)")
    assert not list(out.glob(".*.tmp"))

    def run60(folder: Path, **kw):
        return campaign.run_campaign(GeneticSearch(SPACE, population=4, seed=3), tasks.iris(),
                                     out=folder, campaign="disk", **{**RUN, "budget": 60}, **kw)

    assert (out / "checkpoint.json").exists() == (limit == 20_000)
    if limit == 20_000:
        assert 0 < json.loads((out / "checkpoint.json").read_text())["n_evals"] < 60
        assert message.endswith("run the same command with --resume")
        run60(out, resume=True)  # in this process: no size limit, the "disk" has room again
    else:
        assert message.endswith("run the same command again")
        assert not (out / "results.csv").exists()  # so running again is not refused
        run60(out)
    twin = run60(tmp_path / "twin")
    resumed = read(out / "results.csv").drop(columns=list(VOLATILE))
    assert resumed.equals(read(twin.csv).drop(columns=list(VOLATILE)))
