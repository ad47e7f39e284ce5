"""A search space: named genes (and repeated groups of them) compiled to a flat DEAP genome.

``Space(conv=Repeat(Int(1, 3), filters=Choice([8, 16])), lr=Float(1e-4, 1e-1, log=True))``
lays its genes out once, in declaration order: a Repeat takes one slot for its count and
``max_count`` copies of its block, so every genome has the same length, two-point crossover of
any two genomes is again a valid genome, and blocks beyond the count (like dormant conditional
genes) are carried, not lost. ``decode`` gives the nested, JSON-safe config of the *active*
genes only, in native Python types: it is the one thing workers and build functions see.
The gene types live in :mod:`~evohpo.space.genes` and :mod:`~evohpo.space.repeat`, the ``when=``
logic in :mod:`~evohpo.space.conditions`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from deap import base, creator, tools

from ..errors import EvohpoError
from .conditions import _activity, _check_conditions, _Scope, _when_text
from .genes import Bool, Choice, Fixed, Float, Gene, Int
from .repeat import Repeat, _check_genes

# Defined at import of this module (not inside a function) so that a fresh joblib worker that
# unpickles an individual finds the classes; see DEAP issue 57. We still send workers plain dicts.
if not hasattr(creator, "EvohpoFitness"):
    creator.create("EvohpoFitness", base.Fitness, weights=(-1.0,))  # we minimise internally
if not hasattr(creator, "EvohpoIndividual"):
    creator.create("EvohpoIndividual", list, fitness=creator.EvohpoFitness)

Individual = creator.EvohpoIndividual
Config = dict[str, Any]


@contextmanager
def seeded_global_random(rng: random.Random) -> Iterator[random.Random]:
    """Run DEAP operators (which draw from the global ``random``) on ``rng``'s own stream.

    Yields the global generator: inside the block, draw only from it (drawing from ``rng``
    too would be overwritten when the state is handed back). Keeps every strategy's randomness
    private, seeded and checkpointable instead of global.
    """
    saved = random.getstate()
    random.setstate(rng.getstate())
    try:
        yield random._inst  # type: ignore[attr-defined]  # the generator behind random.random
    finally:
        rng.setstate(random.getstate())
        random.setstate(saved)


class Space:
    """Named genes in declaration order; see the module docstring."""

    def __init__(self, **genes: Gene) -> None:
        if not genes:
            raise EvohpoError("Space() has no genes; give at least one, e.g. lr=Float(1e-4, 1e-1)")
        self.genes: dict[str, Gene] = _check_genes(genes, "Space")
        _check_conditions(self.genes, ())
        self.columns: tuple[str, ...] = tuple(_columns(self.genes, ""))
        if len(set(self.columns)) != len(self.columns):
            dup = next(c for c in self.columns if self.columns.count(c) > 1)
            raise EvohpoError(f"two genes give the CSV column {dup!r}; rename one of them")
        self.length = sum(g.width for g in self.genes.values())

    # -- identity --------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"genes": {name: g.to_json() for name, g in self.genes.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Space:
        try:
            return cls(**{name: _gene_from_json(g) for name, g in data["genes"].items()})
        except (KeyError, TypeError, AttributeError) as exc:
            raise EvohpoError(f"not a saved evohpo space ({exc!r}); save one with "
                              "space.to_json()") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True))

    def __repr__(self) -> str:
        return f"Space({', '.join(self.genes)})"

    @property
    def n_genes(self) -> int:
        """Genes that can vary (every slot of the genome), for mutation rates."""
        return self.length

    # -- sample / vary -----------------------------------------------------------------------
    def sample(self, rng: random.Random) -> Individual:
        """A random genome: each gene from its own prior (log-uniform on log scales)."""
        slots: list[Any] = []
        for gene in _leaves(self.genes):
            slots += gene.sample(rng)
        return Individual(slots)

    def mutate(self, ind: Individual, rng: random.Random, indpb: float) -> Individual:
        """Each slot-owning gene (dormant ones too) mutates with probability ``indpb``."""
        pos = 0
        with seeded_global_random(rng) as g:
            for gene in _leaves(self.genes):
                w = gene.width
                if w and g.random() < indpb:
                    ind[pos:pos + w] = gene.mutate(list(ind[pos:pos + w]), g)
                pos += w
        del ind.fitness.values
        return ind

    def crossover(self, a: Individual, b: Individual, rng: random.Random) -> None:
        """Two-point crossover in place (DEAP ``cxTwoPoint``); every position keeps its type."""
        with seeded_global_random(rng):
            if len(a) >= 2:
                tools.cxTwoPoint(a, b)
            else:
                tools.cxUniform(a, b, 0.5)
        del a.fitness.values
        del b.fitness.values

    # -- decode / encode ---------------------------------------------------------------------
    def decode(self, ind: Sequence[Any]) -> Config:
        """Genome -> the nested config of the active genes (JSON-safe, native types)."""
        if len(ind) != self.length:
            raise EvohpoError(f"genome has {len(ind)} slots, this space {self.length}; "
                              "it belongs to another space")
        config, _ = _decode_group(self.genes, list(ind), 0, None)
        return config

    def encode(self, config: Mapping[str, Any], filler: Sequence[Any] | None = None
               ) -> Individual:
        """Config -> genome (to seed known configs). Genes the config does not use (dormant,
        blocks beyond the count) copy ``filler``'s slots, or take a default."""
        if not isinstance(config, Mapping):
            raise EvohpoError(f"a config is a dict of gene values, got {config!r}")
        if filler is not None and len(filler) != self.length:
            raise EvohpoError("filler genome belongs to another space")
        return Individual(_encode_group(self.genes, config, None, filler, 0, "config"))

    def active_slots(self, ind: Sequence[Any]) -> list[tuple[int, Gene]]:
        """Where each gene that counts in ``ind`` starts, with the gene (a Repeat's count, and
        the genes of its blocks within the count): what a one-gene mutation may change so
        that the network changes. Fixed genes own no slot and are left out."""
        if len(ind) != self.length:
            raise EvohpoError(f"genome has {len(ind)} slots, this space {self.length}; "
                              "it belongs to another space")
        out: list[tuple[int, Gene]] = []
        _active_group(self.genes, list(ind), 0, None, out)
        return out

    def flatten(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Config -> {CSV column: value}; dormant genes and missing blocks are None."""
        out: dict[str, Any] = dict.fromkeys(self.columns)
        _flatten(self.genes, config, "", out)
        return out


# -- helpers over a group of genes (the space's top level, or one Repeat block) ---------------
def _leaves(genes: Mapping[str, Gene]) -> Iterator[Gene]:
    """Every slot-owning gene in genome order (a Repeat's count, then each block's genes)."""
    for gene in genes.values():
        if isinstance(gene, Repeat):
            if isinstance(gene.count, Int):
                yield gene.count
            for _ in range(gene.max_count):
                yield from _leaves(gene.genes)
        else:
            yield gene


def _decode_group(genes: Mapping[str, Gene], slots: list[Any], pos: int,
                  parent: _Scope | None) -> tuple[Config, int]:
    values: dict[str, Any] = {}
    spans: dict[str, tuple[int, int]] = {}
    for name, gene in genes.items():
        spans[name] = (pos, pos + gene.width)
        if not isinstance(gene, Repeat):
            values[name] = gene.decode(slots[pos:pos + gene.width])
        pos += gene.width
    active = _activity(genes, values, parent)
    scope = _Scope(values, active, parent)
    config: Config = {}
    for name, gene in genes.items():
        if not active[name]:
            continue
        start, _ = spans[name]
        if isinstance(gene, Repeat):
            count = gene.count if isinstance(gene.count, int) else int(slots[start])
            p = start + gene._count_width
            blocks = []
            for _ in range(count):
                block, _ = _decode_group(gene.genes, slots, p, scope)
                blocks.append(block)
                p += gene.block_width
            config[name] = blocks
        else:
            config[name] = values[name]
    return config, pos


def _active_group(genes: Mapping[str, Gene], slots: list[Any], pos: int,
                  parent: _Scope | None, out: list[tuple[int, Gene]]) -> None:
    """``_decode_group``'s walk, collecting the slot-owning genes that count."""
    values: dict[str, Any] = {}
    starts: dict[str, int] = {}
    for name, gene in genes.items():
        starts[name] = pos
        if not isinstance(gene, Repeat):
            values[name] = gene.decode(slots[pos:pos + gene.width])
        pos += gene.width
    active = _activity(genes, values, parent)
    scope = _Scope(values, active, parent)
    for name, gene in genes.items():
        start = starts[name]
        if not active[name] or not gene.width:
            continue
        if not isinstance(gene, Repeat):
            out.append((start, gene))
            continue
        if isinstance(gene.count, Int):
            out.append((start, gene.count))
        count = gene.count if isinstance(gene.count, int) else int(slots[start])
        for i in range(count):
            _active_group(gene.genes, slots, start + gene._count_width + i * gene.block_width,
                          scope, out)


def _encode_group(genes: Mapping[str, Gene], config: Mapping[str, Any], parent: _Scope | None,
                  filler: Sequence[Any] | None, pos: int, where: str) -> list[Any]:
    unknown = [k for k in config if k not in genes]
    if unknown:
        raise EvohpoError(f"{where} has unknown key {unknown[0]!r}; the genes here are: "
                          f"{', '.join(genes)}")
    values = {n: config[n] for n, g in genes.items() if n in config and not isinstance(g, Repeat)}
    for name, gene in genes.items():
        if name not in config and not isinstance(gene, Repeat) and gene.when is None:
            if isinstance(gene, Fixed):
                values[name] = gene.value
    active = _activity(genes, values, parent)
    scope = _Scope(values, active, parent)
    out: list[Any] = []
    for name, gene in genes.items():
        w, label = gene.width, f"{where}[{name!r}]"
        fill = list(filler[pos:pos + w]) if filler is not None else None
        if name in config and not active[name]:
            raise EvohpoError(f"{label} is given, but that gene only counts when "
                              f"{_when_text(gene)}; leave it out")
        if name not in config:
            if active[name] and not isinstance(gene, Fixed):
                raise EvohpoError(f"{label} is missing; give a value for it")
            out += fill if fill is not None else _default(gene)
        elif isinstance(gene, Repeat):
            out += _encode_repeat(gene, config[name], scope, fill, label)
        else:
            out += gene.encode(config[name], label)
        pos += w
    return out


def _encode_repeat(gene: Repeat, blocks: Any, scope: _Scope, fill: list[Any] | None,
                   label: str) -> list[Any]:
    if not isinstance(blocks, list | tuple) or not all(isinstance(b, Mapping) for b in blocks):
        raise EvohpoError(f"{label} must be a list of dicts (one per block), got {blocks!r}")
    out: list[Any] = []
    if isinstance(gene.count, int):
        if len(blocks) != gene.count:
            raise EvohpoError(f"{label} has {len(blocks)} blocks; the space fixes {gene.count}")
    else:
        out += gene.count.encode(len(blocks), f"len({label})")
    p = gene._count_width
    for i in range(gene.max_count):
        sub_fill = fill[p:p + gene.block_width] if fill is not None else None
        if i < len(blocks):
            out += _encode_group(gene.genes, blocks[i], scope, sub_fill, 0, f"{label}[{i}]")
        elif sub_fill is not None:
            out += sub_fill
        elif blocks and gene.block_width:  # an unused block copies the last used one, so
            out += out[-gene.block_width:]    # growing the count later is a gentle change
        else:
            out += _default_block(gene)
        p += gene.block_width
    return out


def _default(gene: Gene) -> list[Any]:
    if isinstance(gene, Repeat):
        count = [] if isinstance(gene.count, int) else gene.count.default_slots()
        return count + _default_block(gene) * gene.max_count
    return gene.default_slots()


def _default_block(gene: Repeat) -> list[Any]:
    return [s for g in gene.genes.values() for s in _default(g)]


def _columns(genes: Mapping[str, Gene], prefix: str) -> Iterator[str]:
    for name, gene in genes.items():
        if isinstance(gene, Repeat):
            yield f"{prefix}n_{name}"
            for i in range(1, gene.max_count + 1):
                yield from _columns(gene.genes, f"{prefix}{name}_{i}_")
        else:
            yield f"{prefix}{name}"


def _flatten(genes: Mapping[str, Gene], config: Mapping[str, Any], prefix: str,
             out: dict[str, Any]) -> None:
    for name, gene in genes.items():
        if name not in config:
            continue
        if isinstance(gene, Repeat):
            out[f"{prefix}n_{name}"] = len(config[name])
            for i, block in enumerate(config[name], 1):
                _flatten(gene.genes, block, f"{prefix}{name}_{i}_", out)
        else:
            out[f"{prefix}{name}"] = config[name]


def _gene_from_json(data: Mapping[str, Any]) -> Gene:
    kind = data["type"]
    when = data.get("when")
    if kind == "int":
        return Int(data["low"], data["high"], log=data["log"], sigma=data.get("sigma"),
                   step=data.get("step"), when=when)
    if kind == "float":
        return Float(data["low"], data["high"], log=data["log"], sigma=data.get("sigma"),
                     step=data.get("step"), when=when)
    if kind == "choice":
        return Choice(tuple(data["values"]), ordered=data["ordered"], when=when)
    if kind == "bool":
        return Bool(when=when)
    if kind == "fixed":
        return Fixed(data["value"], when=when)
    if kind == "repeat":
        count = data["count"]
        count = count if isinstance(count, int) else _gene_from_json(count)
        genes = {k: _gene_from_json(v) for k, v in data["genes"].items()}
        return Repeat(count, when=when, **genes)
    raise EvohpoError(f"unknown gene type {kind!r} in a saved space")


def config_key(config: Mapping[str, Any]) -> str:
    """Canonical text of a config: equal keys mean the same network will be trained."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def describe(config: Mapping[str, Any]) -> str:
    """One readable line, e.g. ``layers=[64 relu, 32 tanh] optimizer=adam learning_rate=0.001``."""
    parts = []
    for name, value in config.items():
        if isinstance(value, list):
            blocks = ", ".join(" ".join(_fmt(v) for v in b.values()) if isinstance(b, Mapping)
                               else _fmt(b) for b in value)
            parts.append(f"{name}=[{blocks}]")
        else:
            parts.append(f"{name}={_fmt(value)}")
    return " ".join(parts)


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
