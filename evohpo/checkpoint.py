"""Campaign checkpoints: what ``--resume`` needs, as JSON (loading one can never run code).

A checkpoint is taken after every batch (a GA generation, a random/grid batch): the strategy's
``state_dict`` (population, hall of fame, generation, RNG state, ...) and how many evaluations
were done. Evaluations finished after it (a kill mid-generation) are not lost: their rows are
in results.csv, and on resume the strategy re-asks the same batch and those rows are reused
instead of training again. That is why a resumed CSV equals an uninterrupted one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .errors import EvohpoError
from .strategies.base import WORST, Evaluation, Status

CHECKPOINT_NAME = "checkpoint.json"
VERSION = 1


def build(*, method: str, seed: int, task: str, fingerprint: str, epochs: int, budget: int,
          n_evals: int, strategy_state: dict[str, Any], finished: bool = False) -> dict:
    return {
        "evohpo_checkpoint": VERSION, "method": method, "seed": seed, "task": task,
        "task_fingerprint": fingerprint, "epochs": epochs, "budget": budget,
        "n_evals": n_evals, "finished": finished, "strategy": strategy_state,
    }


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
    needed = ("method", "seed", "task_fingerprint", "epochs", "n_evals", "strategy")
    if not isinstance(data, dict) or data.get("evohpo_checkpoint") != VERSION or any(
        k not in data for k in needed
    ):
        raise EvohpoError(
            f"corrupted checkpoint {path} (not an evohpo v{VERSION} checkpoint); "
            "start again with --overwrite"
        )
    return data


def check_compatible(ckpt: dict, *, method: str, seed: int, fingerprint: str, epochs: int,
                     out: Path) -> None:
    """Resuming with other settings would silently mix two campaigns: refuse, naming the fix."""
    for name, now in (("method", method), ("seed", seed), ("epochs", epochs)):
        if ckpt[name] != now:
            raise EvohpoError(
                f"cannot resume {out}: it was run with {name}={ckpt[name]!r}, not {now!r}; "
                f"pass the same {name} or start a new campaign"
            )
    if ckpt["task_fingerprint"] != fingerprint:
        raise EvohpoError(
            f"cannot resume {out}: its task data differ from this task's; use the same task"
        )


def _num(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def evaluation_from_row(row: dict[str, str], *, kind: str) -> Evaluation:
    """Rebuild an Evaluation from its CSV row (the inverse of ``results.row``)."""
    n = int(row["n_layers"])
    config = {
        "n_layers": n,
        "units": [int(row[f"units_{i}"]) for i in range(1, n + 1)],
        "activations": [row[f"activation_{i}"] for i in range(1, n + 1)],
        "optimizer": row["optimizer"],
        "learning_rate": float(row["learning_rate"]),
        "batch_size": int(row["batch_size"]),
    }
    status = Status(row["status"])
    acc, loss = _num(row.get("val_accuracy")), _num(row.get("val_loss"))
    if status != Status.OK:
        objective = WORST
    elif kind == "regression":
        objective = loss if loss is not None else math.inf
    else:
        objective = -acc if acc is not None else math.inf
    params = row.get("params")
    return Evaluation(
        int(row["eval_id"]), int(row["generation"]), config, status, objective, acc, loss,
        int(params) if params else None, int(row["epochs"] or 0),
        float(row["train_seconds"] or 0.0), row["worker"], row["error"],
        row["cached"] == "true",
    )
