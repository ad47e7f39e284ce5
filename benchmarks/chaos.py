"""Issue 15 figure: SIGKILL a campaign N times at random moments, resume it each time, and check
that the final CSV equals an uninterrupted run's and that no worker outlives a kill.

    .venv/bin/python benchmarks/chaos.py --kills 20 --budget 60 --json
    .venv/bin/python benchmarks/chaos.py --kills 3 --at-rows 2,5,8 --budget 12 ...   # the test

Both campaigns run through the CLI (``evohpo search``, GA, iris by default) in their own process
group. A kill waits until the CSV holds a seeded-random number of rows (or the ``--at-rows``
given) and at least one row more than when that launch started, then a seeded-random delay
of up to ``--max-delay`` seconds (so kills land in worker start-up, mid-generation, in a
checkpoint write or in the final model's training), and SIGKILLs the campaign process alone,
as ``kill -9 PID`` does: its workers must then go by themselves. Every descendant seen just
before the kill, and every process left in its group, is watched until it is gone; one alive
after ``--orphan-limit`` seconds counts as a survivor (and is then killed). Timing and worker
columns (results.VOLATILE) are ignored in the comparison.
Exit code 1 if the CSVs differ, a kill did not happen, or any process survived.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from evohpo.errors import EvohpoError
from evohpo.results import VOLATILE, read, read_rows

EXPECTED_FILES = {"results.csv", "checkpoint.json", "best.json", "best.keras"}


@dataclass
class Kill:
    """One kill: when it landed and how long the campaign's processes outlived it."""

    target_rows: int
    delay: float
    rows_at_kill: int = 0
    processes: int = 0  # descendants and group members watched after the kill
    longest_survival: float = 0.0  # seconds from the kill until the last of them was gone
    survivors: list[str] = field(default_factory=list)  # alive after --orphan-limit


def _rows(csv: Path) -> int:
    try:
        return len(read_rows(csv)[1])
    except (OSError, EvohpoError):
        return 0


def _cli(args: argparse.Namespace, out: Path, resume: bool) -> list[str]:
    cmd = [sys.executable, "-m", "evohpo.cli", "search", "--task", args.task, "--method", "ga",
           "--budget", str(args.budget), "--population", str(args.population),
           "--epochs", str(args.epochs), "--seed", str(args.seed), "--n-jobs", str(args.n_jobs),
           "--out", str(out), "--quiet"]
    return cmd + (["--resume"] if resume else [])


def _launch(cmd: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as f:
        return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _group(pgid: int) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid:
                found.append(proc)
        except (ProcessLookupError, psutil.Error):
            pass
    return found


def _kill_and_watch(proc: subprocess.Popen, kill: Kill, limit: float) -> None:
    """SIGKILL the campaign process alone, then watch everything it had started."""
    try:
        watched = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        watched = []
    os.kill(proc.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    proc.wait()
    watched = list({p.pid: p for p in watched + _group(proc.pid)}.values())  # late spawns too
    kill.processes = len(watched)
    left = [p for p in watched if _alive(p)]
    while left and time.monotonic() - killed_at < limit:
        time.sleep(0.02)
        left = [p for p in left if _alive(p)]
        kill.longest_survival = time.monotonic() - killed_at
    kill.longest_survival = round(kill.longest_survival, 2)
    for p in left:
        try:
            kill.survivors.append(" ".join(p.cmdline())[-80:])
            p.kill()
        except psutil.Error:
            pass


def chaos(args: argparse.Namespace, out: Path, logs: Path) -> tuple[list[Kill], float, int]:
    """Kill and resume the campaign ``args.kills`` times, then let it finish."""
    rng = random.Random(args.kill_seed)
    if args.at_rows:
        plan = [Kill(int(k), 0.0) for k in args.at_rows.split(",")]
    else:
        targets = sorted(rng.randrange(args.budget) for _ in range(args.kills))
        plan = [Kill(t, round(rng.uniform(0, args.max_delay), 2)) for t in targets]
    kills: list[Kill] = []
    started = time.monotonic()
    resume = False
    for kill in plan:
        proc = _launch(_cli(args, out, resume), logs / f"launch{len(kills)}.log")
        resume = True
        # Kill only once this launch has written a row itself: its workers then exist, and a
        # kill that lands before they start would watch nothing (the CSV may already hold the
        # target when a previous kill landed late, after a whole group's rows).
        goal = max(kill.target_rows, _rows(out / "results.csv") + 1)
        while _rows(out / "results.csv") < goal and proc.poll() is None:
            time.sleep(0.02)
        deadline = time.monotonic() + kill.delay
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None:  # it finished first: the remaining kills cannot happen
            break
        kill.rows_at_kill = _rows(out / "results.csv")
        _kill_and_watch(proc, kill, args.orphan_limit)
        kills.append(kill)
        print(f"kill {len(kills):>2}: at {kill.rows_at_kill:>3} rows (+{kill.delay:.2f} s), "
              f"{kill.processes} processes gone after {kill.longest_survival:.2f} s"
              + (f", SURVIVORS {kill.survivors}" if kill.survivors else ""),
              file=sys.stderr, flush=True)
    final = subprocess.run(_cli(args, out, resume), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    if final.returncode != 0:
        print(final.stderr[-2000:], file=sys.stderr)
    return kills, time.monotonic() - started, final.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--at-rows", default=None, metavar="K1,K2,...",
                   help="kill when the CSV has >= Ki rows, no delay (replaces random moments)")
    ap.add_argument("--task", default="iris")
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--population", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0, help="the campaign's seed")
    ap.add_argument("--kill-seed", type=int, default=0, help="seed of the kill moments")
    ap.add_argument("--max-delay", type=float, default=3.0,
                    help="random extra wait after the row target, seconds")
    ap.add_argument("--orphan-limit", type=float, default=10.0,
                    help="a process alive this long after a kill is a survivor")
    ap.add_argument("--keep", default=None, help="keep the campaigns and logs in this folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.at_rows:
        args.kills = len(args.at_rows.split(","))
    with tempfile.TemporaryDirectory(prefix="evohpo-chaos-") as tmp:
        base = Path(args.keep or tmp)
        for sub in ("whole", "chaos", "logs"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        whole = subprocess.run(_cli(args, base / "whole" / "run", False), capture_output=True,
                               text=True, start_new_session=True)
        wall_whole = time.monotonic() - t0
        if whole.returncode != 0:
            print(whole.stderr[-2000:], file=sys.stderr)
            return 1
        kills, wall_chaos, code = chaos(args, base / "chaos" / "run", base / "logs")
        a = read(base / "whole" / "run" / "results.csv").drop(columns=list(VOLATILE))
        b = read(base / "chaos" / "run" / "results.csv").drop(columns=list(VOLATILE))
        identical = bool(code == 0 and a.equals(b))
        extra = sorted(p.name for p in (base / "chaos" / "run").iterdir()
                       if p.name not in EXPECTED_FILES)
    summary = {
        "kills_planned": args.kills, "kills_done": len(kills), "budget": args.budget,
        "rows": len(b), "identical_csv": identical, "unexpected_files": extra,
        "longest_survival_seconds": max((k.longest_survival for k in kills), default=0.0),
        "survivors": sum(len(k.survivors) for k in kills),
        "processes_watched": sum(k.processes for k in kills),
        "wall_uninterrupted_seconds": round(wall_whole, 1),
        "wall_with_kills_seconds": round(wall_chaos, 1),
        "kills": [asdict(k) for k in kills],
    }
    print(f"{len(kills)}/{args.kills} kills, CSV identical to the uninterrupted run's: "
          f"{identical}; longest a process outlived a kill: "
          f"{summary['longest_survival_seconds']:.2f} s, survivors: {summary['survivors']}; "
          f"wall {summary['wall_with_kills_seconds']} s with kills vs "
          f"{summary['wall_uninterrupted_seconds']} s uninterrupted"
          + (f"; files left behind: {extra}" if extra else ""))
    if args.json:
        print(json.dumps(summary))
    ok = identical and len(kills) == args.kills and not summary["survivors"] and not extra
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
