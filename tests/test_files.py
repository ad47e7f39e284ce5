"""How evohpo writes files (evohpo/files.py): whole, through a temporary beside the target,
with bare newlines; what a full disk, a folder in the way or a killed writer leaves."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from evohpo import files, results
from evohpo.errors import EvohpoError
from tests._checks import error


def test_a_write_into_a_folder_names_the_folder_not_free_space(tmp_path):
    """Issue 24: `predict --out DIR` talked of free space; the fix depends on the errno."""
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(EvohpoError) as info:
        files.write_table(tmp_path / "out.csv", pd.DataFrame({"a": [1]}))
    text = str(info.value)
    assert "Is a directory (EISDIR)" in text and "out.csv is a folder: move it away" in text
    assert "free space" not in text


def test_small_files_are_written_whole(tmp_path):
    files.write_text(tmp_path / "a.md", "# title")
    assert (tmp_path / "a.md").read_text() == "# title\n"
    files.write_text(tmp_path / "b.md", "done\n")
    assert (tmp_path / "b.md").read_text() == "done\n"
    files.write_json(tmp_path / "sub" / "c.json", {"b": 1, "a": math.inf})
    assert (tmp_path / "sub" / "c.json").read_text() == '{\n  "a": Infinity,\n  "b": 1\n}\n'
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["c.json"]  # no temporary left


def test_an_atomic_write_goes_through_a_temporary_beside_its_file(tmp_path, moved):
    target = tmp_path / "a" / "b" / "best.json"  # folders made as needed
    files.write_json(target, {"model": tmp_path / "m.keras", "n": np.int64(3)})
    (src, dst), = moved
    assert dst == target and src.parent == target.parent
    assert files._TEMPORARY.match(src.name) and src.name.startswith(".best.json.")
    assert json.loads(target.read_text()) == {"model": str(tmp_path / "m.keras"), "n": "3"}


def test_csv_files_end_lines_with_a_bare_newline(tmp_path):
    files.write_table(tmp_path / "s.csv", pd.DataFrame({"m": ["ga"], "x": [0.5]}))
    assert (tmp_path / "s.csv").read_bytes() == b"m,x\nga,0.5\n"  # no index, no \\r
    path = tmp_path / "results.csv"
    path.write_text("eval_id,x\n1,b\n0,a\n2,")
    results.ResultsLog(path, ["eval_id", "x"]).append({"eval_id": 3, "x": "d"})
    assert path.read_bytes() == b"eval_id,x\n1,b\n0,a\n3,d\n"  # the torn row cut first
    log = results.ResultsLog.create(tmp_path / "log.csv", ["eval_id", "x"])
    for i in (10, 2, 1, 11, 0):
        log.append({"eval_id": i, "x": f"v{i}"})
    log.finalize()
    assert log.path.read_bytes() == b"eval_id,x\n0,v0\n1,v1\n2,v2\n10,v10\n11,v11\n"


def test_leftovers_of_a_killed_writer_are_cleaned_and_nothing_else(tmp_path):
    keep = [".notes.tmp", ".results.csv.txt", "x.tmp", ".results.csv.abc_1.tmp.bak"]
    gone = [".results.csv.abc_123.tmp", ".best.json.q9z.tmp", ".report.md.t_t.tmp"]
    for name in keep + gone:
        (tmp_path / name).write_text("x")
    (tmp_path / ".dir.csv.abc.tmp").mkdir()  # a folder that looks like one: left alone
    assert sorted(files.remove_temporaries(tmp_path)) == sorted(gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, ".dir.csv.abc.tmp"])
    assert files.remove_temporaries(tmp_path) == []


def test_a_full_disk_keeps_the_old_file_and_names_the_folder(tmp_path, monkeypatch):
    import errno

    path = tmp_path / "best.json"
    files.write_json(path, {"a": 1})

    def full(f, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_fill", full)
    assert error(lambda: files.write_json(path, {"a": 2})) == (
        f"cannot write best.json in {tmp_path}: No space left on device (ENOSPC); what was "
        "written before is kept: free space (or fix the folder) and run the same command again")
    assert json.loads(path.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.json"]  # no temporary left
    (tmp_path / "checkpoint.json").write_text("{}")
    assert error(lambda: files.write_text(path, "x")).endswith(
        "run the same command with --resume")


def test_a_table_encoding_is_written_atomically_like_every_other_file(tmp_path, monkeypatch):
    import errno

    results.write_preprocess(tmp_path, {"columns": ["a"]})
    saved = (tmp_path / results.PREPROCESS_NAME).read_bytes()

    def full(f, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_fill", full)
    assert error(lambda: results.write_preprocess(tmp_path, {"columns": ["b"]})).startswith(
        f"cannot write {results.PREPROCESS_NAME} in {tmp_path}: No space left on device")
    assert (tmp_path / results.PREPROCESS_NAME).read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == [results.PREPROCESS_NAME]
    assert files._TEMPORARY.match(f".{results.PREPROCESS_NAME}.k3x_9a.tmp")  # a kill's leftover


class _Model:
    """What save_model_atomically needs of a Keras model: save(path), here writing bytes."""

    def __init__(self, data=b"model", fail=None, remove_first=False):
        self.data, self.fail, self.remove_first, self.saved_to = data, fail, remove_first, []

    def save(self, path):
        from pathlib import Path

        self.saved_to.append(Path(path))
        if self.remove_first:
            Path(path).unlink()
        if self.fail is not None:
            raise self.fail
        Path(path).write_bytes(self.data)


def test_a_model_is_saved_through_a_keras_temporary_beside_it(tmp_path, moved, monkeypatch):
    import os

    synced = []
    fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), fsync(fd)))
    target = tmp_path / "sub" / "best.keras"  # folders made as needed
    model = _Model()
    files.save_model_atomically(model, str(target))  # a str path too
    (tmp,) = model.saved_to
    assert tmp.parent == target.parent and tmp.name.startswith(".best.keras.")
    assert tmp.name.endswith(".tmp.keras") and files._TEMPORARY.match(tmp.name)
    assert moved == [(tmp, target)] and len(synced) == 1
    assert target.read_bytes() == b"model"
    assert [p.name for p in target.parent.iterdir()] == ["best.keras"]
    files.save_model_atomically(_Model(b"newer"), target)  # replaces the old file
    assert target.read_bytes() == b"newer"
    assert [p.name for p in target.parent.iterdir()] == ["best.keras"]


def test_a_failed_model_save_keeps_the_old_file_and_no_temporary(tmp_path):
    import errno

    target = tmp_path / "best.keras"
    files.save_model_atomically(_Model(b"old"), target)
    full = OSError(errno.ENOSPC, "No space left on device")
    assert error(lambda: files.save_model_atomically(_Model(fail=full), target)) == (
        f"cannot write best.keras in {tmp_path}: No space left on device (ENOSPC); what was "
        "written before is kept: free space (or fix the folder) and run the same command again")
    # the original error even when the failed save took its temporary with it
    assert error(lambda: files.save_model_atomically(
        _Model(fail=full, remove_first=True), target)).startswith(
        f"cannot write best.keras in {tmp_path}: No space left on device (ENOSPC)")
    with pytest.raises(KeyboardInterrupt):  # a kill-like interruption cleans too
        files.save_model_atomically(_Model(fail=KeyboardInterrupt()), target)
    with pytest.raises(ValueError, match="not a model"):  # not an OSError: left as it is
        files.save_model_atomically(_Model(fail=ValueError("not a model")), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["best.keras"]


def test_an_atomic_write_of_bytes_or_text_and_its_cleanup(tmp_path, monkeypatch):
    files.atomic_write(tmp_path / "a.bin", b"\x00\r\n\xff")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\r\n\xff"
    files.atomic_write(tmp_path / "a.txt", "x\r\ny\n")  # text written as given
    assert (tmp_path / "a.txt").read_bytes() == b"x\r\ny\n"

    def vanishing(f, data):  # the temporary is gone before the error is reported
        (tmp,) = tmp_path.glob(".a.txt.*.tmp")
        tmp.unlink()
        raise ValueError("boom")

    monkeypatch.setattr(files, "_fill", vanishing)
    with pytest.raises(ValueError, match="boom"):
        files.atomic_write(tmp_path / "a.txt", "z")
    assert (tmp_path / "a.txt").read_bytes() == b"x\r\ny\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "a.txt"]


@pytest.mark.parametrize(("before", "after", "synced"), [
    (b"", b"", 0),
    (b"a,b\n", b"a,b\n", 0),
    (b"a,b\n1,2\n", b"a,b\n1,2\n", 0),
    (b"a,b\n1,", b"a,b\n", 1),
    (b"a,b\n1,2\n3", b"a,b\n1,2\n", 1),
    (b"a,b", b"", 1),
    (b"\n\n", b"\n\n", 0),
])
def test_cut_torn_tail_drops_only_an_unfinished_last_line(tmp_path, monkeypatch, before, after,
                                                           synced):
    import os

    calls = []
    fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), fsync(fd)))
    path = tmp_path / "r.csv"
    path.write_bytes(before)
    files.cut_torn_tail(path)
    assert path.read_bytes() == after
    assert len(calls) == synced  # a whole file is left untouched
