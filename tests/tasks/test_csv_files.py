"""Reading a CSV file as users have them (evohpo/tasks/csv_files.py): the delimiter sniffed,
decimal commas, bad files and repeated header names as one-line errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evohpo import tasks
from evohpo.errors import EvohpoError
from evohpo.tasks import csv_files
from tests.tasks.tables_data import houses, one_line


# -- reading files ----------------------------------------------------------------------------
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, sep):
    path = tmp_path / "houses.csv"
    houses().to_csv(path, sep=sep, index=False)
    t = tasks.get(f"csv:{path}:price")
    assert t.kind == "regression" and t.n_features == 7 and t.name == "houses"


def test_semicolon_file_with_decimal_commas_and_comma_text(tmp_path):
    path = tmp_path / "eu.csv"
    rows = [f"{i},5;{'a, b' if i % 2 else 'c'};{i % 3}" for i in range(30)]
    path.write_text("x;label;y\n" + "\n".join(rows) + "\n")
    t = tasks.from_csv(path, "y")
    assert t.preprocess.numeric == ("x",) and t.preprocess.categorical == ("label",)
    assert csv_files.sniff_delimiter('a;b;c\n"x, y";1,5;2\n') == ";"
    assert csv_files.sniff_delimiter('a,b,c\n"x; y",1;5,2\n') == ","


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "is empty; a CSV task needs a header line and data rows"),
     ("\n\n", "is empty"),
     ("rooms,area,price\n", "has a header (rooms, area, price) but no data rows"),
     ("rooms,price\n" + "1,5\n" * 30, "holds one value (5) in every row"),
     ("rooms,price\n" + "".join(f"{i},{i % 2}\n" for i in range(6)), "has 6 usable row(s)"),
     ("1,2,3\n4,5,6\n", "looks like data: add a header line"),
     ("rooms\n" + "1\n" * 20, "has no column 'price'")],
)
def test_bad_files_are_one_line_errors(tmp_path, text, fragment):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(EvohpoError) as info:
        tasks.from_csv(path, "price")
    assert fragment in one_line(info)


def test_many_columns_are_capped_in_messages(tmp_path):
    path = tmp_path / "wide.csv"
    pd.DataFrame(np.ones((12, 30)), columns=[f"c{i}" for i in range(30)]).to_csv(path, index=False)
    with pytest.raises(EvohpoError) as info:
        tasks.from_csv(path, "target")
    assert "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 20 more" in one_line(info)


def test_repeated_header_names_in_a_csv_are_refused(tmp_path):
    """pandas renames a second ``a`` to ``a.1``, so a model trained on a column nobody named."""
    path = tmp_path / "dup.csv"
    path.write_text("a,b,a,y\n" + "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(40)))
    with pytest.raises(EvohpoError) as info:
        tasks.from_csv(path, "y")
    assert "column names repeat (a); rename them in the header line" in one_line(info)
