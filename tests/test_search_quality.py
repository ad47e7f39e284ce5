"""benchmarks/search_quality.py reads the study's figures from run folders: a run whose last
rows did not count (failed, or 1-epoch screening) still has the best it reached."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from search_quality import _curve  # noqa: E402


@pytest.mark.parametrize(("metric", "values", "expected"), [
    ("val_accuracy", [0.5, 0.7, 0.6, 0.9, None], [0.5, 0.7, 0.7, 0.7, 0.7]),
    ("val_loss", [0.9, 0.4, 0.6, 0.1, None], [0.9, 0.4, 0.4, 0.4, 0.4]),
])
def test_best_so_far_skips_rows_that_do_not_count(tmp_path, metric, values, expected):
    rows = pd.DataFrame({
        "eval_id": range(5), metric: values, "train_seconds": [1.0] * 5,
        "status": ["ok", "ok", "ok", "ok", "failed"],
        "epochs": [5, 5, 5, 1, 5],  # row 3 is a 1-epoch screening run: never the best
    })
    rows.to_csv(tmp_path / "results.csv", index=False)
    (tmp_path / "best.json").write_text(json.dumps({"best": None}))
    best, seconds, _ = _curve(tmp_path, metric, full_epochs=5)
    assert best.tolist() == expected
    assert seconds.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
