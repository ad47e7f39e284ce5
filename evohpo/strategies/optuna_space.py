"""An evohpo space asked of an Optuna trial, define-by-run: only genes that count are suggested.

Optuna learns from named parameters with distributions; evohpo's genes map onto them once,
here:

* ``Int(low, high, log=)`` -> ``suggest_int`` (``IntDistribution``, log scale when the gene has
  one); ``Float(low, high, log=)`` -> ``suggest_float`` (``FloatDistribution``); a gene with a
  ``step`` -> ``suggest_int`` of the index of its value on ``gene.grid`` (exact grid values,
  neighbours alike, a log grid's index on its log scale);
* ``Choice(ordered=True)`` -> ``suggest_int`` of the value's *index*, so TPE's and CMA-ES's
  numeric kernels see that neighbours are alike (a tabular benchmark's unit counts, batch
  sizes); an unordered ``Choice`` and a ``Bool`` -> ``suggest_categorical`` (of the index, so
  values such as ``3`` and ``3.0`` stay distinct); ``Fixed`` is not a parameter;
* a ``Repeat`` suggests its count (``n_NAME``, its CSV column), then each block within the count
  (``NAME_1_units``, ...), so a layer's width is only a parameter when that layer exists.

A conditional gene (``when=``) is suggested only when its condition holds, after the genes it
names (the order within a group follows the conditions; a Repeat's blocks come after the plain
genes they may name), so Optuna's trials hold exactly the genes that count. Parameter names are
the genes' CSV columns, unique in a space by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..space import Bool, Choice, Config, Fixed, Float, Gene, Int, Repeat, Space
from ..space.conditions import _matches, _Scope


def suggest(trial: Any, space: Space) -> Config:
    """The config a trial proposes: its active genes, in the space's gene order."""
    return _group(trial, space.genes, "", None)


def is_dynamic(space: Space) -> bool:
    """Whether trials can hold different parameters (a ``when=`` gene, a Repeat whose count
    varies): Optuna's multivariate TPE then needs ``group=True``."""
    return _dynamic(space.genes)


def _dynamic(genes: Mapping[str, Gene]) -> bool:
    return any(g.when is not None or isinstance(g, Repeat) and (
        isinstance(g.count, Int) or _dynamic(g.genes)) for g in genes.values())


def _order(genes: Mapping[str, Gene]) -> list[str]:
    """Plain genes with each after the genes its ``when=`` names (the space refused cycles),
    then the Repeats, whose blocks may name any plain gene of this group."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for ctrl in genes[name].when or {}:
            if ctrl in genes:
                visit(ctrl)
        order.append(name)

    for name, gene in genes.items():
        if not isinstance(gene, Repeat):
            visit(name)
    return order + [n for n, g in genes.items() if isinstance(g, Repeat)]


def _group(trial: Any, genes: Mapping[str, Gene], prefix: str, parent: _Scope | None) -> Config:
    values: dict[str, Any] = {}
    active: dict[str, bool] = {}
    scope = _Scope(values, active, parent)  # filled as the genes are decided
    chosen: dict[str, Any] = {}
    for name in _order(genes):
        gene = genes[name]
        on = all(_holds(scope, ctrl, allowed) for ctrl, allowed in (gene.when or {}).items())
        active[name] = on
        if isinstance(gene, Repeat):
            if on:
                count = gene.count if isinstance(gene.count, int) else trial.suggest_int(
                    f"{prefix}n_{name}", gene.count.low, gene.count.high)
                chosen[name] = [_group(trial, gene.genes, f"{prefix}{name}_{i}_", scope)
                                for i in range(1, count + 1)]
            continue
        values[name] = _suggest(trial, f"{prefix}{name}", gene) if on else None
        if on:
            chosen[name] = values[name]
    return {name: chosen[name] for name in genes if name in chosen}


def _holds(scope: _Scope, ctrl: str, allowed: tuple[Any, ...]) -> bool:
    on, value = scope.lookup(ctrl)
    return on and _matches(value, allowed)


def _suggest(trial: Any, name: str, gene: Gene) -> Any:
    if isinstance(gene, Int | Float) and gene.grid:  # a stepped gene: the index of its value
        return gene.grid[trial.suggest_int(name, 0, len(gene.grid) - 1)]
    if isinstance(gene, Int):
        return trial.suggest_int(name, gene.low, gene.high, log=gene.log)
    if isinstance(gene, Float):
        return trial.suggest_float(name, gene.low, gene.high, log=gene.log)
    if isinstance(gene, Choice):
        indices = list(range(len(gene.values)))
        index = (trial.suggest_int(name, 0, len(indices) - 1) if gene.ordered
                 else trial.suggest_categorical(name, indices))
        return gene.values[index]
    if isinstance(gene, Bool):
        return trial.suggest_categorical(name, [False, True])
    if isinstance(gene, Fixed):
        return gene.value
    raise TypeError(f"no Optuna parameter for gene {gene!r}")  # Repeat is handled by _group
