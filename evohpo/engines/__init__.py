"""How configs become trained scores: one model at a time (``single``) or a fused group of MLPs
trained in one traced function (``fused``, driven by ``groups``). TF hygiene lives here."""

from .base import Job, Setup, TaskRef, eval_seed, resolve

__all__ = ["Job", "Setup", "TaskRef", "eval_seed", "resolve"]
