"""The short chaos run: a CLI campaign SIGKILLed twice (when its CSV holds >= 2 and 5 of 8
rows, and each launch has written a row of its own) and resumed each time ends with the
uninterrupted run's CSV, and no process of a killed campaign outlives it. Runs
``benchmarks/chaos.py`` itself (real TensorFlow workers). Rows arrive in groups (a fused group
writes its members together), so the targets leave room: a kill that lands a group late still
leaves rows for the next one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.tensorflow]

CHAOS = Path(__file__).resolve().parents[1] / "benchmarks" / "chaos.py"


def test_kills_and_resumes_end_with_the_uninterrupted_csv_and_no_orphans(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(CHAOS), "--at-rows", "2,5", "--budget", "8", "--population",
         "4", "--epochs", "1", "--n-jobs", "2", "--seed", "5", "--orphan-limit", "30",
         "--keep", str(tmp_path), "--json"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.stdout.strip(), proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["kills_done"] == 2, proc.stderr[-3000:]
    assert [k["rows_at_kill"] >= k["target_rows"] for k in summary["kills"]] == [True] * 2
    assert all(k["processes"] >= 2 for k in summary["kills"]), summary["kills"]  # workers watched
    assert summary["survivors"] == 0, summary["kills"]
    assert summary["identical_csv"] and summary["rows"] == 8
    assert summary["unexpected_files"] == []
    assert proc.returncode == 0
