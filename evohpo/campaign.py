"""The campaign loop: ask, evaluate in parallel, log, tell.

One loop drives every strategy, so methods compared at the same budget are compared fairly.
Where evaluations run is :mod:`evohpo.backends` (the only other module that touches joblib):
by default loky worker processes (also for n_jobs=1) that are started once and reused across
batches and campaigns; each limits TensorFlow's threads before TensorFlow starts and loads the
task's data once. Around that loop:

* a network already evaluated in this campaign is not trained again (its row says ``cached``);
* a checkpoint is written after every batch, so ``resume=True`` continues a killed campaign
  and ends with the same CSV an uninterrupted run writes (timing and worker columns aside);
* an evaluation that raises, diverges, runs over ``time_limit`` or kills its worker process
  becomes a row with a status and an error; the campaign goes on.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import checkpoint as ckpt_mod
from . import results as results_mod
from . import tasks as tasks_mod
from .backends import BACKENDS, Backend, open_backend
from .errors import EvohpoError, check_n_jobs, check_whole
from .fitness import eval_seed, evaluate, train_final
from .space import Config, config_key, describe
from .strategies.base import WORST, Evaluation, Proposal, Status, Strategy
from .tasks import Task

# Outcomes that training the same network again would repeat (timeouts and crashes might not).
CACHEABLE = (Status.OK, Status.DIVERGED, Status.FAILED)


@dataclass(frozen=True)
class Best:
    """The chosen network: its config, the validation score that chose it, its test score."""

    config: Config
    eval_id: int
    val_accuracy: float | None
    val_loss: float | None
    test_accuracy: float | None
    test_loss: float | None
    model_path: str | None

    def __str__(self) -> str:
        if self.val_accuracy is not None:
            score = f"val_accuracy={self.val_accuracy:.4f} test_accuracy={self.test_accuracy:.4f}"
        else:
            score = f"val_loss={self.val_loss:.4f} test_loss={self.test_loss:.4f}"
        return f"eval {self.eval_id}: {describe(self.config)} | {score}"


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

    def frame(self):
        return results_mod.read(self.csv)


def _estimated_cost(config: Config, task: Task) -> float:
    """Rough training cost, used only to start the longest jobs first (less idle at a barrier)."""
    widths = [task.n_features, *config["units"]]
    weights = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    steps = math.ceil(len(task.y_train) / int(config["batch_size"]))
    return steps * (1.0 + weights / 20_000)


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

    def __init__(self, method: str, budget: int, metric: str, enabled: bool) -> None:
        self.method, self.budget, self.metric, self.enabled = method, budget, metric, enabled
        self.start = time.perf_counter()
        self.best: float | None = None
        self.done_at_start = 0

    def update(self, generation: int, done: int, batch: list[Evaluation]) -> None:
        if not self.enabled:
            return
        scores = [_user_score(e) for e in batch if e.ok]
        lower_better = self.metric == "val_loss"
        if scores:
            top = min(scores) if lower_better else max(scores)
            if self.best is None or (top < self.best if lower_better else top > self.best):
                self.best = top
        elapsed = time.perf_counter() - self.start
        new = done - self.done_at_start
        rate = new / elapsed * 60 if elapsed > 0 else 0.0
        eta = (self.budget - done) / (new / elapsed) if new else 0.0
        mean = f"{sum(scores) / len(scores):.4f}" if scores else "n/a"
        best = f"{self.best:.4f}" if self.best is not None else "n/a"
        print(
            f"[{self.method}] gen {generation:>3}  evals {done:>4}/{self.budget}  "
            f"best {self.metric} {best}  batch mean {mean}  {rate:5.1f} evals/min  "
            f"ETA {_fmt_seconds(eta)}",
            file=sys.stderr, flush=True,
        )


def _fmt_seconds(s: float) -> str:
    m, sec = divmod(int(round(s)), 60)
    return f"{m}m{sec:02d}s"


def _user_score(ev: Evaluation) -> float:
    return ev.val_accuracy if ev.val_accuracy is not None else ev.val_loss


def _from_cache(hit: Evaluation, eval_id: int, generation: int) -> Evaluation:
    """A row for a network already trained in this campaign: same scores, no training."""
    return replace(hit, eval_id=eval_id, generation=generation, cached=True, train_seconds=0.0,
                   worker="cache")


def _crashed(eval_id: int, prop: Proposal, exc: BaseException) -> Evaluation:
    return Evaluation(
        eval_id, prop.generation, prop.config, Status.CRASHED, WORST, worker="crashed",
        error=f"worker process died (killed or out of memory): {type(exc).__name__}",
    )


@dataclass
class _Loop:
    """The state of one running campaign; ``batch`` does one ask/evaluate/tell round."""

    backend: Backend
    evaluator: Callable[..., Evaluation]
    task: Task
    log: results_mod.ResultsLog
    seed: int
    epochs: int
    time_limit: float | None
    row_kw: dict[str, Any]
    evaluations: list[Evaluation] = field(default_factory=list)
    cache: dict[str, Evaluation] = field(default_factory=dict)
    replay: dict[int, Evaluation] = field(default_factory=dict)  # rows done after the checkpoint

    def write(self, ev: Evaluation) -> None:
        self.log.append(results_mod.row(ev, **self.row_kw))

    def remember(self, ev: Evaluation) -> None:
        if not ev.cached and ev.status in CACHEABLE:
            self.cache.setdefault(config_key(ev.config), ev)

    def batch(self, proposals: list[Proposal]) -> list[Evaluation]:
        first_id = len(self.evaluations)
        done: dict[int, Evaluation] = {}
        todo: list[tuple[int, Proposal]] = []
        repeats: list[tuple[int, Proposal]] = []  # same network as an earlier one in this batch
        in_batch: dict[str, int] = {}  # network -> eval_id that trains it
        for i, prop in enumerate(proposals):
            eval_id, key = first_id + i, config_key(prop.config)
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
                todo.append((eval_id, prop))
        todo.sort(key=lambda item: -_estimated_cost(item[1].config, self.task))
        for ev in self._train(todo):
            done[ev.eval_id] = ev
            self.write(ev)
            self.remember(ev)
        for eval_id, prop in repeats:
            if eval_id not in done:
                original = done[in_batch[config_key(prop.config)]]
                done[eval_id] = _from_cache(original, eval_id, prop.generation)
                self.write(done[eval_id])
        return [done[first_id + i] for i in range(len(proposals))]

    def _replayed(self, eval_id: int, key: str) -> Evaluation:
        ev = self.replay.pop(eval_id)
        if config_key(ev.config) != key:
            raise EvohpoError(
                f"cannot resume: row {eval_id} of {self.log.path} is not the network the "
                "checkpoint proposes (files from different campaigns?); start with --overwrite"
            )
        return ev

    def _jobs(self, items: list[tuple[int, Proposal]]):
        return (
            self.backend.delayed(self.evaluator)(
                prop.config, self.backend.task_arg, eval_id=eval_id, generation=prop.generation,
                seed=eval_seed(self.seed, eval_id), epochs=self.epochs,
                time_limit=self.time_limit,
            )
            for eval_id, prop in items
        )

    def _train(self, todo: list[tuple[int, Proposal]]):
        """Yield evaluations as they finish. If a worker dies, the ones that did not come back
        are retried one at a time, so the network that kills its worker is found and recorded
        as crashed while the others still get their real scores."""
        finished: set[int] = set()
        died = self.backend.worker_died
        try:
            for ev in self.backend.run(self._jobs(todo)):
                finished.add(ev.eval_id)
                yield ev
            return
        except died:
            pass
        for item in [t for t in todo if t[0] not in finished]:
            try:
                (ev,) = list(self.backend.run(self._jobs([item])))
            except died as exc:
                ev = _crashed(item[0], item[1], exc)
            yield ev


def run_campaign(
    strategy: Strategy,
    task: Task | str,
    *,
    budget: int,
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
    evaluator: Callable[..., Evaluation] = evaluate,
) -> CampaignResult:
    """Run ``strategy`` on ``task`` for exactly ``budget`` evaluations (fewer only if the
    strategy runs out of proposals) and write ``out/results.csv``, ``out/checkpoint.json``,
    ``out/best.json`` and ``out/best.keras``.

    The same seed gives the same CSV (timing and worker columns aside) for any ``n_jobs``, and
    ``resume=True`` after a kill gives the CSV of a run that was never interrupted.
    ``backend`` is loky (default), threading, dask or ray (see :mod:`evohpo.backends`);
    ``scheduler`` is the address of an existing Dask scheduler or Ray cluster.
    ``evaluator`` replaces :func:`evohpo.fitness.evaluate` (same signature) for custom training.
    """
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
    if resume and overwrite:
        raise EvohpoError("resume and overwrite exclude each other; pass one of them")
    out = Path(out)
    seed = int(getattr(strategy, "seed", 0) if seed is None else seed)
    method = strategy.name
    space = getattr(strategy, "space", None)
    max_layers = space.max_layers if space is not None else 1
    csv_path = out / results_mod.CSV_NAME
    fingerprint = task.fingerprint()
    prior: list[Evaluation] = []
    replay: dict[int, Evaluation] = {}
    if resume:
        state = ckpt_mod.load(out)
        ckpt_mod.check_compatible(state, method=method, seed=seed, fingerprint=fingerprint,
                                  epochs=epochs, out=out)
        if not csv_path.is_file():
            raise EvohpoError(f"cannot resume {out}: {csv_path.name} is missing; use --overwrite")
        if state["strategy"] is None or not hasattr(strategy, "load_state_dict"):
            raise EvohpoError(
                f"cannot resume {out}: strategy {method!r} keeps no state_dict(); "
                "give it state_dict()/load_state_dict() or start again with --overwrite"
            )
        strategy.load_state_dict(state["strategy"])
        results_mod.repair(csv_path)  # a torn last line from a kill mid-write
        header, rows = results_mod.read_rows(csv_path)
        results_mod.check_header(csv_path, header)
        evs = [ckpt_mod.evaluation_from_row(dict(zip(header, r)), kind=task.kind) for r in rows]
        n_done = int(state["n_evals"])
        prior = sorted((e for e in evs if e.eval_id < n_done), key=lambda e: e.eval_id)
        replay = {e.eval_id: e for e in evs if e.eval_id >= n_done}
        if [e.eval_id for e in prior] != list(range(n_done)):
            raise EvohpoError(
                f"cannot resume {out}: {csv_path.name} lacks rows the checkpoint counts "
                f"({len(prior)} of {n_done}); start again with --overwrite"
            )
        log = results_mod.ResultsLog(csv_path, header)
        if campaign is None and rows:
            campaign = rows[0][header.index("campaign")]
    else:
        _check_out(out, overwrite)
        log = results_mod.ResultsLog.create(csv_path, results_mod.columns(max_layers))
        for name in (results_mod.BEST_NAME, results_mod.BEST_MODEL_NAME,
                     results_mod.PREPROCESS_NAME):
            (out / name).unlink(missing_ok=True)
    campaign = campaign or out.name

    def save_checkpoint(n_evals: int, finished: bool = False) -> None:
        results_mod.write_json(out / ckpt_mod.CHECKPOINT_NAME, ckpt_mod.build(
            method=method, seed=seed, task=task.name, fingerprint=fingerprint, epochs=epochs,
            budget=budget, n_evals=n_evals,
            strategy_state=strategy.state_dict() if hasattr(strategy, "state_dict") else None,
            finished=finished,
        ))

    started = time.perf_counter()
    bar = _Progress(method, budget, task.metric, progress)
    bar.done_at_start = len(prior)
    with open_backend(backend, n_jobs, task, scheduler=scheduler,
                      threads_per_worker=threads_per_worker) as workers:
        loop = _Loop(
            workers, evaluator, task, log, seed, epochs, time_limit,
            {"campaign": campaign, "method": method, "seed": seed, "max_layers": max_layers},
            evaluations=prior, replay=replay,
        )
        for ev in prior:
            loop.remember(ev)
        if not resume:
            save_checkpoint(0)
        while len(loop.evaluations) < budget and not strategy.done:
            proposals = strategy.ask(budget - len(loop.evaluations))
            if not proposals:
                break
            batch = loop.batch(proposals)
            strategy.tell(batch)
            loop.evaluations.extend(batch)
            save_checkpoint(len(loop.evaluations))
            bar.update(proposals[0].generation, len(loop.evaluations), batch)
        log.finalize()
        save_checkpoint(len(loop.evaluations), finished=True)
        best = _final_model(workers, loop.evaluations, seed, epochs, out) if save_best else None
    evaluations = loop.evaluations
    result = CampaignResult(
        out, log.path, method, seed, evaluations, best, time.perf_counter() - started,
        sum(e.cached for e in evaluations),
        {"duplicates_avoided": getattr(strategy, "duplicates_avoided", None)},
    )
    results_mod.write_json(out / results_mod.BEST_NAME, _summary(result, task, budget, epochs))
    if best is not None:  # hook (issue 13): a table's encoding beside best.keras, for predict
        results_mod.write_preprocess(out, task.preprocess)
    return result


def _final_model(workers: Backend, evaluations, seed, epochs, out) -> Best | None:
    """Retrain the best evaluation with its own seed, score it on test, save it as .keras."""
    ok = [e for e in evaluations if e.ok]
    if not ok:
        return None
    chosen = min(ok, key=lambda e: (e.objective, e.eval_id))
    source = chosen
    if chosen.cached:  # the seed that produced the score is the original evaluation's
        source = next(e for e in evaluations if not e.cached and e.config == chosen.config)
    path = str(out / results_mod.BEST_MODEL_NAME)
    job = workers.delayed(train_final)(
        chosen.config, workers.task_arg, seed=eval_seed(seed, source.eval_id), epochs=epochs,
        save_to=path,
    )
    (scores,) = list(workers.run([job]))
    return Best(
        chosen.config, chosen.eval_id, chosen.val_accuracy, chosen.val_loss,
        scores["test_accuracy"], scores["test_loss"], path,
    )


def _summary(result: CampaignResult, task: Task, budget: int, epochs: int) -> dict:
    counts: dict[str, int] = {}
    for e in result.evaluations:
        counts[str(e.status)] = counts.get(str(e.status), 0) + 1
    best = result.best
    return {
        "method": result.method, "seed": result.seed, "task": task.name, "kind": task.kind,
        "budget": budget, "epochs": epochs, "evaluations": len(result.evaluations),
        "status_counts": counts, "cache_hits": result.cache_hits, **result.extra,
        "seconds": round(result.seconds, 2),
        "best": None if best is None else {
            "eval_id": best.eval_id, "config": best.config,
            "val_accuracy": best.val_accuracy, "val_loss": best.val_loss,
            "test_accuracy": best.test_accuracy, "test_loss": best.test_loss,
            "model_path": best.model_path,
        },
    }
