"""Example spaces shared by the tests of evohpo/space/ (not a test module)."""

from __future__ import annotations

from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Int,
    Repeat,
    Space,
)


def make_space() -> Space:
    """Every gene type: a repeated group with a variable count, a conditional gene, a constant.

    Genome layout (declaration order): [n_conv, filters_1, kernel_1, filters_2, kernel_2,
    filters_3, kernel_3, optimizer, momentum, lr, bn]; epochs is Fixed and owns no slot.
    """
    return Space(
        conv=Repeat(Int(0, 3), filters=Choice([8, 16, 32], ordered=True), kernel=Int(1, 7)),
        optimizer=Choice(["adam", "sgd"]),
        momentum=Float(0.0, 0.99, when={"optimizer": "sgd"}),
        lr=Float(1e-4, 1e-1, log=True),
        bn=Bool(),
        epochs=Fixed(3),
    )


SPACE = make_space()


NESTED = Space(opt=Choice(["adam", "sgd"]),
               outer=Repeat(Int(1, 2), kind=Choice(["d", "c"]),
                            inner=Repeat(1, drop=Float(0.0, 0.5, when={"opt": "adam"}),
                                         k=Int(1, 3, when={"kind": "c"}))))
