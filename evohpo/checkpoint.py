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
          pareto: dict[str, Any] | None = None,
          settings: dict[str, Any] | None = None) -> dict:
    """``pareto``: with several objectives, the hypervolume reference and per-generation
    volumes (:class:`evohpo.front.Tracker`), so a resumed campaign measures in the same box."""
    data = {
        "evohpo_checkpoint": VERSION, "method": method, "seed": seed, "task": task,
        "task_fingerprint": fingerprint, "epochs": epochs, "budget": budget,
        "n_evals": n_evals, "finished": finished, "strategy": strategy_state,
        "space": space.to_json(), "objective": spec(objective), "model": model,
        "engine": engine, "columns": list(space.columns),  # gene order = genome layout
        "settings": settings or {},
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
                     engine: str = "single", current: dict[str, Any] | None = None) -> None:
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
    for name, now in (("method", method), ("seed", seed), ("epochs", epochs),
                      ("objective", spec(objective)), ("engine", engine)):
        if ckpt.get(name, "single") != now:  # checkpoints before engines were single
            raise EvohpoError(
                f"cannot resume {out}: it was run with {name}={ckpt.get(name)!r}, not {now!r}; "
                f"pass the same {name} or start a new campaign"
            )
    stored = ckpt.get("settings")
    if isinstance(stored, dict) and current is not None:
        for name in [*current, *(k for k in stored if k not in current)]:  # signature order
            if stored.get(name) != current.get(name):
                raise EvohpoError(
                    f"cannot resume {out}: it was run with {name}={stored.get(name)!r}, not "
                    f"{current.get(name)!r}, and that changes the results; pass the same {name} "
                    "(only a larger budget may extend a campaign) or start a new one"
                )


def _num(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


class _Row:
    """One CSV row read field by field: a value that does not parse is one EvohpoError naming
    the file, the row and the column, and the fix."""

    def __init__(self, row: dict[str, str], source: str, number: int) -> None:
        self.row, self.source, self.number = row, source, number

    def get(self, column: str, convert: Any, what: str) -> Any:
        value = self.row.get(column)
        try:
            return convert(value)
        except (TypeError, ValueError, json.JSONDecodeError):
            raise EvohpoError(
                f"{self.source}, row {self.number}, column {column}: {value!r} is not {what}; "
                "restore the value evohpo wrote (or delete the row and resume), or start again "
                "with --overwrite"
            ) from None


STATUSES = ", ".join(s.value for s in Status)


def evaluation_from_row(row: dict[str, str], *, objective: Objectives, source: str = "results.csv",
                        number: int = 0) -> Evaluation:
    """Rebuild an Evaluation from its CSV row (the inverse of ``results.row``); ``source`` and
    ``number`` (the row's place among the data rows, from 1) name it in an error."""
    r = _Row(row, source, number)
    config = r.get("config", _config, "a JSON config object")
    status = r.get("status", Status, f"a status ({STATUSES})")
    scores = {c: v for c in metric_columns(objective)
              if (v := r.get(c, _num, "a number or empty")) is not None}
    params = r.get("params", lambda v: None if v in (None, "") else int(v),
                   "a whole number or empty")
    if params is not None:
        scores["params"] = float(params)
    ok = status == Status.OK
    objs = as_tuple(objective)
    vector = tuple(o.minimised(scores.get(o.name)) for o in objs) if ok else ()
    whole = "a whole number"
    return Evaluation(
        eval_id=r.get("eval_id", int, whole), generation=r.get("generation", int, whole),
        config=config, status=status, objective=vector[0] if ok else WORST,
        objectives=vector if len(objs) > 1 else (), scores=scores, params=params,
        epochs=r.get("epochs", lambda v: int(v or 0), whole),
        train_seconds=r.get("train_seconds", lambda v: float(v or 0.0), "a number"),
        worker=row.get("worker") or "", error=row.get("error") or "",
        cached=r.get("cached", _flag, "true or false"),
    )


def _config(value: str | None) -> dict:
    config = json.loads(value or "")
    if not isinstance(config, dict):
        raise ValueError(value)
    return config


def _flag(value: str | None) -> bool:
    if value not in ("true", "false"):
        raise ValueError(value)
    return value == "true"
