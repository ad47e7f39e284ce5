"""Conditional genes (``when=``): which genes of a group count, and checking the conditions.

``when={"optimizer": "sgd"}`` makes a gene count only when that gene (in the same group or an
enclosing one) has one of the listed values. ``_activity`` resolves it for one group of decoded
values; ``_check_conditions`` refuses, when a space is built, a condition naming an unknown or
untestable gene, a value the gene can never take, or a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import EvohpoError
from .genes import Bool, Choice, Fixed, Gene, Int
from .repeat import Repeat

_CONTROLLERS = (Int, Choice, Bool, Fixed)  # genes a when= may test


@dataclass(frozen=True)
class _Scope:
    """Decoded values of one group, and the enclosing group's scope, for resolving when=."""

    values: Mapping[str, Any]
    active: Mapping[str, bool]
    parent: _Scope | None = None

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.active.get(name, False), scope.values[name]
            scope = scope.parent
        return False, None


def _matches(value: Any, allowed: tuple[Any, ...]) -> bool:
    return any(type(value) is type(a) and value == a or (
        not isinstance(value, bool) and not isinstance(a, bool) and value == a) for a in allowed)


def _activity(genes: Mapping[str, Gene], values: Mapping[str, Any],
              parent: _Scope | None) -> dict[str, bool]:
    """Which genes of a group count, given the raw values of its controllers."""
    active: dict[str, bool] = {}

    def resolve(name: str) -> bool:
        if name not in active:
            gene = genes[name]
            ok = True
            for ctrl, allowed in (gene.when or {}).items():
                if ctrl in genes:
                    ok = ok and resolve(ctrl) and _matches(values.get(ctrl), allowed)
                else:
                    on, value = parent.lookup(ctrl) if parent else (False, None)
                    ok = ok and on and _matches(value, allowed)
            active[name] = ok
        return active[name]

    for name in genes:
        resolve(name)
    return active


def _when_text(gene: Gene) -> str:
    parts = []
    for ctrl, allowed in (gene.when or {}).items():
        shown = " or ".join(repr(a) for a in allowed)
        parts.append(f"{ctrl} is {shown}")
    return " and ".join(parts)


def _check_conditions(genes: Mapping[str, Gene], outer: tuple[Mapping[str, Gene], ...]) -> None:
    """Every when= names a reachable gene that can take one of the values; no cycles."""
    for name, gene in genes.items():
        for ctrl, allowed in (gene.when or {}).items():
            if ctrl == name:
                raise EvohpoError(f"gene {name!r} has a when= on itself; name another gene")
            target = genes.get(ctrl)
            for scope in reversed(outer):
                if target is None:
                    target = scope.get(ctrl)
            if target is None:
                known = ", ".join([*genes, *(n for s in outer for n in s)])
                raise EvohpoError(f"gene {name!r}: when= names unknown gene {ctrl!r}; "
                                  f"genes it can name: {known}")
            if not isinstance(target, _CONTROLLERS):
                raise EvohpoError(f"gene {name!r}: when= can test Int, Choice, Bool or Fixed "
                                  f"genes, and {ctrl!r} is a {type(target).__name__}")
            impossible = [a for a in allowed if not target.can_be(a)]
            if impossible:
                raise EvohpoError(f"gene {name!r}: when={{{ctrl!r}: {impossible[0]!r}}} can "
                                  f"never hold: {ctrl} cannot be {impossible[0]!r}")
        if isinstance(gene, Repeat):
            _check_conditions(gene.genes, (*outer, genes))
    _check_acyclic(genes)


def _check_acyclic(genes: Mapping[str, Gene]) -> None:
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise EvohpoError(f"when= conditions form a cycle: {' -> '.join([*path, name])}; "
                              "make one of them unconditional")
        state[name] = 1
        for ctrl in genes[name].when or {}:
            if ctrl in genes:
                visit(ctrl, [*path, name])
        state[name] = 2

    for name in genes:
        visit(name, [])
