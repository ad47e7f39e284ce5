"""Issue 15 figure: SIGKILL ``evohpo compare`` about half way, ``--resume`` it, and check that its
summary, report, plots and every run's CSV equal an uninterrupted comparison's (timings aside).

    .venv/bin/python benchmarks/compare_resume.py [--budget 12 --seeds 2 --epochs 2] --json

Both comparisons run through the CLI in their own process group. The kill lands when the run
CSVs together hold half of all evaluations, and hits the compare process alone (``kill -9``):
its workers must go by themselves (watched as in ``chaos.py``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from chaos import Kill, _kill_and_watch, _launch, _rows

from evohpo.compare_state import run_state, without_timings
from evohpo.results import VOLATILE, read


def _cli(args: argparse.Namespace, out: Path, resume: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "evohpo.cli", "compare", "--task", args.task,
           "--budget", str(args.budget), "--seeds", str(args.seeds), "--epochs",
           str(args.epochs), "--population", str(args.population), "--n-jobs",
           str(args.n_jobs), "--out", str(out), "--quiet"]
    return cmd + (["--resume"] if resume else [])


def _total_rows(out: Path) -> int:
    return sum(_rows(p) for p in out.glob("*-seed*/results.csv"))


def _same(whole: Path, resumed: Path) -> dict[str, bool]:
    """Which outputs of the two comparisons are equal, timing columns and lines aside."""
    timing = [c for c in pd.read_csv(whole / "summary.csv").columns if c.startswith("seconds")]
    summary = pd.read_csv(whole / "summary.csv").drop(columns=timing).equals(
        pd.read_csv(resumed / "summary.csv").drop(columns=timing))
    report = without_timings((whole / "report.md").read_text()) == without_timings(
        (resumed / "report.md").read_text())
    plots = all((whole / p.name).read_bytes() == p.read_bytes() for p in resumed.glob("*.png"))
    runs = sorted(p.parent.name for p in whole.glob("*-seed*/results.csv"))
    csvs = all(read(whole / r / "results.csv").drop(columns=list(VOLATILE)).equals(
        read(resumed / r / "results.csv").drop(columns=list(VOLATILE))) for r in runs)
    return {"summary": bool(summary), "report": report, "plots": plots, "run_csvs": csvs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="iris")
    ap.add_argument("--budget", type=int, default=12)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--population", type=int, default=6)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="keep both comparisons in this folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    total = 3 * args.seeds * args.budget  # ga, random, grid
    with tempfile.TemporaryDirectory(prefix="evohpo-cmp-resume-") as tmp:
        base = Path(args.keep or tmp)
        base.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        whole = subprocess.run(_cli(args, base / "whole"), capture_output=True, text=True)
        wall_whole = time.monotonic() - t0
        if whole.returncode != 0:
            print(whole.stderr[-2000:], file=sys.stderr)
            return 1
        killed = base / "killed"
        t0 = time.monotonic()
        proc = _launch(_cli(args, killed), base / "killed.log")
        while _total_rows(killed) < total // 2 and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None:
            print("the comparison finished before the kill", file=sys.stderr)
            return 1
        kill = Kill(total // 2, 0.0, rows_at_kill=_total_rows(killed))
        _kill_and_watch(proc, kill, 10.0)
        states = [run_state(p.parent, grid=p.parent.name.startswith("grid")).value
                  for p in killed.glob("*-seed*/results.csv")]
        resumed = subprocess.run(_cli(args, killed, resume=True), capture_output=True,
                                 text=True)
        wall_killed = time.monotonic() - t0
        if resumed.returncode != 0:
            print(resumed.stderr[-2000:], file=sys.stderr)
            return 1
        same = _same(base / "whole", killed)
    summary = {
        "evaluations": total, "rows_at_kill": kill.rows_at_kill,
        "runs": 3 * args.seeds, "runs_done_at_kill": states.count("done"),
        "runs_in_flight_at_kill": states.count("started"),
        "longest_survival_seconds": kill.longest_survival, "survivors": len(kill.survivors),
        "equal": same, "wall_uninterrupted_seconds": round(wall_whole, 1),
        "wall_killed_and_resumed_seconds": round(wall_killed, 1),
    }
    print(f"killed at {kill.rows_at_kill}/{total} evaluations; resume kept "
          f"{summary['runs_done_at_kill']} finished runs and resumed "
          f"{summary['runs_in_flight_at_kill']}; "
          f"equal to the uninterrupted comparison: {same}; processes gone "
          f"{kill.longest_survival:.2f} s after the kill")
    if args.json:
        print(json.dumps(summary))
    return 0 if all(same.values()) and not kill.survivors else 1


if __name__ == "__main__":
    raise SystemExit(main())
