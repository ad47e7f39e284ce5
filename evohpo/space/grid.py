"""The grid over a space: every distinct config made of each gene's grid levels, by index.

How it enumerates what a plain product would not:

* **Numeric genes** take ``levels`` values (log spaced on log scales); choices and booleans
  take every value; Fixed genes their value.
* **Conditional genes** only multiply the grid where they count: the grid is a union of blocks,
  one per assignment of the genes that ``when=`` conditions test, and in each block a dormant
  gene takes no value. So no two grid points decode to the same config, and ``size`` is the
  exact number of distinct configs.
* **Repeated groups** vary their count over its levels, and all blocks of one point share one
  setting of the group's genes (every hidden layer gets the same width and activation), as
  grid searches are run in practice: per-block grids are astronomically large.

Points are computed from an index (mixed radix inside a block), so a grid of billions of points
is never materialised.
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

from ..errors import EvohpoError
from .conditions import _activity, _Scope
from .genes import Gene
from .repeat import Repeat
from .space import Config, Space

MAX_BLOCKS = 100_000  # assignments of the condition-testing genes; beyond that, refuse


def _referenced(genes: Mapping[str, Gene]) -> set[str]:
    """Genes of this group that some when= in it (or in its nested groups) tests."""
    names: set[str] = set()
    for gene in genes.values():
        names.update(n for n in (gene.when or {}) if n in genes)
        if isinstance(gene, Repeat):
            names.update(n for n in _outer_refs(gene.genes) if n in genes)
    return names


def _outer_refs(genes: Mapping[str, Gene]) -> set[str]:
    refs: set[str] = set()
    for gene in genes.values():
        refs.update(n for n in (gene.when or {}) if n not in genes)
        if isinstance(gene, Repeat):
            refs.update(n for n in _outer_refs(gene.genes) if n not in genes)
    return refs


class _Axis:
    """One gene's values inside one block of the grid."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.size = len(values)

    def value(self, i: int) -> Any:
        return self.values[i]


class _RepeatAxis:
    def __init__(self, gene: Repeat, levels: int, scope: _Scope) -> None:
        counts = [gene.count] if isinstance(gene.count, int) else gene.count.levels(levels)
        self.block = _GroupGrid(gene.genes, levels, scope)
        self.counts = counts
        sizes = [1 if c == 0 else self.block.size for c in counts]
        self.starts = [sum(sizes[:i]) for i in range(len(sizes))]
        self.size = sum(sizes)

    def value(self, i: int) -> list[Config]:
        k = bisect_right(self.starts, i) - 1
        count = self.counts[k]
        if count == 0:
            return []
        block = self.block.point(i - self.starts[k])
        return [copy.deepcopy(block) for _ in range(count)]


class _GroupGrid:
    def __init__(self, genes: Mapping[str, Gene], levels: int, parent: _Scope | None) -> None:
        self.genes = genes
        controllers = [n for n in genes if n in _referenced(genes)]
        assignments: list[dict[str, Any]] = [{}]
        for name in _topological(genes, controllers):
            grown: list[dict[str, Any]] = []
            for a in assignments:
                if _activity(genes, a, parent).get(name) and self._active_alone(name, a, parent):
                    grown += [{**a, name: v} for v in genes[name].levels(levels)]
                else:
                    grown.append(a)
            if len(grown) > MAX_BLOCKS:
                raise EvohpoError(f"the grid has over {MAX_BLOCKS:,} condition blocks; give the "
                                  "genes that when= tests fewer values")
            assignments = grown
        self.blocks: list[tuple[dict[str, Any], list[tuple[str, Any]]]] = []
        sizes = []
        for a in assignments:
            active = _activity(genes, a, parent)
            scope = _Scope(a, {k: True for k in a}, parent)
            axes: list[tuple[str, Any]] = []
            for name, gene in genes.items():
                if name in controllers or not active[name]:
                    continue
                axis = (_RepeatAxis(gene, levels, scope) if isinstance(gene, Repeat)
                        else _Axis(gene.levels(levels)))
                axes.append((name, axis))
            self.blocks.append((a, axes))
            sizes.append(math.prod(ax.size for _, ax in axes))
        self.starts = [sum(sizes[:i]) for i in range(len(sizes))]
        self.size = sum(sizes)

    def _active_alone(self, name: str, assignment: Mapping[str, Any],
                      parent: _Scope | None) -> bool:
        """A controller counts only if the controllers it depends on are already assigned."""
        return all(c in assignment or c not in self.genes for c in self.genes[name].when or {})

    def point(self, index: int) -> Config:
        k = bisect_right(self.starts, index) - 1
        assignment, axes = self.blocks[k]
        index -= self.starts[k]
        picked: dict[str, Any] = {}
        for name, axis in reversed(axes):
            index, r = divmod(index, axis.size)
            picked[name] = axis.value(r)
        return {n: assignment[n] if n in assignment else picked[n]
                for n in self.genes if n in assignment or n in picked}


def _topological(genes: Mapping[str, Gene], names: list[str]) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for ctrl in genes[name].when or {}:
            if ctrl in genes and ctrl in names:
                visit(ctrl)
        order.append(name)

    for name in names:
        visit(name)
    return order


class Grid:
    """``size`` distinct configs of ``space`` at ``levels`` levels; ``point(i)`` is the i-th."""

    def __init__(self, space: Space, levels: int = 3) -> None:
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
            raise EvohpoError(f"levels must be a whole number >= 1, got {levels!r}")
        self.space, self.levels = space, levels
        self._root = _GroupGrid(space.genes, levels, None)
        self.size = self._root.size

    def point(self, index: int) -> Config:
        if not 0 <= index < self.size:
            raise IndexError(f"grid index {index} outside [0, {self.size})")
        return self._root.point(index)
