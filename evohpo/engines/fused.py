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
* all members see the same minibatches, in an order that depends on ``shuffle_seed`` and the
  epoch only; the last batch keeps its own length (zero-weight padding would change Keras'
  ``sum_over_batch_size`` reduction and batch norm's statistics for user models);
* one ``GradientTape`` records the **sum** of the members' losses; the gradient of a sum with
  respect to one member's variables is that member's own gradient (the sum passes the upstream
  gradient 1.0 to each term unchanged), so a NaN in one member cannot reach another;
* each member's compiled loss and optimizer are built eagerly before tracing (building inside
  the trace would trace twice, and a multi-output loss makes its tracking variables then);
* one ``tf.function`` call runs a whole epoch (a ``tf.while_loop`` over batches inside the
  graph), or a chunk of it when there is a time limit to check; callbacks run between epochs;
* Grappler's meta-optimizer is off while a group trains (:func:`hygiene.grappler_off`).

A member's numbers are a pure function of (config, seed, task, epochs, shuffle_seed): the same
with any other members, alone, or beside one that diverges (``tests/test_fused.py``).

A member the fused step cannot train — a fit argument only ``fit`` honours, a custom
``train_step``, a model that cannot be traced with the others — comes back as ``alone`` with
the reason: the caller trains it one by one (:mod:`evohpo.engines.groups`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..runtime import keras as _keras
from . import fit_args, hygiene
from .base import error_text
from .scoring import compiled_metrics, measure

OK, DIVERGED, FAILED, TIMEOUT, ALONE = "ok", "diverged", "failed", "timeout", "alone"
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
    trained model itself (``keep_models=True``).
    """

    status: str
    scores: dict[str, float]
    params: int | None
    epochs: int
    seconds: float
    error: str = ""
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == OK


class NotTrainable(Exception):
    """The model's own training step is not Keras' standard one."""


@dataclass
class _Member:
    """A member while its group trains."""

    slot: int  # index into the caller's lists
    config: dict
    seed: int
    model: Any
    params: int
    args: fit_args.FitArgs
    weights: Any = None  # per-row sample weights as a tensor the traced function gathers
    status: str = "running"  # then "stopped" (a callback), DIVERGED, TIMEOUT or FAILED
    epochs: int = 0
    error: str = ""
    frozen: list[np.ndarray] | None = None  # weights when a callback stopped it

    @property
    def running(self) -> bool:
        return self.status == "running"


@dataclass
class _Run:
    """What every step of one group's training shares."""

    tf: Any
    keras: Any
    spec: Any  # the campaign's ModelSpec: build and fit hook
    task: Any
    x: Any  # the training inputs, as tensors the traced function captures
    y: Any
    n: int
    batch: int
    steps: int  # batches per epoch, the last one possibly shorter
    epochs: int
    shuffle_seed: int | None  # None: the rows in their order (fit(shuffle=False)'s)
    deadline: float | None
    chunk_steps: int | None

    def member(self, slot: int, config: dict, seed: int) -> _Member:
        """A member built from scratch as the per-model engine builds it. Raises for a model
        that cannot be built, :class:`fit_args.NotFusable` / :class:`NotTrainable` for one
        the fused step cannot train."""
        keras = self.keras
        keras.utils.set_random_seed(seed)
        model = self.spec.make(config, self.task, seed=seed, epochs=self.epochs)
        args = fit_args.read(self.spec.fit_kwargs(config, self.task), self.n,
                             self.task.y_train, keras)
        if _own(model, "train_step", keras):
            raise NotTrainable(f"{type(model).__name__} overrides train_step")
        model.stop_training = False
        model.optimizer.build(model.trainable_variables)  # before tracing: else twice
        head = _rows(self.task.x_train, 2)  # builds the compiled loss eagerly
        model._compute_loss(x=head, y=self.task.y_train[:2],
                            y_pred=_stand_in_outputs(model, head, keras), training=False)
        weights = None if args.sample_weight is None else self.tf.constant(args.sample_weight)
        return _Member(slot, config, seed, model, int(model.count_params()), args, weights)

    def order(self, epoch: int) -> Any:
        """Row order of one epoch: a function of (shuffle_seed, epoch) only."""
        if self.shuffle_seed is None:
            return self.tf.range(self.n, dtype=self.tf.int32)
        perm = np.random.default_rng([self.shuffle_seed, epoch]).permutation(self.n)
        return self.tf.constant(perm.astype(np.int32))


def _own(model: Any, method: str, keras: Any) -> bool:
    """True when the model's class overrides Keras' ``method`` (``train_step``, ...)."""
    owner = next(c for c in type(model).__mro__ if method in vars(c))
    return issubclass(owner, keras.Model) and not owner.__module__.startswith("keras.")


def _stand_in_outputs(model: Any, head: Any, keras: Any) -> Any:
    """Zeros shaped like the model's outputs for ``head`` (what building its loss needs):
    read off a functional model's symbolic outputs (10 ms cheaper per member than a forward
    pass), or from a forward pass for a model that has none (a subclassed one)."""
    struct = getattr(model, "_outputs_struct", None)
    if struct is None:
        return model(head)
    rows = len(keras.tree.flatten(head)[0])
    return keras.tree.map_structure(
        lambda o: keras.ops.zeros((rows, *o.shape[1:]), dtype=o.dtype), struct)


def _rows(x: Any, n: int) -> Any:
    """The first ``n`` rows of an input array, or of each array of a list/dict of inputs."""
    if isinstance(x, dict):
        return {k: v[:n] for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [v[:n] for v in x]
    return x[:n]


def _tensor(tf: Any, keras: Any, a: Any) -> Any:
    """An input array as ``fit`` feeds it: floats as Keras' floatx, other types as they are."""
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.floating):
        return tf.constant(a, dtype=keras.backend.floatx())
    return tf.constant(a)


def _trainer(run: _Run, members: list[_Member]) -> Callable[..., np.ndarray]:
    """One ``tf.function`` that trains every member on batches ``start..stop-1`` of an epoch
    (rows in ``idx`` order), wrapped to return each member's summed loss times batch size.

    One ``tf.while_loop`` over the batches inside the graph: a Python call per batch cost
    4-5 ms more per step here. ``autograph=False``: the loop is written out, and autograph's
    conversion of Keras' layer code made every step slower (0.15 vs 0.08 s per epoch).
    """
    tf, batch, n = run.tf, run.batch, run.n
    weights = [list(m.model.trainable_variables) for m in members]
    flat = [v for vs in weights for v in vs]
    cuts = np.cumsum([0, *(len(vs) for vs in weights)])

    def forward(m: _Member, xb: Any) -> Any:
        if getattr(m.model, "_call_has_training_arg", True):
            return m.model(xb, training=True)
        return m.model(xb)

    def step(i: Any, total: Any, idx: Any) -> tuple[Any, Any]:
        lo = i * batch
        hi = tf.minimum(lo + batch, n)
        rows = idx[lo:hi]
        xb = tf.nest.map_structure(lambda a: tf.gather(a, rows), run.x)
        yb = tf.gather(run.y, rows)
        with tf.GradientTape() as tape:
            losses, scaled = [], []
            for m in members:
                sw = None if m.weights is None else tf.gather(m.weights, rows)
                loss = m.model._compute_loss(x=xb, y=yb, y_pred=forward(m, xb),
                                             sample_weight=sw, training=True)
                losses.append(tf.cast(loss, tf.float32))
                scaled.append(m.model.optimizer.scale_loss(loss))
            summed = tf.add_n([tf.cast(s, tf.float32) for s in scaled])
        grads = tape.gradient(summed, flat)
        for k, m in enumerate(members):
            pairs = [(g, v) for g, v in zip(grads[cuts[k]:cuts[k + 1]], weights[k])
                     if g is not None]
            if pairs:
                m.model.optimizer.apply_gradients(pairs)
        size = tf.cast(hi - lo, tf.float32)
        return i + 1, total + tf.stack(losses) * size

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


def _shares(wall: float, stepping: float, members: list[_Member]) -> dict[int, float]:
    """Each member's seconds: ``stepping`` (time inside training calls) by parameter count,
    the rest of ``wall`` equally (see :class:`MemberResult`)."""
    if not members:
        return {}
    fixed = max(wall - stepping, 0.0) / len(members)
    total = sum(m.params for m in members) or 1
    return {m.slot: fixed + min(stepping, wall) * m.params / total for m in members}


def train_group(
    spec: Any,
    configs: Sequence[dict],
    seeds: Sequence[int],
    task: Any,
    epochs: int,
    batch_size: int,
    *,
    objectives: Sequence[Any] = (),
    time_limit: float | None = None,
    shuffle_seed: int | None = 0,
    keep_models: bool = False,
    chunk_steps: int | None = None,
) -> list[MemberResult]:
    """Train ``configs`` (built by ``spec``, a :class:`evohpo.model.ModelSpec`) together for
    ``epochs`` with minibatches of ``batch_size``; one result per config, in order.

    Never raises for a bad model: one that cannot be built is ``failed``; one the fused step
    cannot train is ``alone`` (train it one by one); one whose training loss or validation
    scores turn NaN/inf is ``diverged``; the others train on untouched. When the group's
    trace fails, each member is traced alone to find the culprits (``alone``), and the rest
    train as a group again; a group that runs out of memory is split in halves and retried.
    ``time_limit`` (seconds, for the whole group) is checked after every call of the traced
    function; members still training then are ``timeout``. With a limit, epochs run in chunks
    of about a quarter second (``chunk_steps`` fixes the chunk instead); chunking never changes
    the numbers. ``shuffle_seed=None`` keeps the rows in order (``fit(shuffle=False)``).
    Not thread-safe: it switches process-wide TensorFlow settings while it runs.
    """
    if len(configs) != len(seeds):
        raise ValueError(f"{len(configs)} configs but {len(seeds)} seeds")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs}, {batch_size}")
    if not configs:
        return []
    start = time.perf_counter()
    keras = _keras()
    import tensorflow as tf

    hygiene.fresh_session(keras)  # once per group: the previous group's graphs go here
    n = len(task.y_train)
    run = _Run(
        tf, keras, spec, task,
        tf.nest.map_structure(lambda a: _tensor(tf, keras, a), task.x_train),
        _tensor(tf, keras, task.y_train), n, int(batch_size), math.ceil(n / batch_size),
        int(epochs), shuffle_seed,
        None if time_limit is None else start + float(time_limit), chunk_steps,
    )
    results: dict[int, MemberResult] = {}
    members: list[_Member] = []
    with hygiene.grappler_off(tf), hygiene.forget_custom_gradients():
        for slot, (config, seed) in enumerate(zip(configs, seeds)):
            try:
                members.append(run.member(slot, config, int(seed)))
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


def _state_bytes(m: _Member) -> int:
    """Bytes of a member's weights, gradients and optimizer state (activations not counted)."""
    slots = sum(int(np.prod(v.shape)) for v in m.model.optimizer.variables)
    return 4 * (2 * m.params + slots)


def _train_within_memory(run: _Run, members: list[_Member],
                         results: dict[int, MemberResult]) -> tuple[list[_Member], float]:
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


def _halves(run: _Run, members: list[_Member],
            results: dict[int, MemberResult]) -> tuple[list[_Member], float]:
    half = len(members) // 2
    first, a = _train_within_memory(run, members[:half], results)
    second, b = _train_within_memory(run, members[half:], results)
    return first + second, a + b


def _train_isolating(run: _Run, members: list[_Member],
                     results: dict[int, MemberResult]) -> tuple[list[_Member], float]:
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
    survivors: list[_Member] = []
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


def _train(run: _Run, members: list[_Member]) -> float:
    """The epoch loop: callbacks' epoch hooks around each epoch, the traced function, then
    per member the divergence check; stop at the deadline or when no member is still
    training. Returns the seconds spent in training calls."""
    call = _trainer(run, members)
    deadline = run.deadline
    for m in members:
        _callbacks(m, "on_train_begin", run)

    def over_time() -> bool:
        if deadline is None or time.perf_counter() <= deadline:
            return False
        for m in members:
            if m.running:
                m.status = TIMEOUT
        return True

    call(run.order(0), 0, 0)  # trace and instantiate without a step, so step timing is clean
    stepping, step_seconds = 0.0, math.inf
    for epoch in range(run.epochs):
        if over_time() or not any(m.running for m in members):
            break
        idx = run.order(epoch)
        for m in members:
            if m.running:
                _callbacks(m, "on_epoch_begin", run, epoch)
        sums, done = np.zeros(len(members)), 0
        while done < run.steps:
            chunk = run.chunk_steps or run.steps
            if deadline is not None and run.chunk_steps is None:
                left = min(CHUNK_SECONDS, deadline - time.perf_counter())
                chunk = max(1, int(left / step_seconds)) if math.isfinite(step_seconds) else 1
            chunk = min(chunk, run.steps - done)
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
                    _end_epoch(m, run, epoch, sums[k] / run.n)
    for m in members:
        if m.frozen is not None:
            m.model.set_weights(m.frozen)  # where a callback stopped it
        if m.status in ("running", "stopped"):
            _callbacks(m, "on_train_end", run)
    return stepping


def _end_epoch(m: _Member, run: _Run, epoch: int, loss: float) -> None:
    """After an epoch: divergence, then the member's callbacks with fit's logs (its
    validation_data scored by its own ``test_step``, eagerly: a traced validation step cost
    as much to trace as it saved over 30 epochs of a Wide & Deep group)."""
    m.epochs = epoch + 1
    if not math.isfinite(loss):
        m.status, m.error = DIVERGED, "training loss is NaN or infinite (diverged)"
        return
    if not m.args.callbacks:
        return
    logs = {"loss": float(loss)}
    if m.args.validation is not None:
        try:
            val = compiled_metrics(m.model, *m.args.validation)
        except Exception as exc:
            m.status, m.error = FAILED, f"validation_data: {error_text(exc)}"
            return
        logs.update({f"val_{k}": v for k, v in val.items()})
    _callbacks(m, "on_epoch_end", run, epoch, logs)
    if m.running and m.model.stop_training:
        m.status, m.frozen = "stopped", m.model.get_weights()


def _callbacks(m: _Member, hook: str, run: _Run, *args: Any) -> None:
    """Call ``hook`` on each of the member's callbacks; a callback that raises fails the
    member (as it would fail its ``fit``), never the group."""
    if not m.args.callbacks or m.status == FAILED:
        return
    try:
        for callback in m.args.callbacks:
            if hook == "on_train_begin":
                callback.set_model(m.model)
                callback.set_params({"verbose": 0, "epochs": run.epochs, "steps": run.steps})
            getattr(callback, hook)(*args)
    except Exception as exc:
        m.status, m.error = FAILED, f"callback {type(callback).__name__}: {error_text(exc)}"


def _finish(m: _Member, run: _Run, objectives: Sequence[Any], keep_models: bool,
            time_limit: float | None) -> MemberResult:
    """The member's result: the per-model engine's validation scores of its final weights."""
    if m.status == FAILED:
        return MemberResult(FAILED, {}, m.params, m.epochs, 0.0, m.error)
    if m.status == TIMEOUT:
        return MemberResult(
            TIMEOUT, {}, m.params, m.epochs, 0.0,
            f"stopped: over the group's time limit of {time_limit:g} s after {m.epochs} epochs")
    task = run.task
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


def fusable(spec: Any, config: dict, task: Any, epochs: int, seed: int = 0) -> str:
    """Why a model ``spec`` builds from ``config`` cannot train in a fused group, or "".

    Builds one member as :func:`train_group` would (no training): the answer comes from what
    the model and its fit arguments *can do*, never from a name. A config that fails to build
    says "": its evaluation will be a failed row like any bad network.
    """
    keras = _keras()
    import tensorflow as tf

    n = len(task.y_train)
    run = _Run(tf, keras, spec, task, None, None, n, 1, n, int(epochs), 0, None, None)
    try:
        run.member(0, config, seed)
    except (fit_args.NotFusable, NotTrainable) as exc:
        return str(exc)
    except Exception:
        return ""
    finally:
        hygiene.fresh_session(keras)
    return ""
