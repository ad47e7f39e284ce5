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
from tests.tasks.tables_data import holes, houses, one_line


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


def test_rare_classes_name_the_fix():
    df = houses(60).assign(label=[0] * 29 + [1] * 29 + [2, 2])
    with pytest.raises(EvohpoError) as info:
        tasks.from_frame(df, "label")
    assert "needs at least 3 rows per class" in one_line(info)


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
