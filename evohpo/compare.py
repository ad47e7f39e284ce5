"""Compare search methods at the same budget over several seeds.

    evohpo compare --task digits --budget 60 --seeds 5 --n-jobs 2 --epochs 5 \\
                   --out results/compare-digits

The task may be a black box instead (``--bench hpolib:protein_structure``, ``--function
FILE.py:NAME``, :mod:`evohpo.blackbox`): the same runs, without training. By default GA,
random and grid search; with several objectives (``--objectives
val_accuracy:max,params:min:log``) NSGA-II, random and grid search, ranked by final hypervolume.

Each method runs once per seed 0..K-1 for exactly ``--budget`` evaluations (grid stops early
only if its grid is smaller), each run into ``OUT/<method>-seed<k>/``. Then ``OUT`` gets
``summary.csv``, the plots and ``report.md`` (as ``evohpo report OUT --out OUT`` would write
them) and the table is printed. Everything is checked before the first run starts, so a typo
never leaves a half-finished comparison behind; a killed one continues with ``--resume``
(:mod:`evohpo.compare_state`). One process at a time owns ``OUT`` (:mod:`evohpo.lock`).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from . import analysis, files
from . import compare_state as state_mod
from . import results as results_mod
from .compare_state import COMPARE_JSON, RunState
from .errors import EvohpoError, check_n_jobs, check_whole
from .lock import hold
from .plans import ComparisonPlan
from .report import Report, write_report
from .space import Space
from .strategies.registry import default_methods

RUN_DIR = re.compile(r"^(?P<method>[a-z0-9_]+)-seed(?P<seed>\d+)$")


def _check_methods(methods: tuple[str, ...]) -> None:
    if not methods:
        raise EvohpoError("no methods to compare; pass --methods, e.g. nsga2,random")
    twice = next((m for m in methods if methods.count(m) > 1), None)
    if twice:
        raise EvohpoError(f"method {twice!r} is listed twice in --methods; list each once")


def make_plan(task: Any, space: Space | None = None, *, methods: tuple[str, ...] | None = None,
              seeds: int = 5, budget: int = 60, epochs: int | None = None, n_jobs: int = 1,
              population: int = 12, levels: int = 3, out: str | Path | None = None,
              backend: str = "loky", scheduler: str | None = None, model: Any = None,
              objective: Any = None, cv: int = 0) -> ComparisonPlan:
    """Validate every input and build each strategy once, so a bad value fails in a second
    rather than after an hour of GA. ``task`` is a Task or a task name (a Keras model is
    trained for ``epochs``, default 5), or a black box (a :class:`~evohpo.blackbox.BlackBox`
    such as a tabular benchmark, or a function of a config: its space is its own unless
    ``space`` is given); ``methods`` default to :func:`default_methods` for the number of
    objectives; ``cv=K`` scores every run's evaluations by K-fold cross-validation (see
    :func:`evohpo.campaign.run_campaign`)."""
    from . import objectives, tasks
    from .backends import check_backend
    from .blackbox import as_black_box
    from .model import DEFAULT_EPOCHS
    from .presets import as_model_spec, mlp

    budget = check_whole("--budget", budget, 1)
    seeds = check_whole("--seeds", seeds, 1)
    check_n_jobs("--n-jobs", n_jobs)
    check_backend(backend, scheduler)
    box = as_black_box(task)
    if box is not None:
        if cv != 0:
            raise EvohpoError("cv= cross-validates a model trained on a task's rows, and a "
                              "black box has no rows to cut into folds; drop --cv")
        task = spec = box
        space = box.check_campaign(space, model=model, epochs=epochs)
        objs = box.objectives(objective)
    else:
        epochs = check_whole("--epochs", DEFAULT_EPOCHS if epochs is None else epochs, 1)
        if isinstance(task, str):
            task = tasks.get(task)
        if cv != 0:
            tasks.folds.split(task, cv)  # K >= 2, no more than the rows, every class in each
        objs = objectives.resolve_many(objective, task.kind)  # bad ones fail now
        spec = as_model_spec(model)
        objectives.check_reported(objs, spec, task.kind)
        space = space or mlp.space()
    out = Path(out) if out is not None else Path(f"results/compare-{files.folder_name(task.name)}")
    n_objectives = len(objs)
    methods = tuple(methods) if methods is not None else default_methods(n_objectives)
    _check_methods(methods)
    plan = ComparisonPlan(task, space, methods, tuple(range(seeds)), budget, epochs, n_jobs,
                          out, population, levels, backend, scheduler, spec, objs, int(cv))
    for method in plan.methods:
        plan.strategy(method, 0)  # unknown method, bad --population, ga with 2 objectives
    return plan


def _existing(out: Path) -> list[Path]:
    """Files in ``out`` that a comparison (or campaign) would replace."""
    if not out.exists():
        return []
    found = sorted(out.rglob(results_mod.CSV_NAME))
    found += [out / n for n in (results_mod.SUMMARY_NAME, results_mod.REPORT_NAME)
              if (out / n).exists()]
    return found


def check_out(out: Path, overwrite: bool) -> list[Path]:
    """Refuse a folder holding results unless ``overwrite``; returns what is there."""
    if out.exists() and not out.is_dir():
        raise EvohpoError(f"--out {out} is a file; choose a folder for the comparison")
    there = _existing(out)
    if there and not overwrite:
        shown = ", ".join(str(p.relative_to(out)) for p in there[:3])
        more = f" and {len(there) - 3} more" if len(there) > 3 else ""
        raise EvohpoError(
            f"{out} already holds results ({shown}{more}); pass --overwrite to replace them, "
            "or choose another --out"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvohpoError(f"cannot create output folder {out} ({exc.strerror}); choose a "
                          "writable folder") from None
    return there


def _remove_stale_runs(plan: ComparisonPlan, there: list[Path]) -> None:
    """With --overwrite, drop earlier runs this comparison will not redo (e.g. extra seeds),
    so that ``evohpo report OUT`` afterwards shows this comparison only."""
    planned = {plan.folder(m, s).resolve() for m, s in plan.runs}
    for csv_path in there:
        folder = csv_path.parent
        if (csv_path.name == results_mod.CSV_NAME and folder.parent.resolve() == plan.out.resolve()
                and RUN_DIR.match(folder.name) and folder.resolve() not in planned):
            with hold(folder, remove_if_empty=True):  # never under a campaign still running
                results_mod.remove_run(folder)


def compare(plan: ComparisonPlan, *, overwrite: bool = False, resume: bool = False,
            progress: bool = True, **campaign_kw: Any) -> Report:
    """Run every (method, seed) of ``plan``, then write summary.csv, plots and report.md into
    ``plan.out``. Refuses a folder that already holds results unless ``overwrite``;
    ``resume`` continues a killed comparison (see :mod:`evohpo.compare_state`).
    ``campaign_kw`` goes to every ``run_campaign`` (e.g. ``evaluator``, ``time_limit``)."""
    if resume and overwrite:
        raise EvohpoError("--resume and --overwrite exclude each other; pass one of them")
    if plan.out.exists() and not plan.out.is_dir():
        raise EvohpoError(f"--out {plan.out} is a file; choose a folder for the comparison")
    with hold(plan.out):  # issue 15: one process per comparison folder
        return _compare(plan, overwrite=overwrite, resume=resume, progress=progress,
                        campaign_kw=campaign_kw)


def _compare(plan: ComparisonPlan, *, overwrite: bool, resume: bool, progress: bool,
             campaign_kw: dict[str, Any]) -> Report:
    from .campaign import run_campaign

    record = state_mod.plan_record(plan)
    if resume:
        stored = state_mod.load(plan.out)
        state_mod.check_same_plan(plan.out, stored, plan)
        spent = float(stored.get("seconds") or 0.0)
    else:
        there = check_out(plan.out, overwrite)
        if overwrite:
            _remove_stale_runs(plan, there)
        spent = 0.0
    record.update(finished=False, seconds=round(spent, 2), grid_size=None)
    files.write_json(plan.out / COMPARE_JSON, record)  # the plan, before any run
    started = time.perf_counter()
    for i, (method, seed) in enumerate(plan.runs, start=1):
        folder = plan.folder(method, seed)
        strategy = plan.strategy(method, seed)
        is_grid = hasattr(strategy, "size") and hasattr(strategy, "coverage")
        state = state_mod.run_state(folder, grid=is_grid) if resume else RunState.NEW
        if progress:
            what = {RunState.DONE: "done, kept", RunState.STARTED: "resumed"}.get(state, "")
            print(f"== run {i}/{len(plan.runs)}: {method} seed {seed} -> {folder}"
                  + (f" ({what})" if what else ""), file=sys.stderr, flush=True)
        if state == RunState.DONE:
            record["grid_size"] = state_mod.grid_size(folder) or record["grid_size"]
            continue
        # one Parallel per run; loky's reusable executor keeps the same workers across runs
        run_campaign(strategy, plan.task, budget=plan.budget, epochs=plan.epochs,
                     n_jobs=plan.n_jobs, out=folder, overwrite=state == RunState.NEW,
                     resume=state == RunState.STARTED, progress=progress,
                     backend=plan.backend, scheduler=plan.scheduler, model=plan.model,
                     objective=plan.objectives, cv=plan.cv, **campaign_kw)
        if is_grid:
            record["grid_size"] = int(strategy.size)
            files.write_json(folder / results_mod.GRID_NAME, {
                "grid_size": int(strategy.size), "coverage": strategy.coverage,
                "levels": plan.levels,
            })
        record["seconds"] = round(spent + time.perf_counter() - started, 2)
        files.write_json(plan.out / COMPARE_JSON, record)
    seconds = spent + time.perf_counter() - started
    record.update(finished=True, seconds=round(seconds, 2))
    files.write_json(plan.out / COMPARE_JSON, record)
    frame = analysis.load([plan.folder(m, s) for m, s in plan.runs])
    epochs = "" if plan.epochs is None else f"{plan.epochs} epoch(s) per evaluation, "
    notes = [
        f"task: {plan.task.describe()}",
        f"{len(plan.seeds)} seed(s) x {plan.budget} evaluations per method, {epochs}"
        f"n_jobs {plan.n_jobs}; total {seconds:.0f} s",
    ]
    if plan.cv:
        notes.append(f"scores: {plan.cv}-fold cross-validation of train+validation (each "
                     f"evaluation trains {plan.cv} models); test scores: the chosen config "
                     "refit on train+validation")
    title = f"{' vs '.join(plan.methods)} on {plan.task.name}"
    return write_report(frame, plan.out, title=title, notes=notes)
