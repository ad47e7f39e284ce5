"""Properties of every space, checked on randomly built ones (hypothesis).

Spaces mix Int/Float (linear and log, on a grid of steps or not), Choice, Bool and Fixed genes,
a Repeat with one to three genes (fixed or variable count) and a gene conditional on a Choice (at
the top level and inside the repeated block). The checks use only the documented genome layout
(declaration order; a Repeat is its count slot, then ``max_count`` blocks) and the decoded
configs, so they hold for any implementation of the space.
"""

from __future__ import annotations

import copy
import itertools
import math
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evohpo.space import Bool, Choice, Fixed, Float, Grid, Int, Repeat, Space, config_key

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
MISSING = object()
NATIVE = (int, float, str, bool, type(None))
CONTROL_VALUES = ["a", "b", "c"]

scalars = st.one_of(
    st.text(max_size=4), st.integers(-100, 100), st.booleans(), st.none(),
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)


@st.composite
def int_genes(draw, when=None):
    if draw(st.booleans()):
        low = draw(st.integers(1, 1000))
        high = draw(st.integers(low + 1, low * 1000))
        span = math.log2(high) - math.log2(low)
        log = True
    else:
        low = draw(st.integers(-1000, 1000))
        high = draw(st.integers(low + 1, low + 2000))
        span, log = high - low, False
    sigma = draw(st.one_of(st.none(), st.floats(0.05, 1.0).map(lambda f: f * span)))
    step = None
    if draw(st.booleans()):  # on a grid: a factor on a log scale, else an increment
        step = (draw(st.integers(2, max(2, high // low))) if log and high >= 2 * low
                else None if log else draw(st.integers(1, high - low)))
    return Int(low, high, log=log, sigma=sigma, step=step, when=when)


@st.composite
def float_genes(draw, when=None):
    if draw(st.booleans()):
        low = draw(st.floats(1e-6, 1e3))
        high = low * draw(st.floats(1.01, 1e4))
        span, log = math.log10(high) - math.log10(low), True
    else:
        low = draw(st.floats(-1e3, 1e3, allow_subnormal=False))
        high = low + max(abs(low), 1.0) * draw(st.floats(1e-3, 10.0))
        span, log = high - low, False
    sigma = draw(st.one_of(st.none(), st.floats(0.05, 1.0).map(lambda f: f * span)))
    step = None
    if draw(st.booleans()):  # on a grid: a factor on a log scale, else an increment
        fraction = draw(st.floats(0.05, 1.0))
        step = (high / low) ** fraction if log else (high - low) * fraction
    return Float(low, high, log=log, sigma=sigma, step=step, when=when)


@st.composite
def choice_genes(draw, when=None):
    values = draw(st.lists(scalars, min_size=1, max_size=5,
                           unique_by=lambda v: (type(v).__name__, v)))
    return Choice(values, ordered=draw(st.booleans()), when=when)


def plain_genes(when=None):
    return st.one_of(
        int_genes(when), float_genes(when), choice_genes(when), st.just(Bool(when=when)),
        scalars.map(lambda v: Fixed(v, when=when)),
    )


@st.composite
def spaces(draw):
    genes = {f"g{i}": draw(plain_genes()) for i in range(draw(st.integers(0, 3)))}
    conditional = draw(st.booleans())
    allowed = draw(st.lists(st.sampled_from(CONTROL_VALUES), min_size=1, max_size=2, unique=True))
    if conditional:
        genes["ctrl"] = Choice(CONTROL_VALUES)
        genes["cond"] = draw(plain_genes(when={"ctrl": allowed}))
    if draw(st.booleans()) or not genes:
        block = {f"b{j}": draw(plain_genes()) for j in range(draw(st.integers(1, 3)))}
        if conditional and draw(st.booleans()):
            block["bc"] = draw(plain_genes(when={"ctrl": allowed}))
        low = draw(st.integers(0, 2))
        count = draw(st.one_of(st.integers(0, 3), st.integers(low + 1, 3).map(
            lambda high: Int(low, high))))
        genes["rep"] = Repeat(count, **block)
    order = draw(st.permutations(list(genes)))  # declaration order must not matter
    return Space(**{name: genes[name] for name in order})


seeds = st.integers(0, 2**32 - 1)


# -- the documented layout, walked independently of the implementation ----------------------------
def slots(space: Space) -> list[tuple[object, tuple]]:
    """(gene, path) for every slot of the genome, in order."""
    out = []
    for name, gene in space.genes.items():
        if isinstance(gene, Repeat):
            if isinstance(gene.count, Int):
                out.append((gene.count, ("count", name)))
            for j in range(gene.max_count):
                out += [(g, ("block", name, j, n)) for n, g in gene.genes.items() if g.width]
        elif gene.width:
            out.append((gene, ("gene", name)))
    assert len(out) == space.length
    return out


def value_at(config: dict, path: tuple) -> object:
    """What the decoded config says about one slot's gene; MISSING when it is not there."""
    kind, name = path[0], path[1]
    if name not in config:
        return MISSING
    if kind == "gene":
        return config[name]
    if kind == "count":
        return len(config[name])
    j, sub = path[2], path[3]
    blocks = config[name]
    return blocks[j].get(sub, MISSING) if j < len(blocks) else MISSING


def assert_slots_valid(space: Space, genome) -> None:
    for (gene, path), v in zip(slots(space), genome, strict=True):
        if isinstance(gene, Int):
            assert type(v) is int and gene.low <= v <= gene.high, (path, v)
        elif isinstance(gene, Float):
            lo, hi = (math.log10(gene.low), math.log10(gene.high)) if gene.log else (
                gene.low, gene.high)
            assert type(v) is float and lo <= v <= hi, (path, v)
        elif isinstance(gene, Choice):
            assert type(v) is int and 0 <= v < len(gene.values), (path, v)
        else:
            assert isinstance(gene, Bool) and type(v) is int and v in (0, 1), (path, v)


def assert_config_valid(space: Space, config: dict) -> None:
    def walk(c):
        for value in c.values():
            if isinstance(value, list):
                for block in value:
                    walk(block)
            else:
                assert type(value) in NATIVE, value

    walk(config)
    assert space.decode(space.encode(config)) == config


def can_change(gene) -> bool:
    return not (isinstance(gene, Choice) and len(gene.values) == 1)


# -- properties -----------------------------------------------------------------------------------
@SETTINGS
@given(space=spaces(), seed=seeds, indpb=st.floats(0.0, 1.0))
def test_sample_mutate_crossover_keep_every_slot_in_type_and_bounds(space, seed, indpb):
    rng = random.Random(seed)
    a, b = space.sample(rng), space.sample(rng)
    for genome in (a, b):
        assert_slots_valid(space, genome)
    for _ in range(3):
        space.mutate(a, rng, indpb)
        space.crossover(a, b, rng)
        for genome in (a, b):
            assert len(genome) == space.length
            assert_slots_valid(space, genome)
            assert_config_valid(space, space.decode(genome))


@SETTINGS
@given(space=spaces(), seed=seeds)
def test_decode_encode_round_trip(space, seed):
    rng = random.Random(seed)
    for _ in range(5):
        config = space.decode(space.sample(rng))
        assert_config_valid(space, config)
        assert space.decode(space.encode(config)) == config
        assert Space.from_json(space.to_json()).decode(space.encode(config)) == config


@SETTINGS
@given(space=spaces(), seed=seeds)
def test_dormant_slots_never_change_the_key(space, seed):
    rng = random.Random(seed)
    genome, other = space.sample(rng), space.sample(rng)
    config = space.decode(genome)
    key = config_key(config)
    dormant = [i for i, (_, path) in enumerate(slots(space))
               if value_at(config, path) is MISSING]
    changed = list(genome)
    for i in dormant:
        changed[i] = other[i]
    assert config_key(space.decode(changed)) == key
    # encode with a filler: the active genes from the config, the dormant ones from the filler
    refilled = space.encode(config, filler=other)
    assert config_key(space.decode(refilled)) == key
    assert [refilled[i] for i in dormant] == [other[i] for i in dormant]


@SETTINGS
@given(space=spaces())
def test_every_gene_can_change_under_mutation(space):
    for i, (gene, path) in enumerate(slots(space)):
        if not can_change(gene):
            continue
        for seed in range(300):
            genome = space.sample(random.Random(seed))
            before = value_at(space.decode(genome), path)
            if before is MISSING:
                continue  # dormant here: look for a genome where it counts
            mutated = space.mutate(copy.deepcopy(genome), random.Random(seed), 1.0)
            spliced = list(genome)
            spliced[i] = mutated[i]
            if value_at(space.decode(spliced), path) != before:
                break
        else:
            raise AssertionError(f"mutation never changed {path} ({gene})")


@SETTINGS
@given(space=spaces(), seed=seeds)
def test_crossover_swaps_slots_and_mixes_parents(space, seed):
    rng = random.Random(seed)
    a, b = space.sample(rng), space.sample(rng)
    differ = [i for i in range(space.length) if a[i] != b[i]]
    mixed = False
    for s in range(30):
        c, d = copy.deepcopy(a), copy.deepcopy(b)
        space.crossover(c, d, random.Random(s))
        for i in range(space.length):  # every position keeps both parents' values
            assert sorted(map(repr, (c[i], d[i]))) == sorted(map(repr, (a[i], b[i])))
        from_a = any(c[i] == a[i] for i in differ)
        from_b = any(c[i] == b[i] for i in differ)
        mixed = mixed or (from_a and from_b)
    if len(differ) >= 2:
        assert mixed


# -- the grid against a brute-force enumeration ---------------------------------------------------
def _active(genes: dict, values: dict, outer: dict) -> dict:
    """Which genes count: every when= names a gene that counts and has an allowed value."""
    active: dict = {}

    def resolve(name):
        if name not in active:
            ok = True
            for ctrl, allowed in (genes[name].when or {}).items():
                if ctrl in genes:
                    ok = ok and resolve(ctrl) and values[ctrl] in allowed
                else:
                    ok = ok and ctrl in outer and outer[ctrl] in allowed
            active[name] = ok
        return active[name]

    for name in genes:
        resolve(name)
    return active


def brute_force_grid(space: Space, levels: int) -> set[str]:
    """Every config the grid should hold: all level combinations, dormant genes dropped,
    all blocks of a repeat sharing one setting (the documented grid), deduplicated."""
    axes = []
    for gene in space.genes.values():
        if isinstance(gene, Repeat):
            counts = [gene.count] if isinstance(gene.count, int) else gene.count.levels(levels)
            blocks = [dict(zip(gene.genes, combo)) for combo in
                      itertools.product(*(g.levels(levels) for g in gene.genes.values()))]
            axes.append([(n, blk) for n in counts for blk in (blocks if n else [{}])])
        else:
            axes.append(gene.levels(levels))
    keys = set()
    for combo in itertools.product(*axes):
        values = dict(zip(space.genes, combo))
        active = _active(space.genes, values, {})
        visible = {n: v for n, v in values.items() if active[n]}
        config = {}
        for name, gene in space.genes.items():
            if not active[name]:
                continue
            if isinstance(gene, Repeat):
                n, blk = values[name]
                on = _active(gene.genes, blk, visible)
                config[name] = [{k: v for k, v in blk.items() if on[k]} for _ in range(n)]
            else:
                config[name] = values[name]
        keys.add(config_key(config))
    return keys


def brute_force_work(space: Space, levels: int) -> int:
    total = 1
    for gene in space.genes.values():
        if isinstance(gene, Repeat):
            counts = [gene.count] if isinstance(gene.count, int) else gene.count.levels(levels)
            block = math.prod(len(g.levels(levels)) for g in gene.genes.values())
            total *= sum(block if n else 1 for n in counts)
        else:
            total *= len(gene.levels(levels))
    return total


@SETTINGS
@given(space=spaces(), levels=st.integers(1, 3))
def test_grid_enumerates_exactly_its_size_without_duplicates(space, levels):
    if brute_force_work(space, levels) > 3000:
        levels = 1  # fewer values per gene keep the enumeration small
    grid = Grid(space, levels)
    if brute_force_work(space, levels) <= 3000:
        keys = [config_key(grid.point(i)) for i in range(grid.size)]
        assert len(set(keys)) == grid.size
        assert set(keys) == brute_force_grid(space, levels)
    for i in range(0, grid.size, max(1, grid.size // 200)):
        assert_config_valid(space, grid.point(i))
