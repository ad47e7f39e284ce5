"""``--bench`` and ``--function`` for ``evohpo search`` and ``evohpo compare``: the black box
they name (a tabular benchmark, or a Python function of a config in a file) and its space,
with every flag that only means something for a Keras model refused by name."""

from __future__ import annotations

import argparse

from ..blackbox import BlackBox
from ..errors import EvohpoError
from ..space import Space
from .args import MLP_FLAGS, load_space

# flags of a trained model, refused with a black box (each default is None or False)
MODEL_FLAGS = ("model", "fit", "epochs", "kind", "impute", *MLP_FLAGS)


def add_box_args(p: argparse.ArgumentParser) -> None:
    from .. import tabular

    g = p.add_argument_group("a black box instead of a task (nothing is trained)")
    g.add_argument("--bench", default=None, metavar="NAME",
                   help="a tabular benchmark dataset (the tabular extra), with its own space "
                        f"and objective: {', '.join(tabular.NAMES)}")
    g.add_argument("--function", default=None, metavar="FILE.py:NAME",
                   help="a function config -> float or dict of scores (or an evohpo.BlackBox) "
                        "to tune; its --space defaults to SPACE in that file, and a float "
                        "needs --objective NAME:min|max")


def box_from_args(args: argparse.Namespace) -> BlackBox | None:
    """The black box of ``--bench`` or ``--function``; None for ``--task``. Exactly one of
    the three is given; a model's flag beside a black box is an error naming it."""
    given = [f"--{name}" for name in ("task", "bench", "function") if getattr(args, name)]
    if len(given) != 1:
        raise EvohpoError(f"{' and '.join(given)} exclude each other; give one of them" if given
                          else "give what to evaluate: --task NAME (a Keras model is trained), "
                               "--bench NAME or --function FILE.py:NAME")
    if args.task:
        from ..tabular import NAMES

        if args.task in NAMES:
            raise EvohpoError(f"{args.task} is a tabular benchmark, not a task to train on: "
                              f"pass --bench {args.task}")
        return None
    flag = next((f for f in MODEL_FLAGS if getattr(args, f, None) not in (None, False)), None)
    if flag:
        raise EvohpoError(f"--{flag.replace('_', '-')} is for training Keras models, and "
                          f"{given[0]} evaluates a black box: leave it out")
    if args.bench:
        from .. import tabular

        if args.space:
            raise EvohpoError("--bench brings its benchmark's own space: leave --space out")
        return tabular.get(args.bench)
    return _function(args.function, args.space)


def _function(spec: str, space_spec: str | None) -> BlackBox:
    from ..model import load_object

    found = load_object(spec, "function")
    if not isinstance(found, BlackBox) and not callable(found):
        kind = type(found).__name__
        raise EvohpoError(f"--function {spec} is a {kind}, not a function of a config; point "
                          "it at that function (or an evohpo.BlackBox)")
    box = found if isinstance(found, BlackBox) else BlackBox(found, name=spec.rpartition(":")[2])
    if space_spec is None and box.space is not None:
        return box
    space = load_space(space_spec or spec.rpartition(":")[0] + ":SPACE")
    return box if box.space == space else _with_space(box, space)


def _with_space(box: BlackBox, space: Space) -> BlackBox:
    from dataclasses import replace

    if box.space is not None:
        raise EvohpoError(f"--space names another space than {box.name}'s own; leave --space "
                          "out")
    return replace(box, space=space)

