"""Our own ``hp`` against KerasTuner's ``HyperParameters`` (evohpo/hypermodels/hp.py): the
same function run under both gets the same values, defaults and ``None`` for inactive ones,
and the same mistakes raise the same exceptions."""

from __future__ import annotations

import keras_tuner as kt
import pytest

from evohpo.hypermodels.hp import HyperParameters, gene_name

pytestmark = pytest.mark.tensorflow  # keras_tuner imports Keras


def everything(hp) -> dict:
    """Every method and argument a hypermodel uses, and what it reads back."""
    out = {
        "units": hp.Int("units", 32, 512, step=32),
        "layers": hp.Int("layers", 1, 4),
        "doubling": hp.Int("doubling", 2, 64, step=2, sampling="log"),
        "wide": hp.Int("wide", 8, 1024, sampling="log", default=64),
        "lr": hp.Float("lr", 1e-4, 1e-2, sampling="log"),
        "rate": hp.Float("rate", 0, 0.5, step=0.1, default=0.2),
        "act": hp.Choice("act", ["relu", "tanh"]),
        "size": hp.Choice("size", [16, 32, 64], default=32),
        "flags": hp.Choice("flags", [True, False]),  # KerasTuner stores these as 1 and 0
        "dropout": hp.Boolean("dropout"),
        "fixed": hp.Fixed("fixed", 3),
        "opt": hp.Choice("opt", ["adam", "sgd"]),
    }
    with hp.conditional_scope("opt", ["sgd"]):
        out["momentum"] = hp.Float("momentum", 0.0, 0.9)
        with hp.conditional_scope("momentum", [0.5]):
            out["deep"] = hp.Boolean("deep", default=True)
    out["nesterov"] = hp.Boolean("nesterov", parent_name="opt", parent_values="sgd")
    with hp.name_scope("block"):
        out["scoped"] = hp.Int("units", 4, 8)
    out["again"] = hp.Choice("act", ["elu"])  # declared before: the first declaration wins
    for i in range(out["layers"]):
        out[f"w{i}"] = hp.Int(f"w{i}", 1, 9, default=5)
    out["get"] = (hp.get("units"), hp["act"])
    out["in"] = ("momentum" in hp, "units" in hp, "nope" in hp)
    out["active"] = (hp.is_active("momentum"), hp.is_active("units"))
    out["values"] = dict(hp.values)
    return out


def under_both(values: dict | None = None) -> tuple[dict, dict]:
    theirs = kt.HyperParameters()
    theirs.values.update(values or {})
    return everything(HyperParameters(values)), everything(theirs)


def test_defaults_are_keras_tuners():
    ours, theirs = under_both()
    assert ours == theirs
    assert (ours["units"], ours["wide"], ours["rate"], ours["size"]) == (32, 64, 0.2, 32)
    assert (ours["act"], ours["flags"], ours["dropout"], ours["momentum"]) == ("relu", 1, False,
                                                                               None)


@pytest.mark.parametrize("values", [
    {"units": 96, "layers": 3, "act": "tanh", "opt": "sgd", "momentum": 0.5, "w2": 7,
     "block/units": 6, "flags": 0, "lr": 0.003, "dropout": True},
    {"opt": "sgd", "momentum": 0.1, "layers": 2, "size": 64},  # deep's scope stays closed
    {"opt": "adam", "act": "tanh", "rate": 0.4},  # every conditional one inactive
])
def test_the_same_function_gets_the_same_values_under_both(values):
    ours, theirs = under_both(values)
    assert ours == theirs
    assert all(ours[k] == v for k, v in values.items() if k in ours and k != "w2")


def test_what_a_build_declared_is_recorded_in_order_with_its_activity():
    hp = HyperParameters({"opt": "adam"})
    everything(hp)
    names = [d.name for d in hp.space]
    assert names[:3] == ["units", "layers", "doubling"] and "block/units" in names
    assert names.count("act") == 1 and names[-1] == "w0"
    calls = {c.declared.name: c.active for c in hp.calls}
    assert calls["momentum"] is False and calls["units"] is True
    assert [c.declared.name for c in hp.calls].count("act") == 2  # asked for twice
    momentum = next(d for d in hp.space if d.name == "momentum")
    assert [(c.name, c.values) for c in momentum.conditions] == [("opt", ("sgd",))]
    copy = hp.copy()
    assert copy.values == hp.values and copy.space == hp.space and copy is not hp


def _raised(make, hp):
    with pytest.raises(Exception) as info:
        make(hp)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("make", [
    lambda hp: hp.Int("n", 5, 1),
    lambda hp: hp.Int("n", 1.5, 4),
    lambda hp: hp.Int("n", 0, 8, sampling="log"),
    lambda hp: hp.Int("n", 1, 8, step=1, sampling="log"),
    lambda hp: hp.Int("n", 1, 8, sampling="cubic"),
    lambda hp: hp.Float("x", 0.0, 1.0, sampling="reverse_log"),
    lambda hp: hp.Choice("c", []),
    lambda hp: hp.Choice("c", [1, "a"]),
    lambda hp: hp.Choice("c", [[1], [2]]),
    lambda hp: hp.Choice("c", ["a", "b"], default="z"),
    lambda hp: hp.Choice("c", ["a", "b"], ordered=True),
    lambda hp: hp.Boolean("b", default="yes"),
    lambda hp: hp.Fixed("f", [1]),
    lambda hp: hp.Int("n", 1, 4, parent_name="missing", parent_values=[1]),
    lambda hp: (hp.Choice("c", ["a"]), hp.Int("c", 1, 2, parent_name="c", parent_values="a")),
    lambda hp: hp.get("never"),
    lambda hp: (hp.Choice("c", ["a", "b"]), hp.Int("n", 1, 2, parent_name="c",
                                                   parent_values="b"), hp.get("n")),
], ids=["min>max", "fraction", "log-from-0", "log-step-1", "sampling", "reverse-log-from-0",
        "no-values", "mixed-types", "lists", "default-not-a-choice", "ordered-strings",
        "bool-default", "fixed-list", "unknown-parent", "own-parent", "get-unknown",
        "get-inactive"])
def test_mistakes_raise_keras_tuners_exceptions(make):
    assert _raised(make, HyperParameters()) == _raised(make, kt.HyperParameters())


def test_a_config_names_a_scoped_hyperparameter_by_its_gene():
    assert gene_name("block/units") == "block_units" and gene_name("units") == "units"
    assert gene_name("1st layer") == "hp_1st_layer"
    hp = HyperParameters({"block_units": 6})
    with hp.name_scope("block"):
        assert hp.Int("units", 4, 8) == 6
    assert hp.values == {"block/units": 6}
