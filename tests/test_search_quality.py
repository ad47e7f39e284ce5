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


# -- benchmarks/ga_tuning.py ----------------------------------------------------------------
def _runs(bests: dict[int, list[float]]) -> dict[int, dict]:
    return {seed: {"seed": seed, "best": max(curve), "curve": curve}
            for seed, curve in bests.items()}


def test_tuning_table_counts_evaluations_to_random_medians_best():
    from ga_tuning import BUDGET, table

    randoms = _runs({100: [0.4, 0.5], 101: [0.5, 0.6], 102: [0.3, 0.7]})  # median best 0.6
    ga = _runs({100: [0.6, 0.6], 101: [0.1, 0.2], 102: [0.5, 0.65]})
    frame = table({"random": randoms, "defaults": ga})
    assert frame.attrs["target"] == pytest.approx(0.6)
    # reached at evaluation 1, never (budget + 1), at evaluation 2: median 2
    assert frame.loc["defaults", "evals_to_random_median"] == 2
    assert frame.loc["random", "evals_to_random_median"] == 2  # 2, 2, 2
    assert BUDGET + 1 == 61
    assert frame.loc["defaults", "median"] == pytest.approx(0.6)


def test_tuning_table_pairs_variants_with_the_defaults_on_common_seeds():
    from ga_tuning import table

    seeds = range(100, 110)
    randoms = _runs({s: [0.5] for s in seeds})
    defaults = _runs({s: [0.55 + 0.001 * s] for s in seeds})
    better = _runs({s: [0.60 + 0.002 * s] for s in seeds})
    frame = table({"random": randoms, "defaults": defaults, "better": better})
    assert frame.loc["better", "paired_p_vs_defaults"] < 0.01  # better on all ten seeds
    assert frame.loc["defaults", "p_vs_random"] < 0.001


def test_tuning_refuses_the_study_seeds_and_needs_random(tmp_path):
    from ga_tuning import main, table

    with pytest.raises(SystemExit, match="seeds >= 100"):
        main(["--variant", "defaults", "--first-seed", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="add --variant random"):
        table({"defaults": _runs({100: [0.5]})})


def test_tuning_table_a_run_at_random_s_median_reaches_it_despite_rounding():
    """Curves are stored to 4 decimals: a run whose best is the target (0.553333 = 332/600,
    stored as 0.5533) has reached it, at the evaluation where it got there."""
    from ga_tuning import table

    exact = 332 / 600
    randoms = {s: {"seed": s, "best": b, "curve": [round(b, 4)]}
               for s, b in zip(range(100, 103), (0.5, exact, 0.6), strict=True)}
    frame = table({"random": randoms})
    assert frame.attrs["target"] == pytest.approx(exact)
    assert frame.loc["random", "evals_to_random_median"] == 1  # 61, 1, 1
