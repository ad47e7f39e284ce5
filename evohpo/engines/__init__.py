"""How configs become trained scores: one model at a time (``single``) or a fused group of any
compiled Keras models trained in one traced function (``fused``, run in a worker by
``fused_worker``); ``groups`` decides who trains with whom, ``dispatch`` sends the calls and
retries, ``choice`` picks the engine; scoring, fit arguments, time limits and TensorFlow
hygiene have a module each."""

from .base import Job, Setup, TaskRef, eval_seed, resolve

__all__ = ["Job", "Setup", "TaskRef", "eval_seed", "resolve"]
