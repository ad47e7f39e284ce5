"""How far a comparison got, so ``evohpo compare --resume`` continues a killed one.

A comparison writes its plan to ``compare.json`` before the first run starts. ``--resume``
refuses a plan that differs in anything that decides the results (task and its data, methods,
seeds, budget, epochs, population, levels, search space, cross-validation folds); ``--n-jobs``
and ``--backend`` may change, since they do not change a single row. Then each run is in one
of three states:

* done: its checkpoint says finished and its best.json (and grid.json for grid) are written:
  kept as it is;
* started: it has a checkpoint: continued with ``run_campaign(resume=True)``, which reuses every
  row it wrote and ends with the CSV of an uninterrupted run;
* new: started fresh.

So the resumed comparison's summary, report and plots equal an uninterrupted one's, timings
aside.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from . import checkpoint as ckpt_mod
from . import results as results_mod
from .errors import EvohpoError
from .plans import ComparisonPlan

COMPARE_JSON = "compare.json"
VERSION = 2  # 2: typed spaces, models and objectives
# settings that decide a comparison's results, and the option that sets each
PLAN_KEYS = {
    "task": "--task", "task_fingerprint": "--task", "methods": "methods",
    "seeds": "--seeds", "budget": "--budget", "epochs": "--epochs",
    "population": "--population", "levels": "--levels",
    "space": "search space (--space, or the MLP's --layers, --units, --activations, ...)",
    "objective": "--objective", "model": "--model", "cv": "--cv",
}
PLAN_BEFORE = {"cv": 0}  # what a compare.json written before a setting existed ran


class RunState(StrEnum):
    DONE = "done"
    STARTED = "started"
    NEW = "new"


def plan_record(plan: ComparisonPlan) -> dict[str, Any]:
    """What compare.json records about a plan (JSON types, so a reloaded record compares equal)."""
    record = {
        "evohpo_compare": VERSION, "task": plan.task.name,
        "task_fingerprint": plan.task.fingerprint(), "kind": plan.task.kind,
        "objective": results_mod.spec(plan.objectives), "model": plan.model.name,
        "methods": list(plan.methods), "seeds": list(plan.seeds),
        "budget": plan.budget, "epochs": plan.epochs, "population": plan.population,
        "levels": plan.levels, "space": plan.space.to_json(),
        "n_jobs": plan.n_jobs, "backend": plan.backend, "cv": plan.cv,
    }
    return json.loads(json.dumps(record))


def load(out: Path) -> dict[str, Any]:
    """The record of the comparison in ``out``, or a one-line error naming the fix."""
    path = Path(out) / COMPARE_JSON
    if not path.is_file():
        raise EvohpoError(
            f"nothing to resume in {out}: no {COMPARE_JSON}; start without --resume"
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvohpoError(f"cannot resume {out}: {path.name} is damaged ({exc}); start again "
                          "with --overwrite") from None
    if not isinstance(data, dict) or data.get("evohpo_compare") != VERSION:
        raise EvohpoError(f"cannot resume {out}: its {path.name} was not written by this "
                          "evohpo version; start again with --overwrite")
    return data


def _shown(key: str, value: Any) -> str:
    if key == "seeds" and isinstance(value, list):
        return str(len(value))
    if key == "task_fingerprint":
        return "other data"
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def check_same_plan(out: Path, stored: dict[str, Any], plan: ComparisonPlan) -> None:
    """Resuming with other settings would mix two comparisons in one report: refuse."""
    now = plan_record(plan)
    for key, option in PLAN_KEYS.items():
        then = stored.get(key, PLAN_BEFORE.get(key))
        if then != now[key]:
            if key == "task_fingerprint" and stored.get("task") == now["task"]:
                raise EvohpoError(f"cannot resume {out}: the data of task {now['task']!r} "
                                  "differ from the ones it was run on; use the same task data")
            raise EvohpoError(
                f"cannot resume {out}: it was run with {key} {_shown(key, then)}, "
                f"not {_shown(key, now[key])}; pass the same {option}, or start again with "
                "--overwrite"
            )


def run_state(folder: Path, *, grid: bool) -> RunState:
    """Whether the run in ``folder`` is done, started (has a checkpoint) or new."""
    folder = Path(folder)
    ckpt = folder / ckpt_mod.CHECKPOINT_NAME
    if not ckpt.is_file() or not (folder / results_mod.CSV_NAME).is_file():
        return RunState.NEW
    state = ckpt_mod.load(folder)
    written = (folder / results_mod.BEST_NAME).is_file() and (
        not grid or (folder / results_mod.GRID_NAME).is_file()
    )
    # finished but killed before best.json: resuming only retrains the final model
    return RunState.DONE if state.get("finished") and written else RunState.STARTED


def grid_size(folder: Path) -> int | None:
    """The grid size a finished grid run recorded beside its CSV."""
    path = Path(folder) / results_mod.GRID_NAME
    return int(json.loads(path.read_text())["grid_size"]) if path.is_file() else None


def without_timings(report_md: str) -> str:
    """report.md minus what differs between identical comparisons: the total seconds in the
    notes and the seconds column of the summary table (what "equal, timings aside" means)."""
    lines, col = [], None
    for line in report_md.splitlines():
        cells = line.split("|")
        if " seconds " in cells:
            col = cells.index(" seconds ")
        elif col is not None and line.startswith("|") and len(cells) > col:
            if not line.startswith("|-"):
                cells[col] = " - "
        else:
            col = None
        lines.append(re.sub(r"total \d+ s$", "total - s", "|".join(cells)))
    return "\n".join(lines)
