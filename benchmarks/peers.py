"""Issue 7 figures: evohpo's campaign loop against KerasTuner, Optuna and a bare Keras loop.

    .venv/bin/python benchmarks/peers.py [--configs 20] [--epochs 5] [--rounds 1]
        [--engine fused|single|both] [--model FILE.py:NAME] [--json]
    .venv/bin/python benchmarks/peers.py --configs 3 --epochs 2 --only evohpo,bare   # smoke
    .venv/bin/python benchmarks/peers.py --model experiments/digits_cnn.py:build    # your model

Needs the benchmark-only extras ``pip install keras-tuner tensorboard optuna`` (never runtime
dependencies; KerasTuner imports tensorboard in every trial on the TensorFlow backend, and
tensorflow-cpu no longer installs it).

Every contestant trains the **same list of networks**: ``--configs`` samples of a space drawn
with ``random.Random(--seed)``, ``--epochs`` epochs each (or the config's ``epochs`` gene, as
evohpo does) with each config's own ``batch_size`` (default 32), on ``evohpo.tasks.digits()``
(the same splits for all), and scores validation accuracy after the last epoch. Config ``i``
is trained from the same seed everywhere, ``eval_seed(seed, i)``, the seed evohpo's campaign
gives evaluation ``i``: same initial weights, same shuffling, so accuracies agree up to thread
scheduling noise.

Which networks (``--model``):

* default, the **MLP preset**: samples of the default ``mlp.space()`` (batch size 32, fixed by
  that space), built by ``evohpo.presets.mlp.build``; evohpo runs with its preset (``model=``
  left out), which it scores with one forward pass instead of ``model.evaluate``.
* ``--model FILE.py:NAME`` (or ``MODULE:NAME``), a **user model**: samples of ``SPACE`` in
  the same file (e.g. ``experiments/digits_cnn.py``: a CNN on 8x8x1 images, batch sizes
  16/32/64), built by that file's build function ``NAME(config, task, seed=None)``; evohpo runs
  with ``model=`` that function and scores it with the model's own compiled metrics (its
  ``test_step`` run eagerly: ``model.evaluate``'s numbers without tracing a test function),
  and its fused engine groups configs by batch size (one group per batch size at least).

Contestants, run in this order in one invocation, ``--rounds`` times over (medians reported):

* ``evohpo``: ``run_campaign`` with ``n_jobs=2`` (``--evohpo-jobs``) on a tiny strategy that
  proposes exactly the list, in one batch. Two loky worker processes, one TensorFlow thread
  each (evohpo's design). Its wall includes starting the workers (each imports TensorFlow), as
  a user waits for it; the reusable loky executor is shut down after each run so every run
  starts cold. ``--engine`` picks how the workers train: ``fused`` (the default, for either
  model: the list split into groups of one batch size, at least one per worker, each group's
  members trained side by side in one traced function; every member starts from the same
  initial weights as elsewhere, but all members of a group share one minibatch order drawn
  from ``--seed``, so accuracies differ slightly from the peers'; a model it cannot fuse is
  refused, and a config it cannot fuse is trained one by one and named in a note), ``single``
  (one Keras ``fit`` per config, the peers' numbers up to thread scheduling) or ``both`` (two
  contestants, ``evohpo_fused`` then ``evohpo_single``).
* ``kerastuner``: KerasTuner's ``Tuner`` + ``RandomSearchOracle`` (what ``kt.RandomSearch`` is)
  with the oracle's ``populate_space`` proposing index 0, 1, ..., n-1 and a HyperModel whose
  ``hp.Choice("i", ...)`` picks the config; ``executions_per_trial=1``, objective
  ``val_accuracy`` with ``validation_data`` (KerasTuner needs it; it also checkpoints the best
  epoch's weights, as it always does). Plain ``kt.RandomSearch`` cannot be used: it samples the
  index at random and gives up after 20 collisions, so it skips 1-2 of 20 configs.
* ``optuna1`` / ``optuna2``: ``study.optimize(objective, n_trials=n, n_jobs=1 or 2)`` with every
  index enqueued (``study.enqueue_trial``) and read back by ``trial.suggest_categorical``; the
  objective follows Optuna's Keras example (``clear_session``, build, fit, ``evaluate``).
  Optuna's ``n_jobs`` runs **threads in this process**, sharing one TensorFlow thread pool and
  Keras' global state (``clear_session`` in one thread resets it under the other).
* ``bare``: ``for config: clear_session(); build_model; fit; evaluate`` with no framework.

Peers run TensorFlow in this process with its default threading (all cores), as users run them.
The one-off TensorFlow import and a warm-up fit in this process happen before any clock starts,
so peers' walls exclude them (which favours the peers: evohpo's wall includes its workers'
start-up; the warm-up fit uses the chosen model, so a CNN's convolution kernels are warm too).
Every contestant builds its networks with the same build function, called as evohpo's workers
call it (``ModelSpec.make``: ``seed=`` and ``epochs=`` if it takes them), so the
architectures, initial weights and optimisers are identical.

Columns:

* ``wall s``: wall time of the whole search (median over rounds).
* ``trained``: how many configs were trained; ``once`` says each index was fitted exactly once.
* ``mean acc`` / ``best acc``: validation accuracy after the last epoch, over the list (each
  config's accuracy averaged over rounds). KerasTuner's own score (the best epoch's
  val_accuracy) is printed below the table.
* ``steady fit s``: sum over configs of ``epochs x median(duration of epochs 2..E)`` measured
  inside that contestant's own run by a Keras callback (training part of an epoch only, up to
  validation if any). It is what the training alone would cost once warm. Not measured for
  the fused engine (no Keras ``fit``, no per-config epochs), nor its overhead.
* ``overhead s/eval``: ``(slots x wall - steady fit) / n``, with ``slots`` the evaluations
  running at once (``n_jobs`` for evohpo and optuna2, else 1): the slot-seconds per evaluation
  not spent in steady-state epochs -- worker start-up, building and compiling, tracing the
  first epoch, scoring, framework bookkeeping and idle time at the end. Needs ``--epochs`` >= 2.

With ``--json`` the last line is a JSON object: ``ratio_vs_kerastuner``, ``ratio_vs_optuna``
(n_jobs=1), ``ratio_vs_optuna_2jobs``, ``ratio_vs_bare_loop`` (evohpo wall / peer wall, for the
first engine run: fused with ``both``; null for a contestant not run), ``ratios`` (the same per
engine), ``model`` (``mlp`` or the ``--model`` argument), then walls, accuracies and overheads
per contestant.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from evohpo import run_campaign, tasks
from evohpo.engines import eval_seed
from evohpo.engines.base import batch_size_of
from evohpo.engines.single import evaluate
from evohpo.errors import EvohpoError
from evohpo.model import ModelSpec, load_object
from evohpo.presets import mlp
from evohpo.space import Config, Space, describe
from evohpo.strategies.base import Evaluation, Proposal
from evohpo.tasks import Task

CONTESTANTS = ("evohpo", "kerastuner", "optuna1", "optuna2", "bare")
ENGINES = ("fused", "single")


@dataclass
class Run:
    """One contestant's search: wall time, and per config index its accuracy, fit count and
    the durations of its epochs."""

    name: str
    wall: float
    slots: int
    acc: list[float | None]
    fits: list[int]
    epoch_seconds: list[list[float]]
    extra: dict[str, Any] = field(default_factory=dict)

    def steady_fit(self, epochs: int) -> float | None:
        if epochs < 2 or not any(self.epoch_seconds):  # not timed (the fused engine)
            return None
        total = 0.0
        for durations in self.epoch_seconds:  # epochs trained: --epochs or an epochs gene
            if len(durations) >= 2:
                total += len(durations) * statistics.median(durations[1:])
        return total

    def overhead(self, epochs: int) -> float | None:
        fit, n = self.steady_fit(epochs), sum(f > 0 for f in self.fits)
        if fit is None or not n:
            return None
        return (self.slots * self.wall - fit) / n


# -- shared pieces --------------------------------------------------------------------------
@dataclass(frozen=True)
class Networks:
    """What every contestant trains: the space the list is drawn from and the build function
    (as a ModelSpec, so peers call it exactly as evohpo's workers do)."""

    name: str  # "mlp", or the --model argument
    space: Space
    spec: ModelSpec
    model: Any  # run_campaign's model=: None (the MLP preset) or the build function

    def build(self, config: Config, task: Task, seed: int, epochs: int) -> Any:
        return self.spec.make(config, task, seed=seed, epochs=epochs_of(config, epochs))


def networks(model: str | None) -> Networks:
    """The MLP preset (``None``), or ``FILE.py:NAME`` with ``SPACE`` from the same file."""
    if model is None:
        return Networks("mlp", mlp.space(), mlp.MLP, None)
    build = load_object(model, "model")
    module = sys.modules.get(getattr(build, "__module__", ""))
    space = getattr(module, "SPACE", None)
    if not isinstance(space, Space):
        raise EvohpoError(f"--model {model}: its module defines no evohpo Space named SPACE "
                          "to draw the configs from")
    return Networks(model, space, ModelSpec(build=build, name=getattr(build, "__name__", model)),
                    build)


def sample_configs(n: int, seed: int, space: Space) -> list[Config]:
    """The one list every contestant trains: n samples of the space."""
    rng = random.Random(seed)
    return [space.decode(space.sample(rng)) for _ in range(n)]


def epochs_of(config: Config, epochs: int) -> int:
    """What evohpo trains a config for: its ``epochs`` gene if it has one, else --epochs."""
    return int(config.get("epochs", epochs))


def epoch_timer(keras: Any, sink: list[float]) -> Any:
    """A callback appending each epoch's training time (up to validation, if any) to ``sink``."""

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.t0, self.t1 = time.perf_counter(), None

        def on_test_begin(self, logs: Any = None) -> None:
            if getattr(self, "t1", 1) is None:  # validation inside fit: training part is over
                self.t1 = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            sink.append((self.t1 or time.perf_counter()) - self.t0)

    return EpochTimer()


def main_process_keras() -> Any:
    """Start TensorFlow in this process with its default threading, before evohpo's
    ``runtime.keras`` (or a campaign's environment) could limit it to one thread."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf

    _ = tf.constant(1.0) + 1.0  # initialises the eager context: thread pools are now fixed
    from evohpo.runtime import keras

    return keras()  # keeps the settings above (TensorFlow is already running)


def warm_up(keras: Any, nets: Networks, configs: list[Config], task: Task) -> None:
    """A first fit in this process, so no peer pays TensorFlow's first-use costs."""
    model = nets.build(configs[0], task, seed=0, epochs=2)
    model.fit(task.x_train[:256], task.y_train[:256], epochs=2,
              batch_size=batch_size_of(configs[0]), verbose=0,
              validation_data=(task.x_val[:64], task.y_val[:64]))
    model.evaluate(task.x_val[:64], task.y_val[:64], verbose=0)
    del model
    keras.backend.clear_session()


# -- (a) evohpo ---------------------------------------------------------------------------
class ListStrategy:
    """Proposes exactly ``configs``, in order, in one batch; learns nothing."""

    name = "list"

    def __init__(self, configs: list[Config], seed: int, space: Space) -> None:
        self.configs, self.seed, self.space, self.next = configs, seed, space, 0

    @property
    def done(self) -> bool:
        return self.next >= len(self.configs)

    def ask(self, max_n: int) -> list[Proposal]:
        batch = [Proposal(c) for c in self.configs[self.next:self.next + max_n]]
        self.next += len(batch)
        return batch

    def tell(self, evaluations: list[Evaluation]) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {"next": self.next}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.next = int(state["next"])


def timed_evaluate(job: Any, setup: Any) -> Evaluation:
    """evohpo's own ``evaluate``, with an epoch timer slipped into its ``fit`` (runs in the
    worker; costs one Python call per epoch). The durations come back in ``extra``."""
    from evohpo.runtime import keras as get_keras

    keras = get_keras()
    durations: list[float] = []
    original = keras.Model.fit

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), epoch_timer(keras, durations)]
        return original(self, *args, **kwargs)

    keras.Model.fit = fit
    try:
        ev = evaluate(job, setup)
    finally:
        keras.Model.fit = original
    return replace(ev, extra={**ev.extra, "epoch_seconds": durations})


def shutdown_loky() -> None:
    """Stop joblib's reusable loky workers, so the next campaign starts cold like a user's."""
    from joblib.externals.loky import reusable_executor

    executor = reusable_executor._executor
    if executor is not None:
        executor.shutdown(wait=True)


def run_evohpo(nets: Networks, configs: list[Config], task: Task, epochs: int, seed: int,
               n_jobs: int, tmp: Path, engine: str) -> Run:
    """A campaign over the list on ``engine``; the per-model one with the epoch timer."""
    n = len(configs)
    start = time.perf_counter()
    result = run_campaign(
        ListStrategy(configs, seed, nets.space), task, model=nets.model, budget=n,
        epochs=epochs, n_jobs=n_jobs, out=tmp,
        overwrite=True, save_best=False, progress=False, engine=engine,
        evaluator=timed_evaluate if engine == "single" else evaluate,
    )
    wall = time.perf_counter() - start
    shutdown_loky()
    run = Run(f"evohpo_{engine}", wall, n_jobs, [None] * n, [0] * n, [[] for _ in range(n)])
    for ev in result.evaluations:
        i = ev.eval_id
        assert ev.config == configs[i], "evohpo evaluated a config out of order"
        run.fits[i] += 0 if ev.cached else 1
        run.acc[i] = ev.val_accuracy if ev.ok else None
        run.epoch_seconds[i] = list(ev.extra.get("epoch_seconds", []))
    run.extra["statuses"] = sorted({str(e.status) for e in result.evaluations})
    run.extra["alone"] = sorted(e.eval_id for e in result.evaluations if e.extra.get("alone"))
    return run


# -- (b) KerasTuner -----------------------------------------------------------------------
def run_kerastuner(keras: Any, nets: Networks, configs: list[Config], task: Task, epochs: int,
                   seed: int, tmp: Path) -> Run:
    import keras_tuner as kt

    n = len(configs)
    run = Run("kerastuner", 0.0, 1, [None] * n, [0] * n, [[] for _ in range(n)])
    builds = [0]

    class ListOracle(kt.oracles.RandomSearchOracle):
        """RandomSearch's oracle, proposing index 0, 1, ..., n-1 once each, in order."""

        next_index = 0

        def populate_space(self, trial_id: str) -> dict:
            if self.next_index >= n:
                return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
            self.next_index += 1
            return {"status": kt.engine.trial.TrialStatus.RUNNING,
                    "values": {"i": self.next_index - 1}}

    class ListHyperModel(kt.HyperModel):
        def build(self, hp: Any) -> Any:
            i = hp.Choice("i", list(range(n)))
            builds[0] += 1
            keras.utils.set_random_seed(eval_seed(seed, i))  # KerasTuner cleared the session
            return nets.build(configs[i], task, eval_seed(seed, i), epochs)

        def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
            i = hp.get("i")
            sink: list[float] = []
            kwargs["callbacks"] = [*kwargs.get("callbacks", []), epoch_timer(keras, sink)]
            kwargs["epochs"] = epochs_of(configs[i], epochs)
            history = model.fit(*args, batch_size=batch_size_of(configs[i]), **kwargs)
            run.fits[i] += 1
            run.acc[i] = float(history.history["val_accuracy"][-1])
            run.epoch_seconds[i] = sink
            return history

    start = time.perf_counter()
    tuner = kt.Tuner(
        oracle=ListOracle(objective="val_accuracy", max_trials=n, seed=seed),
        hypermodel=ListHyperModel(), executions_per_trial=1, directory=str(tmp),
        project_name="kerastuner", overwrite=True,
    )
    tuner.search(task.x_train, task.y_train, epochs=epochs, shuffle=True, verbose=0,
                 validation_data=(task.x_val, task.y_val))
    run.wall = time.perf_counter() - start
    trials = tuner.oracle.trials.values()
    run.extra["kt_score"] = {int(t.hyperparameters.get("i")): t.score for t in trials}
    run.extra["statuses"] = sorted({str(t.status) for t in trials})
    run.extra["builds"] = builds[0]
    keras.backend.clear_session()
    return run


# -- (c) Optuna ---------------------------------------------------------------------------
def run_optuna(keras: Any, nets: Networks, configs: list[Config], task: Task, epochs: int,
               seed: int, n_jobs: int) -> Run:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    n = len(configs)
    run = Run(f"optuna{n_jobs}", 0.0, n_jobs, [None] * n, [0] * n, [[] for _ in range(n)])

    def objective(trial: Any) -> float:
        i = trial.suggest_categorical("i", list(range(n)))
        keras.backend.clear_session()
        keras.utils.set_random_seed(eval_seed(seed, i))
        model = nets.build(configs[i], task, eval_seed(seed, i), epochs)
        sink: list[float] = []
        model.fit(task.x_train, task.y_train, epochs=epochs_of(configs[i], epochs),
                  batch_size=batch_size_of(configs[i]), shuffle=True, verbose=0,
                  callbacks=[epoch_timer(keras, sink)])
        acc = float(model.evaluate(task.x_val, task.y_val, verbose=0, return_dict=True)
                    ["accuracy"])
        run.fits[i] += 1
        run.acc[i], run.epoch_seconds[i] = acc, sink
        return acc

    start = time.perf_counter()
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=seed))
    for i in range(n):
        study.enqueue_trial({"i": i})
    study.optimize(objective, n_trials=n, n_jobs=n_jobs, catch=(Exception,))
    run.wall = time.perf_counter() - start
    run.extra["statuses"] = sorted({t.state.name for t in study.trials})
    keras.backend.clear_session()
    return run


# -- (d) bare loop ------------------------------------------------------------------------
def run_bare(keras: Any, nets: Networks, configs: list[Config], task: Task, epochs: int,
             seed: int) -> Run:
    n = len(configs)
    run = Run("bare", 0.0, 1, [None] * n, [0] * n, [[] for _ in range(n)])
    start = time.perf_counter()
    for i, config in enumerate(configs):
        keras.backend.clear_session()
        keras.utils.set_random_seed(eval_seed(seed, i))
        model = nets.build(config, task, eval_seed(seed, i), epochs)
        model.fit(task.x_train, task.y_train, epochs=epochs_of(config, epochs),
                  batch_size=batch_size_of(config), shuffle=True, verbose=0,
                  callbacks=[epoch_timer(keras, run.epoch_seconds[i])])
        scores = model.evaluate(task.x_val, task.y_val, verbose=0, return_dict=True)
        run.acc[i], run.fits[i] = float(scores["accuracy"]), 1
    run.wall = time.perf_counter() - start
    keras.backend.clear_session()
    return run


# -- report -------------------------------------------------------------------------------
def label(name: str, evohpo_jobs: int) -> str:
    return {"evohpo_fused": f"evohpo fused (n_jobs={evohpo_jobs})",
            "evohpo_single": f"evohpo single (n_jobs={evohpo_jobs})", "kerastuner": "KerasTuner",
            "optuna1": "Optuna (n_jobs=1)", "optuna2": "Optuna (n_jobs=2, threads)",
            "bare": "bare Keras loop"}[name]


def _mean(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def _fmt(x: float | None, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def summarise(runs: dict[str, list[Run]], configs: list[Config], epochs: int,
              evohpo_jobs: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, rs in runs.items():
        acc = [_mean([r.acc[i] for r in rs]) for i in range(len(configs))]
        overheads = [o for o in (r.overhead(epochs) for r in rs) if o is not None]
        fits = [r.steady_fit(epochs) for r in rs]
        out[name] = {
            "label": label(name, evohpo_jobs),
            "wall_seconds": round(statistics.median(r.wall for r in rs), 2),
            "walls": [round(r.wall, 2) for r in rs],
            "trained": statistics.median(sum(f > 0 for f in r.fits) for r in rs),
            "each_config_once": all(f == 1 for r in rs for f in r.fits),
            "mean_val_accuracy": None if _mean(acc) is None else round(_mean(acc), 4),
            "best_val_accuracy": max((a for a in acc if a is not None), default=None),
            "steady_fit_seconds": None if None in fits else round(statistics.median(fits), 2),
            "overhead_seconds_per_eval": (round(statistics.median(overheads), 3)
                                          if overheads else None),
            "statuses": sorted({s for r in rs for s in r.extra.get("statuses", [])}),
            "trained_alone": sorted({i for r in rs for i in r.extra.get("alone", [])}),
            "val_accuracy_per_config": [None if a is None else round(a, 4) for a in acc],
        }
        if name == "kerastuner":
            scores = [rs[-1].extra["kt_score"].get(i) for i in range(len(configs))]
            out[name]["kerastuner_score_mean"] = _mean(scores)
            out[name]["builds_last_round"] = rs[-1].extra["builds"]
    return out


def print_report(summary: dict[str, dict[str, Any]], configs: list[Config], args: Any,
                 notes: list[str]) -> None:
    print(f"\n{len(configs)} configs of {args.model or 'the MLP preset'} x {args.epochs} epochs "
          f"on digits, seed {args.seed}, {args.rounds} round(s); wall = median over rounds")
    head = (f"{'contestant':<28}{'wall s':>9}{'trained':>9}{'once':>6}{'mean acc':>10}"
            f"{'best acc':>10}{'steady fit s':>14}{'overhead s/eval':>17}")
    print(head)
    print("-" * len(head))
    for s in summary.values():
        print(f"{s['label']:<28}{s['wall_seconds']:>9.1f}{s['trained']:>9g}"
              f"{'yes' if s['each_config_once'] else 'NO':>6}"
              f"{_fmt(s['mean_val_accuracy'], '.4f'):>10}{_fmt(s['best_val_accuracy'], '.4f'):>10}"
              f"{_fmt(s['steady_fit_seconds'], '.1f'):>14}"
              f"{_fmt(s['overhead_seconds_per_eval'], '.2f'):>17}")
    print("\nvalidation accuracy per config (last epoch; mean over rounds):")
    names = list(summary)
    print(f"{'#':>3}  {'config':<72}" + "".join(f"{n:>14}" for n in names))
    for i, config in enumerate(configs):
        cells = "".join(f"{_fmt(summary[n]['val_accuracy_per_config'][i], '.4f'):>14}"
                        for n in names)
        print(f"{i:>3}  {describe(config)[:72]:<72}{cells}")
    for line in notes:
        print(f"note: {line}")
    for s in summary.values():
        if s["statuses"] and s["statuses"] not in (["ok"], ["COMPLETE"], ["COMPLETED"]):
            print(f"note: {s['label']} statuses: {', '.join(s['statuses'])}")
        if s["trained_alone"]:
            print(f"note: {s['label']} trained configs {s['trained_alone']} one by one (the fused "
                  "step could not train them)")
        if "kerastuner_score_mean" in s:
            print(f"note: KerasTuner's own score (best epoch's val_accuracy), mean over configs: "
                  f"{_fmt(s['kerastuner_score_mean'], '.4f')}; it built "
                  f"{s['builds_last_round']} models for {s['trained']} trials "
                  "(one extra build while it declares the search space)")


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for pkg in ("evohpo", "tensorflow-cpu", "keras", "keras-tuner", "optuna", "joblib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", type=int, default=20, help="how many configs in the list")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=1, help="repeat the alternation R times")
    ap.add_argument("--seed", type=int, default=0, help="seed of the config list and training")
    ap.add_argument("--evohpo-jobs", type=int, default=2)
    ap.add_argument("--engine", default="fused", choices=(*ENGINES, "both"),
                    help="evohpo's engine: fused (the default), single, or both")
    ap.add_argument("--model", default=None, metavar="FILE.py:NAME",
                    help="train this build function's networks, sampled from SPACE in the same "
                         "file (default: the MLP preset and mlp.space())")
    ap.add_argument("--only", default=",".join(CONTESTANTS),
                    help=f"comma list of contestants, from: {','.join(CONTESTANTS)}")
    ap.add_argument("--json", action="store_true", help="end with one line of JSON")
    args = ap.parse_args()
    chosen = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CONTESTANTS]
    if unknown or not chosen:
        ap.error(f"--only: unknown contestant(s) {unknown}; choose from {', '.join(CONTESTANTS)}")
    if min(args.configs, args.epochs, args.rounds, args.evohpo_jobs) < 1:
        ap.error("--configs, --epochs, --rounds and --evohpo-jobs must be >= 1")
    chosen = [c for c in CONTESTANTS if c in chosen]  # the fixed alternation order
    engines = list(ENGINES) if args.engine == "both" else [args.engine]
    chosen = [x for c in chosen for x in ([f"evohpo_{e}" for e in engines] if c == "evohpo"
                                          else [c])]

    start = time.perf_counter()
    keras = main_process_keras()  # before the model file runs: it might import keras itself
    try:
        nets = networks(args.model)
    except EvohpoError as exc:
        ap.error(str(exc))
    task, configs = tasks.digits(), sample_configs(args.configs, args.seed, nets.space)
    if "kerastuner" in chosen:
        import importlib.util

        if importlib.util.find_spec("tensorboard") is None:  # KerasTuner imports it per trial
            sys.exit("KerasTuner on TensorFlow needs tensorboard, which tensorflow-cpu does not "
                     "install: pip install keras-tuner tensorboard (or leave out kerastuner)")
        import keras_tuner  # noqa: F401  (imported before the clocks start, like TensorFlow)
    if any(c.startswith("optuna") for c in chosen):
        import optuna  # noqa: F401
    warm_up(keras, nets, configs, task)
    import tensorflow as tf

    setup = time.perf_counter() - start
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    notes = [
        f"evohpo: {args.evohpo_jobs} loky worker processes x 1 TensorFlow thread; its wall "
        "includes starting them (TensorFlow import in each worker); engine "
        f"{' and '.join(engines)}"
        + (" (fused: members of a group share one minibatch order, so accuracies differ "
           "slightly from one-by-one training)" if "fused" in engines else ""),
        f"peers: TensorFlow in this process, default threading (intra-op "
        f"{intra or 'default = all'} of {os.cpu_count()} cores); their walls exclude the one-off "
        f"TensorFlow/KerasTuner/Optuna import and warm-up here ({setup:.1f} s)",
        "Optuna n_jobs=2 = 2 threads in one process sharing TensorFlow's thread pool and "
        "Keras' global state",
        "accuracies: last epoch's validation accuracy; config i is seeded with eval_seed(seed, i) "
        "in every contestant",
    ]
    if not any(c.startswith("evohpo") for c in chosen):
        notes.pop(0)
    if "optuna2" not in chosen:
        notes = [n for n in notes if not n.startswith("Optuna n_jobs=2")]
    print(f"setup (TensorFlow in this process + warm-up): {setup:.1f} s", file=sys.stderr)

    runs: dict[str, list[Run]] = {c: [] for c in chosen}
    with tempfile.TemporaryDirectory(prefix="evohpo-peers-") as tmp:
        for r in range(args.rounds):
            for name in chosen:
                where = Path(tmp) / f"{name}-{r}"
                if name.startswith("evohpo_"):
                    run = run_evohpo(nets, configs, task, args.epochs, args.seed,
                                     args.evohpo_jobs, where, name.removeprefix("evohpo_"))
                elif name == "kerastuner":
                    run = run_kerastuner(keras, nets, configs, task, args.epochs, args.seed,
                                         where)
                elif name.startswith("optuna"):
                    run = run_optuna(keras, nets, configs, task, args.epochs, args.seed,
                                     int(name[-1]))
                else:
                    run = run_bare(keras, nets, configs, task, args.epochs, args.seed)
                runs[name].append(run)
                print(f"round {r + 1}/{args.rounds} {label(name, args.evohpo_jobs)}: "
                      f"{run.wall:.1f} s, mean val_accuracy {_fmt(_mean(run.acc), '.4f')}",
                      file=sys.stderr, flush=True)

    summary = summarise(runs, configs, args.epochs, args.evohpo_jobs)
    print_report(summary, configs, args, notes)

    def ratio(engine: str, peer: str) -> float | None:
        evo = summary.get(f"evohpo_{engine}", {}).get("wall_seconds")
        wall = summary.get(peer, {}).get("wall_seconds")
        return round(evo / wall, 3) if evo and wall else None

    peers = {"kerastuner": "kerastuner", "optuna": "optuna1", "optuna_2jobs": "optuna2",
             "bare_loop": "bare"}
    ratios: dict[str, Any] = {e: {f"ratio_vs_{k}": ratio(e, v) for k, v in peers.items()}
                              for e in engines}
    if len(engines) == 2:
        ratios["fused_vs_single"] = ratio("fused", "evohpo_single")
    for e in engines:
        shown = ", ".join(f"{k.removeprefix('ratio_vs_')} {v}" for k, v in ratios[e].items()
                          if v is not None)
        if shown:
            print(f"evohpo {e} wall / peer wall: {shown}")
    if "fused_vs_single" in ratios:
        print(f"evohpo fused wall / evohpo single wall: {ratios['fused_vs_single']}")
    if args.json:
        payload: dict[str, Any] = {
            **ratios[engines[0]], "engine": args.engine, "ratios": ratios, "model": nets.name,
            "configs": args.configs, "epochs": args.epochs, "rounds": args.rounds,
            "seed": args.seed, "evohpo_jobs": args.evohpo_jobs, "cores": os.cpu_count(),
            "peer_setup_seconds_excluded": round(setup, 1),
            "contestants": {k: {kk: vv for kk, vv in v.items() if kk != "label"}
                            for k, v in summary.items()},
            "versions": versions(),
        }
        print(json.dumps(payload))


if __name__ == "__main__":
    main()
