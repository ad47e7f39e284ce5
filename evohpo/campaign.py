"""The campaign loop: ask, evaluate in parallel, log, tell.

One loop drives every strategy, so methods compared at the same budget are compared fairly.
Where evaluations run is :mod:`evohpo.backends` (the only other module that touches joblib):
by default loky worker processes (also for n_jobs=1) that are started once and reused across
batches and campaigns. Around the loop, each step a named function:

* ``_prepare``: check the settings, resolve the model, objective and task, or the black box
  (:mod:`evohpo.blackbox`: a function the workers call instead of training a model);
* ``_start_fresh`` / ``_resume``: the output folder and its CSV (a resume reads the checkpoint
  and reuses rows written after it, so a killed campaign ends with the CSV an uninterrupted
  run writes, timing and worker columns aside);
* ``_run_loop`` with :class:`evohpo.loop.Loop`: one ask/evaluate/tell round at a time; a
  network already evaluated in this campaign is not trained again (its row says ``cached``);
  an evaluation that raises, diverges, runs over ``time_limit`` or kills its worker becomes a
  row with a status and the campaign goes on (:mod:`evohpo.engines.dispatch`);
* ``_final_model``: retrain the best network, score it on test, save it (a black box has
  nothing to retrain); the summary (:mod:`evohpo.outcome`) goes to best.json.

With several objectives, :mod:`evohpo.front` adds the Pareto front (the CSV's ``pareto``
column, ``pareto.csv``), the hypervolume per generation, and the knee as the saved model.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import checkpoint as ckpt_mod
from . import files, objectives
from . import front as front_mod
from . import results as results_mod
from . import tasks as tasks_mod
from .backends import Backend, check_backend, open_backend
from .blackbox import BlackBox, as_black_box
from .engines import choice
from .engines.base import Job, Setup, eval_seed
from .engines.call import evaluate as call_evaluate
from .engines.fused_worker import probe, train_final_fused
from .engines.single import evaluate, train_final
from .errors import EvohpoError, check_n_jobs, check_whole
from .lock import holds_folder
from .loop import Loop, Progress, check_first_batch
from .model import DEFAULT_EPOCHS, ModelSpec
from .objectives import Objective
from .outcome import Best, CampaignResult
from .outcome import summary as summarise
from .plans import CampaignPlan
from .presets import as_model_spec
from .space import Space
from .strategies.base import Evaluation, Strategy, Traits, check_strategy
from .strategies.registry import check_objective_count
from .tasks import Task
from .tasks import folds as folds_mod


def _check_out(out: Path, overwrite: bool) -> None:
    csv_path = out / results_mod.CSV_NAME
    if csv_path.is_file() and not results_mod.written_by_evohpo(csv_path):
        raise EvohpoError(
            f"{csv_path} is not an evohpo results file; evohpo never replaces a file it did "
            "not write, even with overwrite=True (--overwrite): choose another folder"
        )
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


def _prepare(strategy: Strategy, task: Task | BlackBox | Callable | str, model: Any, fit: Any,
             objective: Any, *, budget: int, epochs: int | None, n_jobs: int, out: Any,
             seed: int | None, time_limit: float | None, backend: str, scheduler: str | None,
             threads_per_worker: int, evaluator: Callable | None,
             engine: str = "single", cv: int = 0) -> CampaignPlan:
    """Check every setting before anything starts, so a typo fails in a second. What is
    evaluated is decided here, once: a model trained on a task, or a black box."""
    box = as_black_box(task)
    if box is None and isinstance(task, str):
        task = tasks_mod.get(task)
    if cv != 0:
        if box is not None:
            raise EvohpoError("cv= cross-validates a model trained on a task's rows, and a "
                              "black box has no rows to cut into folds; drop cv")
        folds_mod.split(task, cv)  # K >= 2, no more than the rows, every class in every fold
    check_whole("budget", budget, 1)
    check_n_jobs("n_jobs", n_jobs)
    check_whole("threads_per_worker", threads_per_worker, 1)
    if time_limit is not None and not time_limit > 0:
        raise EvohpoError(f"time_limit must be > 0 seconds, got {time_limit!r}")
    check_backend(backend, scheduler)
    check_strategy(strategy)
    seed = check_whole("seed", strategy.seed if seed is None else seed, 0)
    space = strategy.space
    if cv and evaluator is not None:
        raise EvohpoError("cv= trains each config on K folds inside evohpo's own engines, and "
                          "evaluator= replaces them; drop one of the two (your evaluator gets "
                          "a Setup whose task it may split itself)")
    if box is not None:
        box.check_campaign(space, model=model, fit=fit, epochs=epochs)
        task, spec, epochs, scores, default = box, box, 0, box.metrics, call_evaluate
        objs = box.objectives(objective)
    else:
        epochs = check_whole("epochs", DEFAULT_EPOCHS if epochs is None else epochs, 1)
        spec, scores, default = as_model_spec(model, fit), results_mod.SCORE_COLUMNS, evaluate
        missing = sorted(spec.needs - set(space.genes))
        if missing and evaluator is None:
            raise EvohpoError(
                f"model {spec.name} needs the genes {', '.join(sorted(spec.needs))}, and this "
                f"space lacks {', '.join(missing)} (it has {', '.join(space.genes)}); for the "
                "built-in MLP use evohpo.presets.mlp.space(...), or pass model=your build "
                "function"
            )
        objs = objectives.resolve_many(objective, task.kind)
        objectives.check_reported(objs, spec, task.kind)  # a misspelling, before anything trains
    check_objective_count(strategy, len(objs), ', '.join(o.spec for o in objs))
    results_mod.columns(space, objs, scores, cv=cv)  # a gene or score named like a column
    setup = Setup(task, spec, objs[0], objs[1:], cv=int(cv))
    return CampaignPlan(strategy, space, task, setup, objs[0], objs, Path(out), strategy.name,
                 seed, budget, epochs, time_limit,
                 front_mod.Tracker(objs) if len(objs) > 1 else None,
                 engine=choice.check(engine), engine_asked=engine,
                 custom_evaluator=evaluator is not None, evaluator=evaluator or default,
                 black_box=box is not None, scores=tuple(scores))


def _with_workers(plan: CampaignPlan, workers: Backend, resume: bool) -> CampaignPlan:
    """The plan's last two settings, which need the open backend: its real worker count, and
    for a new campaign the engine, chosen by what the model can do (a worker builds one
    member from a sample config, :mod:`evohpo.engines.choice`). A resume keeps the engine
    the campaign began with. The reason a campaign is not fused is printed in one line."""
    plan = replace(plan, n_workers=workers.workers)
    if resume:
        return plan

    def ask_the_workers() -> str:
        # every worker probes at once: each starts TensorFlow now, in parallel, as it would
        # for the first batch anyway (one probe alone left the other workers cold: +4 s)
        config = choice.sample_config(plan.space, plan.seed)
        setup = replace(plan.setup, task=workers.task_arg, scratch=workers.scratch)
        call = workers.delayed(probe)(setup, config, plan.epochs, plan.time_limit)
        try:
            return list(workers.run([call] * workers.workers))[0]
        except workers.worker_died:  # the sample's build killed its worker: no answer
            return ""

    chosen = choice.choose(plan.engine_asked, custom_evaluator=plan.custom_evaluator,
                           black_box=plan.black_box, probe=ask_the_workers)
    if chosen.note:
        print(f"note: {chosen.note}", file=sys.stderr, flush=True)
    return replace(plan, engine=chosen.engine)


def _start_fresh(plan: CampaignPlan, overwrite: bool) -> results_mod.ResultsLog:
    header = results_mod.columns(plan.space, plan.objectives, plan.scores, cv=plan.cv)
    _check_out(plan.out, overwrite)
    log = results_mod.ResultsLog.create(plan.out / results_mod.CSV_NAME, header)
    for name in (results_mod.BEST_NAME, results_mod.BEST_MODEL_NAME, results_mod.PARETO_NAME,
                 results_mod.PREPROCESS_NAME):
        (plan.out / name).unlink(missing_ok=True)
    return log


@dataclass
class _Resumed:
    log: results_mod.ResultsLog
    prior: list[Evaluation]
    replay: dict[int, Evaluation]
    campaign: str | None
    seconds: float = 0.0  # what the processes before this one spent


def _engine_of_checkpoint(plan: CampaignPlan) -> CampaignPlan:
    """With engine="auto", a resume continues on the engine the campaign began with (the two
    give close but not identical numbers); an explicit other engine is refused later."""
    if plan.engine_asked != "auto":
        return plan
    stored = ckpt_mod.load(plan.out).get("engine", "single")
    return replace(plan, engine=stored if stored in choice.ENGINES else "single")


def _cv_of_checkpoint(plan: CampaignPlan, asked: int | None) -> CampaignPlan:
    """With cv=None (not asked), a resume continues with the folds the campaign began with;
    another K asked for is refused by the checkpoint's check (:func:`_resume`)."""
    if asked is not None:
        return plan
    stored = ckpt_mod.load(plan.out).get("cv", 0)
    if isinstance(stored, bool) or not isinstance(stored, int) or stored == 1 or stored < 0:
        raise EvohpoError(f"cannot resume {plan.out}: {ckpt_mod.CHECKPOINT_NAME} 'cv' is "
                          f"{stored!r}, not a number of folds; restore the value evohpo wrote, "
                          "or start again with --overwrite")
    return replace(plan, setup=replace(plan.setup, cv=stored))


def _resume(plan: CampaignPlan) -> _Resumed:
    """Load the checkpoint into the strategy; split the CSV into rows before it (done) and
    after it (to reuse when the strategy proposes them again)."""
    out, csv_path = plan.out, plan.out / results_mod.CSV_NAME
    state = ckpt_mod.load(out)
    ckpt_mod.check_compatible(state, method=plan.method, seed=plan.seed,
                              fingerprint=plan.task.fingerprint(), epochs=plan.epochs,
                              space=plan.space, objective=plan.objectives, out=out,
                              engine=plan.engine, cv=plan.cv, current=plan.settings())
    if not csv_path.is_file():
        raise EvohpoError(f"cannot resume {out}: {csv_path.name} is missing; use --overwrite")
    plan.strategy.load_state_dict(state["strategy"])
    if plan.front is not None:
        plan.front.load_state_dict(state.get("pareto"))
    results_mod.repair(csv_path)  # a torn last line from a kill mid-write
    header, rows = results_mod.read_rows(csv_path)
    results_mod.check_header(csv_path, header)
    evs = [_in_space_order(plan.space, ckpt_mod.evaluation_from_row(
               dict(zip(header, r)), objective=plan.objectives, source=str(csv_path), number=i,
               scores=plan.scores))
           for i, r in enumerate(rows, 1)]
    n_done = int(state["n_evals"])
    prior = sorted((e for e in evs if e.eval_id < n_done), key=lambda e: e.eval_id)
    if [e.eval_id for e in prior] != list(range(n_done)):
        raise EvohpoError(
            f"cannot resume {out}: {csv_path.name} lacks rows the checkpoint counts "
            f"({len(prior)} of {n_done}); start again with --overwrite"
        )
    campaign = rows[0][header.index("campaign")] if rows else None
    return _Resumed(results_mod.ResultsLog(csv_path, header), prior,
                    {e.eval_id: e for e in evs if e.eval_id >= n_done}, campaign,
                    ckpt_mod.seconds_spent(state, out))


def _in_space_order(space: Space, ev: Evaluation) -> Evaluation:
    """A row's config with its genes in the space's order, as the campaign proposed it (the
    CSV stores it with sorted keys), so a resumed campaign prints its best the same way."""
    try:
        ordered = space.decode(space.encode(ev.config))
    except Exception:  # noqa: BLE001 - a config the space cannot encode keeps its own order
        return ev
    return replace(ev, config=ordered) if ordered == ev.config else ev  # only the order moves


def _run_loop(plan: CampaignPlan, loop: Loop, bar: Progress) -> None:
    """Ask, evaluate, tell and checkpoint until the budget is spent or the strategy is done."""
    strategy = plan.strategy
    while len(loop.evaluations) < plan.budget and not strategy.done:
        proposals = strategy.ask(plan.budget - len(loop.evaluations))
        if not proposals:
            break
        first = not loop.evaluations
        batch = loop.batch(proposals)
        if first:
            check_first_batch(batch, loop.log.path)
        strategy.tell(batch)
        loop.evaluations.extend(batch)
        note = _track_front(plan, batch, loop.evaluations)
        plan.checkpoint(len(loop.evaluations))
        bar.update(proposals[0].generation, len(loop.evaluations), batch, note)


def _track_front(plan: CampaignPlan, batch: list[Evaluation], evaluations: list[Evaluation]) -> str:
    """With several objectives: the hypervolume after this batch (checkpointed with it), and
    the progress line's note."""
    if plan.front is None:
        return ""
    plan.front.add(batch, evaluations)
    return plan.front.note(len(front_mod.members(evaluations)))


def _finish_log(plan: CampaignPlan, log: results_mod.ResultsLog,
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
    task: Task | BlackBox | Callable | str,
    *,
    budget: int,
    model: ModelSpec | Callable | None = None,
    objective: str | Objective | list | None = None,
    fit: Callable | None = None,
    epochs: int | None = None,
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
    evaluator: Callable[[Job, Setup], Evaluation] | None = None,
    engine: str = "auto",
    cv: int | None = None,
) -> CampaignResult:
    """Run ``strategy`` on ``task`` for exactly ``budget`` evaluations (fewer only if the
    strategy runs out of proposals) and write ``out/results.csv``, ``out/checkpoint.json``,
    ``out/best.json`` and ``out/best.keras``.

    ``task`` is a Task or a task name, on which a Keras model is trained for ``epochs``
    (default 5); or a black box (:class:`~evohpo.blackbox.BlackBox`, or any function
    ``f(config) -> float | dict`` of scores), which the campaign calls instead: then
    ``objective`` names its value with a direction (``"loss:min"``), nothing is trained or
    saved (no TensorFlow is imported), and ``model``, ``fit`` and ``epochs`` are refused.

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
    ``evaluator`` replaces :func:`evohpo.engines.single.evaluate` (same signature; for a
    black box, :func:`evohpo.engines.call.evaluate`).
    ``engine`` is ``auto`` (default: the fused engine for any model that can be fused, one
    model at a time otherwise, with the reason in one line), ``single`` or ``fused`` (refuses
    a model it cannot fuse); the two engines give close but not identical numbers, so a
    resume must use the engine that started (:mod:`evohpo.engines.choice`).
    ``save_best=False`` skips retraining the chosen network: no ``best.keras``, and
    ``result.best`` carries its validation scores only (``test_scores`` empty), as it always
    does for a black box.
    ``cv=K`` scores every evaluation by K-fold cross-validation of train+validation: K
    trainings of the config (same seed), one per fold, their scores' mean in the CSV and
    each score's spread as ``<score>_std``; the chosen config is then refit on all of
    train+validation and scored on test (:mod:`evohpo.engines.cv`). ``None`` (default): no
    cross-validation for a new campaign, and a resume keeps the K it began with.
    """
    if resume and overwrite:
        raise EvohpoError("resume and overwrite exclude each other; pass one of them")
    plan = _prepare(strategy, task, model, fit, objective, budget=budget, epochs=epochs,
                    n_jobs=n_jobs, out=out, seed=seed, time_limit=time_limit, backend=backend,
                    scheduler=scheduler, threads_per_worker=threads_per_worker,
                    evaluator=evaluator, engine=engine, cv=0 if cv is None else cv)
    if resume:
        plan = _cv_of_checkpoint(_engine_of_checkpoint(plan), cv)
        state = _resume(plan)
    else:
        state = _Resumed(_start_fresh(plan, overwrite), [], {}, None)
    row_kw = {"campaign": campaign or state.campaign or plan.out.name, "method": plan.method,
              "seed": plan.seed, "space": plan.space, "objective": plan.objectives,
              "scores": plan.scores}
    started = time.perf_counter()
    plan = replace(plan, spent=state.seconds, started=started)
    bar = Progress(plan.method, budget, plan.objective, progress)
    bar.done_at_start = len(state.prior)
    bar.best = min((e.objective for e in state.prior if e.ok), default=None)  # the campaign's
    with open_backend(backend, n_jobs, plan.task, scheduler=scheduler,
                      threads_per_worker=threads_per_worker) as workers:
        plan = _with_workers(plan, workers, resume)
        if plan.time_limit is not None and workers.scratch is None:
            print(f"note: on the {workers.name} backend the time limit stops training between "
                  "batches only: a build function, fit hook or scoring that hangs is not "
                  "interrupted (the loky backend enforces it)", file=sys.stderr, flush=True)
        loop = Loop(plan, workers, plan.evaluator, state.log, row_kw, evaluations=state.prior,
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
        if save_best and not plan.black_box:
            best = _final_model(plan, workers, loop.full(), chosen)
        else:  # still say which config won, on validation only (no retraining, no test)
            best = None if chosen is None else Best(chosen.config, chosen.eval_id,
                                                    plan.objective, dict(chosen.scores), {}, None,
                                                    cv=plan.cv)
    evaluations = loop.evaluations
    result = CampaignResult(
        plan.out, state.log.path, plan.method, plan.seed, evaluations, best,
        plan.seconds(), sum(e.cached for e in evaluations),
        {"duplicates_avoided": Traits.of(strategy).duplicates_avoided}, front,
        list(plan.front.hypervolume) if plan.front else [],
        plan.front.natural_reference() if plan.front else None,
    )
    summary = summarise(result, plan)
    if plan.front is not None:
        summary.update(plan.front.summary(front, chosen))
    files.write_json(plan.out / results_mod.BEST_NAME, summary)
    if best is not None and best.model_path:  # a table's encoding beside best.keras, for predict
        results_mod.write_preprocess(plan.out, plan.task.preprocess)
    return result


def _choose(plan: CampaignPlan, evaluations: list[Evaluation],
            front: list[Evaluation]) -> Evaluation | None:
    """The network to retrain and save: the best objective, or with several objectives the
    knee of the front (:func:`evohpo.front.knee`)."""
    if plan.front is not None:
        return front_mod.knee(front) if front else None
    ok = [e for e in evaluations if e.ok]
    return min(ok, key=lambda e: (e.objective, e.eval_id)) if ok else None


def _final_model(plan: CampaignPlan, workers: Backend, evaluations: list[Evaluation],
                 chosen: Evaluation | None) -> Best | None:
    """Retrain the chosen evaluation with its own seed (with cross-validation: refit on all
    of train+validation), score it on test, save it as .keras."""
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
                scores["test"], scores["saved_to"], scores["error"], plan.cv)


