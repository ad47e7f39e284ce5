"""How configs become trained scores: one model at a time (``single``) or a fused group of any
compiled Keras models trained in one traced function (``fused``, driven by ``groups``); which
of the two is ``choice``; scoring, fit arguments and TensorFlow hygiene have a module each."""

from .base import Job, Setup, TaskRef, eval_seed, resolve

__all__ = ["Job", "Setup", "TaskRef", "eval_seed", "resolve"]
