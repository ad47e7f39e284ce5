"""A kept battery of hostile inputs (issue 24, "Figures to report"): broken CSVs and arrays,
broken model and space files, bad flags, bad folders, hand-edited results, checkpoints and
models. Each one must be refused the way every evohpo mistake is:

- exit status 2;
- exactly one stderr line starting with ``error:`` (other lines only ``note:``/``warning:``),
  naming the problem (each case checks a fragment of it);
- no traceback, no Python warning shown to the user;
- every file that existed before the call byte-identical afterwards, none deleted;
- before TensorFlow starts or anything trains (both are patched to fail the case).

The CLI runs in-process (``evohpo.cli.main``), so the whole battery takes seconds. Cases that
need a finished campaign (``--resume``, ``report``, ``predict``) share one tiny campaign on a
table, trained once per module and copied per case.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import traceback
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from evohpo.cli import main

pytestmark = pytest.mark.tensorflow

TESTS = Path(__file__).parent
Make = Callable[[Path], list[str]]

# -- files the cases are made of --------------------------------------------------------------


def write(path: Path, data: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return str(path)


def table(n: int = 60, **columns: list) -> str:
    """CSV text of ``n`` rows; by default two numeric features, one text feature, a binary
    target ``y``; keyword columns replace or add columns (a list of ``n`` cells)."""
    cols: dict[str, list] = {
        "a": [round(0.37 * i % 5, 3) for i in range(n)],
        "b": [i % 7 for i in range(n)],
        "c": [("red", "green", "blue")[i % 3] for i in range(n)],
        "y": [("yes", "no")[i % 2] for i in range(n)],
    }
    for name, values in columns.items():
        if values is None:
            cols.pop(name, None)
        else:
            cols[name] = values
    lines = [",".join(cols)]
    lines += [",".join("" if v is None else str(v) for v in row) for row in zip(*cols.values())]
    return "\n".join(lines) + "\n"


def search(*args: str) -> list[str]:
    return ["search", *args]


def csv_task(d: Path, text: str | bytes, target: str = "y", *flags: str) -> list[str]:
    path = write(d / "data.csv", text)
    return search("--task", f"csv:{path}:{target}", "--out", str(d / "out"), *flags)


def npz(path: Path, **arrays) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return str(path)


X4 = np.arange(240, dtype=np.float32).reshape(60, 4) % 11
Y3 = np.arange(60) % 3


def npz_task(d: Path, *flags: str, **arrays) -> list[str]:
    path = npz(d / "arrays.npz", **arrays)
    return search("--task", f"npz:{path}", "--out", str(d / "out"), *flags)


def iris(d: Path, *flags: str) -> list[str]:
    return search("--task", "iris", "--out", str(d / "out"), *flags)


def model_file(d: Path, source: str | bytes, name: str = "build", *flags: str) -> list[str]:
    path = write(d / "mymodel.py", source)
    return iris(d, "--model", f"{path}:{name}", *flags)


GOOD_MODEL = (
    "from evohpo import Int, Space\n"
    "SPACE = Space(units=Int(2, 8))\n"
    "def build(config, task):\n"
    "    raise AssertionError('never built in this battery')\n"
)


def with_space(extra: str, name: str, d: Path) -> list[str]:
    path = write(d / "mymodel.py", GOOD_MODEL + extra)
    return iris(d, "--model", f"{path}:build", "--space", f"{path}:{name}")


def objective_file(d: Path, source: str, name: str) -> list[str]:
    path = write(d / "metrics.py", source)
    return iris(d, "--objective", f"{path}:{name}")


# -- the finished campaign some cases edit ----------------------------------------------------

DATA = table(40, c=None)
RUN_FLAGS = ("--method", "random", "--epochs", "1", "--quiet")


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """One tiny finished campaign on a table (results.csv, checkpoint.json, best.json,
    best.keras, preprocess.joblib); trained once, copied per case."""
    home = tmp_path_factory.mktemp("finished")
    path = write(home / "data.csv", DATA)
    code = main(["search", "--task", f"csv:{path}:y", "--budget", "2", *RUN_FLAGS,
                 "--out", str(home / "run")])
    assert code == 0
    return home


def resume(d: Path, *flags: str) -> list[str]:
    return search("--task", f"csv:{d / 'data.csv'}:y", "--budget", "4", *RUN_FLAGS,
                  "--out", str(d / "run"), "--resume", *flags)


def report(d: Path, *flags: str) -> list[str]:
    return ["report", str(d / "run"), "--out", str(d / "report"), *flags]


def predict(d: Path, *flags: str) -> list[str]:
    return ["predict", "--model", str(d / "run"), *flags]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text[:300])
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_json(path: Path, change: Callable[[dict], object]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def ckpt(d: Path) -> Path:
    return d / "run" / "checkpoint.json"


def results_csv(d: Path) -> Path:
    return d / "run" / "results.csv"


def set_cell(d: Path, column: str, value: str, row: int = 0) -> None:
    """One cell of results.csv, edited as a spreadsheet user would."""
    import csv

    path = results_csv(d)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    rows[row + 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue())


def drop_column(d: Path, column: str) -> None:
    import csv

    path = results_csv(d)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    i = rows[0].index(column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
    path.write_text(buf.getvalue())


def array_campaign(d: Path) -> None:
    """The finished campaign's folder turned into an array campaign's (inputs of shape (4,)):
    only its preprocess.joblib differs, and predict checks inputs before loading the model."""
    import joblib

    from evohpo.tasks.arrays import ArrayScaling

    scaling = ArrayScaling("multiclass", (4,), np.zeros(4, np.float32), np.ones(4, np.float32),
                           (0, 1, 2))
    joblib.dump(scaling, d / "run" / "preprocess.joblib")


# -- the cases ---------------------------------------------------------------------------------
# (id, how to make the files and the command line, a fragment the error line must hold,
#  whether the case needs the finished campaign, whether it takes more than about 3 s)

CASES: list = []


def case(id: str, make: Make, fragment: str, *, run: bool = False, slow: bool = False) -> None:
    CASES.append(pytest.param(make, fragment, run, id=id, marks=[pytest.mark.slow] if slow else []))


WIDE = table(60, **{f"f{i}": [(i * j) % 13 for j in range(60)] for i in range(2000)})

# CSV files
case("csv-empty-file", lambda d: csv_task(d, ""), "is empty")
case("csv-whitespace-only", lambda d: csv_task(d, " \n\n  \n"), "is empty")
case("csv-header-only", lambda d: csv_task(d, "a,b,y\n"), "no data rows")
case("csv-header-only-bom", lambda d: csv_task(d, "\ufeffa,b,y\n"), "no data rows")
case("csv-bom-then-wrong-target", lambda d: csv_task(d, "\ufeff" + table(), "label"),
     "has no column 'label'; its columns are: a, b, c, y")
case("csv-unclosed-quote", lambda d: csv_task(d, 'a,b,y\n1,"2,yes\n3,4,no\n' * 5),
     "check its delimiter and quoting")
case("csv-ragged-rows", lambda d: csv_task(d, table() + "1,2,red,yes,5,6\n"),
     "check its delimiter and quoting")
case("csv-duplicate-columns", lambda d: csv_task(d, table().replace("a,b,c,y", "a,a,c,y", 1)),
     "column names repeat (a)")
case("csv-duplicate-target-column", lambda d: csv_task(
    d, table().replace("a,b,c,y", "y,b,c,y", 1)), "column names repeat (y)")
case("csv-target-empty-everywhere", lambda d: csv_task(d, table(y=[None] * 60)),
     "target 'y' is empty in every row")
case("csv-target-empty-everywhere-impute", lambda d: csv_task(
    d, table(y=[None] * 60), "y", "--impute", "median"), "target 'y' is empty in every row")
case("csv-target-na-strings", lambda d: csv_task(d, table(y=["NA", "NaN", "null"] * 20)),
     "target 'y' is empty in every row")
case("csv-one-class", lambda d: csv_task(d, table(y=["yes"] * 60)), "holds one value ('yes')")
case("csv-one-number", lambda d: csv_task(d, table(y=[1] * 60)), "holds one value (1)")
case("csv-one-class-after-drop", lambda d: csv_task(
    d, table(y=["yes" if i % 2 else None for i in range(60)]), "y", "--impute", "drop"),
    "holds one value ('yes')")
case("csv-text-target-kind-regression", lambda d: csv_task(d, table(), "y", "--kind",
                                                           "regression"),
     "kind is regression but target 'y' holds labels")
case("csv-kind-binary-three-classes", lambda d: csv_task(d, table(), "c", "--kind", "binary"),
     "kind is binary but target 'c' has 3 classes")
case("csv-inf-in-feature", lambda d: csv_task(d, table(a=[1.5] * 59 + ["inf"])),
     "column 'a' holds infinite values")
case("csv-minus-inf-in-feature", lambda d: csv_task(d, table(b=["-inf"] + list(range(59)))),
     "column 'b' holds infinite values")
case("csv-inf-in-regression-target", lambda d: csv_task(
    d, table(y=[i + 0.5 for i in range(59)] + ["inf"])), "target 'y' holds infinite values")
case("csv-2000-columns-resume-elsewhere", lambda d: [
    *csv_task(d, WIDE)[:3], "--method", "random", "--epochs", "1", "--budget", "4",
    "--out", str(d / "run"), "--resume"], "its task data differ", run=True, slow=True)
case("csv-huge-ids", lambda d: csv_task(d, table(a=[10**30 + 7919 * i for i in range(60)])),
     "column 'a' has a different value in every row")
case("csv-text-ids", lambda d: csv_task(d, table(c=[f"user_{i}" for i in range(60)])),
     "column 'c' has a different value in every row")
case("csv-mostly-distinct-text", lambda d: csv_task(
    d, table(200, c=[f"id{i // 2 if i < 40 else i}" for i in range(200)],
             y=[("yes", "no")[i % 2] for i in range(200)])),
    "text column 'c' has 180 distinct values in 200 rows")
case("csv-dates-unique", lambda d: csv_task(
    d, table(c=[f"2021-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(60)])),
    "column 'c' holds dates or times")
case("csv-dates-repeated", lambda d: csv_task(
    d, table(c=[f"2021-01-{1 + i % 5:02d}" for i in range(60)])),
    "column 'c' holds dates or times")
case("csv-datetimes", lambda d: csv_task(
    d, table(c=[f"2021-03-04 {i % 24:02d}:15:00" for i in range(60)])),
    "column 'c' holds dates or times")
case("csv-slash-dates", lambda d: csv_task(
    d, table(c=[f"{1 + i % 12}/{1 + i % 28}/2020" for i in range(60)])),
    "column 'c' holds dates or times")
case("csv-clock-times", lambda d: csv_task(d, table(c=[f"{i % 24}:30" for i in range(60)])),
     "column 'c' holds dates or times")
case("csv-path-is-a-folder", lambda d: search("--task", f"csv:{d}:y", "--out", str(d / "o")),
     "is a folder, not a CSV file")
case("csv-missing-file", lambda d: search("--task", f"csv:{d / 'nope.csv'}:y"),
     "does not exist")
case("csv-no-target-part", lambda d: search("--task", f"csv:{write(d / 'x.csv', table())}"),
     "write a CSV task as csv:PATH:TARGET_COLUMN")
case("csv-empty-target-name", lambda d: csv_task(d, table(), ""),
     "write a CSV task as csv:PATH:TARGET_COLUMN")
case("csv-target-not-there", lambda d: csv_task(d, table(), "label"),
     "has no column 'label'")
case("csv-target-wrong-case", lambda d: csv_task(d, table(), "Y"), "has no column 'Y'")
case("csv-too-few-rows", lambda d: csv_task(d, table(6)), "has 6 usable row(s)")
case("csv-rare-class", lambda d: csv_task(d, table(y=["yes", "no"] * 29 + ["no", "maybe"])),
     "a class has only 1 row(s)")
case("csv-missing-values", lambda d: csv_task(d, table(a=[None, *range(59)])),
     "has missing values in a (1 row)")
case("csv-only-the-target", lambda d: csv_task(d, table(a=None, b=None, c=None)),
     "has no feature columns besides the target 'y'")
case("csv-every-feature-empty", lambda d: csv_task(
    d, table(a=[None] * 60, b=[None] * 60, c=[None] * 60)),
    "has no feature columns besides the target 'y'")
case("csv-header-line-missing", lambda d: csv_task(
    d, "\n".join(f"{i},{i % 3},{i % 2}" for i in range(60)) + "\n"),
    "the first line looks like data")
case("csv-nul-bytes", lambda d: csv_task(d, table().replace("green", "gr\x00een").encode()),
     "holds NUL bytes")
case("csv-utf16", lambda d: csv_task(d, table().encode("utf-16")), "holds NUL bytes")
case("csv-xlsx-renamed", lambda d: csv_task(d, b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256))),
     "holds NUL bytes")
case("csv-gzip", lambda d: csv_task(d, __import__("gzip").compress(table().encode())),
     "holds NUL bytes")
case("csv-unnamed-middle-column", lambda d: csv_task(d, table().replace("a,b,c,y", "a,,c,y", 1)),
     "column 2 has no name")
case("csv-question-marks-in-target", lambda d: csv_task(d, table(y=[1.5 * i for i in range(59)]
                                                                 + ["?"])),
     "a class has only 1 row(s)")
case("csv-impute-on-builtin", lambda d: iris(d, "--impute", "mean"),
     "impute=mean is for csv:PATH:TARGET tasks")
case("csv-kind-on-builtin", lambda d: iris(d, "--kind", "binary"),
     "kind=binary is for csv:PATH:TARGET tasks")
case("csv-impute-unknown", lambda d: csv_task(d, table(), "y", "--impute", "zero"),
     "argument --impute: invalid choice: 'zero'")

# npz arrays
case("npz-missing-file", lambda d: search("--task", f"npz:{d / 'nope.npz'}"), "does not exist")
case("npz-folder", lambda d: search("--task", f"npz:{d}"), "is a folder")
case("npz-empty-path", lambda d: search("--task", "npz:"), "write an array task as npz:PATH")
case("npz-text-file", lambda d: search("--task", "npz:" + write(d / "a.npz", "x_train,y\n")),
     "is not a readable .npz file of arrays (numpy.savez writes a zip archive")
case("npz-empty-file", lambda d: search("--task", f"npz:{write(d / 'a.npz', b'')}"),
     "a.npz is empty, not a readable .npz file of arrays")


def _truncated_npz(d: Path) -> list[str]:
    full = io.BytesIO()
    np.savez(full, x_train=X4, y_train=Y3)
    return search("--task", f"npz:{write(d / 'a.npz', full.getvalue()[:300])}")


case("npz-truncated", _truncated_npz, "is not a readable .npz file of arrays")
case("npz-no-x_train", lambda d: npz_task(d, y_train=Y3), "it needs x_train and y_train")
case("npz-no-y_train", lambda d: npz_task(d, x_train=X4), "it needs x_train and y_train")
case("npz-x_val-alone", lambda d: npz_task(d, x_train=X4, y_train=Y3, x_val=X4),
     "holds x_val without y_val")
case("npz-y_test-alone", lambda d: npz_task(d, x_train=X4, y_train=Y3, y_test=Y3),
     "holds y_test without x_test")
case("npz-train-lengths-differ", lambda d: npz_task(d, x_train=X4, y_train=Y3[:50]),
     "x_train has 60 rows but y_train has 50")
case("npz-val-lengths-differ", lambda d: npz_task(d, x_train=X4, y_train=Y3, x_val=X4,
                                                  y_val=Y3[:7]),
     "x_val has 60 rows but y_val has 7")
case("npz-val-shape-differs", lambda d: npz_task(d, x_train=X4, y_train=Y3, x_val=X4[:, :3],
                                                 y_val=Y3), "x_val inputs have shape (3,)")
case("npz-object-x", lambda d: npz_task(d, x_train=np.array([{"a": 1}] * 60, dtype=object),
                                        y_train=Y3), "pickled Python objects")
case("npz-object-y", lambda d: npz_task(d, x_train=X4, y_train=np.array([None] * 60)),
     "pickled Python objects")
case("npz-text-x", lambda d: npz_task(d, x_train=np.array(["a"] * 60), y_train=Y3),
     "x_train are not numbers (dtype <U1)")
case("npz-text-y-kind-regression", lambda d: npz_task(
    d, "--kind", "regression", x_train=X4, y_train=np.array(["a", "b", "c"] * 20)),
    "kind regression but y_train holds labels such as 'a'")
case("npz-nan-pixels", lambda d: npz_task(d, x_train=np.where(X4 > 9, np.nan, X4),
                                          y_train=Y3), "x_train hold 21 NaN or infinite values")
case("npz-inf-pixels", lambda d: npz_task(d, x_train=np.where(X4 > 9, np.inf, X4),
                                          y_train=Y3), "x_train hold 21 NaN or infinite values")
case("npz-nan-in-x_test", lambda d: npz_task(d, x_train=X4, y_train=Y3,
                                             x_test=np.full((9, 4), np.nan), y_test=Y3[:9]),
     "x_test hold 36 NaN or infinite values")
case("npz-zero-rows", lambda d: npz_task(d, x_train=X4[:0], y_train=Y3[:0]),
     "x_train has no rows")
case("npz-zero-features", lambda d: npz_task(d, x_train=np.zeros((60, 0)), y_train=Y3),
     "inputs of shape (0,) hold no values")
case("npz-one-class", lambda d: npz_task(d, x_train=X4, y_train=np.zeros(60)),
     "the labels have 1 distinct value")
case("npz-nan-labels", lambda d: npz_task(d, x_train=X4, y_train=np.where(Y3 == 1, np.nan, Y3)),
     "labels hold NaN or infinite values")
case("npz-nan-regression-target", lambda d: npz_task(
    d, x_train=X4, y_train=np.r_[np.linspace(0.5, 9.5, 59), np.nan]),
    "y_train holds NaN or infinite values")
case("npz-inf-regression-target", lambda d: npz_task(
    d, "--kind", "regression", x_train=X4, y_train=np.r_[np.arange(59.0), np.inf]),
    "y_train holds NaN or infinite values")
case("npz-one-hot-labels", lambda d: npz_task(d, x_train=X4, y_train=np.eye(3)[Y3]),
     "y_train has shape (60, 3)")
case("npz-labels-3d", lambda d: npz_task(d, x_train=X4, y_train=np.zeros((60, 2, 2))),
     "y_train has shape (60, 2, 2)")
case("npz-complex-x", lambda d: npz_task(d, x_train=X4 + 1j, y_train=Y3),
     "x_train are not numbers (dtype complex64)")
case("npz-datetime-x", lambda d: npz_task(
    d, x_train=np.array(["2021-01-01"] * 60, dtype="datetime64[D]"), y_train=Y3),
    "x_train are not numbers (dtype datetime64[D])")
case("npz-scalar-x", lambda d: npz_task(d, x_train=np.float32(3), y_train=Y3),
     "x_train is a single value, not an array of rows")
case("npz-scalar-y", lambda d: npz_task(d, x_train=X4, y_train=np.int64(1)),
     "y_train is a single value, not an array of rows")


def _npy_file(d: Path) -> list[str]:
    path = d / "arrays.npy"
    np.save(path, X4)
    return search("--task", f"npz:{path}")


case("npz-given-a-npy-file", _npy_file, "is one .npy array, not an .npz file")
case("npz-raw-pickle", lambda d: search("--task", "npz:" + write(
    d / "a.npz", pickle.dumps({"x_train": X4, "y_train": Y3}))), "pickled Python objects")
case("npz-too-few-rows", lambda d: npz_task(d, x_train=X4[:3], y_train=Y3[:3]),
     "x_train has 3 rows, too few to carve")
case("npz-impute", lambda d: npz_task(d, "--impute", "mean", x_train=X4, y_train=Y3),
     "--impute is for csv:PATH:TARGET tasks")
case("npz-kind-binary-three-classes", lambda d: npz_task(d, "--kind", "binary", x_train=X4,
                                                         y_train=Y3),
     "kind binary but the labels have 3 distinct values")

# model files and spaces
case("model-syntax-error", lambda d: model_file(d, "def build(config, task)\n    pass\n"),
     "SyntaxError")
case("model-missing-file", lambda d: iris(d, "--model", f"{d / 'nope.py'}:build"),
     "does not exist")
case("model-is-a-folder", lambda d: iris(d, "--model", f"{d}/sub.py:build")
     if (d / "sub.py").mkdir() is None else [], "is a folder, not a file")
case("model-name-missing", lambda d: model_file(d, GOOD_MODEL, "buidl"), "has no 'buidl'")
case("model-not-callable", lambda d: model_file(d, GOOD_MODEL + "SIZE = 3\n", "SIZE"),
     "SIZE is an int, not a build function")
case("model-is-the-space", lambda d: model_file(d, GOOD_MODEL, "SPACE"),
     "SPACE is a Space, not a build function")
case("model-raises-at-import", lambda d: model_file(
    d, "raise RuntimeError('no GPU here')\n"), "RuntimeError: no GPU here")
case("model-imports-missing-package", lambda d: model_file(
    d, "import no_such_package_xyz\n" + GOOD_MODEL), "ModuleNotFoundError")
case("model-exits-at-import", lambda d: model_file(d, "import sys\nsys.exit(1)\n" + GOOD_MODEL),
     "called sys.exit")
case("model-no-colon", lambda d: iris(d, "--model", write(d / "m.py", GOOD_MODEL)),
     "--model takes MODULE:NAME or FILE.py:NAME")
case("model-empty-name", lambda d: iris(d, "--model", write(d / "m.py", GOOD_MODEL) + ":"),
     "--model takes MODULE:NAME or FILE.py:NAME")
case("model-empty-file-part", lambda d: iris(d, "--model", ":build"),
     "--model takes MODULE:NAME or FILE.py:NAME")
case("model-unknown-module", lambda d: iris(d, "--model", "no_such_module_xyz:build"),
     "cannot import no_such_module_xyz")
case("model-latin1-bytes", lambda d: model_file(d, "NAME = 'caf\xe9'\n".encode("latin-1")
                                                + GOOD_MODEL.encode()), "SyntaxError")
case("model-nul-bytes", lambda d: model_file(d, GOOD_MODEL.encode() + b"\x00\n"), "fix the file")
case("space-default-missing", lambda d: model_file(
    d, "def build(config, task):\n    pass\n"), "has no 'SPACE'")
case("space-a-dict", lambda d: with_space("NOT = {'units': [2, 8]}\n", "NOT", d),
     "is a dict, not an evohpo.Space")
case("space-function-raises", lambda d: with_space(
    "def make():\n    raise ValueError('bad bounds')\n", "make", d),
    "ValueError: bad bounds")
case("space-function-needs-arguments", lambda d: with_space(
    "def make(low, high):\n    return SPACE\n", "make", d), "TypeError")
case("space-function-returns-a-dict", lambda d: with_space(
    "def make():\n    return {}\n", "make", d), "returned a dict, not an evohpo.Space")
case("space-empty", lambda d: with_space("from evohpo import Space as S\nEMPTY = S()\n",
                                         "EMPTY", d), "no genes")
case("space-missing-file", lambda d: iris(d, "--model", write(d / "m.py", GOOD_MODEL) + ":build",
                                          "--space", f"{d / 'nope.py'}:SPACE"),
     "does not exist")
case("fit-not-callable", lambda d: iris(d, "--model", write(d / "m.py", GOOD_MODEL) + ":build",
                                        "--fit", f"{d / 'm.py'}:SPACE"),
     "SPACE is a Space, not a function (config, task) -> dict")
case("fit-name-missing", lambda d: iris(d, "--model", write(d / "m.py", GOOD_MODEL) + ":build",
                                        "--fit", f"{d / 'm.py'}:fit"), "has no 'fit'")
case("space-without-model", lambda d: iris(d, "--space", f"{write(d / 'm.py', GOOD_MODEL)}:SPACE"),
     "--space and --fit go with --model")
case("fit-without-model", lambda d: iris(d, "--fit", f"{write(d / 'm.py', GOOD_MODEL)}:build"),
     "--space and --fit go with --model")
case("mlp-flag-with-model", lambda d: model_file(d, GOOD_MODEL, "build", "--units", "4,8"),
     "--units is a flag of the built-in MLP")
case("objective-file-a-function", lambda d: objective_file(
    d, "def recall(model, task):\n    return 1.0\n", "recall"), "is a function, not an Objective")
case("objective-file-missing", lambda d: iris(d, "--objective", f"{d / 'nope.py'}:RECALL"),
     "does not exist")
case("objective-file-name-missing", lambda d: objective_file(d, "X = 1\n", "RECALL"),
     "has no 'RECALL'")
case("objective-file-syntax-error", lambda d: objective_file(d, "def (:\n", "RECALL"),
     "SyntaxError")
case("objective-direction", lambda d: iris(d, "--objective", "val_accuracy:up"),
     "neither max nor min")
case("objective-scale", lambda d: iris(d, "--objective", "val_accuracy:max:sqrt"),
     "neither linear nor log")
case("objective-too-many-parts", lambda d: iris(d, "--objective", "val_accuracy:max:log:x"),
     "too many parts")
case("objective-only-commas", lambda d: iris(d, "--objective", ",,"),
     "--objective lists no metric")
case("objective-no-name", lambda d: iris(d, "--objective", ":max"), "has no metric name")
case("objective-twice", lambda d: iris(d, "--method", "nsga2", "--objectives",
                                       "val_loss,val_loss"), "is given twice")
case("objective-misspelled-mlp", lambda d: iris(d, "--objective", "val_acuracy"),
     "the built-in MLP reports no 'val_acuracy'")
case("objective-accuracy-for-regression-mlp", lambda d: search(
    "--task", "diabetes", "--objective", "val_accuracy", "--out", str(d / "o")),
    "the built-in MLP reports no 'val_accuracy'")
case("objective-two-for-ga", lambda d: iris(d, "--objectives", "val_accuracy,params:min"),
     "ga optimises one objective")
case("objective-one-for-nsga2", lambda d: iris(d, "--method", "nsga2"),
     "nsga2 needs two or more objectives")

# flags: every numeric flag negative, zero and not a number; unknown names; conflicts
for flag, bad in [("--budget", ["0", "-1", "abc", "2.5"]), ("--seed", ["-1", "x", "1e3"]),
                  ("--n-jobs", ["0", "-2", "many"]), ("--epochs", ["0", "-3", "ten"]),
                  ("--population", ["0", "-4", "big"]), ("--levels", ["0", "-1", "three"]),
                  ("--time-limit", ["0", "-5", "soon", "nan"])]:
    for value in bad:
        case(f"flag{flag}={value}", lambda d, f=flag, v=value: iris(d, f"{f}={v}"),
             f"argument {flag}: ")
case("flag-population-1-ga", lambda d: iris(d, "--population", "1"),
     "--population must be a whole number >= 2")
case("flag-population-3-nsga2", lambda d: iris(d, "--method", "nsga2", "--population", "3",
                                               "--objectives", "val_accuracy,params:min"),
     "--population must be a whole number >= 4 for nsga2")
for flag, values, fragment in [
    ("--layers", "3,1", "--layers min 3 is greater than max 1"),
    ("--layers", "1,2,3", "--layers must be a (min, max) pair"),
    ("--layers", "a,b", "expected whole numbers"),
    ("--units", "0,8", "--units must be >= 1"),
    ("--units", "8,4", "--units min 8 is greater than max 4"),
    ("--units", "4.5,8", "expected whole numbers"),
    ("--learning-rate", "0,0.1", "--learning-rate must be > 0"),
    ("--learning-rate", "nan,0.1", "--learning-rate bounds must be finite numbers"),
    ("--learning-rate", "1e-3,inf", "--learning-rate bounds must be finite numbers"),
    ("--learning-rate", "0.1,0.01", "--learning-rate min 0.1 is greater than max 0.01"),
    ("--learning-rate", "fast", "expected numbers"),
    ("--batch-sizes", "0,32", "--batch-sizes must be whole numbers >= 1"),
    ("--batch-sizes", "-32", "--batch-sizes must be whole numbers >= 1"),
    ("--dropout", "0,1.5", "--dropout must lie in [0, 1)"),
    ("--dropout", "-0.1,0.5", "--dropout must lie in [0, 1)"),
    ("--momentum", "0,1.5", "--momentum must lie in [0, 1)"),
    ("--weight-decay", "0,0.1", "--weight-decay must be > 0"),
    ("--patience", "0,3", "--patience must be >= 1"),
    ("--activations", "relu,nope", "unknown activation 'nope'"),
    ("--activations", ",", "--activations is empty"),
    ("--activations", "relu,relu", "--activations lists a value twice"),
    ("--optimizers", "adamw2", "unknown optimizer 'adamw2'"),
    ("--initializers", "zeros2", "unknown initializer 'zeros2'"),
    ("--lr-schedules", "cyclic", "unknown lr_schedule 'cyclic'"),
]:
    case(f"flag{flag}={values}", lambda d, f=flag, v=values: iris(d, f"{f}={v}"), fragment)
case("flag-momentum-without-sgd", lambda d: iris(d, "--momentum", "0,0.9", "--optimizers",
                                                 "adam"), "--momentum only applies to sgd")
case("flag-nesterov-without-sgd", lambda d: iris(d, "--nesterov", "--optimizers", "adam"),
     "--nesterov only applies to sgd")
case("flag-method-unknown", lambda d: iris(d, "--method", "pso"), "unknown method 'pso'")
case("flag-backend-unknown", lambda d: iris(d, "--backend", "spark"),
     "unknown backend 'spark'")
case("flag-engine-unknown", lambda d: iris(d, "--engine", "turbo"),
     "argument --engine: invalid choice")
case("flag-kind-unknown", lambda d: iris(d, "--kind", "ordinal"),
     "argument --kind: invalid choice")
case("flag-task-unknown", lambda d: search("--task", "imagenet"), "unknown task 'imagenet'")
case("flag-resume-and-overwrite", lambda d: iris(d, "--resume", "--overwrite"),
     "--resume and --overwrite exclude each other")
case("flag-scheduler-with-loky", lambda d: iris(d, "--scheduler", "tcp://127.0.0.1:1"),
     "--scheduler is for --backend dask or ray")
case("flag-misspelled", lambda d: iris(d, "--budgett", "4"), "unrecognized arguments: --budgett")
case("flag-task-missing", lambda d: search("--budget", "4"), "give what to evaluate: --task")
case("flag-no-command", lambda d: [], "required: command")
case("flag-unknown-command", lambda d: ["serach", "--task", "iris"], "invalid choice: 'serach'")
for args, fragment in [
    (["--seeds", "0"], "argument --seeds: "), (["--methods", "ga,pso"], "unknown method 'pso'"),
    (["--methods", "ga,ga"], "method 'ga' is listed twice"), (["--budget", "0"], "--budget"),
    (["--n-jobs", "0"], "argument --n-jobs: "), (["--backend", "spark"], "unknown backend"),
    (["--objective", "val_acuracy"], "the built-in MLP reports no 'val_acuracy'"),
    (["--epochs", "-1"], "argument --epochs: "),
]:
    case(f"compare{'='.join(args)}", lambda d, a=args: [
        "compare", "--task", "iris", "--out", str(d / "cmp"), *a], fragment)
for args, fragment in [
    (["--seeds", "0"], "argument --seeds: "), (["--budget", "0"], "argument --budget: "),
    (["--compare-sgd", "-1"], "argument --compare-sgd: "),
    (["--sgd-epochs", "0"], "argument --sgd-epochs: "),
    (["--first-seed", "-1"], "argument --first-seed: "),
    (["--mse-target", "-1"], "argument --mse-target: "),
    (["--mse-target", "nan"], "argument --mse-target: "),
    (["--hidden", "0"], "--hidden '0' is not a list of positive widths"),
    (["--hidden", "a,b"], "--hidden 'a,b' is not a list of positive widths"),
    (["--activation", "relu,tanh"], "--activation has 2 names for 1 hidden layer; give one name"),
    (["--task", "diabetes"], "regression"),
    (["--task", "imagenet"], "unknown task 'imagenet'"),
    (["--save-model", "net.h5"], "must end in .keras"),
]:
    case(f"weights{'='.join(args)}", lambda d, a=args: ["weights", "--seeds", "1", "--budget",
                                                       "10", *a], fragment)
case("weights-save-model-under-a-file", lambda d: [
    "weights", "--seeds", "1", "--budget", "10", "--save-model",
    f"{write(d / 'f.txt', 'x')}/net.keras"], "is a file, not a folder")

# folders
case("out-is-a-file", lambda d: iris(d)[:-1] + [write(d / "out", "my notes\n")],
     "out is a file, not a folder; give --out a folder")
case("out-under-a-file", lambda d: iris(d)[:-1] + [write(d / "f", "x") + "/run"],
     "is a file, not a folder")
case("out-unwritable", lambda d: iris(d)[:-1] + [_unwritable(d)], "cannot write to output folder")
case("out-foreign-results-csv", lambda d: iris(d) if write(
    d / "out" / "results.csv", "name,score\nada,3\n") else [], "evohpo did not write")
case("out-foreign-results-csv-resume", lambda d: iris(d, "--resume") if write(
    d / "out" / "results.csv", "name,score\nada,3\n") else [], "evohpo did not write")
case("out-foreign-results-csv-overwrite", lambda d: iris(d, "--overwrite") if write(
    d / "out" / "results.csv", "name,score\nada,3\n") else [], "evohpo did not write")
case("out-our-header-no-checkpoint", lambda d: iris(d) if write(
    d / "out" / "results.csv", "campaign,method,seed,eval_id,generation,status,error,cached,"
    "objective,config\n") else [], "--overwrite")
case("out-holds-a-campaign", lambda d: resume(d)[:-1], "already holds a campaign", run=True)
case("out-resume-empty-folder", lambda d: iris(d, "--resume") if (d / "out").mkdir() is None
     else [], "nothing to resume")
case("out-resume-no-folder", lambda d: iris(d, "--resume"), "nothing to resume")
case("report-out-is-a-file", lambda d: report(d)[:-1] + [write(d / "rep.md", "x")],
     "is a file, not a folder", run=True)
case("report-out-holds-a-report", lambda d: report(d) if write(
    d / "report" / "report.md", "my notes\n") else [], "already holds report.md", run=True)
case("predict-out-is-a-folder", lambda d: predict(d, "--csv", str(d / "data.csv"), "--out",
                                                  str(d)), "is a folder", run=True)
case("predict-out-under-a-file", lambda d: predict(
    d, "--csv", str(d / "data.csv"), "--out", str(d / "data.csv" / "p.csv")),
    "is a file, not a folder", run=True)
case("compare-out-is-a-file", lambda d: ["compare", "--task", "iris", "--out",
                                         write(d / "cmp", "x")], "is a file; choose a folder")

# hand-edited files: --resume
for id, change, fragment in [
    ("truncated", lambda p: p.write_text(p.read_text()[:200]), "corrupted checkpoint"),
    ("empty", lambda p: p.write_text(""), "corrupted checkpoint"),
    ("bom-and-truncated", lambda p: p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes()[:100]),
     "corrupted checkpoint"),
    ("a-list", lambda p: p.write_text("[1, 2]"), "not an evohpo v2 checkpoint"),
    ("latin1", lambda p: p.write_bytes(b"{\"method\": \"caf\xe9\"}"), "corrupted checkpoint"),
    ("a-folder", lambda p: (p.unlink(), p.mkdir()), "is a folder"),
    ("n_evals-text", lambda p: edit(p, '"n_evals": 2', '"n_evals": "two"'), "n_evals is 'two'"),
    ("n_evals-negative", lambda p: edit(p, '"n_evals": 2', '"n_evals": -1'), "n_evals is -1"),
    ("n_evals-fraction", lambda p: edit(p, '"n_evals": 2', '"n_evals": 1.5'), "n_evals is 1.5"),
    ("n_evals-null", lambda p: edit(p, '"n_evals": 2', '"n_evals": null'), "n_evals is None"),
    ("n_evals-too-many", lambda p: edit(p, '"n_evals": 2', '"n_evals": 9'),
     "lacks rows the checkpoint counts (2 of 9)"),
    ("epochs-text", lambda p: edit(p, '"epochs": 1', '"epochs": "1"'), "epochs is '1'"),
    ("no-strategy", lambda p: edit_json(p, lambda c: c.pop("strategy")),
     "not an evohpo v2 checkpoint"),
    ("strategy-text", lambda p: edit_json(p, lambda c: c.update(strategy="x")),
     "strategy state"),
    ("strategy-wrong-types", lambda p: edit_json(
        p, lambda c: c["strategy"].update({k: "x" for k in c["strategy"]})), "strategy state"),
    ("strategy-emptied", lambda p: edit_json(p, lambda c: c.update(strategy={})),
     "strategy state"),
    ("version-1", lambda p: edit(p, '"evohpo_checkpoint": 2', '"evohpo_checkpoint": 1'),
     "not an evohpo v2 checkpoint"),
    ("space-edited", lambda p: edit_json(p, lambda c: c["columns"].reverse()),
     "another search space"),
    ("seed-changed", lambda p: edit(p, '"seed": 0', '"seed": 5'), "seed=5, not 0"),
    ("method-number", lambda p: edit(p, '"method": "random"', '"method": 5'),
     "method=5, not 'random'"),
    ("objective-changed", lambda p: edit(p, '"val_accuracy:max"', '"val_loss:min"'),
     "objective='val_loss:min'"),
    ("engine-unknown", lambda p: edit_json(p, lambda c: c.update(engine="warp")),
     "engine='warp'"),
    ("fingerprint", lambda p: edit_json(p, lambda c: c.update(task_fingerprint="0" * 16)),
     "its task data differ"),
    ("population-setting", lambda p: edit_json(p, lambda c: c["settings"].update(batch=99)),
     "--population"),
    ("time-limit-setting", lambda p: edit_json(p, lambda c: c["settings"].update(time_limit=9)),
     "--time-limit"),
]:
    case(f"edit-checkpoint-{id}", lambda d, c=change: (c(ckpt(d)), resume(d))[1], fragment,
         run=True)
for id, change, fragment in [
    ("status-unknown", lambda d: set_cell(d, "status", "okay"), "row 1, column status: 'okay'"),
    ("cached-maybe", lambda d: set_cell(d, "cached", "maybe"), "row 1, column cached: 'maybe'"),
    ("score-text", lambda d: set_cell(d, "val_accuracy", "high"),
     "row 1, column val_accuracy: 'high' is not a number"),
    ("eval_id-text", lambda d: set_cell(d, "eval_id", "first"), "column eval_id: 'first'"),
    ("eval_id-fraction", lambda d: set_cell(d, "eval_id", "0.5"), "column eval_id: '0.5'"),
    ("generation-empty", lambda d: set_cell(d, "generation", ""), "column generation: ''"),
    ("config-not-json", lambda d: set_cell(d, "config", "{units: 4"), "column config:"),
    ("config-a-list", lambda d: set_cell(d, "config", "[1, 2]"), "column config: '[1, 2]'"),
    ("params-fraction", lambda d: set_cell(d, "params", "12.5"), "column params: '12.5'"),
    ("epochs-text", lambda d: set_cell(d, "epochs", "one"), "column epochs: 'one'"),
    ("train_seconds-text", lambda d: set_cell(d, "train_seconds", "fast"),
     "column train_seconds: 'fast'"),
    ("second-row", lambda d: set_cell(d, "status", "done", row=1), "row 2, column status"),
    ("no-config-column", lambda d: drop_column(d, "config"), "missing columns: config"),
    ("no-status-column", lambda d: drop_column(d, "status"), "missing columns: status"),
    ("header-only", lambda d: results_csv(d).write_text(
        results_csv(d).read_text().splitlines()[0] + "\n"), "lacks rows"),
    ("deleted", lambda d: results_csv(d).unlink(), "results.csv is missing"),
    ("a-folder", lambda d: (results_csv(d).unlink(), results_csv(d).mkdir()),
     "results.csv is missing"),
    ("bom-and-bad-status", lambda d: (set_cell(d, "status", "okay"), results_csv(d).write_bytes(
        b"\xef\xbb\xbf" + results_csv(d).read_bytes())), "row 1, column status: 'okay'"),
    ("crlf-and-bad-status", lambda d: (set_cell(d, "status", "okay"), results_csv(d).write_bytes(
        results_csv(d).read_bytes().replace(b"\n", b"\r\n"))), "row 1, column status: 'okay'"),
    ("latin1", lambda d: results_csv(d).write_bytes(
        results_csv(d).read_bytes().replace(b"random", b"al\xe9atoire", 1)), "not UTF-8"),
    ("torn-line-and-bad-status", lambda d: (set_cell(d, "status", "okay"), results_csv(
        d).write_text(results_csv(d).read_text() + "run,random,0,2,1,o")),
     "row 1, column status: 'okay'"),
    ("row-deleted", lambda d: results_csv(d).write_text(
        "".join(results_csv(d).read_text().splitlines(keepends=True)[:2])), "lacks rows"),
    ("row-repeated", lambda d: results_csv(d).write_text(
        "".join((lines := results_csv(d).read_text().splitlines(keepends=True))[:2])
        + lines[1]), "lacks rows"),
    ("row-cut-short", lambda d: results_csv(d).write_text(
        "".join(results_csv(d).read_text().splitlines(keepends=True)[:2])
        + "run,random,0,1\n"), "lacks rows"),
]:
    case(f"edit-results-{id}", lambda d, c=change: (c(d), resume(d))[1], fragment, run=True)

# hand-edited files: report
best_json = lambda d: d / "run" / "best.json"  # noqa: E731
for id, change, fragment in [
    ("csv-no-objective-column", lambda d: drop_column(d, "objective"), "missing columns"),
    ("csv-empty", lambda d: results_csv(d).write_text(""), "is empty"),
    ("csv-header-only", lambda d: results_csv(d).write_text(
        results_csv(d).read_text().splitlines()[0] + "\n"), "hold no evaluations yet"),
    ("csv-status-unknown", lambda d: set_cell(d, "status", "okay"),
     "row 1, column status: 'okay'"),
    ("csv-score-text", lambda d: set_cell(d, "val_accuracy", "high"),
     "row 1, column val_accuracy: 'high' is not a number"),
    ("csv-eval_id-text", lambda d: set_cell(d, "eval_id", "first"), "column eval_id: 'first'"),
    ("csv-cached-maybe", lambda d: set_cell(d, "cached", "maybe"), "column cached: 'maybe'"),
    ("csv-objective-bad", lambda d: (set_cell(d, "objective", "val_accuracy:up"), set_cell(
        d, "objective", "val_accuracy:up", row=1)), "objective column holds 'val_accuracy:up'"),
    ("csv-latin1", lambda d: results_csv(d).write_bytes(
        results_csv(d).read_bytes().replace(b"random", b"al\xe9atoire", 1)), "not UTF-8"),
    ("csv-mixed-objectives", lambda d: set_cell(d, "objective", "val_loss:min"),
     "the results mix objectives"),
    ("best-json-truncated", lambda d: best_json(d).write_text(best_json(d).read_text()[:50]),
     "is not readable JSON"),
    ("best-json-a-list", lambda d: best_json(d).write_text("[]"), "does not hold a JSON object"),
    ("best-json-best-text", lambda d: edit_json(best_json(d), lambda b: b.update(best="x")),
     "best.json: best is 'x'"),
    ("best-json-test-a-list", lambda d: edit_json(
        best_json(d), lambda b: b["best"].update(test=[1, 2])), "best.json: best.test is [1, 2]"),
    ("best-json-bom-truncated", lambda d: best_json(d).write_bytes(
        b"\xef\xbb\xbf" + best_json(d).read_bytes()[:40]), "is not readable JSON"),
    ("grid-json-truncated", lambda d: write(d / "run" / "grid.json", '{"grid_size": '),
     "is not readable JSON"),
    ("results-csv-a-folder", lambda d: (results_csv(d).unlink(), results_csv(d).mkdir(),
                                        write(d / "run" / "sub" / "x.txt", "x")),
     "no results.csv found under"),
]:
    case(f"edit-report-{id}", lambda d, c=change: (c(d), report(d))[1], fragment, run=True)
case("report-path-missing", lambda d: ["report", str(d / "nope"), "--out", str(d / "r")],
     "does not exist")
case("report-folder-without-results", lambda d: ["report", str(d), "--out", str(d / "r")],
     "no results.csv found under")
case("report-a-foreign-csv", lambda d: ["report", write(d / "results.csv", table()), "--out",
                                        str(d / "r")], "is not an evohpo results file")

# hand-edited files and bad inputs: predict
ROWS = ["--csv", "data.csv"]  # the table the campaign trained on: good new rows
KERAS = "is damaged or not a Keras model"
for id, change, args, fragment in [
    ("no-best-keras", lambda d: (d / "run" / "best.keras").unlink(), ROWS, "holds no best.keras"),
    ("no-preprocess", lambda d: (d / "run" / "preprocess.joblib").unlink(), ROWS,
     "holds no preprocess.joblib"),
    ("preprocess-truncated", lambda d: write(d / "run" / "preprocess.joblib", b"\x80\x04junk"),
     ROWS, "it is damaged or from another version"),
    ("preprocess-foreign-pickle", lambda d: write(d / "run" / "preprocess.joblib",
                                                  pickle.dumps({"a": 1})), ROWS,
     "is not an evohpo preprocessing file"),
    ("best-keras-truncated", lambda d: write(d / "run" / "best.keras", (
        d / "run" / "best.keras").read_bytes()[:500]), ROWS, KERAS),
    ("best-keras-text", lambda d: write(d / "run" / "best.keras", "a model\n"), ROWS, KERAS),
    ("best-keras-a-zip-of-something-else", lambda d: zipfile.ZipFile(
        d / "run" / "best.keras", "w").close(), ROWS, KERAS),
    ("csv-missing", None, ["--csv", "nope.csv"], "does not exist"),
    ("csv-lacks-a-column", lambda d: write(d / "new.csv", table(10, a=None, c=None)),
     ["--csv", "new.csv"], "lack the column(s) a"),
    ("csv-text-in-numbers", lambda d: write(d / "new.csv", table(10, a=["x"] * 10)),
     ["--csv", "new.csv"], "column 'a' held numbers in training but holds 'x'"),
    ("csv-inf", lambda d: write(d / "new.csv", table(10, a=["inf"] * 10)),
     ["--csv", "new.csv"], "column 'a' holds infinite values"),
    ("csv-gaps", lambda d: write(d / "new.csv", table(10, a=[None, *range(9)])),
     ["--csv", "new.csv"], "have missing values in a (1 row)"),
    ("csv-header-only", lambda d: write(d / "new.csv", "a,b\n"), ["--csv", "new.csv"],
     "no data rows"),
    ("csv-empty", lambda d: write(d / "new.csv", ""), ["--csv", "new.csv"], "is empty"),
    ("csv-broken-quoting", lambda d: write(d / "new.csv", 'a,b\n1,"2\n'), ["--csv", "new.csv"],
     "check its delimiter and quoting"),
    ("csv-a-folder", lambda d: (d / "new.csv").mkdir(), ["--csv", "new.csv"],
     "is a folder, not a CSV file"),
    ("csv-and-npz", None, ["--csv", "a.csv", "--npz", "a.npz"], "give one of them"),
    ("neither", None, [], "give one of them"),
    ("npz-on-a-table-campaign", lambda d: npz(d / "new.npz", x=X4), ["--npz", "new.npz"],
     "is a table campaign: give new rows with --csv"),
    ("model-dir-missing", lambda d: shutil.rmtree(d / "run"), ["--csv", "data.csv"],
     "does not exist"),
    ("model-is-a-file", lambda d: (shutil.rmtree(d / "run"), write(d / "run", "x")),
     ["--csv", "data.csv"], "is a file"),
    ("csv-on-an-array-campaign", array_campaign, ["--csv", "data.csv"],
     "is a campaign on arrays: give new inputs with --npz"),
    ("npz-without-x", lambda d: (array_campaign(d), npz(d / "new.npz", y=Y3)),
     ["--npz", "new.npz"], "store the inputs to predict as x"),
    ("npz-wrong-shape", lambda d: (array_campaign(d), npz(d / "new.npz", x=X4[:, :3])),
     ["--npz", "new.npz"], "have inputs of shape (3,), but the model was trained on (4,)"),
    ("npz-object", lambda d: (array_campaign(d), npz(d / "new.npz", x=np.array(
        [[1, "a"]] * 3, dtype=object))), ["--npz", "new.npz"], "pickled Python objects"),
    ("npz-nan", lambda d: (array_campaign(d), npz(d / "new.npz", x=np.full((3, 4), np.nan))),
     ["--npz", "new.npz"], "hold 12 NaN or infinite values"),
    ("npz-zero-rows", lambda d: (array_campaign(d), npz(d / "new.npz", x=X4[:0])),
     ["--npz", "new.npz"], "no rows"),
    ("npz-text", lambda d: (array_campaign(d), npz(d / "new.npz", x=np.array(["a"] * 4))),
     ["--npz", "new.npz"], "are not numbers"),
    ("npz-not-a-zip", lambda d: (array_campaign(d), write(d / "new.npz", "x\n")),
     ["--npz", "new.npz"], "is not a readable .npz file of arrays"),
    ("npz-a-folder", lambda d: (array_campaign(d), (d / "new.npz").mkdir()),
     ["--npz", "new.npz"], "is a folder"),
]:
    def make(d: Path, c=change, a=args) -> list[str]:
        if c is not None:
            c(d)
        return predict(d, *[str(d / v) if v.endswith((".csv", ".npz")) else v for v in a])

    case(f"predict-{id}", make, fragment, run=True)


def _unwritable(d: Path) -> str:
    """A folder nobody may write: a read-only one, or (as root, whom permissions do not stop)
    a path in /sys, where no one can create files."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return "/sys/evohpo-battery-out"
    folder = d / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return str(folder / "run")


# -- the checks --------------------------------------------------------------------------------

SHOWN = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def _hashes(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            out[str(path.relative_to(root)) + "/"] = "folder"
    return out


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("this input reached training (or TensorFlow); it must be refused "
                         "before")


def _call(argv: list[str], monkeypatch) -> int:
    import evohpo.campaign
    import evohpo.runtime

    with monkeypatch.context() as m:
        m.setattr(evohpo.campaign, "open_backend", _refuse)
        m.setattr(evohpo.runtime, "keras", _refuse)
        try:
            return main(argv)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # noqa: BLE001 - a traceback is what the battery catches
            failure = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    pytest.fail(f"Traceback: {failure}", pytrace=False)


@pytest.mark.parametrize(("make", "fragment", "needs_run"), CASES)
def test_a_hostile_input_is_one_line_exit_2_and_changes_nothing(
        make, fragment, needs_run, request, tmp_path, monkeypatch, capsys):
    d = tmp_path / "case"
    d.mkdir()
    if needs_run:
        shutil.copytree(request.getfixturevalue("finished"), d, dirs_exist_ok=True)
    monkeypatch.chdir(d)
    argv = make(d)
    before = _hashes(tmp_path)
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = _call(argv, monkeypatch)
    out, err = capsys.readouterr()
    shown = [f"{w.category.__name__}: {w.message}" for w in caught
             if not issubclass(w.category, SHOWN)]
    lines = err.splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    others = [line for line in lines if not line.startswith(("error:", "note:", "warning:"))]
    assert "Traceback" not in out + err, err
    assert code == 2, f"exit {code}; stderr: {err[-1500:]}"
    assert len(errors) == 1 and not others, err[-1500:]
    assert fragment in errors[0], errors[0]
    assert not shown, shown[:3]
    after = _hashes(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before, "a file changed or went"


def test_the_battery_holds_150_distinct_cases():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) >= 150
