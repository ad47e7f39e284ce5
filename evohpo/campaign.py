"""The campaign loop: ask, evaluate in parallel, log, tell.

One loop drives every strategy, so methods compared at the same budget are compared fairly.
Where evaluations run is :mod:`evohpo.backends` (the only other module that touches joblib):
by default loky worker processes (also for n_jobs=1) that are started once and reused across
batches and campaigns. Around the loop, each step a named function:

* ``_prepare``: check the settings, resolve the model, objective and task;
* ``_start_fresh`` / ``_resume``: the output folder and its CSV (a resume reads the checkpoint
  and reuses rows written after it, so a killed campaign ends with the CSV an uninterrupted
  run writes, timing and worker columns aside);
* ``_Loop``: one ask/evaluate/tell round at a time; a network already evaluated in this
  campaign is not trained again (its row says ``cached``); an evaluation that raises, diverges,
  runs over ``time_limit`` or kills its worker becomes a row with a status and the campaign
  goes on;
* ``_final_model``: retrain the best network, score it on test, save it; ``_summary``.

With several objectives, :mod:`evohpo.front` adds the Pareto front (the CSV's ``pareto``
column, ``pareto.csv``), the hypervolume per generation, and the knee as the saved model.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import checkpoint as ckpt_mod
from . import front as front_mod
from . import objectives
from . import results as results_mod
from . import tasks as tasks_mod
from .backends import BACKENDS, Backend, open_backend
from .engines.base import Job, Setup, eval_seed
from .engines.groups import ENGINES, dispatch, fusable, train_final_fused
from .engines.single import evaluate, train_final
from .errors import EvohpoError, check_n_jobs, check_whole
from .lock import holds_folder
from .model import ModelSpec
from .objectives import Objective
from .presets import MLP
from .space import Config, Space, config_key, describe
from .strategies.base import Evaluation, Proposal, Status, Strategy, check_strategy
from .tasks import Task

# Outcomes that training the same network again would repeat (timeouts and crashes might not).
CACHEABLE = (Status.OK, Status.DIVERGED, Status.FAILED)


@dataclass(frozen=True)
class Best:
    """The chosen network: its config, the validation scores that chose it, its test scores."""

    config: Config
    eval_id: int
    objective: Objective
    scores: dict[str, float]
    test_scores: dict[str, float]
    model_path: str | None
    error: str = ""

    @property
    def value(self) -> float | None:
        return self.scores.get(self.objective.name)

    @property
    def test_value(self) -> float | None:
        """The objective's metric on the test split (``val_x`` -> ``test_x``), if it has one."""
        name = self.objective.name
        return self.test_scores.get("test_" + name.removeprefix("val_")) if name.startswith(
            "val_") else None

    @property
    def val_accuracy(self) -> float | None:
        return self.scores.get("val_accuracy")

    @property
    def val_loss(self) -> float | None:
        return self.scores.get("val_loss")

    @property
    def test_accuracy(self) -> float | None:
        return self.test_scores.get("test_accuracy")

    @property
    def test_loss(self) -> float | None:
        return self.test_scores.get("test_loss")

    def __str__(self) -> str:
        name = self.objective.name
        text = f"eval {self.eval_id}: {describe(self.config)} | {name}={self.value:.4f}"
        if self.test_value is not None:
            text += f" test_{name.removeprefix('val_')}={self.test_value:.4f}"
        return text


@dataclass
class CampaignResult:
    """What a campaign leaves behind, besides its files."""

    out: Path
    csv: Path
    method: str
    seed: int
    evaluations: list[Evaluation]
    best: Best | None
    seconds: float
    cache_hits: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    pareto: list[Evaluation] = field(default_factory=list)  # the front, with 2+ objectives
    hypervolume: list[float] = field(default_factory=list)  # per generation, with 2+ objectives
    reference: list[float] | None = None  # the hypervolume's reference point, natural units

    def frame(self):
        return results_mod.read(self.csv)


@dataclass(frozen=True)
class _Plan:
    """Everything fixed before the first evaluation: checked once, used by every step."""

    strategy: Strategy
    space: Space
    task: Task
    setup: Setup
    objective: Objective  # the first objective: the one a single-objective strategy minimises
    objectives: tuple[Objective, ...]
    out: Path
    method: str
    seed: int
    budget: int
    epochs: int
    time_limit: float | None
    front: front_mod.Tracker | None = None  # with several objectives: hypervolume per batch
    engine: str = "single"  # "single" (one model per worker call) or "fused" (groups of MLPs)
    engine_asked: str = "single"  # "auto" lets a resume keep the engine the campaign began with
    n_workers: int = 1

    def checkpoint(self, n_evals: int, finished: bool = False) -> None:
        results_mod.write_json(self.out / ckpt_mod.CHECKPOINT_NAME, ckpt_mod.build(
            method=self.method, seed=self.seed, task=self.task.name,
            fingerprint=self.task.fingerprint(), epochs=self.epochs, budget=self.budget,
            n_evals=n_evals, strategy_state=self.strategy.state_dict(), space=self.space,
            objective=self.objectives, model=self.setup.model.name, engine=self.engine,
            finished=finished,
            pareto=self.front.state_dict() if self.front else None,
        ))


def as_model_spec(model: ModelSpec | Callable | str | None,
                  fit: Callable | None = None) -> ModelSpec:
    """``model=`` as users pass it: None (the MLP preset), a build function, a ModelSpec, or
    ``"FILE.py:NAME"`` / ``"MODULE:NAME"`` as on the command line."""
    if isinstance(model, str):
        from .model import load_object

        model = load_object(model, "model")
    if model is None:
        if fit is not None:
            raise EvohpoError("fit= goes with your own model=; the MLP preset has its own")
        return MLP
    if isinstance(model, ModelSpec):
        return model if fit is None else replace(model, fit=fit)
    name = getattr(model, "__name__", "custom")
    return ModelSpec(build=model, fit=fit, name=name)


def _check_out(out: Path, overwrite: bool) -> None:
    csv_path = out / results_mod.CSV_NAME
    if csv_path.exists() and not overwrite:
        raise EvohpoError(
            f"{out} already holds a campaign ({csv_path.name}); pass resume=True (--resume) "
            "to continue it, overwrite=True (--overwrite) to replace it, or choose another folder"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".evohpo-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise EvohpoError(
            f"cannot write to output folder {out} ({exc.strerror}); choose a writable folder"
        ) from None


class _Progress:
    """One line per batch on stderr: best, mean, evaluations done, rate and ETA."""

    def __init__(self, method: str, budget: int, objective: Objective, enabled: bool) -> None:
        self.method, self.budget, self.objective, self.enabled = method, budget, objective, enabled
        self.start = time.perf_counter()
        self.best: float | None = None
        self.done_at_start = 0

    def update(self, generation: int, done: int, batch: list[Evaluation],
               note: str = "") -> None:
        if not self.enabled:
            return
        values = [e.objective for e in batch if e.ok]
        if values and (self.best is None or min(values) < self.best):
            self.best = min(values)
        natural = self.objective.natural
        elapsed = time.perf_counter() - self.start
        new = done - self.done_at_start
        rate = new / elapsed * 60 if elapsed > 0 else 0.0
        eta = (self.budget - done) / (new / elapsed) if new else 0.0
        mean = f"{natural(sum(values) / len(values)):.4g}" if values else "n/a"
        best = f"{natural(self.best):.4g}" if self.best is not None else "n/a"
        print(
            f"[{self.method}] gen {generation:>3}  evals {done:>4}/{self.budget}  "
            f"best {self.objective.name} {best}  batch mean {mean}  "
            + (f"{note}  " if note else "") + f"{rate:5.1f} evals/min  ETA {_fmt_seconds(eta)}",
            file=sys.stderr, flush=True,
        )


def _fmt_seconds(s: float) -> str:
    m, sec = divmod(int(round(s)), 60)
    return f"{m}m{sec:02d}s"


def _from_cache(hit: Evaluation, eval_id: int, generation: int) -> Evaluation:
    """A row for a network already trained in this campaign: same scores, no training."""
    return replace(hit, eval_id=eval_id, generation=generation, cached=True, train_seconds=0.0,
                   worker="cache")


@dataclass
class _Loop:
    """The state of one running campaign; ``batch`` does one ask/evaluate/tell round."""

    plan: _Plan
    backend: Backend
    evaluator: Callable[[Job, Setup], Evaluation]
    log: results_mod.ResultsLog
    row_kw: dict[str, Any]
    evaluations: list[Evaluation] = field(default_factory=list)
    cache: dict[str, Evaluation] = field(default_factory=dict)
    replay: dict[int, Evaluation] = field(default_factory=dict)  # rows done after the checkpoint
    low: dict[int, int] = field(default_factory=dict)  # eval_id -> epochs of a screening run

    def write(self, ev: Evaluation) -> None:
        self.log.append(results_mod.row(ev, **self.row_kw))

    def key(self, config: Config, epochs: int | None) -> str:
        """The cache key: the network, and the epochs when a screening run asked for fewer,
        so a 1-epoch score never stands in for a full one (or the other way round)."""
        key = config_key(config)
        return key if epochs is None else f"{key}|epochs={epochs}"

    def remember(self, ev: Evaluation) -> None:
        if not ev.cached and ev.status in CACHEABLE:
            self.cache.setdefault(self.key(ev.config, self.low.get(ev.eval_id)), ev)

    def recall_fidelity(self, ev: Evaluation) -> None:
        """On resume: a row of a multi-fidelity strategy that trained fewer epochs than the
        campaign's was a screening run (the CSV ``epochs`` column says how many)."""
        if getattr(self.plan.strategy, "fidelity", None) and 0 < ev.epochs < self.plan.epochs:
            self.low[ev.eval_id] = ev.epochs

    def full(self) -> list[Evaluation]:
        """Evaluations at the campaign's epochs: the only ones the best is chosen from."""
        return [e for e in self.evaluations if e.eval_id not in self.low]

    def job(self, eval_id: int, prop: Proposal) -> Job:
        return Job(prop.config, eval_id, prop.generation, eval_seed(self.plan.seed, eval_id),
                   self.low.get(eval_id, self.plan.epochs), self.plan.time_limit)

    def batch(self, proposals: list[Proposal]) -> list[Evaluation]:
        first_id = len(self.evaluations)
        done: dict[int, Evaluation] = {}
        todo: list[Job] = []
        repeats: list[tuple[int, Proposal]] = []  # same network as an earlier one in this batch
        in_batch: dict[str, int] = {}  # network -> eval_id that trains it
        for i, prop in enumerate(proposals):
            eval_id = first_id + i
            key = self.key(prop.config, None if prop.epochs == self.plan.epochs else prop.epochs)
            if prop.epochs not in (None, self.plan.epochs):
                self.low[eval_id] = check_whole("Proposal.epochs", prop.epochs, 1)
            if eval_id in self.replay:  # finished before a kill: reuse the row, don't retrain
                done[eval_id] = self._replayed(eval_id, key)
                self.remember(done[eval_id])
                in_batch.setdefault(key, eval_id)
            elif key in self.cache:
                done[eval_id] = _from_cache(self.cache[key], eval_id, prop.generation)
                self.write(done[eval_id])
            elif key in in_batch:
                repeats.append((eval_id, prop))
            else:
                in_batch[key] = eval_id
                todo.append(self.job(eval_id, prop))
        cost = self.plan.setup.model.cost
        if cost is not None:  # longest first: less idle time at the batch's barrier
            todo.sort(key=lambda j: -cost(j.config, self.plan.task))
        for ev in self._train(todo):
            done[ev.eval_id] = ev
            self.write(ev)
            self.remember(ev)
        for eval_id, prop in repeats:
            if eval_id not in done:
                original = done[in_batch[self.key(prop.config, self.low.get(eval_id))]]
                done[eval_id] = _from_cache(original, eval_id, prop.generation)
                self.write(done[eval_id])
        return [done[first_id + i] for i in range(len(proposals))]

    def _replayed(self, eval_id: int, key: str) -> Evaluation:
        ev = self.replay.pop(eval_id)
        if self.key(ev.config, self.low.get(eval_id)) != key:
            raise EvohpoError(
                f"cannot resume: row {eval_id} of {self.log.path} is not the network the "
                "checkpoint proposes (files from different campaigns?); start with --overwrite"
            )
        return ev

    def _train(self, todo: list[Job]):
        """Yield evaluations as they finish (see :mod:`evohpo.engines.groups` for how jobs
        are grouped, and how dead workers and timeouts are retried)."""
        plan = self.plan
        yield from dispatch(self.backend, todo, plan.setup, evaluator=self.evaluator,
                            fused=plan.engine == "fused", shuffle_seed=plan.seed,
                            n_workers=plan.n_workers, task=plan.task)


def _check_first_batch(batch: list[Evaluation], csv: Path) -> None:
    """A build function or objective that fails for every network is the user's bug, not data:
    stop after the first batch (its rows are kept) with the error, instead of burning the
    budget on it."""
    errors = {e.error for e in batch}
    if batch and all(e.status == Status.FAILED for e in batch) and len(errors) == 1:
        raise EvohpoError(f"every evaluation of the first batch failed with: {errors.pop()} "
                          f"(rows in {csv}); fix that and start again with --overwrite")


def _prepare(strategy: Strategy, task: Task | str, model: Any, fit: Any, objective: Any, *,
             budget: int, epochs: int, n_jobs: int, out: Any, seed: int | None,
             time_limit: float | None, backend: str, threads_per_worker: int,
             evaluator: Callable, engine: str = "single") -> _Plan:
    """Check every setting before anything starts, so a typo fails in a second."""
    if isinstance(task, str):
        task = tasks_mod.get(task)
    check_whole("budget", budget, 1)
    check_whole("epochs", epochs, 1)
    check_n_jobs("n_jobs", n_jobs)
    check_whole("threads_per_worker", threads_per_worker, 1)
    if time_limit is not None and not time_limit > 0:
        raise EvohpoError(f"time_limit must be > 0 seconds, got {time_limit!r}")
    if backend not in BACKENDS:
        raise EvohpoError(f"unknown backend {backend!r}; choose from: {', '.join(BACKENDS)}")
    check_strategy(strategy)
    space = strategy.space
    spec = as_model_spec(model, fit)
    mlp_genes = {"layers", "optimizer", "learning_rate"}
    if spec is MLP and evaluator is evaluate and not mlp_genes <= set(space.genes):
        raise EvohpoError(
            f"the built-in MLP needs an MLP space (evohpo.presets.mlp.space(...)), and this one "
            f"has genes {', '.join(space.genes)}; pass model=your build function for it"
        )
    objs = objectives.resolve_many(objective, task.kind)
    _check_objective_count(strategy, objs)
    setup = Setup(task, spec, objs[0], objs[1:])
    return _Plan(strategy, space, task, setup, objs[0], objs, Path(out), strategy.name,
                 int(strategy.seed if seed is None else seed), budget, epochs, time_limit,
                 front_mod.Tracker(objs) if len(objs) > 1 else None,
                 engine=_engine(engine, setup, evaluator), engine_asked=engine,
                 n_workers=n_jobs if n_jobs > 0 else os.cpu_count() or 1)


def _engine(engine: str, setup: Setup, evaluator: Callable) -> str:
    """``auto``: fused for the built-in MLP scored on its standard metrics (it is ~5x faster
    and agrees with one-by-one training; benchmarks/README.md), else one model at a time."""
    if engine not in ENGINES:
        raise EvohpoError(f"unknown engine {engine!r}; choose from: {', '.join(ENGINES)}")
    why_not = fusable(setup)
    if engine == "fused" and why_not:
        raise EvohpoError(why_not)
    if engine == "auto":
        return "fused" if not why_not and evaluator is evaluate else "single"
    return engine


def _check_objective_count(strategy: Strategy, objs: tuple[Objective, ...]) -> None:
    """A strategy that declares ``n_objectives`` (the GA: 1, NSGA-II: 2+) gets exactly that
    many; random and grid search take any number (they only propose)."""
    wants = getattr(strategy, "n_objectives", None)  # optional part of the protocol
    if wants is None or wants == len(objs):
        return
    names = ", ".join(o.spec for o in objs)
    if wants == 1:
        raise EvohpoError(f"{strategy.name} optimises one objective, and {len(objs)} were given "
                          f"({names}); use nsga2 for several, or give one")
    raise EvohpoError(f"{strategy.name} was built for {wants} objectives, and {len(objs)} were "
                      f"given ({names}); give {wants} objectives"
                      + ("; for one objective use ga" if len(objs) == 1 else ""))


def _start_fresh(plan: _Plan, overwrite: bool) -> results_mod.ResultsLog:
    header = results_mod.columns(plan.space, plan.objectives)
    _check_out(plan.out, overwrite)
    log = results_mod.ResultsLog.create(plan.out / results_mod.CSV_NAME, header)
    for name in (results_mod.BEST_NAME, results_mod.BEST_MODEL_NAME, results_mod.PARETO_NAME):
        (plan.out / name).unlink(missing_ok=True)
    return log


@dataclass
class _Resumed:
    log: results_mod.ResultsLog
    prior: list[Evaluation]
    replay: dict[int, Evaluation]
    campaign: str | None


def _engine_of_checkpoint(plan: _Plan) -> _Plan:
    """With engine="auto", a resume continues on the engine the campaign began with (the two
    give close but not identical numbers); an explicit other engine is refused later."""
    if plan.engine_asked != "auto":
        return plan
    stored = ckpt_mod.load(plan.out).get("engine", "single")
    if stored == "fused" and fusable(plan.setup):
        return plan
    return replace(plan, engine=stored if stored in ENGINES else plan.engine)


def _resume(plan: _Plan) -> _Resumed:
    """Load the checkpoint into the strategy; split the CSV into rows before it (done) and
    after it (to reuse when the strategy proposes them again)."""
    out, csv_path = plan.out, plan.out / results_mod.CSV_NAME
    state = ckpt_mod.load(out)
    ckpt_mod.check_compatible(state, method=plan.method, seed=plan.seed,
                              fingerprint=plan.task.fingerprint(), epochs=plan.epochs,
                              space=plan.space, objective=plan.objectives, out=out,
                              engine=plan.engine)
    if not csv_path.is_file():
        raise EvohpoError(f"cannot resume {out}: {csv_path.name} is missing; use --overwrite")
    plan.strategy.load_state_dict(state["strategy"])
    if plan.front is not None:
        plan.front.load_state_dict(state.get("pareto"))
    results_mod.repair(csv_path)  # a torn last line from a kill mid-write
    header, rows = results_mod.read_rows(csv_path)
    results_mod.check_header(csv_path, header)
    evs = [ckpt_mod.evaluation_from_row(dict(zip(header, r)), objective=plan.objectives)
           for r in rows]
    n_done = int(state["n_evals"])
    prior = sorted((e for e in evs if e.eval_id < n_done), key=lambda e: e.eval_id)
    if [e.eval_id for e in prior] != list(range(n_done)):
        raise EvohpoError(
            f"cannot resume {out}: {csv_path.name} lacks rows the checkpoint counts "
            f"({len(prior)} of {n_done}); start again with --overwrite"
        )
    campaign = rows[0][header.index("campaign")] if rows else None
    return _Resumed(results_mod.ResultsLog(csv_path, header), prior,
                    {e.eval_id: e for e in evs if e.eval_id >= n_done}, campaign)


def _run_loop(plan: _Plan, loop: _Loop, bar: _Progress) -> None:
    """Ask, evaluate, tell and checkpoint until the budget is spent or the strategy is done."""
    strategy = plan.strategy
    while len(loop.evaluations) < plan.budget and not strategy.done:
        proposals = strategy.ask(plan.budget - len(loop.evaluations))
        if not proposals:
            break
        first = not loop.evaluations
        batch = loop.batch(proposals)
        if first:
            _check_first_batch(batch, loop.log.path)
        strategy.tell(batch)
        loop.evaluations.extend(batch)
        note = _track_front(plan, batch, loop.evaluations)
        plan.checkpoint(len(loop.evaluations))
        bar.update(proposals[0].generation, len(loop.evaluations), batch, note)


def _track_front(plan: _Plan, batch: list[Evaluation], evaluations: list[Evaluation]) -> str:
    """With several objectives: the hypervolume after this batch (checkpointed with it), and
    the progress line's note."""
    if plan.front is None:
        return ""
    plan.front.add(batch, evaluations)
    return plan.front.note(len(front_mod.members(evaluations)))


def _finish_log(plan: _Plan, log: results_mod.ResultsLog,
                evaluations: list[Evaluation]) -> list[Evaluation]:
    """Sort the CSV; with several objectives also flag its front (the ``pareto`` column) in
    the same atomic rewrite, and write the front's rows to pareto.csv. Computed from every
    row at the end, so a resumed campaign ends with the same files."""
    if plan.front is None:
        log.finalize()
        return []
    front = front_mod.members(evaluations)
    log.finalize(front={e.eval_id for e in front})
    results_mod.write_front(log.path, [e.eval_id for e in front_mod.along(front)])
    return front


@holds_folder("out")  # one process per results folder (see evohpo.lock)
def run_campaign(
    strategy: Strategy,
    task: Task | str,
    *,
    budget: int,
    model: ModelSpec | Callable | None = None,
    objective: str | Objective | list | None = None,
    fit: Callable | None = None,
    epochs: int = 5,
    n_jobs: int = 1,
    out: str | os.PathLike = "results/run",
    seed: int | None = None,
    campaign: str | None = None,
    overwrite: bool = False,
    resume: bool = False,
    time_limit: float | None = None,
    backend: str = "loky",
    scheduler: str | None = None,
    threads_per_worker: int = 1,
    save_best: bool = True,
    progress: bool = True,
    evaluator: Callable[[Job, Setup], Evaluation] = evaluate,
    engine: str = "auto",
) -> CampaignResult:
    """Run ``strategy`` on ``task`` for exactly ``budget`` evaluations (fewer only if the
    strategy runs out of proposals) and write ``out/results.csv``, ``out/checkpoint.json``,
    ``out/best.json`` and ``out/best.keras``.

    ``model`` is a build function ``(config, task) -> compiled keras.Model`` (or a
    :class:`~evohpo.model.ModelSpec`; default: the MLP preset) and ``fit`` an optional hook
    ``(config, task) -> dict`` of extra ``model.fit`` arguments. ``objective`` is a metric name
    with an optional direction (``"val_auc:max"``) or an :class:`~evohpo.objectives.Objective`
    (default validation accuracy; validation loss for regression), or several for NSGA-II
    (a list, or ``"val_accuracy:max,params:min"``).

    The same seed gives the same CSV (timing and worker columns aside) for any ``n_jobs``, and
    ``resume=True`` after a kill gives the CSV of a run that was never interrupted.
    ``backend`` is loky (default), threading, dask or ray (see :mod:`evohpo.backends`);
    ``scheduler`` is the address of an existing Dask scheduler or Ray cluster.
    ``evaluator`` replaces :func:`evohpo.engines.single.evaluate` (same signature).
    ``engine`` is ``auto`` (default: the fused engine for the built-in MLP scored on its
    standard metrics, one model at a time otherwise), ``single`` or ``fused``; the two engines
    give close but not identical numbers, so a resume must use the engine that started.
    """
    if resume and overwrite:
        raise EvohpoError("resume and overwrite exclude each other; pass one of them")
    plan = _prepare(strategy, task, model, fit, objective, budget=budget, epochs=epochs,
                    n_jobs=n_jobs, out=out, seed=seed, time_limit=time_limit, backend=backend,
                    threads_per_worker=threads_per_worker, evaluator=evaluator, engine=engine)
    if resume:
        plan = _engine_of_checkpoint(plan)
        state = _resume(plan)
    else:
        state = _Resumed(_start_fresh(plan, overwrite), [], {}, None)
    row_kw = {"campaign": campaign or state.campaign or plan.out.name, "method": plan.method,
              "seed": plan.seed, "space": plan.space, "objective": plan.objectives}
    started = time.perf_counter()
    bar = _Progress(plan.method, budget, plan.objective, progress)
    bar.done_at_start = len(state.prior)
    with open_backend(backend, n_jobs, plan.task, scheduler=scheduler,
                      threads_per_worker=threads_per_worker) as workers:
        loop = _Loop(plan, workers, evaluator, state.log, row_kw, evaluations=state.prior,
                     replay=state.replay)
        for ev in state.prior:
            loop.recall_fidelity(ev)
            loop.remember(ev)
        if not resume:
            plan.checkpoint(0)
        _run_loop(plan, loop, bar)
        front = _finish_log(plan, state.log, loop.evaluations)
        plan.checkpoint(len(loop.evaluations), finished=True)
        chosen = _choose(plan, loop.full(), front)
        best = _final_model(plan, workers, loop.full(), chosen) if save_best else None
    evaluations = loop.evaluations
    result = CampaignResult(
        plan.out, state.log.path, plan.method, plan.seed, evaluations, best,
        time.perf_counter() - started, sum(e.cached for e in evaluations),
        {"duplicates_avoided": getattr(strategy, "duplicates_avoided", None)}, front,
        list(plan.front.hypervolume) if plan.front else [],
        plan.front.natural_reference() if plan.front else None,
    )
    summary = _summary(result, plan)
    if plan.front is not None:
        summary.update(plan.front.summary(front, chosen))
    results_mod.write_json(plan.out / results_mod.BEST_NAME, summary)
    return result


def _choose(plan: _Plan, evaluations: list[Evaluation],
            front: list[Evaluation]) -> Evaluation | None:
    """The network to retrain and save: the best objective, or with several objectives the
    knee of the front (:func:`evohpo.front.knee`)."""
    if plan.front is not None:
        return front_mod.knee(front) if front else None
    ok = [e for e in evaluations if e.ok]
    return min(ok, key=lambda e: (e.objective, e.eval_id)) if ok else None


def _final_model(plan: _Plan, workers: Backend, evaluations: list[Evaluation],
                 chosen: Evaluation | None) -> Best | None:
    """Retrain the chosen evaluation with its own seed, score it on test, save it as .keras."""
    if chosen is None:
        return None
    source = chosen
    if chosen.cached:  # the seed that produced the score is the original evaluation's
        source = next(e for e in evaluations if not e.cached and e.config == chosen.config)
    path = str(plan.out / results_mod.BEST_MODEL_NAME)
    job = Job(chosen.config, source.eval_id, chosen.generation,
              eval_seed(plan.seed, source.eval_id), plan.epochs)
    setup = replace(plan.setup, task=workers.task_arg)
    if plan.engine == "fused":  # the same training that scored it, so the same model
        call = workers.delayed(train_final_fused)(job, setup, plan.seed, path)
    else:
        call = workers.delayed(train_final)(job, setup, path)
    (scores,) = list(workers.run([call]))
    return Best(chosen.config, chosen.eval_id, plan.objective, dict(chosen.scores),
                scores["test"], scores["saved_to"], scores["error"])


def _summary(result: CampaignResult, plan: _Plan) -> dict:
    counts: dict[str, int] = {}
    for e in result.evaluations:
        counts[str(e.status)] = counts.get(str(e.status), 0) + 1
    best = result.best
    return {
        "method": result.method, "seed": result.seed, "task": plan.task.name,
        "kind": plan.task.kind, "objective": results_mod.spec(plan.objectives),
        "model": plan.setup.model.name,
        "budget": plan.budget, "epochs": plan.epochs, "evaluations": len(result.evaluations),
        "status_counts": counts, "cache_hits": result.cache_hits, **result.extra,
        "seconds": round(result.seconds, 2),
        "best": None if best is None else {
            "eval_id": best.eval_id, "config": best.config, "scores": best.scores,
            "test": best.test_scores, "val_accuracy": best.val_accuracy,
            "val_loss": best.val_loss, "test_accuracy": best.test_accuracy,
            "test_loss": best.test_loss, "model_path": best.model_path,
            "model_error": best.error or None,
        },
    }
