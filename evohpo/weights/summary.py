"""Many runs in one line each for the ES and for SGD: solved counts, evaluations to solve, time.

Why a percentile of our own: an unsolved run counts as never solving (infinitely many
evaluations), so a percentile that lands on one has no value (``None``) instead of the
misleading number numpy's interpolation would give.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .baseline import SGDRun
from .search import WeightRun


def percentile(values: Sequence[float], q: float) -> float | None:
    """Percentile where unsolved runs count as never solving: ``None`` if it lands on one."""
    if not values:
        return None
    ordered = np.sort(np.asarray(values, dtype=float))
    pos = q / 100.0 * (len(ordered) - 1)  # numpy's default "linear" method
    lo, hi = math.floor(pos), math.ceil(pos)
    if not math.isfinite(ordered[hi]):
        return None
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def summarise_es(runs: Sequence[WeightRun], seconds: float) -> dict[str, Any]:
    """runs, solved, median/p90 evaluations to solve (unsolved = never), wall seconds."""
    to_solve = [r.evals if r.solved else math.inf for r in runs]
    return {
        "runs": len(runs),
        "solved": sum(r.solved for r in runs),
        "median_evals": percentile(to_solve, 50),
        "p90_evals": percentile(to_solve, 90),
        "seconds": round(seconds, 3),
        "restarts_mean": round(float(np.mean([r.restarts for r in runs])), 2) if runs else None,
    }


def summarise_sgd(runs: Sequence[SGDRun], seconds: float) -> dict[str, Any]:
    return {
        "runs": len(runs),
        "solved": sum(r.solved for r in runs),
        "correct": sum(r.correct for r in runs),
        "seconds": round(seconds, 3),
        "seconds_per_run": round(seconds / len(runs), 3) if runs else None,
    }
