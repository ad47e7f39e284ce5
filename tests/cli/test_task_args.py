"""--kind and --impute on the command line (evohpo/cli/task_args.py): only for table tasks, one-
line errors, and compare takes them too.
"""

from __future__ import annotations

import pytest

from evohpo.cli import main
from tests.tasks.tables_data import holes


# -- the command line -------------------------------------------------------------------------
def test_kind_and_impute_are_for_table_tasks(capsys):
    assert main(["search", "--task", "iris", "--kind", "regression", "--budget", "1"]) == 2
    err = capsys.readouterr().err
    assert "kind=regression is for csv:PATH:TARGET tasks" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as info:
        main(["search", "--task", "iris", "--impute", "zero"])
    assert info.value.code == 2 and "argument --impute: invalid choice" in capsys.readouterr().err


def test_cli_table_errors_are_one_line(tmp_path, capsys):
    path = tmp_path / "holes.csv"
    holes(100).to_csv(path, index=False)
    assert main(["search", "--task", f"csv:{path}:price", "--budget", "1",
                 "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--impute" in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_compare_takes_kind_too(capsys):
    assert main(["compare", "--task", "iris", "--kind", "binary", "--seeds", "1"]) == 2
    assert "kind=binary is for csv:PATH:TARGET tasks" in capsys.readouterr().err
