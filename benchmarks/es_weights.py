"""Benchmark: (1+1)-ES direct weight search on the tiny tasks, and the Keras SGD recipe beside it.

    python benchmarks/es_weights.py                    # everything, ~1-2 min on one core
    python benchmarks/es_weights.py --sgd-tasks all    # SGD on every task too (a few min more)

Targets (issue 4): XOR 2-2-1 tanh, seeds 0-99, budget 5,000: 100/100 solved, median <= 700
evaluations, all 100 seeds <= 10 s on one core. The process pins itself to one CPU (Linux) so
"one core" is literal; XOR is timed ``--repeat`` times and the best and all times are printed,
since a shared machine makes single timings noisy. Same seeds and defaults as the CLI; nothing
is tuned per seed.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("EVOHPO_TF_THREADS", "1")

from evohpo import tasks, weights  # noqa: E402 - after the thread settings


def _pin_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def es_row(task_name: str, hidden: list[int], activation: str, seeds: range, budget: int,
           repeat: int = 1, **es_options) -> dict:
    task = tasks.get(task_name)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        runs = [
            weights.search_weights(task, hidden, activation, s, budget, **es_options)
            for s in seeds
        ]
        times.append(time.perf_counter() - start)
    summary = weights.summarise_es(runs, min(times))
    net = weights.NumpyMLP.for_task(task, hidden, activation)
    solved_evals = [r.evals for r in runs if r.solved]
    return {
        "task": task_name,
        "net": "-".join(map(str, net.sizes)),
        "activation": activation,
        "weights": net.n_weights,
        "options": es_options,
        **summary,
        "max_evals": max(solved_evals) if solved_evals else None,
        "evals_total": sum(r.evals for r in runs),
        "all_seconds": [round(t, 3) for t in times],
    }


def sgd_row(task_name: str, hidden: list[int], activation: str, seeds: range) -> dict:
    task = tasks.get(task_name)
    runs = [weights.train_sgd(task, hidden, activation, s) for s in seeds]
    summary = weights.summarise_sgd(runs, sum(r.seconds for r in runs))  # TF import excluded
    return {"task": task_name, "net": f"{hidden}", "activation": activation, **summary,
            "final_mse_median": round(sorted(r.loss for r in runs)[len(runs) // 2], 4)}


def _f(v, digits: int = 0) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3, help="timing repeats for XOR")
    ap.add_argument("--seven-hidden", default="8", help="hidden widths for seven_segment")
    ap.add_argument("--sgd-seeds", type=int, default=20)
    ap.add_argument("--sgd-tasks", default="xor", help="comma list, 'all' or 'none'")
    ap.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    ap.add_argument("--json", action="store_true", help="also print all rows as one JSON line")
    args = ap.parse_args()

    print("es_weights benchmark:", "not pinned" if args.no_pin else _pin_one_core())
    seeds = range(args.seeds)
    seven = [int(w) for w in args.seven_hidden.split(",")]
    plan = [
        ("xor", [2], "tanh", args.repeat, {}),
        ("xor", [2], "tanh", 1, {"max_restarts": 0}),  # the reference: no restarts
        ("and", [2], "tanh", 1, {}),
        ("or", [2], "tanh", 1, {}),
        ("slash_backslash", [2], "tanh", 1, {}),
        ("seven_segment", seven, "tanh", 1, {}),
        ("xor", [2], "relu", 1, {}),
        ("xor", [8, 8], "tanh", 1, {}),
    ]
    rows = [es_row(t, h, a, seeds, args.budget, r, **o) for t, h, a, r, o in plan]

    print(f"\n(1+1)-ES, seeds 0-{args.seeds - 1}, budget {args.budget} evaluations per seed")
    head = (f"{'task':<16}{'net':<10}{'act':<6}{'w':>4}{'note':>13}{'solved':>8}{'median':>8}"
            f"{'p90':>8}{'max':>7}{'restarts':>9}{'seconds':>9}")
    print(head)
    for r in rows:
        note = "no restarts" if r["options"].get("max_restarts") == 0 else ""
        print(
            f"{r['task']:<16}{r['net']:<10}{r['activation']:<6}{r['weights']:>4}{note:>13}"
            f"{r['solved']:>5}/{r['runs']:<2}{_f(r['median_evals']):>8}{_f(r['p90_evals']):>8}"
            f"{_f(r['max_evals']):>7}{r['restarts_mean']:>9.2f}{r['seconds']:>9.2f}"
        )
    xor = rows[0]
    print(f"\nXOR timings over {args.repeat} repeats (s): {xor['all_seconds']}; "
          f"{xor['evals_total']} evaluations, "
          f"{1e6 * xor['seconds'] / xor['evals_total']:.1f} us per evaluation")
    checks = {
        "100/100 solved": xor["solved"] == xor["runs"],
        "median <= 700": xor["median_evals"] is not None and xor["median_evals"] <= 700,
        "<= 10 s": xor["seconds"] <= 10.0,
    }
    print("XOR targets:", ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()))

    sgd_names = {"all": [p[0] for p in plan[:1] + plan[2:6]], "none": []}.get(
        args.sgd_tasks, args.sgd_tasks.split(",")
    )
    sgd_rows = []
    if sgd_names and args.sgd_seeds > 0:
        print("\nKeras SGD recipe (lr 0.1, batch 1, 200 epochs, MSE), "
              f"seeds 0-{args.sgd_seeds - 1}")
        print(f"{'task':<16}{'net':<10}{'solved':>8}{'correct':>9}{'median MSE':>12}"
              f"{'s/run':>8}")
        hidden_of = {"seven_segment": seven}
        for name in sgd_names:
            r = sgd_row(name, hidden_of.get(name, [2]), "tanh", range(args.sgd_seeds))
            sgd_rows.append(r)
            print(f"{r['task']:<16}{r['net']:<10}{r['solved']:>5}/{r['runs']:<2}"
                  f"{r['correct']:>6}/{r['runs']:<2}{r['final_mse_median']:>12.4f}"
                  f"{r['seconds_per_run']:>8.2f}", flush=True)
        print("solved = the ES's criterion (all rows right and, binary, MSE < "
              f"{weights.DEFAULT_MSE_TARGET}); correct = all rows right, any MSE")
    if args.json:
        print(json.dumps({"es": rows, "sgd": sgd_rows}))


if __name__ == "__main__":
    main()
