"""Fused training: a group of MLP configs trained side by side in one traced TensorFlow function.

Why: on a small task most of a Keras evaluation is fixed cost (build, compile, trace, the
first call), not arithmetic. Tracing one function that trains N networks on the same
minibatches pays that cost once per group instead of once per network.

How, and why it is exact per member:

* every member is its own Keras ``Sequential`` (flatten, hidden ``Dense`` layers, optional
  batch norm and dropout, the task's output layer), with explicit seeds derived from the
  member's own integer seed, so its initial weights never depend on its group;
* all members see the same minibatch, in an order that depends on ``shuffle_seed`` and the
  epoch only (never on the members);
* one ``GradientTape`` records the **sum** of the members' mean losses; the gradient of a sum
  with respect to one member's variables is that member's own gradient (the sum passes the
  upstream gradient 1.0 to each term unchanged), so a NaN in one member cannot reach another;
* one Keras optimizer per member, built on its own variables before tracing (building inside
  the trace would trace twice);
* the last, partial batch is padded to full size with zero sample weights (and a batch-norm
  mask), so the whole group needs a single trace;
* one ``tf.function`` call runs a whole epoch (a ``tf.while_loop`` over batches inside the
  graph), or a chunk of it when there is a time limit to check;
* Grappler's meta-optimizer is switched off while a group trains (scoped: restored after):
  optimising these wide graphs made a 12-member, 5-epoch group on digits take 6.6 s instead
  of 4.2 s (median of 3). Its rewrites round differently, so members' numbers differ from a
  run with it on (as with any change of rounding), not their distribution.

A member's numbers are a pure function of (config, seed, task, epochs, shuffle_seed): the same
with any other members, alone, or with one that diverges (see ``tests/test_fused.py``).

The config is the MLP preset's plain dict::

    {"layers": [{"units": 64, "activation": "relu"}, ...], "optimizer": "adam",
     "learning_rate": 1e-3, "batch_size": 32,
     # optional: "dropout", "initializer", "batch_norm", "momentum", "nesterov" (sgd only),
     # "weight_decay", "patience", "lr_schedule" ("constant" | "cosine" | "exponential")}
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import output_spec
from ..runtime import keras as _keras
from ..tasks import Task
from .base import error_text
from .scoring import metrics_from_outputs, outputs

OK, DIVERGED, FAILED, TIMEOUT = "ok", "diverged", "failed", "timeout"
SCHEDULES = ("constant", "cosine", "exponential")
REQUIRED_KEYS = frozenset({"layers", "optimizer", "learning_rate", "batch_size"})
OPTIONAL_KEYS = frozenset({
    "dropout", "initializer", "batch_norm", "momentum", "nesterov", "weight_decay", "patience",
    "lr_schedule",
})
LAYER_KEYS = frozenset({"units", "activation"})
EXPONENTIAL_FINAL_FACTOR = 0.1  # "exponential" decays the learning rate to 10% by the last step
CHUNK_SECONDS = 0.25  # with a time limit, how long one call of the traced function runs


@dataclass(frozen=True)
class MemberResult:
    """What training one member measured; ``metrics`` are validation loss (and accuracy for
    classification) after the last epoch, or after the best epoch with ``patience``.

    ``seconds`` is the member's share of its group's wall time. The time spent in training
    steps is split in proportion to ``params`` (members step in lock step, and a dense step
    costs about its parameter count); everything else (build, trace, scoring, clean-up) is
    split equally among the members that built. A failed member gets 0; shares sum to the
    group's wall time.
    ``weights`` (``keep_weights=True``) load into :func:`member_model` with ``set_weights``.
    """

    status: str
    metrics: dict[str, float]
    params: int | None
    epochs: int
    seconds: float
    error: str = ""
    weights: list[np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == OK


# -- what can be fused, and with whom ------------------------------------------------------
def can_fuse(config: dict) -> bool:
    """True for a config of the MLP preset; anything else (a custom model, a gene this engine
    does not know) must take the per-model path, which can build it.

    A config that fits the preset's shape but cannot be built (an unknown activation, say)
    *is* fusable: it comes back from :func:`train_group` as ``failed``, like any bad network.
    """
    if not isinstance(config, dict) or not REQUIRED_KEYS <= set(config):
        return False
    if not set(config) <= REQUIRED_KEYS | OPTIONAL_KEYS:
        return False
    layers = config["layers"]
    if not isinstance(layers, list | tuple) or not layers:
        return False
    if not all(isinstance(layer, dict) and set(layer) == LAYER_KEYS for layer in layers):
        return False
    batch = config["batch_size"]
    return isinstance(batch, int | np.integer) and not isinstance(batch, bool) and batch >= 1


def group_key(config: dict, epochs: int) -> tuple:
    """Members of one group must share this: they step through the same minibatches
    (batch size) for the same number of epochs. Everything else may differ."""
    return (int(config["batch_size"]), int(epochs))


def estimated_params(config: dict, n_inputs: int = 64, n_outputs: int = 10) -> int:
    """Trainable parameters of the config's network (without building it): the cost model
    that balances groups. ``n_inputs``/``n_outputs`` default to digits' 64 and 10."""
    widths = [int(n_inputs), *(int(layer["units"]) for layer in config["layers"]), int(n_outputs)]
    total = sum(a * b + b for a, b in zip(widths, widths[1:]))
    if config.get("batch_norm"):
        total += sum(widths[1:-1])  # Dense without bias, BN gamma and beta: +1 per unit net
    return total


def split_groups(
    configs: Sequence[dict], epochs: int, max_group: int, n_workers: int, *,
    n_inputs: int = 64, n_outputs: int = 10,
) -> list[list[int]]:
    """Indices of ``configs`` in fusable groups: a pure function of the batch (never of worker
    timing), so the same batch always trains in the same groups.

    Configs are grouped by :func:`group_key` (in order of first appearance), each class cut
    into the fewest groups of at most ``max_group``, then classes are cut further (the
    heaviest per group first) until there are ``n_workers`` groups if the batch allows, so no
    worker idles. Inside a class members go to groups by longest-processing-time-first on
    :func:`estimated_params` (equal group sizes, balanced cost). Groups come heaviest first;
    indices inside a group ascend. Configs that :func:`can_fuse` rejects are left out: the
    caller trains them one by one.
    """
    if max_group < 1 or n_workers < 1:
        raise ValueError(f"max_group and n_workers must be >= 1, got {max_group}, {n_workers}")
    classes: dict[tuple, list[int]] = {}
    for i, config in enumerate(configs):
        if can_fuse(config):
            classes.setdefault(group_key(config, epochs), []).append(i)
    cost = {i: estimated_params(configs[i], n_inputs, n_outputs)
            for members in classes.values() for i in members}
    keys = list(classes)
    n_groups = {k: math.ceil(len(classes[k]) / max_group) for k in keys}
    while sum(n_groups.values()) < n_workers:
        splittable = [k for k in keys if n_groups[k] < len(classes[k])]
        if not splittable:
            break
        heaviest = max(splittable,
                       key=lambda k: sum(cost[i] for i in classes[k]) / n_groups[k])
        n_groups[heaviest] += 1
    groups: list[list[int]] = []
    for k in keys:
        members, g = classes[k], n_groups[k]
        cap = math.ceil(len(members) / g)
        bins: list[list[int]] = [[] for _ in range(g)]
        loads = [0] * g
        for i in sorted(members, key=lambda i: (-cost[i], i)):
            b = min((b for b in range(g) if len(bins[b]) < cap), key=lambda b: (loads[b], b))
            bins[b].append(i)
            loads[b] += cost[i]
        groups += [sorted(b) for b in bins if b]
    return sorted(groups, key=lambda grp: (-sum(cost[i] for i in grp), grp[0]))


# -- building one member --------------------------------------------------------------------
def _output_head(task: Task) -> tuple[int, str]:
    """Units and activation of the output layer for the task's kind (model.output_spec's)."""
    units, activation, _, _ = output_spec(task.kind, task.n_classes)
    return units, activation


def _initializer(keras: Any, name: str, seed: int) -> Any:
    """A fresh kernel initializer, seeded if it draws random numbers (zeros/ones do not)."""
    base = keras.initializers.get(name)
    config = base.get_config()
    if "seed" not in config:
        return base
    return type(base).from_config({**config, "seed": int(seed) % 2**31})


def member_model(config: dict, task: Task, seed: int) -> Any:
    """The member's Keras network, uncompiled: input -> flatten -> hidden layers -> output.

    Hidden layer ``i`` (from 1) is ``Dense`` with kernel seed ``seed + 7919*i`` (the output
    layer ``i = 0``), as ``presets.mlp.build`` seeds it, so a member starts from the same
    weights as the per-model path; with ``batch_norm`` it is ``Dense`` (no bias) -> batch
    norm -> activation; ``dropout`` follows every hidden layer, seeded ``seed + i``. Also what
    :class:`MemberResult` ``.weights`` load into (``model.set_weights``).
    """
    keras = _keras()
    init = config.get("initializer", "glorot_uniform")
    batch_norm = bool(config.get("batch_norm", False))
    rate = float(config.get("dropout", 0.0) or 0.0)
    layers: list[Any] = [keras.Input(shape=task.x_train.shape[1:]), keras.layers.Flatten()]
    for i, spec in enumerate(config["layers"], 1):
        units = spec["units"]
        if isinstance(units, bool) or int(units) != units or units < 1:
            raise ValueError(f"layer {i}: units must be a whole number >= 1, got {units!r}")
        kernel = _initializer(keras, init, seed + 7919 * i)
        if batch_norm:
            layers += [
                keras.layers.Dense(int(units), use_bias=False, kernel_initializer=kernel),
                keras.layers.BatchNormalization(),
                keras.layers.Activation(spec["activation"]),
            ]
        else:
            layers.append(keras.layers.Dense(int(units), activation=spec["activation"],
                                             kernel_initializer=kernel))
        if rate:
            layers.append(keras.layers.Dropout(rate, seed=seed + i))
    units, activation = _output_head(task)
    layers.append(keras.layers.Dense(units, activation=activation,
                                     kernel_initializer=_initializer(keras, init, seed)))
    return keras.Sequential(layers)


def make_optimizer(config: dict, total_steps: int) -> Any:
    """The member's Keras optimizer. ``lr_schedule`` "cosine" decays to 0 by the last step,
    "exponential" to ``EXPONENTIAL_FINAL_FACTOR`` of the rate; both need ``total_steps``
    (epochs x batches per epoch, the same for every member of a group)."""
    keras = _keras()
    cls = type(keras.optimizers.get(config["optimizer"]))
    rate = float(config["learning_rate"])
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"learning_rate must be a positive number, got {rate!r}")
    schedule = config.get("lr_schedule", "constant")
    if schedule == "cosine":
        lr: Any = keras.optimizers.schedules.CosineDecay(rate, decay_steps=total_steps)
    elif schedule == "exponential":
        lr = keras.optimizers.schedules.ExponentialDecay(
            rate, decay_steps=total_steps, decay_rate=EXPONENTIAL_FINAL_FACTOR)
    elif schedule == "constant":
        lr = rate
    else:
        raise ValueError(f"unknown lr_schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")
    kw: dict[str, Any] = {"learning_rate": lr}
    if "momentum" in config or "nesterov" in config:
        if cls is not keras.optimizers.SGD:
            raise ValueError(f"momentum and nesterov are sgd genes, not {config['optimizer']}'s")
        kw["momentum"] = float(config.get("momentum", 0.0))
        kw["nesterov"] = bool(config.get("nesterov", False))
    if "weight_decay" in config:  # absent: Keras' default (None, or 0.004 for adamw)
        kw["weight_decay"] = float(config["weight_decay"])
    return cls(**kw)


# -- training a group ------------------------------------------------------------------------
@dataclass
class _Member:
    """A member while its group trains."""

    slot: int  # index into the caller's lists
    config: dict
    seed: int
    model: Any
    optimizer: Any
    params: int
    patience: int | None
    status: str = "running"  # then "stopped" (patience), DIVERGED, TIMEOUT or FAILED
    epochs: int = 0
    error: str = ""
    best_loss: float = math.inf
    best_weights: list[np.ndarray] | None = None
    wait: int = 0

    @property
    def running(self) -> bool:
        return self.status == "running"


@dataclass
class _Run:
    """What every step of one group's training shares."""

    tf: Any
    keras: Any
    task: Task
    x: Any  # the training inputs, flattened, as one tensor the traced function captures
    y: Any
    batch: int
    steps: int  # batches per epoch, the last one padded
    epochs: int
    shuffle_seed: int
    deadline: float | None
    chunk_steps: int | None

    def member(self, slot: int, config: dict, seed: int) -> _Member:
        """A member built from scratch: raises for a network that cannot be built."""
        model = member_model(config, self.task, seed)
        optimizer = make_optimizer(config, total_steps=self.epochs * self.steps)
        optimizer.build(model.trainable_variables)  # before tracing, else it traces twice
        patience = config.get("patience")
        return _Member(slot, config, seed, model, optimizer, int(model.count_params()),
                       None if patience is None else int(patience))

    def order(self, epoch: int) -> tuple[Any, Any]:
        """Row order of one epoch, padded to whole batches (pad rows: row 0 with weight 0);
        a function of (shuffle_seed, epoch) only, never of the members."""
        n = len(self.task.y_train)
        perm = np.random.default_rng([self.shuffle_seed, epoch]).permutation(n)
        pad = self.steps * self.batch - n
        idx = np.concatenate([perm.astype(np.int32), np.zeros(pad, np.int32)])
        w = np.concatenate([np.ones(n, np.float32), np.zeros(pad, np.float32)])
        return self.tf.constant(idx), self.tf.constant(w)


@contextmanager
def _grappler_off(tf: Any) -> Iterator[None]:
    """Grappler's meta-optimizer off while a group traces and runs, then back as it was, so
    per-model evaluations in the same worker keep their numbers."""
    old = bool(tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer"))
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": old})


@contextmanager
def forget_custom_gradients() -> Iterator[None]:
    """Drop the gradient-registry entries added inside the block, so its graphs can be freed.

    TensorFlow registers every graph-mode ``tf.custom_gradient`` in a process-global registry
    and never removes it; the registered closure holds the traced graph (tensorflow/tensorflow
    #97697; keras-team/tf-keras#898 proposes this same purge for ``clear_session``). Keras'
    TensorFlow optimizers make one per ``apply`` (an all-reduce across replicas, a no-op on
    one device), so every traced training step leaks its graph: 4 MB per member of a group
    here, and 5.5 MB per ``single.evaluate`` (0.5 MB with this around it; see
    ``benchmarks/fused_scaling.py``). Use it only around code whose graphs nobody takes
    gradients of afterwards. A TensorFlow without this private registry keeps the leak.
    """
    from tensorflow.python.framework import ops

    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    before = set(registry) if isinstance(registry, dict) else set()
    try:
        yield
    finally:
        if isinstance(registry, dict):
            # list() copies the keys in one step, so another thread registering meanwhile
            # (the threading backend) cannot break the loop; pop() tolerates a name it took
            for name in list(registry):
                if name not in before and name.startswith("CustomGradient-"):
                    registry.pop(name, None)


def _loss_fn(keras: Any, kind: str) -> Callable[[Any, Any], Any]:
    """Per-sample training loss for the task's kind (the losses model.output_spec names)."""
    if kind == "multiclass":
        return keras.losses.sparse_categorical_crossentropy
    if kind == "binary":
        return lambda y, p: keras.losses.binary_crossentropy(y[:, None], p)
    return lambda y, p: keras.losses.mean_squared_error(y[:, None], p)


def _trainer(run: _Run, members: list[_Member]) -> Callable[..., np.ndarray]:
    """One ``tf.function`` that trains every member on batches ``start..stop-1`` of an epoch
    (rows ``idx``, sample weights ``w``), wrapped to return each member's summed losses.

    One ``tf.while_loop`` over the batches inside the graph: a Python call per batch cost
    4-5 ms more per step here. ``autograph=False``: the loop is written out, and autograph's
    conversion of Keras' layer code made every step slower (0.15 vs 0.08 s per epoch).
    """
    tf, keras, batch = run.tf, run.keras, run.batch
    loss_fn = _loss_fn(keras, run.task.kind)
    norm = keras.layers.BatchNormalization
    stacks = [[layer for layer in m.model.layers if not isinstance(layer, keras.layers.Flatten)]
              for m in members]
    weights = [list(m.model.trainable_variables) for m in members]
    flat = [v for vs in weights for v in vs]
    cuts = np.cumsum([0, *(len(vs) for vs in weights)])

    def forward(stack: list[Any], h: Any, mask: Any) -> Any:
        for layer in stack:
            h = layer(h, training=True, mask=mask) if isinstance(layer, norm) else layer(
                h, training=True)
        return h

    def step(i: Any, total: Any, idx: Any, w: Any) -> tuple[Any, Any]:
        rows, wb = idx[i * batch:(i + 1) * batch], w[i * batch:(i + 1) * batch]
        xb, yb, mask = tf.gather(run.x, rows), tf.gather(run.y, rows), wb > 0
        count = tf.reduce_sum(wb)
        with tf.GradientTape() as tape:
            losses = [tf.reduce_sum(loss_fn(yb, forward(s, xb, mask)) * wb) / count
                      for s in stacks]
            summed = tf.add_n(losses)
        grads = tape.gradient(summed, flat)
        for k, m in enumerate(members):
            m.optimizer.apply_gradients(zip(grads[cuts[k]:cuts[k + 1]], weights[k]))
        return i + 1, total + tf.stack(losses)

    @tf.function(autograph=False, input_signature=[
        tf.TensorSpec([None], tf.int32), tf.TensorSpec([None], tf.float32),
        tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32),
    ])
    def traced(idx: Any, w: Any, start: Any, stop: Any) -> Any:
        total = tf.zeros([len(members)], tf.float32)
        _, total = tf.while_loop(lambda i, _: i < stop, lambda i, t: step(i, t, idx, w),
                                 (start, total), parallel_iterations=1)
        return total

    def call(idx: Any, w: Any, start: int, stop: int) -> np.ndarray:
        return traced(idx, w, tf.constant(start, tf.int32), tf.constant(stop, tf.int32)).numpy()

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
    configs: Sequence[dict],
    seeds: Sequence[int],
    task: Task,
    epochs: int,
    time_limit: float | None = None,
    *,
    shuffle_seed: int = 0,
    keep_weights: bool = False,
    chunk_steps: int | None = None,
) -> list[MemberResult]:
    """Train ``configs`` (one :func:`group_key`) together for ``epochs``; one result per config.

    Never raises for a bad network: one that cannot be built, or breaks the group's trace, is
    ``failed`` (after a trace failure each member is traced alone to find the culprits, and
    the rest train as a group again); one whose training or validation loss turns NaN/inf is
    ``diverged``; the others train on untouched. ``time_limit`` (seconds, for the whole group,
    build and trace included) is checked after every call of the traced function; members
    still training then are ``timeout``. With a limit, epochs run in chunks of about a quarter
    second (``chunk_steps`` fixes the chunk length instead); chunking never changes the
    numbers. ``patience`` members stop after that many epochs without a lower validation loss
    and are scored with their best epoch's weights (Keras' EarlyStopping with
    ``restore_best_weights``); a stopped member stays in the traced function until the group
    ends, its results frozen (cheaper than tracing again). Not thread-safe: it switches
    process-wide TensorFlow settings while it runs (one group at a time per process).
    Raises ValueError for a caller's mistake: configs that :func:`can_fuse` rejects or that
    do not share one :func:`group_key`.
    """
    if len(configs) != len(seeds):
        raise ValueError(f"{len(configs)} configs but {len(seeds)} seeds")
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if not all(can_fuse(c) for c in configs):
        raise ValueError("train_group got a config can_fuse() rejects; train it one by one")
    if len({group_key(c, epochs) for c in configs}) > 1:
        raise ValueError("configs in one group must share group_key() (batch size, epochs)")
    if not configs:
        return []
    start = time.perf_counter()
    keras = _keras()
    import tensorflow as tf

    keras.backend.clear_session(free_memory=False)
    gc.collect()  # once per group: the previous group's graphs and models go here
    batch = int(configs[0]["batch_size"])
    run = _Run(
        tf, keras, task,
        tf.constant(task.x_train.reshape(len(task.x_train), -1), tf.float32),
        tf.constant(task.y_train, tf.int32 if task.kind == "multiclass" else tf.float32),
        batch, math.ceil(len(task.y_train) / batch), int(epochs), int(shuffle_seed),
        None if time_limit is None else start + float(time_limit), chunk_steps,
    )
    results: dict[int, MemberResult] = {}
    members: list[_Member] = []
    for slot, (config, seed) in enumerate(zip(configs, seeds)):
        try:
            members.append(run.member(slot, config, int(seed)))
        except Exception as exc:  # a bad network is data, not a crash of the group
            results[slot] = MemberResult(FAILED, {}, None, 0, 0.0, error_text(exc))
    stepping = 0.0
    with _grappler_off(tf), forget_custom_gradients():
        if members:
            members, stepping = _train_isolating(run, members, results)
        for m in members:
            results[m.slot] = _finish(m, task, keep_weights, time_limit)
    wall = time.perf_counter() - start
    shares = _shares(wall, stepping, [m for m in members if results[m.slot].status != FAILED])
    return [_with_seconds(results[i], shares.get(i, 0.0)) for i in range(len(configs))]


def _train_isolating(run: _Run, members: list[_Member],
                     results: dict[int, MemberResult]) -> tuple[list[_Member], float]:
    """Train the group; if that raises, trace each member alone (from scratch), record the
    ones that fail as ``failed`` and train the others again, as a new group. A failure no
    single member causes (out of memory, say) fails the whole group."""
    try:
        return members, _train(run, members)
    except Exception as exc:
        group_error = error_text(exc)
    survivors: list[_Member] = []
    for m in members:
        try:
            fresh = run.member(m.slot, m.config, m.seed)
            idx, w = run.order(0)
            _trainer(run, [fresh])(idx, w, 0, 0)  # trace only: weights stay as built
            survivors.append(fresh)
        except Exception as exc:
            results[m.slot] = MemberResult(FAILED, {}, m.params, 0, 0.0, error_text(exc))
    if len(survivors) < len(members):
        try:
            return survivors, _train(run, survivors)
        except Exception as exc:
            group_error = error_text(exc)
    for m in survivors:
        m.status, m.error = FAILED, group_error
    return survivors, 0.0


def _with_seconds(result: MemberResult, seconds: float) -> MemberResult:
    return MemberResult(result.status, result.metrics, result.params, result.epochs, seconds,
                        result.error, result.weights)


def _train(run: _Run, members: list[_Member]) -> float:
    """The epoch loop: run the traced function, then per member check divergence and
    patience; stop at the deadline or when no member is still training. Returns the seconds
    spent in training calls."""
    call = _trainer(run, members)
    deadline = run.deadline

    def over_time() -> bool:
        if deadline is None or time.perf_counter() <= deadline:
            return False
        for m in members:
            if m.running:
                m.status = TIMEOUT
        return True

    idx, w = run.order(0)
    call(idx, w, 0, 0)  # trace and instantiate without a step, so step timing is clean
    stepping, step_seconds = 0.0, math.inf
    for epoch in range(run.epochs):
        if over_time() or not any(m.running for m in members):
            return stepping
        if epoch:
            idx, w = run.order(epoch)
        sums, done = np.zeros(len(members)), 0
        while done < run.steps:
            chunk = run.chunk_steps or run.steps
            if deadline is not None and run.chunk_steps is None:
                left = min(CHUNK_SECONDS, deadline - time.perf_counter())
                chunk = max(1, int(left / step_seconds)) if math.isfinite(step_seconds) else 1
            chunk = min(chunk, run.steps - done)
            t0 = time.perf_counter()
            sums += call(idx, w, done, done + chunk)
            elapsed = time.perf_counter() - t0
            stepping, step_seconds = stepping + elapsed, max(elapsed, 1e-6) / chunk
            done += chunk
            if over_time():
                return stepping
        for k, m in enumerate(members):
            if m.running:
                m.epochs = epoch + 1
                if not math.isfinite(sums[k]):
                    m.status, m.error = DIVERGED, "training loss is NaN or infinite (diverged)"
                elif m.patience is not None:
                    _early_stopping(m, run.task, epoch)
    return stepping


def _early_stopping(m: _Member, task: Task, epoch: int) -> None:
    """Keras' EarlyStopping(monitor="val_loss", restore_best_weights=True) for one member."""
    loss = metrics_from_outputs(outputs(m.model, task.x_val), task.y_val, task.kind)["loss"]
    if m.best_weights is None:
        m.best_weights = m.model.get_weights()
    m.wait += 1
    if loss < m.best_loss:
        m.best_loss, m.best_weights, m.wait = loss, m.model.get_weights(), 0
    elif m.wait >= m.patience and epoch > 0:
        m.status = "stopped"


def _finish(m: _Member, task: Task, keep_weights: bool, time_limit: float | None) -> MemberResult:
    """The member's result: validation metrics of its final (or best) weights, and status."""
    if m.status == FAILED:
        return MemberResult(FAILED, {}, m.params, m.epochs, 0.0, m.error)
    if m.status == TIMEOUT:
        return MemberResult(
            TIMEOUT, {}, m.params, m.epochs, 0.0,
            f"stopped: over the group's time limit of {time_limit:g} s after {m.epochs} epochs")
    try:
        if m.best_weights is not None:
            m.model.set_weights(m.best_weights)
        metrics = metrics_from_outputs(outputs(m.model, task.x_val), task.y_val, task.kind)
    except Exception as exc:
        return MemberResult(FAILED, {}, m.params, m.epochs, 0.0, error_text(exc))
    status, error = OK, ""
    if m.status == DIVERGED:
        status, error = DIVERGED, m.error
    elif not all(math.isfinite(v) for v in metrics.values()):
        status, error = DIVERGED, "validation loss is NaN or infinite (diverged)"
    weights = m.model.get_weights() if keep_weights and status == OK else None
    return MemberResult(status, metrics, m.params, m.epochs, 0.0, error, weights)
