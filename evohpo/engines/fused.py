"""Fused training: a group of compiled Keras models trained side by side in one traced function.

Why: on a small task most of a Keras evaluation is fixed cost (building, tracing ``fit``'s
train function, the first call, evaluate's test function), not arithmetic. Tracing one
function that trains N models on the same minibatches pays that cost once per group.

Any model a build function returns can be a member — the built-in MLP (``presets.mlp.build``,
the only place an MLP is built), a CNN, a functional Wide & Deep with branches — as long as it
is compiled and trains with Keras' standard ``train_step``. What each member keeps as its own:
its compiled loss (``model.compute_loss``: sample weights, regularisation losses, any loss),
its compiled optimizer and learning-rate schedule (``optimizer.scale_loss`` applied as ``fit``
does), ``model(x, training=True)`` for dropout and batch norm, and the fit hook's callbacks,
class/sample weights and validation data (:mod:`evohpo.engines.fit_args`).

Why it is exact per member:

* each member is built after ``keras.utils.set_random_seed(seed)`` with its own seed, exactly
  as the per-model engine builds it, so its initial weights never depend on its group;
* every member sees the epoch's rows in the same order, which depends on ``shuffle_seed`` and
  the epoch only, cut into batches of its own size (members of different batch sizes share a
  group; with cross-validation each fold's rows have their own order, drawn the same way,
  so members of different folds share a group too); the last batch keeps its own length
  (zero-weight padding would change Keras' ``sum_over_batch_size`` reduction and batch
  norm's statistics for user models);
* one ``GradientTape`` records the **sum** of the members' losses; the gradient of a sum with
  respect to one member's variables is that member's own gradient (the sum passes the upstream
  gradient 1.0 to each term unchanged), so a NaN in one member cannot reach another;
* each member's compiled loss and optimizer are built eagerly before tracing (building inside
  the trace would trace twice, and a multi-output loss makes its tracking variables then);
* one ``tf.function`` call runs a whole epoch (a ``tf.while_loop`` over batches inside the
  graph), or a chunk of it when there is a time limit to check; callbacks run between epochs;
* Grappler's meta-optimizer is off while a group trains (:func:`hygiene.grappler_off`).

A member's numbers are a pure function of (config, seed, task or fold, epochs, shuffle_seed):
the same with any other members, alone, or beside one that diverges
(``tests/engines/test_fused.py``).

A member the fused step cannot train — a fit argument only ``fit`` honours, a custom
``train_step``, a model that cannot be traced with the others — comes back as ``alone`` with
the reason: the caller trains it one by one (:mod:`evohpo.engines.fused_worker`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..model import ModelSpec
from ..objectives import Objective
from ..runtime import keras as _keras
from ..tasks import Task
from ..tasks.folds import Folds
from . import fit_args, hygiene, kernels, limits
from .base import error_text
from .members import (
    ALONE,
    DIVERGED,
    FAILED,
    OK,
    TIMEOUT,
    GroupRun,
    Member,
    NotTrainable,
    callbacks,
    end_epoch,
    tensor,
)
from .scoring import measure

__all__ = ["ALONE", "DIVERGED", "FAILED", "OK", "TIMEOUT", "MemberResult", "train_group"]
CHUNK_SECONDS = 0.25  # with a time limit, how long one call of the traced function runs
MEMORY_SHARE = 0.5  # a group's weights and optimizer state may take this share of free memory


@dataclass(frozen=True)
class MemberResult:
    """What training one member measured.

    ``scores`` are what the per-model engine reports for the same model: ``val_*`` compiled
    metrics (or the fast preset scores) and any objective that is not a metric. ``error``
    says why for every status but ok; for ``alone`` it is the reason the member must train
    one by one. ``seconds`` is the member's share of its group's wall time: time inside
    training calls split by parameter count (members step in lock step), the rest equally
    among the members that built; shares sum to the group's wall time. ``model`` is the
    trained model itself (``keep_models=True``). A ``timeout`` with ``own_limit`` ran out
    of its own share (its build hung), not of the group's shared limit: training it alone
    again would not change that.
    """

    status: str
    scores: dict[str, float]
    params: int | None
    epochs: int
    seconds: float
    error: str = ""
    model: Any = field(default=None, repr=False, compare=False)
    own_limit: bool = False  # a timeout on the member's own limit, not the group's shared one

    @property
    def ok(self) -> bool:
        return self.status == OK


def ticks(run: GroupRun, members: Sequence[Member]) -> int:
    """Calls of the step per epoch: the most batches any member takes."""
    return max(m.steps() for m in members)


def _trainer(run: GroupRun, members: list[Member]) -> Callable[..., np.ndarray]:
    """One ``tf.function`` that trains every member on ticks ``start..stop-1`` of an epoch
    (rows in ``idx`` order: :meth:`GroupRun.order`), wrapped to return each member's summed
    loss times batch size.

    At tick ``i`` each member takes its own batch ``i`` of its fold's part of the epoch's
    rows, so members of different batch sizes and folds train in one trace: members that
    share a class (batch size, fold) share one gather and one tape; a class with fewer
    batches than the group has ticks steps under a ``tf.cond`` and idles once its epoch is
    done. A member's updates are exactly those of a group of its class alone.

    One ``tf.while_loop`` over the ticks inside the graph: a Python call per batch cost
    4-5 ms more per step here. ``autograph=False``: the loop is written out, and autograph's
    conversion of Keras' layer code made every step slower (0.15 vs 0.08 s per epoch).
    """
    tf = run.tf
    weights = [list(m.model.trainable_variables) for m in members]
    updates = [kernels.plain_update(tf, run.keras, m.model.optimizer, vs) or
               m.model.optimizer.apply_gradients for m, vs in zip(members, weights)]
    classes: dict[tuple[int, int], list[int]] = {}  # (batch size, fold) -> its members
    for k, m in enumerate(members):
        classes.setdefault((m.batch, m.fold), []).append(k)
    n_ticks = ticks(run, members)

    def forward(m: Member, xb: Any) -> Any:
        if getattr(m.model, "_call_has_training_arg", True):
            return m.model(xb, training=True)
        return m.model(xb)

    def class_step(batch: int, fold: int, ks: list[int], i: Any, idx: Any) -> Any:
        """Batch ``i`` of size ``batch`` of ``fold``'s rows for the members at ``ks``: their
        losses x rows."""
        lo = i * batch
        hi = tf.minimum(lo + batch, run.sizes[fold])
        at = run.offsets[fold]
        rows = idx[lo + at:hi + at] if at else idx[lo:hi]
        xb = tf.nest.map_structure(lambda a: tf.gather(a, rows), run.x)
        yb = tf.gather(run.y, rows)
        with tf.GradientTape() as tape:
            losses, scaled = [], []
            for k in ks:
                m = members[k]
                sw = None if m.weights is None else tf.gather(m.weights, rows)
                loss = m.model._compute_loss(x=xb, y=yb, y_pred=forward(m, xb),
                                             sample_weight=sw, training=True)
                losses.append(tf.cast(loss, tf.float32))
                scaled.append(m.model.optimizer.scale_loss(loss))
            summed = tf.add_n([tf.cast(s, tf.float32) for s in scaled])
        flat = [v for k in ks for v in weights[k]]
        grads = tape.gradient(summed, flat)
        at = 0
        for k in ks:
            own = grads[at:at + len(weights[k])]
            at += len(weights[k])
            pairs = [(g, v) for g, v in zip(own, weights[k]) if g is not None]
            if pairs:
                updates[k](pairs)
        return tf.stack(losses) * tf.cast(hi - lo, tf.float32)

    def step(i: Any, total: Any, idx: Any) -> tuple[Any, Any]:
        parts: list[Any] = [None] * len(members)
        for (batch, fold), ks in classes.items():
            steps = math.ceil(run.sizes[fold] / batch)
            if steps == n_ticks:
                out = class_step(batch, fold, ks, i, idx)
            else:  # its epoch ends before the group's: nothing to do on the last ticks
                out = tf.cond(i < steps,
                              lambda b=batch, f=fold, c=ks: class_step(b, f, c, i, idx),
                              lambda c=ks: tf.zeros([len(c)], tf.float32))
            for j, k in enumerate(ks):
                parts[k] = out[j]
        return i + 1, total + tf.stack(parts)

    @tf.function(autograph=False, input_signature=[
        tf.TensorSpec([None], tf.int32), tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32),
    ])
    def traced(idx: Any, start: Any, stop: Any) -> Any:
        total = tf.zeros([len(members)], tf.float32)
        _, total = tf.while_loop(lambda i, _: i < stop, lambda i, t: step(i, t, idx),
                                 (start, total), parallel_iterations=1)
        return total

    def call(idx: Any, start: int, stop: int) -> np.ndarray:
        return traced(idx, tf.constant(start, tf.int32), tf.constant(stop, tf.int32)).numpy()

    return call


def _shares(wall: float, stepping: float, members: list[Member]) -> dict[int, float]:
    """Each member's seconds: ``stepping`` (time inside training calls) by parameter count,
    the rest of ``wall`` equally (see :class:`MemberResult`)."""
    if not members:
        return {}
    fixed = max(wall - stepping, 0.0) / len(members)
    total = sum(m.params for m in members) or 1
    return {m.slot: fixed + min(stepping, wall) * m.params / total for m in members}


def train_group(
    spec: ModelSpec,
    configs: Sequence[dict],
    seeds: Sequence[int],
    task: Task,
    epochs: int,
    batch_size: int | Sequence[int],
    *,
    objectives: Sequence[Objective] = (),
    time_limit: float | None = None,
    shuffle_seed: int | None = 0,
    keep_models: bool = False,
    chunk_steps: int | None = None,
    folds: Folds | None = None,
    fold_of: Sequence[int] = (),
) -> list[MemberResult]:
    """Train ``configs`` (built by ``spec``, a :class:`evohpo.model.ModelSpec`) together for
    ``epochs`` with minibatches of ``batch_size`` (one for all, or one per config); one
    result per config, in order.

    Never raises for a bad model: one that cannot be built is ``failed``; one the fused step
    cannot train is ``alone`` (train it one by one); one whose training loss or validation
    scores turn NaN/inf is ``diverged``; the others train on untouched. When the group's
    trace fails, each member is traced alone to find the culprits (``alone``), and the rest
    train as a group again; a group that runs out of memory is split in halves and retried.
    ``time_limit`` (seconds, for the whole group) is checked after every call of the traced
    function; members still training then are ``timeout``. With a limit, epochs run in chunks
    of about a quarter second (``chunk_steps`` fixes the chunk instead); chunking never changes
    the numbers. ``shuffle_seed=None`` keeps the rows in order (``fit(shuffle=False)``).
    With ``folds`` (cross-validation folds of ``task``, :mod:`evohpo.tasks.folds`) config
    ``i`` trains on fold ``fold_of[i]``'s training rows, built, fit-hooked and scored with that
    fold's view of the task: exactly as a group of that view's task alone trains it.
    Not thread-safe: it switches process-wide TensorFlow settings while it runs.
    """
    if len(configs) != len(seeds):
        raise ValueError(f"{len(configs)} configs but {len(seeds)} seeds")
    batches = ((int(batch_size),) * len(configs) if isinstance(batch_size, int | np.integer)
               else tuple(int(b) for b in batch_size))
    if len(batches) != len(configs):
        raise ValueError(f"{len(configs)} configs but {len(batches)} batch sizes")
    if folds is not None and (len(fold_of) != len(configs)
                              or not all(0 <= f < folds.k for f in fold_of)):
        raise ValueError(f"{len(configs)} configs need as many folds in 0..{folds.k - 1}, "
                         f"got {list(fold_of)}")
    if epochs < 1 or min(batches, default=1) < 1:
        raise ValueError(f"epochs and batch sizes must be >= 1, got {epochs}, {batch_size}")
    if not configs:
        return []
    start = time.perf_counter()
    keras = _keras()
    import tensorflow as tf

    hygiene.fresh_session(keras)  # once per group: the previous group's graphs go here
    rows = task if folds is None else folds.pool  # what the traced function gathers from
    run = GroupRun(
        tf, keras, spec, task,
        tf.nest.map_structure(lambda a: tensor(tf, keras, a), rows.x_train),
        tensor(tf, keras, rows.y_train), batches, int(epochs), shuffle_seed,
        None if time_limit is None else start + float(time_limit), chunk_steps,
        folds, tuple(int(f) for f in fold_of),
    )
    results: dict[int, MemberResult] = {}
    members: list[Member] = []
    own_limit = None if time_limit is None else time_limit / len(configs)
    with hygiene.grappler_off(tf), hygiene.forget_custom_gradients():
        for slot, (config, seed) in enumerate(zip(configs, seeds)):
            try:
                with limits.alarm(own_limit) as clock:  # a build or fit hook that hangs
                    members.append(run.member(slot, config, int(seed)))
            except limits.OverTime as exc:
                if exc.clock is not clock:
                    raise
                hygiene.retire_worker()
                results[slot] = MemberResult(
                    TIMEOUT, {}, None, 0, 0.0, f"stopped: over the time limit of "
                    f"{own_limit:g} s while building the model (the build function or the "
                    "fit hook)", own_limit=True)
            except (fit_args.NotFusable, NotTrainable) as exc:
                results[slot] = MemberResult(ALONE, {}, None, 0, 0.0, str(exc))
            except Exception as exc:  # a bad network is data, not a crash of the group
                results[slot] = MemberResult(FAILED, {}, None, 0, 0.0, error_text(exc))
        members, stepping = (_train_within_memory(run, members, results) if members
                             else ([], 0.0))
        for m in members:
            if m.slot not in results:
                results[m.slot] = _finish(m, run, objectives, keep_models, time_limit)
    wall = time.perf_counter() - start
    trained = [m for m in members if results[m.slot].status not in (FAILED, ALONE)]
    shares = _shares(wall, stepping, trained)
    return [replace(results[i], seconds=shares.get(i, 0.0)) for i in range(len(configs))]


def _state_bytes(m: Member) -> int:
    """Bytes of a member's weights, gradients and optimizer state (activations not counted)."""
    slots = sum(int(np.prod(v.shape)) for v in m.model.optimizer.variables)
    return 4 * (2 * m.params + slots)


def _train_within_memory(run: GroupRun, members: list[Member],
                         results: dict[int, MemberResult]) -> tuple[list[Member], float]:
    """Train the members in as few sub-groups as memory allows: a group whose state would
    take more than ``MEMORY_SHARE`` of free memory, or that runs out of memory, is split in
    halves (each half trained after the other) instead of failing its members. Returns the
    members that trained (rebuilt ones replace their first try) and the seconds in steps."""
    import psutil

    free = psutil.virtual_memory().available * MEMORY_SHARE
    if len(members) > 1 and sum(_state_bytes(m) for m in members) > free:
        return _halves(run, members, results)
    try:
        return _train_isolating(run, members, results)
    except (MemoryError, run.tf.errors.ResourceExhaustedError):
        if len(members) == 1:
            m = members[0]
            m.status, m.error = FAILED, "out of memory training this model alone"
            return members, 0.0
        return _halves(run, [run.member(m.slot, m.config, m.seed) for m in members], results)


def _halves(run: GroupRun, members: list[Member],
            results: dict[int, MemberResult]) -> tuple[list[Member], float]:
    half = len(members) // 2
    first, a = _train_within_memory(run, members[:half], results)
    second, b = _train_within_memory(run, members[half:], results)
    return first + second, a + b


def _train_isolating(run: GroupRun, members: list[Member],
                     results: dict[int, MemberResult]) -> tuple[list[Member], float]:
    """Train the group; if tracing or a step raises, trace each member alone (rebuilt from
    scratch): the ones that fail alone are ``alone`` (the caller trains them one by one), the
    others train again as a new group. A failure no single member causes sends them all to
    one-by-one training, with the group's error as the reason."""
    try:
        return members, _train(run, members)
    except (MemoryError, run.tf.errors.ResourceExhaustedError):
        raise
    except Exception as exc:
        group_error = error_text(exc)
    survivors: list[Member] = []
    for m in members:
        try:
            fresh = run.member(m.slot, m.config, m.seed)
            _trainer(run, [fresh])(run.order(0), 0, 0)  # trace only: weights stay as built
            survivors.append(fresh)
        except (MemoryError, run.tf.errors.ResourceExhaustedError):
            raise
        except Exception as exc:
            results[m.slot] = MemberResult(
                ALONE, {}, m.params, 0, 0.0, f"cannot train in a fused group ({error_text(exc)})")
    if survivors and len(survivors) < len(members):
        try:
            return survivors, _train(run, survivors)
        except (MemoryError, run.tf.errors.ResourceExhaustedError):
            raise
        except Exception as exc:
            group_error = error_text(exc)
    for m in survivors:
        results[m.slot] = MemberResult(ALONE, {}, m.params, 0, 0.0,
                                       f"its fused group failed ({group_error})")
    return [], 0.0


def _train(run: GroupRun, members: list[Member]) -> float:
    """The epoch loop: callbacks' epoch hooks around each epoch, the traced function, then
    per member the divergence check; stop at the deadline or when no member is still
    training. Returns the seconds spent in training calls."""
    call = _trainer(run, members)
    deadline = run.deadline
    for m in members:
        callbacks(m, "on_train_begin", run)

    def over_time() -> bool:
        if deadline is None or time.perf_counter() <= deadline:
            return False
        for m in members:
            if m.running:
                m.status = TIMEOUT
        return True

    call(run.order(0), 0, 0)  # trace and instantiate without a step, so step timing is clean
    n_ticks = ticks(run, members)
    stepping, step_seconds = 0.0, math.inf
    for epoch in range(run.epochs):
        if over_time() or not any(m.running for m in members):
            break
        idx = run.order(epoch)
        for m in members:
            if m.running:
                callbacks(m, "on_epoch_begin", run, epoch)
        sums, done = np.zeros(len(members)), 0
        while done < n_ticks:
            chunk = run.chunk_steps or n_ticks
            if deadline is not None and run.chunk_steps is None:
                left = min(CHUNK_SECONDS, deadline - time.perf_counter())
                chunk = max(1, int(left / step_seconds)) if math.isfinite(step_seconds) else 1
            chunk = min(chunk, n_ticks - done)
            t0 = time.perf_counter()
            sums += call(idx, done, done + chunk)
            elapsed = time.perf_counter() - t0
            stepping, step_seconds = stepping + elapsed, max(elapsed, 1e-6) / chunk
            done += chunk
            if over_time():
                break
        else:
            for k, m in enumerate(members):
                if m.running:
                    end_epoch(m, run, epoch, sums[k] / m.n)
    for m in members:
        if m.frozen is not None:
            m.model.set_weights(m.frozen)  # where a callback stopped it
        if m.status in ("running", "stopped"):
            callbacks(m, "on_train_end", run)
    return stepping


def _finish(m: Member, run: GroupRun, objectives: Sequence[Objective], keep_models: bool,
            time_limit: float | None) -> MemberResult:
    """The member's result: the per-model engine's validation scores of its final weights."""
    if m.status == FAILED:
        return MemberResult(FAILED, {}, m.params, m.epochs, 0.0, m.error)
    if m.status == TIMEOUT:
        return MemberResult(
            TIMEOUT, {}, m.params, m.epochs, 0.0,
            f"stopped: over the group's time limit of {time_limit:g} s after {m.epochs} epochs")
    task = m.task  # its fold's view with cross-validation: scored on the fold's held-out rows
    try:
        scores = measure(m.model, task, run.spec, objectives, task.x_val, task.y_val, "val_")
    except Exception as exc:
        return MemberResult(FAILED, {}, m.params, m.epochs, 0.0, error_text(exc))
    scores["params"] = float(m.params)
    status, error = OK, ""
    if m.status == DIVERGED:
        status, error = DIVERGED, m.error
    elif not all(math.isfinite(v) for v in scores.values()):
        status, error = DIVERGED, "loss or a metric is NaN or infinite (diverged)"
    model = m.model if keep_models and status == OK else None
    return MemberResult(status, scores, m.params, m.epochs, 0.0, error, model)
