"""From what a hypermodel's builds declared to evohpo's typed genes: one gene per
hyperparameter (log scales, steps and ordered choices kept), and when each one counts.

Conditions come from two places. KerasTuner's own (``conditional_scope``, ``parent_name``)
become ``when=`` as they are. A hyperparameter declared for some values only, without a scope
(a layer's width under a layer count, a rate under a Boolean), gets the one condition that
explains every build: a *controller* (an Int, Choice, Boolean or Fixed hyperparameter called
before it) whose values in the builds that used it never occur in the builds that did not:
``units_2`` counts when ``num_layers`` is 3 or 4. So a GA never varies a width the network
does not have, and two networks that differ only there are one network (a cache hit). When no
controller explains the builds, the gene counts whenever its scope is active, as it would in
KerasTuner, and a note says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..errors import EvohpoError
from ..space import Bool, Choice, Fixed, Float, Gene, Int, Space
from .explore import Build, Exploration, grid_values
from .hp import Declared, gene_name

RESERVED = {"batch_size": "the batch size", "epochs": "the epochs"}  # read by the engines


@dataclass(frozen=True)
class Mapped:
    """The space, and the notes worth a line each (what is searched differently)."""

    space: Space
    notes: tuple[str, ...]


def declarations(found: Exploration) -> tuple[dict[str, Declared], list[str]]:
    """The first declaration of every name, in the order the builds call them (a name first
    met in a later build is placed after the one called just before it); notes."""
    first: dict[str, Declared] = {}
    order: list[str] = []
    notes: list[str] = []
    for build in found.builds:
        previous: str | None = None
        for d in build.declared:
            known = first.get(d.name)
            if known is None:
                first[d.name] = d
                order.insert(order.index(previous) + 1 if previous else 0, d.name)
            elif d.conditions != known.conditions:
                raise EvohpoError(
                    f"hyperparameter {d.name!r} is declared under two different conditions "
                    f"({_scope_text(known)} and {_scope_text(d)}); KerasTuner keeps them as two "
                    "hyperparameters of one name, evohpo needs one name each: rename one")
            elif d.settings() != known.settings() and not any(d.name in n for n in notes):
                notes.append(f"hyperparameter {d.name!r} is declared with other settings in "
                             "some builds; the first declaration is searched (as in KerasTuner)")
            previous = d.name
    return {name: first[name] for name in order}, notes


def _scope_text(d: Declared) -> str:
    if not d.conditions:
        return "no condition"
    return " and ".join(f"{c.name} in {list(c.values)}" for c in d.conditions)


def base_gene(d: Declared) -> tuple[Gene, str]:
    """The gene of one declaration (no condition yet), and a note when it is searched
    differently from KerasTuner."""
    if d.kind == "Boolean":
        return Bool(), ""
    if d.kind == "Fixed" or (d.kind == "Choice" and len(d.values) == 1):
        return Fixed(d.values[0]), ""
    if d.kind == "Choice":
        return Choice(d.values, ordered=d.ordered), ""
    low, high, step, log = d.low, d.high, d.step, d.sampling == "log"
    note = ""
    if d.sampling == "reverse_log":
        step, note = None, (f"hyperparameter {d.name!r}: sampling='reverse_log' is searched on "
                            "a linear scale (evohpo has no reverse-log scale)")
    if low == high or (step is not None and (low * step if log else low + step) > high):
        return Fixed(low), note  # one value: KerasTuner can only ever give this one
    cls = Int if d.kind == "Int" else Float
    try:
        return cls(low, high, log=log, step=step), note
    except EvohpoError as exc:  # a grid too fine to list: the range itself
        return cls(low, high, log=log), f"hyperparameter {d.name!r} is searched without its " \
                                         f"step ({exc})"


def _value_key(value: Any) -> tuple[bool, Any]:
    return isinstance(value, bool), value  # True is not the value 1 here


def implicit(name: str, d: Declared, builds: list[Build],
             controllers: Mapping[str, Gene]) -> tuple[str, list[Any]] | None | bool:
    """The one controller that explains in which builds ``name`` was used: (controller,
    values); None when it was used in every build its scope allowed; False when no single
    controller explains the builds."""
    relevant = [b for b in builds if all(c.is_active(b.values) for c in d.conditions)]
    used = [b for b in relevant if name in b.used]
    # a build that raised used what it asked for before, and tells nothing about the rest
    unused = [b for b in relevant if name not in b.used and not b.error]
    if not unused or not used:
        return None
    found: list[tuple[int, str, list[Any]]] = []
    for ctrl, gene in controllers.items():
        if ctrl == name or any(b.used.get(ctrl, b.used[name]) >= b.used[name] for b in used):
            continue  # a controller is used, and called before, in every build that used name
        allowed = {_value_key(b.values[ctrl]): b.values[ctrl] for b in used}
        if any(ctrl in b.used and _value_key(b.values[ctrl]) in allowed for b in unused):
            continue
        values = sorted(allowed.values(), key=lambda v: _rank(gene, v))
        found.append((used[0].used[ctrl], ctrl, values))
    if not found:
        return False
    _, ctrl, values = max(found, key=lambda f: f[0])  # the one called last before name
    return ctrl, values


def _rank(gene: Gene, value: Any) -> Any:
    if isinstance(gene, Choice):
        return gene.values.index(value) if value in gene.values else len(gene.values)
    return value


def _controllers(declared: Mapping[str, Declared],
                 genes: Mapping[str, Gene]) -> dict[str, Gene]:
    """The genes a when= can test whose every value the exploration tried."""
    out = {}
    for name, gene in genes.items():
        d = declared[name]
        if isinstance(gene, Bool | Choice | Fixed) or (
                isinstance(gene, Int) and grid_values(d) is not None):
            out[name] = gene
    return out


def to_space(found: Exploration, name: str = "build_model",
             extra: Mapping[str, Gene] | None = None) -> Mapped:
    """The exploration as a Space (genes named by :func:`gene_name`) and its notes."""
    declared, notes = declarations(found)
    genes: dict[str, Gene] = {}
    for n, d in declared.items():
        genes[n], note = base_gene(d)
        if note:
            notes.append(note)
    controllers = _controllers(declared, genes)
    whens: dict[str, dict[str, list[Any]]] = {}
    for n, d in declared.items():
        when = _explicit(n, d, genes, whens)
        if when is None:
            notes.append(f"hyperparameter {n!r} can never be active (its condition names "
                         "values its parent cannot take); it is left out")
            continue
        rule = implicit(n, d, found.builds, controllers)
        if rule is False:
            notes.append(f"hyperparameter {n!r} is declared for some values of the others only, "
                         "in a way no single condition explains; it is searched whenever its "
                         "scope is active, as in KerasTuner")
        elif rule is not None:
            ctrl, values = rule
            when[ctrl] = [v for v in when.get(ctrl, values) if v in values]
        whens[n] = when
    for n in RESERVED:
        if n in whens:
            notes.append(f"hyperparameter {n!r} is also {RESERVED[n]} evohpo trains with "
                         "(a reserved name)")
    return Mapped(_space(whens, genes, extra or {}, name), tuple(notes))


def _explicit(name: str, d: Declared, genes: Mapping[str, Gene],
              whens: Mapping[str, Any]) -> dict[str, list[Any]] | None:
    """KerasTuner's conditions of ``name`` as when= (None: they can never hold)."""
    when: dict[str, list[Any]] = {}
    for condition in d.conditions:
        parent = genes[condition.name]
        if condition.name not in whens:
            return None  # its parent is never active
        if isinstance(parent, Float):
            raise EvohpoError(f"hyperparameter {name!r} is conditional on {condition.name!r}, a "
                              "Float; evohpo's conditions test Int, Choice, Boolean or Fixed "
                              "hyperparameters: make it a Choice")
        allowed = [v for v in condition.values if parent.can_be(v)]
        if condition.name in when:
            allowed = [v for v in when[condition.name] if v in allowed]
        if not allowed:
            return None
        when[condition.name] = allowed
    return when


def _space(whens: Mapping[str, dict[str, list[Any]]], genes: Mapping[str, Gene],
           extra: Mapping[str, Gene], name: str) -> Space:
    out: dict[str, Gene] = {}
    by_gene: dict[str, str] = {}
    for n, when in whens.items():
        g = gene_name(n)
        if g in by_gene:
            raise EvohpoError(f"hyperparameters {by_gene[g]!r} and {n!r} make the same gene "
                              f"name {g!r}; rename one of them")
        by_gene[g] = n
        out[g] = _with_when(genes[n], {gene_name(c): v for c, v in when.items()})
    clash = sorted(set(extra) & set(out))
    if clash:
        raise EvohpoError(f"{name} declares {clash[0]!r} itself; leave it out of the extra "
                          "genes (or rename the hyperparameter)")
    return Space(**out, **extra)


def _with_when(gene: Gene, when: dict[str, list[Any]]) -> Gene:
    return replace(gene, when=when) if when else gene
