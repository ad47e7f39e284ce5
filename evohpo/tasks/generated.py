"""Harder built-in tasks for judging search methods, generated offline from fixed seeds.

On ``digits`` every method reaches the same accuracy within a few dozen evaluations, so a
comparison there says nothing. These tasks are small (a few thousand rows, under a second of
training per network on one core) but their score depends on the architecture and the
optimiser settings, so the best of 60 random networks stays clearly below what a good search
finds (``benchmarks/search_quality.py`` measures it; README "Search quality").

* ``synthetic`` (multiclass): ``make_classification`` with 40 features (12 informative, 8
  redundant combinations of them, 20 noise), 6 classes of 3 Gaussian clusters each, 5 % of the
  labels flipped, then a fixed random rotation and a smooth nonlinearity (``tanh`` of half the
  features), so no input column is informative alone and a linear model is not enough.
* ``synthetic_regression``: Friedman #1 (``sin(pi x1 x2) + (x3-0.5)^2`` and linear terms)
  over 20 uniform inputs of which 5 matter, plus Gaussian noise, and a product term; the
  target is standardised on train (validation loss is an MSE in units of its spread).

Both are deterministic: the same arrays on every machine and every call (seeded numpy and
sklearn generators, a fixed split seed).
"""

from __future__ import annotations

import numpy as np

from .task import Task, from_arrays

DATA_SEED = 1414  # the seed of the generated data (issue 14); the split seed is tasks' default
CLASSIFICATION_ROWS = 3000
REGRESSION_ROWS = 3000


def synthetic(rows: int = CLASSIFICATION_ROWS, seed: int = DATA_SEED) -> Task:
    """Noisy 6-class problem in 40 dimensions (see the module docstring)."""
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=rows, n_features=40, n_informative=12, n_redundant=8, n_repeated=0,
        n_classes=6, n_clusters_per_class=3, class_sep=1.0, flip_y=0.05, random_state=seed,
    )
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(rng.normal(size=(x.shape[1], x.shape[1])))
    x = x @ rotation  # spread every informative direction over all columns
    half = x.shape[1] // 2
    x[:, :half] = np.tanh(x[:, :half])  # a smooth squashing: no exact linear structure left
    return from_arrays(x, y, kind="multiclass", name="synthetic")


def synthetic_regression(rows: int = REGRESSION_ROWS, seed: int = DATA_SEED) -> Task:
    """Friedman #1 in 20 inputs plus an interaction term (see the module docstring)."""
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(n_samples=rows, n_features=20, noise=0.5, random_state=seed)
    y = y + 4.0 * x[:, 5] * x[:, 6]  # one more interaction among otherwise-noise inputs
    return from_arrays(x, y, kind="regression", name="synthetic_regression")


BENCHMARK = {"synthetic": synthetic, "synthetic_regression": synthetic_regression}
