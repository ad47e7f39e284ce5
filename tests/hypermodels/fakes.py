"""Hypermodels without Keras: they only ask ``hp`` (a layer count and its widths, a Boolean
gating a rate, a model type choosing a branch, scopes), so exploring them takes milliseconds.
Shared by the tests of evohpo/hypermodels/; not a test module."""

from __future__ import annotations


def loop(hp):
    for i in range(hp.Int("num_layers", 1, 4)):
        hp.Int(f"units_{i}", 8, 64, step=8)
        hp.Choice("activation", ["relu", "tanh"])
    if hp.Boolean("dropout"):
        hp.Float("rate", 0.1, 0.5)
    hp.Float("lr", 1e-4, 1e-2, sampling="log")


def branches(hp):
    """No scope at all: the branch, then a count inside it, then widths under the count."""
    if hp.Choice("kind", ["mlp", "cnn"]) == "cnn":
        for i in range(hp.Int("convs", 1, 3)):
            hp.Choice(f"filters_{i}", [8, 16])
    else:
        hp.Int("units", 8, 64)
    hp.Choice("optimizer", ["adam", "sgd"])


def scoped(hp):
    """KerasTuner's own conditions, and a count inside a scope."""
    kind = hp.Choice("kind", ["mlp", "cnn"])
    with hp.conditional_scope("kind", ["cnn"]):
        if kind == "cnn":
            for i in range(hp.Int("convs", 1, 2)):
                hp.Int(f"filters_{i}", 4, 32, sampling="log")
    with hp.conditional_scope("kind", "mlp"):
        hp.Int("units", 8, 64)  # called either way: None when kind is cnn
    if hp.Choice("optimizer", ["adam", "sgd"]) == "sgd":
        hp.Float("momentum", 0.0, 0.9, step=0.3, parent_name="optimizer", parent_values="sgd")


def xor(hp):
    """A hyperparameter no single condition explains."""
    if hp.Boolean("a") != hp.Boolean("b"):
        hp.Int("x", 1, 3)


def by_a_float(hp):
    if hp.Float("p", 0.0, 1.0) > 0.5:
        hp.Int("x", 1, 3)


def two_scopes_one_name(hp):
    kind = hp.Choice("kind", ["a", "b"])
    with hp.conditional_scope("kind", "a"):
        hp.Int("units", 1, 4)
    with hp.conditional_scope("kind", "b"):
        hp.Int("units", 8, 16)
    return kind


def odd_settings(hp):
    hp.Int("wide", 1, 1000, sampling="reverse_log")
    hp.Int("one", 1, 3, step=5)
    hp.Int("same", 4, 4)
    hp.Choice("only", ["x"])
    hp.Fixed("fixed", "sgd")
    with hp.name_scope("block"):
        hp.Float("rate", 0.0, 1.0, step=0.25)
    hp.Choice("batch_size", [16, 32])


def fails_for_big_counts(hp):
    n = hp.Int("n", 1, 3)
    for i in range(n):
        hp.Int(f"w_{i}", 1, 4)
    if n == 3:
        raise ValueError("negative dimension")
