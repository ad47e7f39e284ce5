"""Campaign checkpoints: what ``--resume`` needs, as JSON (loading one can never run code).

A checkpoint is taken after every batch (a GA generation, a random/grid batch): the strategy's
``state_dict`` (population, hall of fame, generation, RNG state, ...) and how many evaluations
were done. Evaluations finished after it (a kill mid-generation) are not lost: their rows are
in results.csv, and on resume the strategy re-asks the same batch and those rows are reused
instead of training again. That is why a resumed CSV equals an uninterrupted one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import EvohpoError
from .objectives import minimised
from .results import (
    CSV_NAME,
    SCORE_COLUMNS,
    Objectives,
    Row,
    as_tuple,
    metric_columns,
    spec,
    spread_columns,
)
from .space import Space
from .strategies.base import WORST, Evaluation, Status

CHECKPOINT_NAME = "checkpoint.json"
VERSION = 2  # 2: typed spaces (the space and objective are stored and checked)


def build(*, method: str, seed: int, task: str, fingerprint: str, epochs: int, budget: int,
          n_evals: int, strategy_state: dict[str, Any], space: Space, objective: Objectives,
          model: str, engine: str = "single", cv: int = 0, finished: bool = False,
          pareto: dict[str, Any] | None = None,
          settings: dict[str, Any] | None = None, seconds: float = 0.0) -> dict:
    """``pareto``: with several objectives, the hypervolume reference and per-generation
    volumes (:class:`evohpo.front.Tracker`), so a resumed campaign measures in the same box."""
    data = {
        "evohpo_checkpoint": VERSION, "method": method, "seed": seed, "task": task,
        "task_fingerprint": fingerprint, "epochs": epochs, "budget": budget,
        "n_evals": n_evals, "finished": finished, "strategy": strategy_state,
        "space": space.to_json(), "objective": spec(objective), "model": model,
        "engine": engine, "cv": cv,  # folds of cross-validation, 0 for the validation split
        "columns": list(space.columns),  # gene order = genome layout
        "settings": settings or {},
        "seconds": round(float(seconds), 2),  # wall seconds of every process so far
    }
    if pareto is not None:
        data["pareto"] = pareto
    return data


def load(out: Path) -> dict:
    """Read and check a checkpoint; any damage is a clear error, never a traceback."""
    path = Path(out) / CHECKPOINT_NAME
    if path.is_dir():
        raise EvohpoError(f"cannot resume {out}: its {CHECKPOINT_NAME} is a folder, not the file "
                          "evohpo wrote; move it away and start again with --overwrite")
    if not path.is_file():
        if (Path(out) / CSV_NAME).is_file():  # started, but killed before its first batch
            raise EvohpoError(f"nothing to resume in {out}: no {CHECKPOINT_NAME} (the campaign "
                              "stopped before its first batch finished); start again with "
                              "--overwrite")
        raise EvohpoError(
            f"nothing to resume in {out}: no {CHECKPOINT_NAME}; start without --resume"
        )
    try:  # utf-8-sig: an editor that saved the file again may have put a BOM first
        data = json.loads(path.read_text(encoding="utf-8-sig"))
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
    for key in ("n_evals", "seed", "epochs"):
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise EvohpoError(
                f"corrupted checkpoint {path}: {key} is {value!r}, not a whole number >= 0; "
                "restore the value evohpo wrote, or start again with --overwrite"
            )
    return data


def settings(strategy: Any, **campaign: Any) -> dict[str, Any]:
    """The settings that change a campaign's results beyond its method, seed, space, epochs
    and objective: the strategy's constructor arguments (read back from the attribute of the
    same name, or ``NAME_size``; plain values only) and the campaign's own (``time_limit``).
    The budget is not one: a larger budget extends a campaign."""
    import inspect

    out: dict[str, Any] = {}
    try:
        names = list(inspect.signature(type(strategy).__init__).parameters)[1:]
    except (TypeError, ValueError):
        names = []
    for name in names:
        if name in ("space", "seed"):
            continue
        for attr in (name, f"{name}_size"):
            value = getattr(strategy, attr, None)
            if value is None or isinstance(value, bool | int | float | str):
                if hasattr(strategy, attr):
                    out[name] = value
                    break
    return {**out, **campaign}


def check_compatible(ckpt: dict, *, method: str, seed: int, fingerprint: str, epochs: int,
                     space: Space, objective: Objectives, out: Path,
                     engine: str = "single", cv: int = 0,
                     current: dict[str, Any] | None = None) -> None:
    """Resuming with other settings would silently mix two campaigns: refuse, naming the fix.
    ``current``: :func:`settings` of this run, held against the checkpoint's (older checkpoints
    have none)."""
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
    ran = {"cv": 0, **ckpt}  # checkpoints before cross-validation had none
    for name, now in (("method", method), ("seed", seed), ("epochs", epochs),
                      ("objective", spec(objective)), ("engine", engine), ("cv", cv)):
        then = ran.get(name)
        if ran.get(name, "single") != now:  # checkpoints before engines were single
            raise EvohpoError(
                f"cannot resume {out}: it was run with {name}={then!r}, not {now!r}; "
                f"pass the same {_flag(name)} or start a new campaign"
            )
    stored = ckpt.get("settings")
    if isinstance(stored, dict) and current is not None:
        for name in [*current, *(k for k in stored if k not in current)]:  # signature order
            if stored.get(name) != current.get(name):
                raise EvohpoError(
                    f"cannot resume {out}: it was run with {name}={stored.get(name)!r}, not "
                    f"{current.get(name)!r}, and that changes the results; pass the same "
                    f"{_flag(name)} (only a larger budget may extend a campaign) or start a "
                    "new one"
                )


FLAGS = {"batch": "--population", "population": "--population", "time_limit": "--time-limit",
         "levels": "--levels", "method": "--method", "seed": "--seed", "epochs": "--epochs",
         "objective": "--objective", "engine": "--engine", "cv": "--cv"}


def _flag(name: str) -> str:
    """A setting as the API and the command line spell it: ``batch (--population)``."""
    return f"{name} ({FLAGS[name]})" if name in FLAGS else name


def evaluation_from_row(row: dict[str, str], *, objective: Objectives, source: str = "results.csv",
                        number: int = 0, scores: Sequence[str] = SCORE_COLUMNS) -> Evaluation:
    """Rebuild an Evaluation from its CSV row (the inverse of ``results.row``, with the same
    ``scores``); ``source`` and ``number`` (the row's place among the data rows, from 1) name
    it in an error."""
    r = Row(row, source, number)
    config = r.get("config")
    status = r.get("status")
    found = {c: v for c in [*metric_columns(objective, scores), *spread_columns(objective)]
             if (v := r.get(c)) is not None}  # spreads: only a CV campaign's rows
    params = r.get("params")
    if params is not None:
        found["params"] = float(params)
    ok = status == Status.OK
    objs = as_tuple(objective)
    vector = minimised(objs, found) if ok else ()
    return Evaluation(
        eval_id=r.get("eval_id"), generation=r.get("generation"),
        config=config, status=status, objective=vector[0] if ok else WORST,
        objectives=vector if len(objs) > 1 else (), scores=found, params=params,
        epochs=r.get("epochs"), train_seconds=r.get("train_seconds"),
        worker=row.get("worker") or "", error=row.get("error") or "",
        cached=r.get("cached"),
    )


def seconds_spent(state: dict, out: Path) -> float:
    """The wall seconds the processes before this one spent on the campaign (0 for a
    checkpoint written before evohpo counted them)."""
    value = state.get("seconds", 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise EvohpoError(f"cannot resume {out}: {CHECKPOINT_NAME} 'seconds' is {value!r}, not "
                          "a number of seconds; restore the file as evohpo wrote it, or start "
                          "again with --overwrite")
    return float(value)
