"""The results log: one CSV row per evaluation, its columns, reading and checking it (every
file is written through :mod:`evohpo.files`).

Rows are appended as each evaluation finishes, so a killed campaign never loses a finished
row; each is fsynced at once too (a power cut loses none) unless its evaluation took less
than :data:`SYNC_AFTER` seconds: such rows (a tabular benchmark's lookups, cache hits) are
fsynced together when the batch ends, before the checkpoint that counts them is written, so a
checkpoint on disk never counts a row that is not. Syncing each such row would cost more than
computing it again (an fsync takes ~5 ms here; a lookup 0.1 ms), and a power cut could only
make the resume compute those few again. Rows land in completion order while a campaign runs;
``finalize`` rewrites the file sorted by ``eval_id`` (atomically), so the same seed gives the
same file whatever n_jobs was. Reading checks the file really is an evohpo log and repairs a
torn last line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from . import files
from .errors import EvohpoError
from .objectives import Objective
from .space import Space, config_key
from .strategies.base import Evaluation, Status

CSV_NAME = "results.csv"
BEST_NAME = "best.json"
BEST_MODEL_NAME = "best.keras"
PREPROCESS_NAME = "preprocess.joblib"  # a table task's fitted encoding, for evohpo.predict
GRID_NAME = "grid.json"  # grid size beside a grid run, so a later report can give coverage
SUMMARY_NAME = "summary.csv"
REPORT_NAME = "report.md"
PARETO_NAME = "pareto.csv"  # the front's rows, with several objectives
PARETO_COLUMN = "pareto"  # true on the front's rows; filled when the log is finalised

LEAD_COLUMNS = (
    "campaign", "method", "seed", "eval_id", "generation", "status", "error", "cached",
    "objective",
)
SCORE_COLUMNS = ("val_accuracy", "val_loss")  # a model's, beside the objective's own metric
TAIL_COLUMNS = ("params", "epochs", "train_seconds", "worker", "config")
REQUIRED = ("method", "seed", "eval_id", "status", "objective", "config")
RUN_FACTS = ("run", "task", "kind", "metrics", "run_seconds", "best_eval_id",
             "grid_size")  # analysis adds
VOLATILE = ("train_seconds", "worker")  # differ between identical runs; everything else must not
SPREAD = "_std"  # with cross-validation: a score's spread over the folds, ``val_accuracy_std``
SYNC_AFTER = 0.1  # seconds: a row whose evaluation took longer is fsynced as it is written


Objectives = Objective | tuple[Objective, ...]


def as_tuple(objective: Objectives) -> tuple[Objective, ...]:
    return objective if isinstance(objective, tuple) else (objective,)


def spec(objective: Objectives) -> str:
    """``val_accuracy:max`` or, for several, ``val_accuracy:max,params:min``."""
    return ",".join(o.spec for o in as_tuple(objective))


def metric_columns(objective: Objectives, scores: Sequence[str] = SCORE_COLUMNS) -> list[str]:
    """The objectives' metrics first, then the other scores (once each): validation accuracy
    and loss for a model, a black box's own metrics for a black box."""
    names = [*(o.name for o in as_tuple(objective)), *scores]
    return [n for i, n in enumerate(names) if n not in names[:i] and n not in TAIL_COLUMNS]


def spread_columns(objective: Objectives, scores: Sequence[str] = SCORE_COLUMNS) -> list[str]:
    """With cross-validation, each metric column's spread over the folds (its standard
    deviation, as scikit-learn's ``std_test_score``): ``val_accuracy_std``, ..."""
    return [name + SPREAD for name in metric_columns(objective, scores)]


def columns(space: Space, objective: Objectives, scores: Sequence[str] = SCORE_COLUMNS, *,
            cv: int = 0) -> list[str]:
    """Run info, scores (and with ``cv`` folds their spreads, :func:`spread_columns`), one
    column per gene (flattened: ``layers_1_units``), then the rest and the whole config as
    JSON; a gene or a score that would shadow a column of ours is refused."""
    front = [PARETO_COLUMN] if len(as_tuple(objective)) > 1 else []
    metrics = metric_columns(objective, scores)
    lead = [*LEAD_COLUMNS, *metrics, *(spread_columns(objective, scores) if cv else []), *front]
    reserved = [*LEAD_COLUMNS, *TAIL_COLUMNS, PARETO_COLUMN, *RUN_FACTS]
    taken = [c for c in metrics if c in reserved or c.startswith("best_test_")]
    if taken:
        raise EvohpoError(f"score {taken[0]!r} has the name of a results column; rename it "
                          f"(reserved: {', '.join(reserved)}, best_test_*)")
    reserved = [*LEAD_COLUMNS, *metrics, *front, *TAIL_COLUMNS, PARETO_COLUMN, *RUN_FACTS,
                *spread_columns(objective, scores)]
    clash = [c for c in space.columns if c in reserved or c.startswith("best_test_")]
    if clash:
        raise EvohpoError(f"gene {clash[0]!r} has the name of a results column; rename the gene "
                          f"(reserved: {', '.join(reserved)}, best_test_*)")
    return [*lead, *space.columns, *TAIL_COLUMNS]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):  # also numpy floats, whose repr() is np.float64(...)
        return repr(float(value))
    return str(value)


def row(ev: Evaluation, *, campaign: str, method: str, seed: int, space: Space,
        objective: Objectives, scores: Sequence[str] = SCORE_COLUMNS) -> dict:
    """One CSV row of an evaluation, in the users' terms (accuracy, not the minimised value);
    ``scores``: the score columns beside the objectives (:func:`metric_columns`)."""
    out: dict[str, Any] = {
        "campaign": campaign, "method": method, "seed": seed, "eval_id": ev.eval_id,
        "generation": ev.generation, "status": str(ev.status), "error": ev.error,
        "cached": ev.cached, "objective": spec(objective),
    }
    for name in metric_columns(objective, scores):
        out[name] = ev.scores.get(name)
    for name in spread_columns(objective):  # cross-validated scores only (a CV header's)
        if name in ev.scores:
            out[name] = ev.scores[name]
    out.update(space.flatten(ev.config))
    out.update(params=ev.params, epochs=ev.epochs, train_seconds=round(ev.train_seconds, 3),
               worker=ev.worker, config=config_key(ev.config))
    return out


class ResultsLog:
    """Append-only CSV of evaluations with a fixed header. An existing log's torn last line
    (a writer killed mid-row) is cut just before the first row is appended, not when the
    file is opened: a resume refused for any reason leaves the file as it found it."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = Path(path)
        self.header = list(header)
        self._tail_checked = False
        self._unsynced = False  # rows appended since the last fsync

    @classmethod
    def create(cls, path: Path, header: Sequence[str]) -> ResultsLog:
        log = cls(path, header)
        files.atomic_write(log.path, _to_csv(log.header, []))
        log._tail_checked = True
        return log

    def append(self, record: dict, seconds: float = math.inf) -> None:
        """Append one row; fsync it now if computing it took ``seconds`` >= SYNC_AFTER, else
        with the next :meth:`sync` (see the module docstring)."""
        with files.writing(self.path):
            if not self._tail_checked:
                files.cut_torn_tail(self.path)
                self._tail_checked = True
            now = seconds >= SYNC_AFTER
            files.append(self.path, _to_csv(None, [[_cell(record.get(c)) for c in self.header]]),
                         sync=now)
            self._unsynced = self._unsynced or not now

    def sync(self) -> None:
        """fsync the rows appended without it (at the end of every batch)."""
        if self._unsynced:
            with files.writing(self.path):
                files.sync(self.path)
            self._unsynced = False

    def finalize(self, front: Collection[int] | None = None) -> None:
        """Rewrite sorted by eval_id, atomically: a finished log reads the same for any n_jobs.
        ``front``: the eval_ids of the Pareto front, flagged in the same rewrite."""
        header, rows = read_rows(self.path)
        idx = header.index("eval_id")
        rows.sort(key=lambda r: int(r[idx]))
        if front is not None:
            _flag_front(header, rows, front)
        files.atomic_write(self.path, _to_csv(header, rows))


def _flag_front(header: list[str], rows: list[list[str]], front: Collection[int]) -> None:
    """The ``pareto`` column: true for the front's rows, false for every other row."""
    if PARETO_COLUMN not in header:
        return
    col, idx = header.index(PARETO_COLUMN), header.index("eval_id")
    for r in rows:
        r[col] = _cell(int(r[idx]) in front)


def write_front(csv_path: Path, eval_ids: Sequence[int]) -> Path:
    """The front's rows of a finalised log, in the order given, as pareto.csv beside it."""
    header, rows = read_rows(csv_path)
    idx = header.index("eval_id")
    by_id = {int(r[idx]): r for r in rows}
    path = Path(csv_path).parent / PARETO_NAME
    files.atomic_write(path, _to_csv(header, [by_id[i] for i in eval_ids]))
    return path


def _to_csv(header: Sequence[str] | None, rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_preprocess(out: Path, preprocess: Any) -> None:
    """A table task's fitted preprocessing beside best.keras (a joblib pickle, atomically), so
    ``evohpo predict`` can take raw rows; nothing for tasks without one."""
    if preprocess is None:
        return
    import joblib

    buf = io.BytesIO()
    joblib.dump(preprocess, buf)
    files.atomic_write(Path(out) / PREPROCESS_NAME, buf.getvalue())


def remove_run(folder: Path) -> None:
    """Delete the files a campaign writes in ``folder`` (and the folder, if then empty).

    Used by ``evohpo compare --overwrite`` so an older comparison's extra seeds do not leak
    into a new report; only evohpo's own file names are touched.
    """
    folder = Path(folder)
    for name in (CSV_NAME, BEST_NAME, BEST_MODEL_NAME, GRID_NAME, PARETO_NAME,
                 PREPROCESS_NAME):
        (folder / name).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass  # the user keeps other files there


def written_by_evohpo(path: Path) -> bool:
    """Whether a CSV file starts with evohpo's header (every :data:`REQUIRED` column): only
    such a results.csv is ever continued, replaced or removed."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return all(c in header for c in REQUIRED)


def remove_unstarted(folder: Path) -> bool:
    """Delete a results.csv that evohpo provably wrote and that holds no row, with no
    checkpoint beside it: a start that failed before its first checkpoint (a full disk, an
    unreachable scheduler), so that running the same command again is not refused as
    "already holds a campaign". A file is ours only when it is exactly one line, our header
    (every :data:`REQUIRED` column): any other ``results.csv`` — a user's own, one whose rows
    we cannot parse — is never touched. Only while owning ``folder``, and only for a file
    written while owning it (see :mod:`evohpo.lock`).
    """
    csv_path = Path(folder) / CSV_NAME
    if not csv_path.is_file() or (Path(folder) / files.RESUMABLE_FROM[0]).exists():
        return False
    try:
        lines = csv_path.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if len(lines) != 1 or not written_by_evohpo(csv_path):
        return False
    csv_path.unlink(missing_ok=True)
    return True


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a log; a torn last line (a crash mid-write) is dropped."""
    try:  # utf-8-sig: a spreadsheet that saved the file again put a BOM before the header
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise EvohpoError(f"{path} is not an evohpo results file (not UTF-8 text); pass the "
                          "results.csv a campaign wrote") from None
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
    """How many intact rows the file holds. Nothing is written here: a torn last line is cut
    by the log's first append (:class:`ResultsLog`), so a resume refused after this call
    leaves the file byte for byte as it was (a spreadsheet's BOM and line ends included)."""
    return len(read_rows(path)[1])


def check_header(path: Path, header: Sequence[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise EvohpoError(
            f"{path} is not an evohpo results file (missing columns: {', '.join(missing)}); "
            "pass the results.csv a campaign wrote"
        )


def _num(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def _whole_or_empty(text: str | None) -> int | None:
    return None if text in (None, "") else int(text)


def _config(value: str | None) -> dict:
    config = json.loads(value or "")
    if not isinstance(config, dict):
        raise ValueError(value)
    return config


def _flag(value: str | None) -> bool:
    if value not in ("true", "false"):
        raise ValueError(value)
    return value == "true"


STATUSES = ", ".join(s.value for s in Status)
WHOLE = "a whole number"
SCORE = (_num, "a number or empty")  # a metric column: the objectives', val_accuracy, ...
CELLS: dict[str, tuple[Any, str]] = {  # how each of evohpo's own columns reads back
    "seed": (int, WHOLE),
    "eval_id": (int, WHOLE),
    "generation": (int, WHOLE),
    "status": (Status, f"a status ({STATUSES})"),
    "cached": (_flag, "true or false"),
    "params": (_whole_or_empty, "a whole number or empty"),
    "epochs": (lambda v: int(v or 0), WHOLE),
    "train_seconds": (lambda v: float(v or 0.0), "a number"),
    "config": (_config, "a JSON config object"),
}
RESUME_FIX = ("restore the value evohpo wrote (or delete the row and resume), or start again "
              "with --overwrite")


class Row:
    """One CSV row read cell by cell (:data:`CELLS`, :data:`SCORE`): a value that does not
    parse is one EvohpoError naming the file, the row (from 1) and the column, and ``fix``."""

    def __init__(self, row: dict[str, str], source: str, number: int,
                 fix: str = RESUME_FIX) -> None:
        self.row, self.source, self.number, self.fix = row, source, number, fix

    def get(self, column: str) -> Any:
        convert, what = CELLS.get(column, SCORE)
        value = self.row.get(column)
        try:
            return convert(value)
        except (TypeError, ValueError, json.JSONDecodeError):
            raise EvohpoError(
                f"{self.source}, row {self.number}, column {column}: {value!r} is not {what}; "
                f"{self.fix}"
            ) from None


def check_rows(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Every cell of evohpo's own columns, and of the metric columns each row's objective
    names, reads back (see :class:`Row`): what a report or an analysis then computes with is
    what a campaign wrote, or the hand edit is named."""
    fix = "restore the value evohpo wrote, or delete that row"
    metrics = {n + suffix for n in SCORE_COLUMNS for suffix in ("", SPREAD)}
    for number, cells in enumerate(rows, 1):
        row = dict(zip(header, cells))
        names = {p.split(":")[0].strip() for p in (row.get("objective") or "").split(",")}
        metrics |= {n + suffix for n in names if n and n not in CELLS for suffix in ("", SPREAD)}
        checked = Row(row, str(path), number, fix)
        for column in header:
            if column in CELLS or column in metrics:
                checked.get(column)


def read(path: str | os.PathLike, *, check_cells: bool = False):
    """One results CSV -> pandas DataFrame (checked to be an evohpo log). ``check_cells``
    also reads back every cell of evohpo's own columns (:func:`check_rows`), as a report
    does before it computes anything."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise EvohpoError(f"{p} does not exist; pass a results.csv or a folder holding some")
    header, rows = read_rows(p)
    check_header(p, header)
    if check_cells:
        check_rows(p, header, rows)
    frame = pd.DataFrame(rows, columns=header).replace("", None)
    text = {"campaign", "method", "status", "error", "objective", "worker", "config"}
    for c in frame.columns:
        if c in text:
            continue
        values = frame[c].dropna()
        numbers = pd.to_numeric(values, errors="coerce")
        if len(values) and values.isin(["true", "false"]).all():  # cached, or a Bool gene
            frame[c] = frame[c].map({"true": True, "false": False})
        elif numbers.notna().all():
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    return frame
