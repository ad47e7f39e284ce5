"""What a campaign with several objectives adds to the loop: its Pareto front, the hypervolume
after every generation, and the knee it retrains and saves.

Every strategy gets this, not only NSGA-II: random and grid search only propose, so with
several objectives their non-dominated set is reported the same way.

* **Front:** the clean (``ok``) evaluations that no other clean evaluation dominates. A cache hit
  repeats a network already on the list, so only the row that trained it counts.
* **Hypervolume:** of every clean evaluation so far, after each generation (batch), against a
  reference point fixed once per campaign: the worst value of each objective among the first
  generation's clean evaluations, widened by 10% of its range (:func:`evohpo.pareto.
  reference_point`). It is stored in the checkpoint, so a resumed campaign measures in the same
  box. Volumes are on the objectives' scales (accuracy times parameters, or times decades
  of parameters for ``params:min:log``), minimised.
* **Knee:** the front's point nearest the ideal point once each objective is scaled to [0, 1]
  over the front (:func:`evohpo.pareto.knee`): the balanced trade-off, saved as best.keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import pareto
from .objectives import Objective
from .strategies.base import Evaluation, json_float


def members(evaluations: Sequence[Evaluation]) -> list[Evaluation]:
    """The front: clean, trained (not cached) evaluations no other one dominates, by eval_id."""
    clean = sorted((e for e in evaluations if e.ok and not e.cached and e.objectives),
                   key=lambda e: e.eval_id)
    return [clean[i] for i in pareto.non_dominated([e.objectives for e in clean])]


def knee(front: Sequence[Evaluation]) -> Evaluation:
    """The front's balanced trade-off (see the module docstring)."""
    return front[pareto.knee([e.objectives for e in front])]


def along(front: Sequence[Evaluation]) -> list[Evaluation]:
    """The front ordered along the trade-off: best first objective first."""
    return sorted(front, key=lambda e: (e.objectives, e.eval_id))


class Tracker:
    """The reference point and the hypervolume per generation of one campaign."""

    def __init__(self, objectives: Sequence[Objective]) -> None:
        self.objectives = tuple(objectives)
        self.reference: tuple[float, ...] | None = None  # minimised, fixed once
        self.hypervolume: list[float] = []  # one value per generation (batch)

    def add(self, batch: Sequence[Evaluation], everything: Sequence[Evaluation]) -> float:
        """Record the hypervolume after ``batch`` of all clean ``everything`` so far; the first
        batch with a clean evaluation fixes the reference (before it, the volume is 0)."""
        if self.reference is None:
            first = [e.objectives for e in batch if e.ok and e.objectives]
            if first:
                self.reference = pareto.reference_point(first)
        volume = 0.0
        if self.reference is not None:
            volume = pareto.hypervolume([e.objectives for e in everything
                                         if e.ok and e.objectives], self.reference)
        self.hypervolume.append(volume)
        return volume

    def natural_reference(self) -> list[float] | None:
        """The reference in the objectives' own units (accuracy, not its negative)."""
        if self.reference is None:
            return None
        return [o.natural(r) for o, r in zip(self.objectives, self.reference)]

    def note(self, front_size: int) -> str:
        """The progress line's part: front size and the latest hypervolume."""
        hv = f"{self.hypervolume[-1]:.4g}" if self.hypervolume else "n/a"
        return f"front {front_size}  hypervolume {hv}"

    def state_dict(self) -> dict[str, Any]:
        return {"reference": None if self.reference is None else list(self.reference),
                "hypervolume": [json_float(v) for v in self.hypervolume]}

    def load_state_dict(self, state: dict[str, Any] | None) -> None:
        state = state or {}
        ref = state.get("reference")
        self.reference = None if ref is None else tuple(float(v) for v in ref)
        self.hypervolume = [float(v) for v in state.get("hypervolume", [])]

    def summary(self, front: Sequence[Evaluation], chosen: Evaluation | None) -> dict[str, Any]:
        """best.json's part: the volumes, the reference and the front (along the trade-off)."""
        return {
            "hypervolume": self.hypervolume,
            "reference": self.natural_reference(),
            "reference_rule": "worst of each objective in the first clean generation, "
                              "widened by 10% of its range",
            "selected_by": "knee of the Pareto front (nearest the ideal point, each objective "
                           "scaled to [0, 1] over the front)",
            "knee_eval_id": None if chosen is None else chosen.eval_id,
            "pareto": [{"eval_id": e.eval_id, "generation": e.generation, "config": e.config,
                        "scores": e.scores, "params": e.params} for e in along(front)],
        }
