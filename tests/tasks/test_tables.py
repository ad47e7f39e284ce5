"""Tables as users have them: kinds, text columns, missing values, delimiters, bad files.

Small generated tables only; no TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evohpo import tasks
from evohpo.cli import main
from evohpo.errors import EvohpoError
from evohpo.tasks import csv_files, kinds


def houses(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A regression table: whole-number prices, a text and a true/false column."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "rooms": rng.integers(1, 6, n),
        "area": np.arange(n) + 40.5,  # distinct per row: lets a test find a row again
        "colour": rng.choice(["red", "green", "blue"], n),
        "garden": rng.choice([True, False], n),
    })
    df["price"] = (df.rooms * 30_000 + df.area * 1_000 + (df.colour == "red") * 5_000).astype(int)
    return df


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and len(text) < 400, text
    return text


# -- kind ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("y", "kind", "fragment"),
    [
        (np.arange(200) * 1000, "regression", "200 distinct values, more than 20"),
        (np.arange(100) % 12, "regression", "12 distinct values, 12% of the rows"),
        (np.arange(1000) % 12, "multiclass", "12 distinct values, at most 20"),
        (np.arange(150) % 3 + 1, "multiclass", "3 distinct values"),
        (np.arange(40) % 2, "binary", "two whole-number values"),
        (np.linspace(0, 1, 50), "regression", "numbers with fractions"),
        (np.array(["cat", "dog"] * 20), "binary", "labels (2 distinct values)"),
        (np.array([True, False] * 20), "binary", "labels"),
        (pd.Series(["a", "b", "c"] * 10, dtype="category"), "multiclass", "labels"),
    ],
)
def test_infer_kind_rule(y, kind, fragment):
    guess = kinds.infer_kind(y)
    assert guess.kind == kind and fragment in guess.reason


def test_whole_number_regression_target_is_regression_not_hundreds_of_classes():
    t = tasks.from_frame(houses(), "price")
    assert t.kind == "regression" and t.n_classes == 0
    assert "more than 20" in t.preprocess.kind_reason
    assert abs(float(t.y_train.mean())) < 1e-5  # standardised on train, kept for predictions
    assert t.preprocess.y_std > 1_000


def test_from_arrays_uses_the_same_rule():
    x = np.random.default_rng(0).normal(size=(100, 2))
    assert tasks.from_arrays(x, np.arange(100) * 3).kind == "regression"
    assert tasks.from_arrays(x, np.arange(100) % 4).kind == "multiclass"


def test_kind_can_be_given():
    df = houses()
    t = tasks.from_frame(df, "rooms", kind="multiclass")
    assert t.kind == "multiclass" and t.preprocess.classes == (1, 2, 3, 4, 5)
    assert "given" in t.preprocess.kind_reason
    assert tasks.from_frame(df, "rooms", kind="regression").kind == "regression"


@pytest.mark.parametrize(
    ("target", "kind", "fragment"),
    [("colour", "regression", "holds labels such as"),
     ("colour", "binary", "has 3 classes; pass kind='multiclass'"),
     ("price", "multiclass", "pass kind='regression' (--kind regression)"),
     ("price", "ordinal", "unknown kind 'ordinal'; choose from: binary, multiclass, regression")],
)
def test_wrong_kind_is_a_one_line_error(target, kind, fragment):
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(houses(), target, kind=kind)
    assert fragment in one_line(info)


# -- encoding ---------------------------------------------------------------------------------
def test_text_and_bool_columns_are_one_hot_encoded_on_train_only():
    df = houses()
    df.loc[df.index[-3:], "colour"] = "purple"  # a few rows only: may miss the training split
    t = tasks.from_frame(df, "price")
    prep = t.preprocess
    assert prep.numeric == ("rooms", "area") and prep.categorical == ("colour", "garden")
    # find the training rows again through their distinct area, unscaled
    scaler = prep.transformer.named_transformers_["numeric"][-1]
    areas = t.x_train[:, 1] * scaler.scale_[1] + scaler.mean_[1]
    train = df.set_index("area").loc[np.round(areas, 1)]
    assert scaler.mean_[1] == pytest.approx(train.index.to_numpy().mean())  # not all rows'
    encoder = prep.transformer.named_transformers_["categorical"][-1]
    assert set(encoder.categories_[0]) == set(train["colour"])
    assert t.n_features == 2 + len(encoder.categories_[0]) + 2
    assert np.allclose(t.x_train[:, :2].mean(axis=0), 0, atol=1e-5)
    assert any("one-hot encoded colour" in note for note in prep.notes)


def test_unseen_category_and_extra_columns_at_prediction_time():
    t = tasks.from_frame(houses(), "price")
    new = houses(3, seed=5).drop(columns=["price"]).assign(colour="purple", note="extra")
    x = t.preprocess.features(new)
    assert x.shape == (3, t.n_features) and np.isfinite(x).all()
    assert (x[:, 2:5] == 0).all()  # the colour block: all zeros for an unseen colour


def test_prediction_rows_need_the_training_columns():
    t = tasks.from_frame(houses(), "price")
    with pytest.raises(EvohpoError) as info:
        t.preprocess.features(houses(3).drop(columns=["colour"]))
    assert "lack the column(s) colour" in one_line(info)
    bad = houses(3).astype({"rooms": object})
    bad.loc[0, "rooms"] = "many"
    with pytest.raises(EvohpoError) as info:
        t.preprocess.features(bad)
    assert "column 'rooms' held numbers in training but holds 'many'" in one_line(info)


def test_decode_gives_labels_and_units():
    t = tasks.from_frame(houses(), "colour")
    out = t.preprocess.decode(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    assert list(out["prediction"]) == ["blue", "red"]  # classes sorted: blue, green, red
    assert out["probability"] == pytest.approx([0.7, 0.8])
    r = tasks.from_frame(houses(), "price").preprocess
    assert r.decode(np.array([[0.0], [1.0]]))["prediction"] == pytest.approx(
        [r.y_mean, r.y_mean + r.y_std])


def test_dataframe_with_category_dtype_and_a_date_column():
    df = houses().astype({"colour": "category"})
    assert tasks.from_frame(df, "price").preprocess.categorical == ("colour", "garden")
    df["sold"] = pd.Timestamp("2024-01-01")
    with pytest.raises(EvohpoError, match="column 'sold' holds dates or times"):
        tasks.from_frame(df, "price")
    with pytest.raises(EvohpoError, match="expected a pandas DataFrame"):
        tasks.from_frame(np.zeros((20, 3)), "price")


def test_id_like_text_column_is_refused():
    df = houses().assign(name=[f"house-{i}" for i in range(200)])
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(df, "price")
    assert "text column 'name' has a different value in every row" in one_line(info)


# -- missing values ---------------------------------------------------------------------------
def holes(n: int = 200) -> pd.DataFrame:
    df = houses(n)
    for i, col in enumerate(["rooms", "area", "colour", "garden"]):
        df[col] = df[col].astype(object) if col in ("colour", "garden") else df[col].astype(float)
        df.loc[df.index[i * 3:(i + 1) * 3], col] = np.nan
    df.loc[df.index[50], "price"] = np.nan
    for k in range(3):  # three more columns with a gap each: the message must cap its list
        df[f"extra{k}"] = 1.0 * np.arange(n)
        df.loc[df.index[60 + k], f"extra{k}"] = np.nan
    return df


def test_missing_values_are_one_line_error_naming_columns_and_option():
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(holes(), "price")
    text = one_line(info)
    assert "missing values in rooms (3 rows), area (3 rows), colour (3 rows)" in text
    assert "and 3 more" in text and "--impute" in text and "drop" in text


@pytest.mark.parametrize("impute", ["mean", "median", "most_frequent"])
def test_impute_fills_features_and_drops_rows_without_target(impute):
    t = tasks.from_frame(holes(), "price", impute=impute)
    assert len(t.y_train) + len(t.y_val) + len(t.y_test) == 199  # the row without a price
    assert all(np.isfinite(x).all() for x in (t.x_train, t.x_val, t.x_test))
    assert "dropped 1 row(s) whose target is missing" in t.preprocess.notes
    new = holes(80).drop(columns=["price"])  # prediction rows with gaps: imputed the same way
    assert np.isfinite(t.preprocess.features(new)).all()


def test_impute_drop_removes_rows_and_prediction_gaps_stay_errors():
    t = tasks.from_frame(holes(), "price", impute="drop")
    assert len(t.y_train) + len(t.y_val) + len(t.y_test) == 200 - 16
    with pytest.raises(EvohpoError) as info:
        t.preprocess.features(holes(80).drop(columns=["price"]))
    assert "missing values in rooms (3 rows)" in one_line(info)


def test_unknown_impute_names_the_choices():
    with pytest.raises(EvohpoError, match="unknown impute 'zero'; choose from: mean, median"):
        tasks.from_frame(houses(), "price", impute="zero")


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


def test_rare_classes_name_the_fix():
    df = houses(60).assign(label=[0] * 29 + [1] * 29 + [2, 2])
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(df, "label")
    assert "needs at least 3 rows per class" in one_line(info)


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


# -- the table rules of issue 24: each one said in one line where it changes the data ----------
def test_two_thousand_columns_make_no_warning_flood(tmp_path):
    """2,000 columns printed ~3,800 lines of pandas PerformanceWarning (one frame insert per
    column); the table is now built from whole blocks."""
    import warnings

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(60, 2000)), columns=[f"f{i}" for i in range(2000)])
    df["code"] = rng.choice(["a", "b", "c"], 60)
    df["y"] = np.arange(60) % 2
    df.to_csv(tmp_path / "wide.csv", index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task = tasks.from_csv(tmp_path / "wide.csv", "y")
    assert [str(w.message)[:60] for w in caught] == []
    assert task.n_features == 2000 + 3


def test_a_saved_index_column_is_dropped_with_a_note(tmp_path, capsys):
    """``DataFrame.to_csv()`` saves the row index as a first column without a header name
    (``Unnamed: 0`` once read back): row numbers are no feature."""
    path = tmp_path / "houses.csv"
    houses().sample(frac=1.0, random_state=0).to_csv(path)  # index=True, as pandas does
    task = tasks.from_csv(path, "price")
    assert "Unnamed: 0" not in task.preprocess.columns
    assert task.preprocess.columns == ("rooms", "area", "colour", "garden")
    assert any("dropped the first column: it has no header name" in n
               for n in task.preprocess.notes)
    code = main(["search", "--task", f"csv:{path}:price", "--resume", "--out",
                 str(tmp_path / "none")])  # refused after the task is built: its notes show
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and err[-1].startswith("error: nothing to resume")
    assert any(line.startswith("note: task houses: dropped the first column") for line in err)
    (tmp_path / "middle.csv").write_text("a,,y\n" + "".join(f"{i},{i % 4},{i % 2}\n"
                                                           for i in range(40)))
    with pytest.raises(EvohpoError) as info:
        tasks.from_csv(tmp_path / "middle.csv", "y")
    assert "column 2 has no name in the header line; name it there" in one_line(info)


def test_a_text_column_with_many_values_keeps_its_50_most_frequent():
    """A column of 300 cities in 2,000 rows: each of the 50 most frequent gets a column, the
    rest share one (and so does a city first seen at prediction time); said in one line."""
    rng = np.random.default_rng(1)
    n = 2000
    df = houses(n).assign(city=[f"city{int(v)}" for v in rng.zipf(1.3, n) % 300])
    distinct = df["city"].nunique()
    assert 50 < distinct < n / 2
    task = tasks.from_frame(df, "price")
    prep = task.preprocess
    note = next(n for n in prep.notes if n.startswith("text column 'city' has"))
    assert "its 50 most frequent each get a column" in note and "share one" in note
    assert task.n_features == 2 + 3 + 2 + 51  # rooms, area, colour x3, garden x2, city 50+1
    new = df.head(3).assign(city=["city0", "nowhere", "city299"])
    assert prep.features(new).shape == (3, task.n_features)


def test_an_id_like_text_column_with_repeats_is_refused():
    """More distinct values than half the rows: an ID (or free text) even with repeats; one-hot
    encoded, it was thousands of features."""
    df = houses(400).assign(customer=[f"c{i // 2 if i < 100 else i}" for i in range(400)])
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(df, "price")
    assert ("text column 'customer' has 350 distinct values in 400 rows, like an ID or free "
            "text; drop it or make it numeric") in one_line(info)


@pytest.mark.parametrize("dates", [
    [f"2024-0{1 + i % 3}-1{i % 5}" for i in range(200)],  # repeats: was one-hot encoded
    [f"{1 + i % 28}/{1 + i % 12}/2023" for i in range(200)],
    [f"2024-03-0{1 + i % 9} 1{i % 10}:30:00" for i in range(200)],
    [f"{i % 24}:{15 * (i % 4):02d}" for i in range(200)],
])
def test_a_date_column_is_refused_even_with_repeats(dates):
    df = houses().assign(sold=dates)
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(df, "price")
    assert "column 'sold' holds dates or times; turn it into numbers" in one_line(info)
    versions = houses().assign(version=[f"1.{i % 4}.{i % 3}" for i in range(200)])  # not dates
    assert "version" in tasks.from_frame(versions, "price").preprocess.categorical


def test_a_target_empty_in_every_row_does_not_suggest_impute(tmp_path):
    df = houses().assign(price=np.nan)
    for impute in (None, "median"):
        with pytest.raises(EvohpoError) as info:
            tasks.from_frame(df, "price", impute=impute)
        text = one_line(info)
        assert "target 'price' is empty in every row; choose a target column" in text
        assert "impute" not in text


def test_repeated_header_names_in_a_csv_are_refused(tmp_path):
    """pandas renames a second ``a`` to ``a.1``, so a model trained on a column nobody named."""
    path = tmp_path / "dup.csv"
    path.write_text("a,b,a,y\n" + "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(40)))
    with pytest.raises(EvohpoError) as info:
        tasks.from_csv(path, "y")
    assert "column names repeat (a); rename them in the header line" in one_line(info)
