"""TensorFlow hygiene in a worker: one place for the clean-ups both engines need.

Why a module of its own: the per-model and the fused engine each train many networks in one
long-lived process, and TensorFlow keeps state between them (graphs in a global gradient
registry, Keras' name scopes and seeds, Grappler's process-wide options). Each clean-up here
is one function, so an engine states what it needs instead of importing another engine's
private helpers.
"""

from __future__ import annotations

import gc
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

GROWTH_ENV = "EVOHPO_WORKER_MAX_GROWTH_MB"


def limit_worker_growth() -> None:
    """Recycle a loky worker whose memory grew more than $EVOHPO_WORKER_MAX_GROWTH_MB (default
    150) since its first evaluation.

    TensorFlow keeps a few MB of every traced training graph even after ``clear_session``
    (keras-team/keras#17458, tensorflow/tensorflow#61791), so a long-lived worker grows without
    bound. loky already has the cure: with psutil installed, a worker that outgrew its size after
    the first task by ``_MAX_MEMORY_LEAK_SIZE`` finishes its task, exits cleanly and is replaced.
    We only set that threshold; it is read in the worker process, so it is set from here.
    loky checks after a task, so the threshold is 80% of the limit: the next evaluation's few MB
    (about 6 for a digits MLP) cannot push a worker past the limit itself.
    """
    executor = sys.modules.get("joblib.externals.loky.process_executor")
    if executor is not None and hasattr(executor, "_MAX_MEMORY_LEAK_SIZE"):
        limit = float(os.environ.get(GROWTH_ENV, "150")) * 2**20
        executor._MAX_MEMORY_LEAK_SIZE = int(0.8 * limit)


def retire_worker() -> None:
    """Have loky replace this worker once its current task returns (the same clean exit as
    for a worker that outgrew its memory): after the time limit interrupted code at an
    arbitrary point (a module half imported, a lock held), the process is not trusted again."""
    executor = sys.modules.get("joblib.externals.loky.process_executor")
    if executor is not None and hasattr(executor, "_MAX_MEMORY_LEAK_SIZE"):
        executor._MAX_MEMORY_LEAK_SIZE = -(2**62)
        executor._MEMORY_LEAK_CHECK_DELAY = -1.0


def worker_name() -> str:
    """What the CSV's ``worker`` column says: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def fresh_session(keras: Any, seed: int | None = None, *, collect: bool = True) -> None:
    """Drop Keras' global state; ``collect`` also runs the garbage collector (as
    ``clear_session`` does), which costs ~0.3 s in a worker, so it runs once per evaluation
    (or per fused group). ``seed`` then seeds Python, numpy, TensorFlow and Keras."""
    keras.backend.clear_session(free_memory=False)
    if collect:
        gc.collect()
    if seed is not None:
        keras.utils.set_random_seed(seed)


@contextmanager
def grappler_off(tf: Any) -> Iterator[None]:
    """Grappler's meta-optimizer off while a fused group traces and runs, then back as it was,
    so per-model evaluations in the same worker keep their numbers. Optimising the wide graphs
    of a group cost more than it saved (a 12-member digits group: 6.6 s instead of 4.2 s)."""
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
    here, and 5.5 MB per per-model evaluation (0.5 MB with this around it; see
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
