"""The results log: one CSV row per evaluation. The only module that writes result files.

Rows are appended, flushed and fsynced as each evaluation finishes, so a crash never loses a
finished row. Rows land in completion order while a campaign runs; ``finalize`` rewrites the
file sorted by ``eval_id`` (atomically), so the same seed gives the same file whatever n_jobs
was. Reading checks the file really is an evohpo log and repairs a torn last line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .errors import EvohpoError
from .strategies.base import Evaluation

CSV_NAME = "results.csv"
BEST_NAME = "best.json"
BEST_MODEL_NAME = "best.keras"
PREPROCESS_NAME = "preprocess.joblib"  # a table task's fitted encoding, for evohpo.predict
GRID_NAME = "grid.json"  # grid size beside a grid run, so a later report can give coverage
SUMMARY_NAME = "summary.csv"
REPORT_NAME = "report.md"

LEAD_COLUMNS = (
    "campaign", "method", "seed", "eval_id", "generation", "status", "error", "cached",
    "val_accuracy", "val_loss", "n_layers",
)
TAIL_COLUMNS = (
    "optimizer", "learning_rate", "batch_size", "params", "epochs", "train_seconds", "worker",
)
REQUIRED = ("method", "seed", "eval_id", "status", "val_accuracy", "val_loss", "n_layers")
VOLATILE = ("train_seconds", "worker")  # differ between identical runs; everything else must not


def columns(max_layers: int) -> list[str]:
    layer_cols: list[str] = []
    for i in range(1, max_layers + 1):
        layer_cols += [f"units_{i}", f"activation_{i}"]
    return [*LEAD_COLUMNS, *layer_cols, *TAIL_COLUMNS]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):  # also numpy floats, whose repr() is np.float64(...)
        return repr(float(value))
    return str(value)


def row(ev: Evaluation, *, campaign: str, method: str, seed: int, max_layers: int) -> dict:
    """One CSV row of an evaluation, in the users' terms (accuracy, not the minimised value)."""
    cfg = ev.config
    out: dict[str, Any] = {
        "campaign": campaign, "method": method, "seed": seed, "eval_id": ev.eval_id,
        "generation": ev.generation, "status": str(ev.status), "error": ev.error,
        "cached": ev.cached, "val_accuracy": ev.val_accuracy, "val_loss": ev.val_loss,
        "n_layers": cfg["n_layers"],
    }
    for i in range(max_layers):
        active = i < cfg["n_layers"]
        out[f"units_{i + 1}"] = cfg["units"][i] if active else None
        out[f"activation_{i + 1}"] = cfg["activations"][i] if active else None
    out.update(
        optimizer=cfg["optimizer"], learning_rate=cfg["learning_rate"],
        batch_size=cfg["batch_size"], params=ev.params, epochs=ev.epochs,
        train_seconds=round(ev.train_seconds, 3), worker=ev.worker,
    )
    return out


class ResultsLog:
    """Append-only CSV of evaluations with a fixed header."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = Path(path)
        self.header = list(header)

    @classmethod
    def create(cls, path: Path, header: Sequence[str]) -> ResultsLog:
        log = cls(path, header)
        _atomic_write(log.path, _to_csv(log.header, []))
        return log

    def append(self, record: dict) -> None:
        with open(self.path, "a", newline="") as f:
            f.write(_to_csv(None, [[_cell(record.get(c)) for c in self.header]]))
            f.flush()
            os.fsync(f.fileno())

    def finalize(self) -> None:
        """Rewrite sorted by eval_id, atomically: a finished log reads the same for any n_jobs."""
        header, rows = read_rows(self.path)
        idx = header.index("eval_id")
        rows.sort(key=lambda r: int(r[idx]))
        _atomic_write(self.path, _to_csv(header, rows))


def _to_csv(header: Sequence[str] | None, rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file, fsync, rename: readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    _atomic_write(Path(path), json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_preprocess(out: Path, preprocess: Any) -> None:
    """A table task's fitted preprocessing beside best.keras (a joblib pickle, atomically), so
    ``evohpo predict`` can take raw rows; nothing for tasks without one."""
    if preprocess is None:
        return
    import joblib

    buf = io.BytesIO()
    joblib.dump(preprocess, buf)
    _atomic_write_bytes(Path(out) / PREPROCESS_NAME, buf.getvalue())


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(path: Path, frame) -> None:
    """A pandas DataFrame (a summary, not an evaluation log) as CSV, atomically."""
    _atomic_write(Path(path), frame.to_csv(index=False, lineterminator="\n"))


def write_text(path: Path, text: str) -> None:
    """A text file such as report.md, atomically."""
    _atomic_write(Path(path), text if text.endswith("\n") else text + "\n")


def remove_run(folder: Path) -> None:
    """Delete the files a campaign writes in ``folder`` (and the folder, if then empty).

    Used by ``evohpo compare --overwrite`` so an older comparison's extra seeds do not leak
    into a new report; only evohpo's own file names are touched.
    """
    folder = Path(folder)
    for name in (CSV_NAME, BEST_NAME, BEST_MODEL_NAME, GRID_NAME, PREPROCESS_NAME):
        (folder / name).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass  # the user keeps other files there


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a log; a torn last line (a crash mid-write) is dropped."""
    text = Path(path).read_text()
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines = lines[:-1]  # the unfinished row of a killed writer
    parsed = list(csv.reader(lines))
    if not parsed:
        raise EvohpoError(f"{path} is empty; it is not an evohpo results file")
    header, rows = parsed[0], [r for r in parsed[1:] if r]
    rows = [r for r in rows if len(r) == len(header)]
    return header, rows


def repair(path: Path) -> int:
    """Drop a torn last line in place; returns how many intact rows the file holds."""
    header, rows = read_rows(path)
    _atomic_write(Path(path), _to_csv(header, rows))
    return len(rows)


def check_header(path: Path, header: Sequence[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise EvohpoError(
            f"{path} is not an evohpo results file (missing columns: {', '.join(missing)}); "
            "pass the results.csv a campaign wrote"
        )


def read(path: str | os.PathLike):
    """One results CSV -> pandas DataFrame (checked to be an evohpo log)."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise EvohpoError(f"{p} does not exist; pass a results.csv or a folder holding some")
    header, rows = read_rows(p)
    check_header(p, header)
    frame = pd.DataFrame(rows, columns=header).replace("", None)
    numeric = ["seed", "eval_id", "generation", "val_accuracy", "val_loss", "n_layers",
               "learning_rate", "batch_size", "params", "epochs", "train_seconds"]
    numeric += [c for c in header if c.startswith("units_")]
    for c in numeric:
        if c in frame:
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    if "cached" in frame:
        frame["cached"] = frame["cached"].eq("true")
    return frame
