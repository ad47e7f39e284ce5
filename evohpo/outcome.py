"""What a campaign leaves behind: the chosen network, the result record, the best.json summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import results as results_mod
from .objectives import Objective
from .plans import CampaignPlan
from .space import Config, describe
from .strategies.base import Evaluation


@dataclass(frozen=True)
class Best:
    """The chosen network: its config, the validation scores that chose it, its test scores."""

    config: Config
    eval_id: int
    objective: Objective
    scores: dict[str, float]
    test_scores: dict[str, float]
    model_path: str | None
    error: str = ""
    cv: int = 0  # K: ``scores`` are K-fold cross-validation means; the model refit on train+val

    @property
    def value(self) -> float | None:
        return self.scores.get(self.objective.name)

    @property
    def test_value(self) -> float | None:
        """The objective's metric on the test split (``val_x`` -> ``test_x``, a custom ``fn``
        objective ``x`` -> ``test_x``), if it has one."""
        return self.test_scores.get("test_" + self.objective.name.removeprefix("val_"))

    @property
    def val_accuracy(self) -> float | None:
        return self.scores.get("val_accuracy")

    @property
    def val_loss(self) -> float | None:
        return self.scores.get("val_loss")

    @property
    def test_accuracy(self) -> float | None:
        return self.test_scores.get("test_accuracy")

    @property
    def test_loss(self) -> float | None:
        return self.test_scores.get("test_loss")

    def __str__(self) -> str:
        name = self.objective.name
        fmt = ".4g" if self.objective.lower_is_better else ".4f"  # a loss of 2e-4 stays seen
        text = f"eval {self.eval_id}: {describe(self.config)} | {name}={self.value:{fmt}}"
        if self.cv:
            text += f" ({self.cv}-fold cross-validation)"
        if self.test_value is not None:
            text += f" test_{name.removeprefix('val_')}={self.test_value:{fmt}}"
            if self.cv:
                text += " (refit on train+validation)"
        return text


@dataclass
class CampaignResult:
    """What a campaign leaves behind, besides its files."""

    out: Path
    csv: Path
    method: str
    seed: int
    evaluations: list[Evaluation]
    best: Best | None
    seconds: float
    cache_hits: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    pareto: list[Evaluation] = field(default_factory=list)  # the front, with 2+ objectives
    hypervolume: list[float] = field(default_factory=list)  # per generation, with 2+ objectives
    reference: list[float] | None = None  # the hypervolume's reference point, natural units

    def frame(self):
        return results_mod.read(self.csv)


def summary(result: CampaignResult, plan: CampaignPlan) -> dict:
    """best.json: what ran, how it went, and the chosen network with its test scores."""
    counts: dict[str, int] = {}
    for e in result.evaluations:
        counts[str(e.status)] = counts.get(str(e.status), 0) + 1
    best = result.best
    facts = dict(getattr(plan.task, "facts", None) or {})  # a benchmark's best values, ...
    return {
        "method": result.method, "seed": result.seed, "task": plan.task.name,
        "kind": plan.task.kind, "objective": results_mod.spec(plan.objectives),
        "metrics": results_mod.metric_columns(plan.objectives, plan.scores),
        **({"facts": facts} if facts else {}),
        "model": plan.setup.model.name,
        "budget": plan.budget, "epochs": plan.epochs, "evaluations": len(result.evaluations),
        "status_counts": counts, "cache_hits": result.cache_hits, **result.extra,
        "seconds": round(result.seconds, 2),
        "cv": plan.cv,  # folds of cross-validation; 0: scored on the validation split
        "best": None if best is None else {
            "eval_id": best.eval_id, "config": best.config, "scores": best.scores,
            "test": best.test_scores, "test_objective": best.test_value,
            "val_accuracy": best.val_accuracy,
            "val_loss": best.val_loss, "test_accuracy": best.test_accuracy,
            "test_loss": best.test_loss, "model_path": best.model_path,
            "model_error": best.error or None,
            "scores_from": (f"{plan.cv}-fold cross-validation of train+validation (mean over "
                            "the folds; *_std: their spread)" if plan.cv else "validation split"),
            "trained_on": "train+validation (refit)" if plan.cv else "train",
        },
    }
