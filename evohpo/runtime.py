"""TensorFlow start-up in one place: thread pools are limited *before* TensorFlow starts.

Every process that trains (a loky, Dask or Ray worker, or the main process for in-process
runs) gets Keras through :func:`keras`, so n_jobs workers share the cores instead of each
starting a thread per core, and a model trains with the same reduction order in every process
(one reason the same seed gives the same accuracies whatever n_jobs is).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

THREADS_ENV = "EVOHPO_TF_THREADS"
_keras: ModuleType | None = None


def limit_threads_env(threads: int) -> dict[str, str]:
    """Environment that caps TensorFlow's and BLAS's thread pools at ``threads``."""
    n = str(int(threads))
    return {
        THREADS_ENV: n,
        "TF_NUM_INTRAOP_THREADS": n,
        "TF_NUM_INTEROP_THREADS": n,
        "OMP_NUM_THREADS": n,
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        "KERAS_BACKEND": "tensorflow",
    }


@contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Hide TensorFlow's C++ start-up banners (oneDNN notice, absl preamble), which no
    environment variable silences, from every worker's stderr; replay them if start-up fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def keras() -> ModuleType:
    """Import Keras (TensorFlow backend) once per process with thread pools already limited."""
    global _keras
    if _keras is None:
        threads = int(os.environ.get(THREADS_ENV, "1"))
        os.environ.update(limit_threads_env(threads))
        with _quiet_native_stderr():
            import tensorflow as tf

            try:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
                tf.config.threading.set_inter_op_parallelism_threads(threads)
            except RuntimeError:  # TensorFlow already started by the caller; keep its settings
                pass
            tf.get_logger().setLevel("ERROR")
            import keras as _k

            _k.ops.add(_k.ops.ones((1,)), 1.0)  # the first op prints the oneDNN notice again

        _keras = _k
        _freeze_in_workers()
    return _keras


def _freeze_in_workers() -> None:
    """In a worker process, move every object alive after importing TensorFlow (its modules:
    hundreds of thousands of objects) out of the garbage collector's reach with
    ``gc.freeze()``. A full collection, which each evaluation (or fused group) runs to free
    the previous one's models, then looks only at what came after: 0.03 s instead of 0.2 s
    here. Not in the user's own process (the threading backend, a notebook): there it would
    keep objects of theirs that later become cyclic garbage."""
    import gc
    import multiprocessing

    if multiprocessing.current_process().name != "MainProcess":
        gc.collect()
        gc.freeze()
