"""Issue 11 figure: would the per-model path gain from reusing a traced train function?

    .venv/bin/python benchmarks/trace_reuse.py [--pairs 10] [--epochs 5] [--ga-budget 72] [--json]

The fused engine trains any compiled Keras model, but some evaluations still take the
per-model path (Keras ``fit``): a model with its own ``train_step`` or a fit argument only
``fit`` honours, and every campaign run with ``engine="single"`` or its own evaluator. Two of
that path's evaluations that share an architecture and an optimizer class (a GA child that
only changed the learning rate, say) could share one traced ``train_function``: keep the
model, load the second evaluation's seeded initial weights, reset the optimizer's state, set
its learning rate, fit again. This measures, in one process, for ``--pairs`` such pairs
(samples of the MLP preset's default ``mlp.space()``, the second with a new learning rate and
seed), the seconds of the **second** evaluation:

* ``fresh``: ``evohpo.engines.single.evaluate`` as a worker runs it today (clear_session, one
  ``gc.collect``, build, compile, fit (traces), score);
* ``fresh_no_gc``: the same without the garbage collection, so the next line isolates tracing;
* ``reuse``: the first evaluation's model and traced function, re-initialised as above.

It checks that ``reuse`` reproduces ``fresh``'s scores bit for bit (it must, to be usable).

How often could a campaign reuse? ``--ga-budget`` evaluations of the default GA (population 12,
seed 0, digits, ``--epochs``; a ``run_campaign`` with ``engine="fused"`` and one worker, which
is quick) are counted for trained (not cached) evaluations whose (layers, optimizer) equals an
earlier evaluation's: an upper bound, as the earlier one must also have run in the same
worker.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import sys
import tempfile
import time
from typing import Any

from fused_equivalence import load_average, one_by_one, sample_configs, warm_up

from evohpo import GeneticSearch, run_campaign, tasks
from evohpo.engines.base import eval_seed
from evohpo.engines.scoring import score
from evohpo.presets import MLP, mlp
from evohpo.runtime import keras as get_keras


def reinitialise(model: Any, keras: Any, seed: int) -> None:
    """The weights ``mlp.build(config, task, seed=seed)`` starts from: hidden layer i with
    kernel seed ``seed + 7919*i``, the output layer with ``seed``; biases zero."""
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for i, layer in enumerate(dense, 1):
        k = 0 if i == len(dense) else i
        init = keras.initializers.GlorotUniform(seed=(seed + 7919 * k) % 2**31)
        layer.kernel.assign(init(layer.kernel.shape))
        layer.bias.assign(keras.ops.zeros(layer.bias.shape))


def pair(task: tasks.Task, first: dict, second: dict, k: int, seed: int,
         epochs: int) -> dict[str, Any]:
    """Pair ``k``: evaluations 2k and 2k+1 of a campaign seeded ``seed``."""
    keras = get_keras()
    s1, s2 = eval_seed(seed, 2 * k), eval_seed(seed, 2 * k + 1)
    fresh = one_by_one(first, task, 2 * k, seed, epochs)
    t0 = time.perf_counter()
    fresh2 = one_by_one(second, task, 2 * k + 1, seed, epochs)
    t_fresh = time.perf_counter() - t0

    t0 = time.perf_counter()
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(s2)
    model = mlp.build(second, task, seed=s2, epochs=epochs)
    model.fit(task.x_train, task.y_train, epochs=epochs, batch_size=int(second["batch_size"]),
              verbose=0, shuffle=True)
    no_gc = score(model, task, task.x_val, task.y_val)
    t_no_gc = time.perf_counter() - t0
    del model

    keras.backend.clear_session(free_memory=False)
    gc.collect()
    keras.utils.set_random_seed(s1)
    model = mlp.build(first, task, seed=s1, epochs=epochs)
    model.optimizer.build(model.trainable_variables)
    initial = [v.numpy() for v in model.optimizer.variables]
    model.fit(task.x_train, task.y_train, epochs=epochs, batch_size=int(first["batch_size"]),
              verbose=0, shuffle=True)
    traced = model.train_function
    t0 = time.perf_counter()
    keras.utils.set_random_seed(s2)
    reinitialise(model, keras, s2)
    for var, value in zip(model.optimizer.variables, initial):
        var.assign(value)
    model.optimizer.learning_rate.assign(second["learning_rate"])
    model.fit(task.x_train, task.y_train, epochs=epochs, batch_size=int(second["batch_size"]),
              verbose=0, shuffle=True)
    reused = score(model, task, task.x_val, task.y_val)
    t_reuse = time.perf_counter() - t0
    assert model.train_function is traced, "Keras traced a new train function"
    del model
    return {
        "fresh_seconds": t_fresh, "fresh_no_gc_seconds": t_no_gc, "reuse_seconds": t_reuse,
        "identical": reused == {"loss": fresh2.val_loss, "accuracy": fresh2.val_accuracy}
        and no_gc == reused,
        "first_ok": fresh.ok,
    }


def ga_repeats(task: tasks.Task, budget: int, epochs: int) -> dict[str, Any]:
    """Run the default GA with the fused engine; count (layers, optimizer) repeats."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="evohpo-trace-reuse-") as tmp:
        result = run_campaign(GeneticSearch(mlp.space(), population=12, seed=0), task,
                              budget=budget, epochs=epochs, n_jobs=1, out=tmp, progress=False,
                              save_best=False, engine="fused")
    seconds = time.perf_counter() - t0
    seen_arch: set = set()
    seen_layers: set = set()
    repeats = same_layers = trained = 0
    for ev in sorted(result.evaluations, key=lambda e: e.eval_id):
        if ev.cached:
            continue
        trained += 1
        layers = tuple((layer["units"], layer["activation"]) for layer in ev.config["layers"])
        arch = (layers, ev.config["optimizer"])
        repeats += arch in seen_arch
        same_layers += layers in seen_layers
        seen_arch.add(arch)
        seen_layers.add(layers)
    return {"evaluations": len(result.evaluations), "trained": trained,
            "same_layers_and_optimizer": repeats, "same_layers": same_layers,
            "seconds": round(seconds, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ga-budget", type=int, default=72, help="0 skips the GA count")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    task = tasks.digits()
    configs = sample_configs(args.pairs, args.seed)
    warm_up(MLP, task, configs)
    load_start = load_average()
    rows = []
    for k, first in enumerate(configs):
        lr = 10 ** (math.log10(first["learning_rate"]) + (0.5 if k % 2 else -0.5))
        second = {**first, "learning_rate": min(max(lr, 1e-4), 1e-1)}
        row = pair(task, first, second, k, args.seed, args.epochs)
        rows.append(row)
        print(f"pair {k}: fresh {row['fresh_seconds']:.2f} s, fresh without gc "
              f"{row['fresh_no_gc_seconds']:.2f} s, reuse {row['reuse_seconds']:.2f} s, "
              f"identical {row['identical']}", file=sys.stderr, flush=True)
    med = {key: round(statistics.median(r[key] for r in rows), 3)
           for key in ("fresh_seconds", "fresh_no_gc_seconds", "reuse_seconds")}
    summary: dict[str, Any] = {
        "pairs": len(rows), "epochs": args.epochs, "median_seconds": med,
        "saved_vs_fresh_seconds": round(med["fresh_seconds"] - med["reuse_seconds"], 3),
        "saved_by_trace_reuse_seconds": round(med["fresh_no_gc_seconds"] - med["reuse_seconds"],
                                              3),
        "identical_scores": sum(r["identical"] for r in rows),
    }
    if args.ga_budget:
        summary["ga"] = ga_repeats(task, args.ga_budget, args.epochs)
    summary["load_average_start_end"] = [load_start, load_average()]
    summary["cores"] = os.cpu_count()
    print(f"\nsecond evaluation of a pair sharing (layers, optimizer), {args.epochs} epochs, "
          f"digits, median of {len(rows)}: fresh {med['fresh_seconds']} s, fresh without gc "
          f"{med['fresh_no_gc_seconds']} s, reusing the traced function {med['reuse_seconds']} s"
          f"; scores identical in {summary['identical_scores']}/{len(rows)}")
    if "ga" in summary:
        g = summary["ga"]
        print(f"GA (population 12, seed 0, fused engine, {g['seconds']} s): "
              f"{g['same_layers_and_optimizer']}/{g['trained']} trained evaluations repeat an "
              f"earlier (layers, optimizer), {g['same_layers']} an earlier architecture")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
