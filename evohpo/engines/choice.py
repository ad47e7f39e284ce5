"""Which engine trains a campaign: decided once, from what the model and arguments can do.

``auto`` fuses any model that can be fused and says in one line why not when it cannot;
``fused`` refuses with that line instead of falling back; ``single`` trains one model at a
time. "Can be fused" is a capability, asked of the model itself: a worker builds one member
from a sample config as the fused engine would (:func:`evohpo.engines.fused_worker.fusable`),
so the answer reflects the user's real build function and fit hook, never a name or an identity.
Two things are decided without building: a replaced ``evaluator=`` (the fused engine trains
with its own step and could not call it) and a black box (:mod:`evohpo.blackbox`: a function,
not a Keras model, so there is nothing to fuse). For either, ``auto`` evaluates one config at a
time (silently: nothing of theirs is dropped) and ``fused`` refuses with the reason; no worker
is asked, so a black-box campaign never starts TensorFlow.

A config-dependent fit hook can still hand one member something the probe's config did not
show; that member then trains one by one inside its group's worker, and says why
(:mod:`evohpo.engines.fused_worker`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import EvohpoError

ENGINES = ("auto", "single", "fused")
CUSTOM_EVALUATOR = ("evaluator= replaces how one model is trained, and the fused engine "
                    "trains with its own step")
BLACK_BOX = "a black box is a Python function, not a Keras model the fused engine could train"


@dataclass(frozen=True)
class EngineChoice:
    """The engine a campaign runs on, and the one line that says why when it is not fused."""

    engine: str
    note: str = ""


def check(asked: str) -> str:
    if asked not in ENGINES:
        raise EvohpoError(f"unknown engine {asked!r}; choose from: {', '.join(ENGINES)}")
    return asked


def choose(asked: str, *, custom_evaluator: bool, probe: Callable[[], str],
           black_box: bool = False) -> EngineChoice:
    """The engine for ``asked`` ("auto", "single" or "fused"); ``probe()`` (run only when
    needed) says why the model cannot be fused, or ""."""
    check(asked)
    if asked == "single":
        return EngineChoice("single")
    known = BLACK_BOX if black_box else CUSTOM_EVALUATOR if custom_evaluator else ""
    reason = known or probe()
    if not reason:
        return EngineChoice("fused")
    if asked == "fused":
        raise EvohpoError(f"the fused engine cannot train this campaign: {reason}; "
                          "use --engine auto (or single) to evaluate one config at a time")
    if known:  # the user's own evaluator or function runs as given: nothing to warn about
        return EngineChoice("single")
    return EngineChoice("single", f"training one model at a time: {reason}")


def sample_config(space: object, seed: int) -> dict:
    """A config of the space to probe with: the same for the same seed (a private RNG)."""
    return space.decode(space.sample(random.Random(seed)))  # type: ignore[attr-defined]
