"""A repeated group of genes (layers, conv blocks) whose count is itself a gene.

A Repeat owns ``1 + max_count * block width`` slots of the genome (no count slot when the
count is fixed); :mod:`evohpo.space.space` lays them out and decodes them. ``_check_genes`` is
here because a Repeat's block is checked like a space's top level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import EvohpoError
from .genes import Bool, Choice, Fixed, Float, Gene, Int, _check_when


@dataclass(frozen=True)
class Repeat(Gene):
    """A group of genes repeated ``count`` times (layers, conv blocks); the count is a gene.

    ``Repeat(Int(1, 4), units=Int(4, 512, log=True), activation=Choice([...]))`` decodes to a
    list of 1-4 dicts ``{"units": ..., "activation": ...}``; ``Repeat(3, ...)`` fixes the count.
    """

    count: Int | int = 1
    genes: dict[str, Gene] = field(default_factory=dict)

    def __init__(self, count: Int | int, *, when: Mapping[str, Any] | None = None,
                 **genes: Gene) -> None:
        if isinstance(count, bool) or not isinstance(count, Int | int):
            raise EvohpoError(f"Repeat count must be an int or Int(low, high), got {count!r}")
        low = count if isinstance(count, int) else count.low
        if low < 0:
            raise EvohpoError(f"Repeat count must be >= 0, got {low}; a count is how many blocks")
        if isinstance(count, Int) and (count.log or count.step or count.when is not None):
            raise EvohpoError("Repeat count takes a plain Int(low, high) (no log=, step= or "
                              "when=)")
        if not genes:
            raise EvohpoError("Repeat(...) needs at least one gene, e.g. units=Int(4, 512)")
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "genes", _check_genes(genes, "Repeat"))
        object.__setattr__(self, "when", _check_when(when))

    @property
    def max_count(self) -> int:
        return self.count if isinstance(self.count, int) else self.count.high

    @property
    def _count_width(self) -> int:
        return 0 if isinstance(self.count, int) else 1

    @property
    def block_width(self) -> int:
        return sum(g.width for g in self.genes.values())

    @property
    def width(self) -> int:  # type: ignore[override]
        return self._count_width + self.max_count * self.block_width

    def to_json(self) -> dict[str, Any]:
        count = self.count if isinstance(self.count, int) else self.count.to_json()
        return {"type": "repeat", "count": count,
                "genes": {k: g.to_json() for k, g in self.genes.items()}, **self._when_json()}


_GENE_TYPES = (Int, Float, Choice, Bool, Fixed, Repeat)


def _check_genes(genes: Mapping[str, Any], where: str) -> dict[str, Gene]:
    out: dict[str, Gene] = {}
    for name, gene in genes.items():
        if not isinstance(gene, _GENE_TYPES):
            raise EvohpoError(
                f"{where} gene {name!r} is {gene!r}; use Int, Float, Choice, Bool, Fixed or "
                "Repeat (a plain value: Fixed(value))"
            )
        if not name.isidentifier():
            raise EvohpoError(f"gene name {name!r} is not a plain identifier; use letters, "
                              "digits and underscores")
        out[name] = gene
    return out
