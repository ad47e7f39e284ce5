"""A hypermodel's builds as typed genes and conditions (evohpo/hypermodels/mapping.py): log
scales, steps and ordered choices kept; KerasTuner's scopes as when=; a hyperparameter used
for some values only gets the controller that explains every build; so any config of the
space, replayed, uses exactly its genes. What cannot be expressed is a note or one line."""

from __future__ import annotations

import random

import pytest

from evohpo.hypermodels.explore import explore
from evohpo.hypermodels.hp import HyperParameters
from evohpo.hypermodels.mapping import to_space
from evohpo.space import Bool, Choice, Fixed, Float, Int
from tests._checks import error
from tests.hypermodels import fakes


def mapped(fn, **extra):
    return to_space(explore(fn), fn.__name__, extra)


def test_a_layer_count_and_a_gated_rate_become_conditions():
    out = mapped(fakes.loop)
    genes = out.space.genes
    assert list(genes) == ["num_layers", "units_0", "activation", "units_1", "units_2",
                           "units_3", "dropout", "rate", "lr"]
    assert genes["num_layers"] == Int(1, 4) and genes["units_0"] == Int(8, 64, step=8)
    assert genes["units_2"] == Int(8, 64, step=8, when={"num_layers": [3, 4]})
    assert genes["units_3"].when == {"num_layers": (4,)}
    assert genes["rate"] == Float(0.1, 0.5, when={"dropout": True})
    assert genes["lr"] == Float(1e-4, 1e-2, log=True) and genes["dropout"] == Bool()
    assert genes["activation"] == Choice(["relu", "tanh"]) and out.notes == ()


def test_branches_without_scopes_and_keras_tuners_scopes_give_nested_conditions():
    branches = mapped(fakes.branches).space.genes
    assert branches["convs"].when == {"kind": ("cnn",)}
    assert branches["filters_2"].when == {"convs": (3,)}  # and convs only counts for cnn
    assert branches["units"].when == {"kind": ("mlp",)}
    assert branches["filters_0"] == Choice([8, 16], ordered=True, when={"convs": [1, 2, 3]})
    scoped = mapped(fakes.scoped).space.genes
    assert scoped["filters_1"].when == {"kind": ("cnn",), "convs": (2,)}  # scope and count
    assert scoped["units"].when == {"kind": ("mlp",)}  # called either way, its scope decides
    assert scoped["momentum"] == Float(0.0, 0.9, step=0.3, when={"optimizer": "sgd"})


@pytest.mark.parametrize("fn", [fakes.loop, fakes.branches, fakes.scoped,
                                fakes.fails_for_big_counts])
def test_every_config_replayed_uses_exactly_its_genes(fn):
    space = mapped(fn).space
    rng = random.Random(0)
    for _ in range(60):
        config = space.decode(space.sample(rng))
        hp = HyperParameters(config)
        try:
            fn(hp)
        except ValueError:
            pass  # fails_for_big_counts raises after its last declaration, as built
        used = {c.declared.name for c in hp.calls if c.active}
        assert used == set(config), config


def test_what_no_single_condition_explains_is_always_searched_with_a_note():
    for fn in (fakes.xor, fakes.by_a_float):
        out = mapped(fn)
        assert out.space.genes["x"] == Int(1, 3)
        assert out.notes == ("hyperparameter 'x' is declared for some values of the others "
                             "only, in a way no single condition explains; it is searched "
                             "whenever its scope is active, as in KerasTuner",)


def test_settings_evohpo_searches_its_own_way_are_said_in_notes():
    out = mapped(fakes.odd_settings)
    genes = out.space.genes
    assert genes["wide"] == Int(1, 1000)  # reverse_log: a linear scale
    assert genes["one"] == Fixed(1) and genes["same"] == Fixed(4) and genes["only"] == Fixed("x")
    assert genes["fixed"] == Fixed("sgd") and genes["block_rate"] == Float(0.0, 1.0, step=0.25)
    assert genes["batch_size"] == Choice([16, 32], ordered=True)
    assert out.notes == (
        "hyperparameter 'wide': sampling='reverse_log' is searched on a linear scale (evohpo "
        "has no reverse-log scale)",
        "hyperparameter 'batch_size' is also the batch size evohpo trains with (a reserved "
        "name)")


def test_extra_genes_join_the_space_unless_the_hypermodel_declares_them():
    space = mapped(fakes.loop, batch_size=Choice([32, 64], ordered=True)).space
    assert list(space.genes)[-1] == "batch_size"
    assert error(lambda: mapped(fakes.loop, lr=Float(1e-3, 1e-1))) == (
        "loop declares 'lr' itself; leave it out of the extra genes (or rename the "
        "hyperparameter)")


def test_what_cannot_be_a_gene_is_one_line_naming_the_fix():
    assert error(lambda: mapped(fakes.two_scopes_one_name)) == (
        "hyperparameter 'units' is declared under two different conditions (kind in ['a'] and "
        "kind in ['b']); KerasTuner keeps them as two hyperparameters of one name, evohpo "
        "needs one name each: rename one")

    def clash(hp):
        with hp.name_scope("a"):
            hp.Int("b", 1, 2)
        hp.Int("a_b", 1, 2)

    assert error(lambda: mapped(clash)) == (
        "hyperparameters 'a/b' and 'a_b' make the same gene name 'a_b'; rename one of them")

    def under_a_float(hp):
        hp.Float("p", 0.0, 1.0)
        with hp.conditional_scope("p", [0.5]):
            hp.Int("x", 1, 2)

    assert error(lambda: mapped(under_a_float)) == (
        "hyperparameter 'x' is conditional on 'p', a Float; evohpo's conditions test Int, "
        "Choice, Boolean or Fixed hyperparameters: make it a Choice")


def test_a_scope_that_can_never_open_leaves_its_hyperparameters_out():
    def never(hp):
        hp.Choice("kind", ["mlp", "cnn"])
        with hp.conditional_scope("kind", ["rnn"]):
            hp.Int("cells", 1, 4)

    out = mapped(never)
    assert list(out.space.genes) == ["kind"]
    assert out.notes == ("hyperparameter 'cells' can never be active (its condition names "
                         "values its parent cannot take); it is left out",)


def test_a_second_declaration_with_other_settings_keeps_the_first_with_a_note():
    def wider_later(hp):
        big = hp.Boolean("big")
        hp.Int("units", 8, 128 if big else 64)

    out = mapped(wider_later)
    assert out.space.genes["units"] == Int(8, 64)
    assert out.notes == ("hyperparameter 'units' is declared with other settings in some "
                         "builds; the first declaration is searched (as in KerasTuner)",)
