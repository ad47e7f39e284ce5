"""The campaign loop: ask, evaluate in parallel with joblib, log, tell. The only joblib user.

One loop drives every strategy, so methods compared at the same budget are compared fairly.
Evaluations run in loky worker processes (also for n_jobs=1) that are started once and reused
for the whole campaign; each limits TensorFlow's threads before TensorFlow starts and loads
the task's data once from a file. A network already evaluated in this campaign is not trained
again: its row is marked ``cached``.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import results as results_mod
from . import tasks as tasks_mod
from .errors import EvohpoError
from .fitness import TaskRef, eval_seed, evaluate, train_final
from .runtime import limit_threads_env
from .space import Config, config_key, describe
from .strategies.base import Evaluation, Proposal, Status, Strategy
from .tasks import Task


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
            f"{out} already holds a campaign ({csv_path.name}); pass overwrite=True "
            "(--overwrite) to replace it, or choose another output folder"
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
        rate = done / elapsed * 60 if elapsed > 0 else 0.0
        eta = (self.budget - done) / (done / elapsed) if done else 0.0
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


# Outcomes that training the same network again would repeat (timeouts and crashes might not).
CACHEABLE = (Status.OK, Status.DIVERGED, Status.FAILED)


def _from_cache(hit: Evaluation, eval_id: int, generation: int) -> Evaluation:
    """A row for a network already trained in this campaign: same scores, no training."""
    return replace(hit, eval_id=eval_id, generation=generation, cached=True, train_seconds=0.0,
                   worker="cache")


def _user_score(ev: Evaluation) -> float:
    return ev.val_accuracy if ev.val_accuracy is not None else ev.val_loss


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
    threads_per_worker: int = 1,
    save_best: bool = True,
    progress: bool = True,
) -> CampaignResult:
    """Run ``strategy`` on ``task`` for exactly ``budget`` evaluations (fewer only if the
    strategy runs out of proposals) and write ``out/results.csv``, ``out/best.json`` and
    ``out/best.keras``.

    The same seed gives the same CSV (timing and worker columns aside) for any ``n_jobs``.
    """
    if isinstance(task, str):
        task = tasks_mod.get(task)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise EvohpoError(f"budget must be a whole number >= 1, got {budget!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise EvohpoError(f"epochs must be a whole number >= 1, got {epochs!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise EvohpoError(f"n_jobs must be >= 1 (or -1 for all cores), got {n_jobs!r}")
    if threads_per_worker < 1:
        raise EvohpoError(f"threads_per_worker must be >= 1, got {threads_per_worker}")
    out = Path(out)
    _check_out(out, overwrite)
    seed = int(getattr(strategy, "seed", 0) if seed is None else seed)
    method = strategy.name
    campaign = campaign or out.name
    space = getattr(strategy, "space", None)
    max_layers = space.max_layers if space is not None else 1
    log = results_mod.ResultsLog.create(out / results_mod.CSV_NAME, results_mod.columns(max_layers))
    (out / results_mod.BEST_NAME).unlink(missing_ok=True)
    (out / results_mod.BEST_MODEL_NAME).unlink(missing_ok=True)

    from joblib import Parallel, delayed

    os.environ.update(limit_threads_env(threads_per_worker))  # inherited by loky workers
    tmp = Path(tempfile.mkdtemp(prefix="evohpo-task-"))
    started = time.perf_counter()
    try:
        task_file = tmp / "task.npz"
        tasks_mod.save(task, task_file)
        ref = TaskRef(str(task_file), task.fingerprint())
        bar = _Progress(method, budget, task.metric, progress)
        evaluations: list[Evaluation] = []
        cache: dict[str, Evaluation] = {}
        cache_hits = 0

        def write(ev: Evaluation) -> None:
            log.append(results_mod.row(ev, campaign=campaign, method=method, seed=seed,
                                       max_layers=max_layers))

        with Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered") as par:
            while len(evaluations) < budget and not strategy.done:
                proposals = strategy.ask(budget - len(evaluations))
                if not proposals:
                    break
                first_id = len(evaluations)
                done: dict[int, Evaluation] = {}
                todo: list[tuple[int, Proposal]] = []
                repeats: list[tuple[int, Proposal]] = []  # same network as one in this batch
                in_batch: dict[str, int] = {}  # network -> eval_id that trains it
                for i, prop in enumerate(proposals):
                    eval_id, key = first_id + i, config_key(prop.config)
                    if key in cache:
                        done[eval_id] = _from_cache(cache[key], eval_id, prop.generation)
                        write(done[eval_id])
                    elif key in in_batch:
                        repeats.append((eval_id, prop))
                    else:
                        in_batch[key] = eval_id
                        todo.append((eval_id, prop))
                todo.sort(key=lambda item: -_estimated_cost(item[1].config, task))
                jobs = (
                    delayed(evaluate)(
                        prop.config, ref, eval_id=eval_id, generation=prop.generation,
                        seed=eval_seed(seed, eval_id), epochs=epochs,
                    )
                    for eval_id, prop in todo
                )
                for ev in par(jobs):
                    done[ev.eval_id] = ev
                    write(ev)
                    if ev.status in CACHEABLE:
                        cache[config_key(ev.config)] = ev
                for eval_id, prop in repeats:
                    original = done[in_batch[config_key(prop.config)]]
                    done[eval_id] = _from_cache(original, eval_id, prop.generation)
                    write(done[eval_id])
                batch = [done[first_id + i] for i in range(len(proposals))]
                cache_hits += sum(ev.cached for ev in batch)
                strategy.tell(batch)
                evaluations.extend(batch)
                bar.update(proposals[0].generation, len(evaluations), batch)
            log.finalize()
            best = None
            if save_best:
                best = _final_model(par, evaluations, ref, seed, epochs, out, delayed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = CampaignResult(
        out, log.path, method, seed, evaluations, best, time.perf_counter() - started, cache_hits
    )
    results_mod.write_json(out / results_mod.BEST_NAME, _summary(result, task, budget, epochs))
    return result


def _final_model(par, evaluations, ref, seed, epochs, out, delayed) -> Best | None:
    """Retrain the best evaluation with its own seed, score it on test, save it as .keras."""
    ok = [e for e in evaluations if e.ok]
    if not ok:
        return None
    chosen = min(ok, key=lambda e: (e.objective, e.eval_id))
    source = chosen
    if chosen.cached:  # the seed that produced the score is the original evaluation's
        source = next(e for e in evaluations if not e.cached and e.config == chosen.config)
    path = str(out / results_mod.BEST_MODEL_NAME)
    (scores,) = list(
        par([delayed(train_final)(chosen.config, ref, seed=eval_seed(seed, source.eval_id),
                                  epochs=epochs, save_to=path)])
    )
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
        "status_counts": counts, "cache_hits": result.cache_hits,
        "seconds": round(result.seconds, 2),
        "best": None if best is None else {
            "eval_id": best.eval_id, "config": best.config,
            "val_accuracy": best.val_accuracy, "val_loss": best.val_loss,
            "test_accuracy": best.test_accuracy, "test_loss": best.test_loss,
            "model_path": best.model_path,
        },
    }
