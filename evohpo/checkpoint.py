"""Campaign checkpoints: what ``--resume`` needs, as JSON (loading one can never run code).

A checkpoint is taken after every batch (a GA generation, a random/grid batch): the strategy's
``state_dict`` (population, hall of fame, generation, RNG state, ...) and how many evaluations
were done. Evaluations finished after it (a kill mid-generation) are not lost: their rows are
in results.csv, and on resume the strategy re-asks the same batch and those rows are reused
instead of training again. That is why a resumed CSV equals an uninterrupted one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import EvohpoError
from .results import Objectives, as_tuple, metric_columns, spec
from .space import Space
from .strategies.base import WORST, Evaluation, Status

CHECKPOINT_NAME = "checkpoint.json"
VERSION = 2  # 2: typed spaces (the space and objective are stored and checked)


def build(*, method: str, seed: int, task: str, fingerprint: str, epochs: int, budget: int,
          n_evals: int, strategy_state: dict[str, Any], space: Space, objective: Objectives,
          model: str, engine: str = "single", finished: bool = False,
          pareto: dict[str, Any] | None = None) -> dict:
    """``pareto``: with several objectives, the hypervolume reference and per-generation
    volumes (:class:`evohpo.front.Tracker`), so a resumed campaign measures in the same box."""
    data = {
        "evohpo_checkpoint": VERSION, "method": method, "seed": seed, "task": task,
        "task_fingerprint": fingerprint, "epochs": epochs, "budget": budget,
        "n_evals": n_evals, "finished": finished, "strategy": strategy_state,
        "space": space.to_json(), "objective": spec(objective), "model": model,
        "engine": engine, "columns": list(space.columns),  # gene order = genome layout
    }
    if pareto is not None:
        data["pareto"] = pareto
    return data


def load(out: Path) -> dict:
    """Read and check a checkpoint; any damage is a clear error, never a traceback."""
    path = Path(out) / CHECKPOINT_NAME
    if not path.is_file():
        raise EvohpoError(
            f"nothing to resume in {out}: no {CHECKPOINT_NAME}; start without --resume"
        )
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvohpoError(
            f"corrupted checkpoint {path} ({exc}); start again with --overwrite"
        ) from None
    needed = ("method", "seed", "task_fingerprint", "epochs", "n_evals", "strategy", "space",
              "objective")
    if not isinstance(data, dict) or data.get("evohpo_checkpoint") != VERSION or any(
        k not in data for k in needed
    ):
        raise EvohpoError(
            f"corrupted checkpoint {path} (not an evohpo v{VERSION} checkpoint); "
            "start again with --overwrite"
        )
    return data


def check_compatible(ckpt: dict, *, method: str, seed: int, fingerprint: str, epochs: int,
                     space: Space, objective: Objectives, out: Path,
                     engine: str = "single") -> None:
    """Resuming with other settings would silently mix two campaigns: refuse, naming the fix."""
    if ckpt["space"] != space.to_json() or ckpt.get("columns", list(space.columns)) != list(
            space.columns):  # the same genes in another order lay the genome out differently
        raise EvohpoError(
            f"cannot resume {out}: it was run with another search space; pass the same space "
            "(and the same space flags) or start a new campaign"
        )
    if ckpt["task_fingerprint"] != fingerprint:
        raise EvohpoError(
            f"cannot resume {out}: its task data differ from this task's; use the same task"
        )
    for name, now in (("method", method), ("seed", seed), ("epochs", epochs),
                      ("objective", spec(objective)), ("engine", engine)):
        if ckpt.get(name, "single") != now:  # checkpoints before engines were single
            raise EvohpoError(
                f"cannot resume {out}: it was run with {name}={ckpt.get(name)!r}, not {now!r}; "
                f"pass the same {name} or start a new campaign"
            )


def _num(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def evaluation_from_row(row: dict[str, str], *, objective: Objectives) -> Evaluation:
    """Rebuild an Evaluation from its CSV row (the inverse of ``results.row``)."""
    try:
        config = json.loads(row["config"])
    except (KeyError, json.JSONDecodeError):
        raise EvohpoError(f"row {row.get('eval_id')} has no readable config column; "
                          "start again with --overwrite") from None
    status = Status(row["status"])
    scores = {c: v for c in metric_columns(objective) if (v := _num(row.get(c))) is not None}
    params = row.get("params")
    if params:
        scores["params"] = float(params)
    ok = status == Status.OK
    objs = as_tuple(objective)
    vector = tuple(o.minimised(scores.get(o.name)) for o in objs) if ok else ()
    return Evaluation(
        eval_id=int(row["eval_id"]), generation=int(row["generation"]), config=config,
        status=status, objective=vector[0] if ok else WORST,
        objectives=vector if len(objs) > 1 else (), scores=scores,
        params=int(params) if params else None, epochs=int(row["epochs"] or 0),
        train_seconds=float(row["train_seconds"] or 0.0), worker=row["worker"],
        error=row["error"], cached=row["cached"] == "true",
    )
