"""One ask/evaluate/tell round at a time: the cache, the replay of rows written before a kill,
and the CSV row of every evaluation as it finishes; plus the progress line.

A network already evaluated in this campaign is not trained again (its row says ``cached``);
where jobs run, and how failures are retried, is :mod:`evohpo.engines.dispatch`.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import results as results_mod
from .backends import Backend
from .engines.base import Job, Setup, eval_seed
from .engines.dispatch import dispatch
from .errors import EvohpoError, check_whole
from .objectives import Objective
from .plans import CampaignPlan
from .space import Config, config_key
from .strategies.base import Evaluation, Proposal, Status, Traits

# Outcomes that training the same network again would repeat (timeouts and crashes might not).
CACHEABLE = (Status.OK, Status.DIVERGED, Status.FAILED)


class Progress:
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


def from_cache(hit: Evaluation, eval_id: int, generation: int) -> Evaluation:
    """A row for a network already trained in this campaign: same scores, no training."""
    return replace(hit, eval_id=eval_id, generation=generation, cached=True, train_seconds=0.0,
                   worker="cache")


@dataclass
class Loop:
    """The state of one running campaign; ``batch`` does one ask/evaluate/tell round."""

    plan: CampaignPlan  # the settings fixed before the first evaluation
    backend: Backend
    evaluator: Callable[[Job, Setup], Evaluation]
    log: results_mod.ResultsLog
    row_kw: dict[str, Any]
    evaluations: list[Evaluation] = field(default_factory=list)
    cache: dict[str, Evaluation] = field(default_factory=dict)
    replay: dict[int, Evaluation] = field(default_factory=dict)  # rows done after the checkpoint
    low: dict[int, int] = field(default_factory=dict)  # eval_id -> epochs of a screening run
    notes: set[str] = field(default_factory=set)  # reasons already printed

    def write(self, ev: Evaluation) -> None:
        self.log.append(results_mod.row(ev, **self.row_kw), ev.train_seconds)

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
        if Traits.of(self.plan.strategy).fidelity and 0 < ev.epochs < self.plan.epochs:
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
                done[eval_id] = from_cache(self.cache[key], eval_id, prop.generation)
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
            self._note(ev)
            done[ev.eval_id] = ev
            self.write(ev)
            self.remember(ev)
        for eval_id, prop in repeats:
            if eval_id not in done:
                original = done[in_batch[self.key(prop.config, self.low.get(eval_id))]]
                done[eval_id] = from_cache(original, eval_id, prop.generation)
                self.write(done[eval_id])
        self.log.sync()  # every row of the batch on disk before its checkpoint
        return [done[first_id + i] for i in range(len(proposals))]

    def _note(self, ev: Evaluation) -> None:
        """What a worker asked to be said, once per text: why a fused campaign's member trained
        one by one, or scores of a black box that have no column."""
        reason = ev.extra.get("alone")
        if reason and reason not in self.notes:
            self.notes.add(reason)
            print(f"note: evaluation {ev.eval_id} trained one model at a time: {reason}",
                  file=sys.stderr, flush=True)
        note = ev.extra.get("note")
        if note and note not in self.notes:
            self.notes.add(note)
            print(f"note: {note}", file=sys.stderr, flush=True)

    def _replayed(self, eval_id: int, key: str) -> Evaluation:
        ev = self.replay.pop(eval_id)
        if self.key(ev.config, self.low.get(eval_id)) != key:
            raise EvohpoError(
                f"cannot resume: row {eval_id} of {self.log.path} is not the network the "
                "checkpoint proposes (files from different campaigns?); start with --overwrite"
            )
        return ev

    def _train(self, todo: list[Job]):
        """Yield evaluations as they finish (see :mod:`evohpo.engines.dispatch` for where jobs
        go, and how dead workers and timeouts are retried)."""
        plan = self.plan
        yield from dispatch(self.backend, todo, plan.setup, evaluator=self.evaluator,
                            fused=plan.engine == "fused", shuffle_seed=plan.seed,
                            n_workers=plan.n_workers, task=plan.task)


FIRST_BATCH_HINTS = {
    Status.DIVERGED: "lower the learning rates the space allows (or check the data's scale)",
    Status.TIMEOUT: "raise the time limit or make the networks smaller",
    Status.CRASHED: "the workers died (out of memory?): use fewer workers or smaller networks",
    Status.FAILED: "fix the build function or the objective",
}


def check_first_batch(batch: list[Evaluation], csv: Path) -> None:
    """A first batch in which no network finished cleanly is the user's problem, not data: a
    build function or objective that fails for every network, learning rates that make every
    network diverge, a time limit nothing fits in, workers that all die. Stop after it (its
    rows are kept) with one line saying what happened and the fix, instead of burning the
    budget on it."""
    if not batch or any(e.ok for e in batch):
        return
    errors = {e.error for e in batch}
    if all(e.status == Status.FAILED for e in batch) and len(errors) == 1:
        raise EvohpoError(f"every evaluation of the first batch failed with: {errors.pop()} "
                          f"(rows in {csv}); fix that and start again with --overwrite")
    counts = Counter(e.status for e in batch)
    common = counts.most_common(1)[0][0]
    what = ", ".join(f"{n} {status}" for status, n in counts.most_common())
    example = next(e.error for e in batch if e.status == common)
    raise EvohpoError(f"no evaluation of the first batch finished ({what}; e.g. {example}; "
                      f"rows in {csv}): {FIRST_BATCH_HINTS[common]}, then start again with "
                      "--overwrite")
