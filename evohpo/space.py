"""The search space: which networks may be tried, and how their genomes sample, vary and decode.

A genome is a flat DEAP individual (a list) laid out as

    [n_layers, units_1, act_1, units_2, act_2, ..., units_L, act_L, optimizer, log10_lr, (batch)]

with L = the maximum depth. Per-layer genes beyond the active depth are carried but ignored, so
two-point crossover of any two genomes is again a valid genome. Choices are stored as integer
indices, so DEAP's ``mutUniformInt`` keeps them inside their list; widths mutate by a Gaussian
step on a log2 scale and the learning rate by a Gaussian step on a log10 scale, both clipped to
their bounds. Workers never see genomes: ``decode`` turns one into a plain config dict.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from deap import base, creator, tools

from .errors import EvohpoError

# Defined at import of this module (not inside a function) so that a fresh joblib worker that
# unpickles an individual finds the classes; see DEAP issue 57. We still send workers plain dicts.
if not hasattr(creator, "EvohpoFitness"):
    creator.create("EvohpoFitness", base.Fitness, weights=(-1.0,))  # we minimise internally
if not hasattr(creator, "EvohpoIndividual"):
    creator.create("EvohpoIndividual", list, fitness=creator.EvohpoFitness)

Individual = creator.EvohpoIndividual

KERAS_ACTIVATIONS: tuple[str, ...] = (
    "relu", "tanh", "sigmoid", "elu", "selu", "leaky_relu", "gelu", "softplus", "linear",
    "swish", "silu", "softsign", "relu6", "mish", "hard_sigmoid", "exponential",
)
KERAS_OPTIMIZERS: tuple[str, ...] = (
    "sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "lion", "ftrl",
)
DEFAULT_ACTIVATIONS: tuple[str, ...] = KERAS_ACTIVATIONS[:9]
DEFAULT_OPTIMIZERS: tuple[str, ...] = KERAS_OPTIMIZERS[:8]

Config = dict[str, Any]


@contextmanager
def seeded_global_random(rng: random.Random) -> Iterator[None]:
    """Run DEAP operators (which draw from the global ``random``) on ``rng``'s own stream.

    DEAP's tools use the module-level generator; swapping its state in and out keeps each
    strategy's randomness private, seeded and checkpointable instead of global.
    """
    saved = random.getstate()
    random.setstate(rng.getstate())
    try:
        yield
    finally:
        rng.setstate(random.getstate())
        random.setstate(saved)


def _check_choices(name: str, values: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    values = tuple(values)
    if not values:
        raise EvohpoError(f"{name} is empty; give at least one of: {', '.join(known)}")
    unknown = [v for v in values if v not in known]
    if unknown:
        raise EvohpoError(
            f"unknown {name[:-1]} {unknown[0]!r}; choose from: {', '.join(known)}"
        )
    if len(set(values)) != len(values):
        raise EvohpoError(f"{name} lists a value twice; give each choice once")
    return values


def _check_range(name: str, bounds: Sequence[float], *, positive: bool, integer: bool) -> tuple:
    if isinstance(bounds, (int, float)):
        bounds = (bounds, bounds)
    if len(bounds) != 2:
        raise EvohpoError(f"{name} must be a (min, max) pair, got {bounds!r}")
    low, high = bounds
    for v in (low, high):
        if integer and (isinstance(v, bool) or not float(v).is_integer()):
            raise EvohpoError(f"{name} bounds must be whole numbers, got {v!r}")
        if not math.isfinite(float(v)):
            raise EvohpoError(f"{name} bounds must be finite numbers, got {v!r}")
    if low > high:
        raise EvohpoError(f"{name} min {low} is greater than max {high}; swap them")
    if positive and low <= 0:
        raise EvohpoError(f"{name} must be > 0, got min {low}; use a positive lower bound")
    return (int(low), int(high)) if integer else (float(low), float(high))


@dataclass(frozen=True)
class SearchSpace:
    """Bounds and choices for every gene; sensible defaults, every one user-editable.

    ``batch_sizes=None`` keeps batch size fixed at ``default_batch_size``; a tuple makes it a gene.
    """

    layers: tuple[int, int] = (1, 4)
    units: tuple[int, int] = (4, 512)
    activations: tuple[str, ...] = DEFAULT_ACTIVATIONS
    optimizers: tuple[str, ...] = DEFAULT_OPTIMIZERS
    learning_rate: tuple[float, float] = (1e-4, 1e-1)
    batch_sizes: tuple[int, ...] | None = None
    default_batch_size: int = 32
    units_sigma: float = 1.0  # std of a width mutation, in log2 units (1.0 = halve or double)
    lr_sigma: float = 0.5  # std of a learning-rate mutation, in decades
    gene_names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        layers = _check_range("layers", self.layers, positive=True, integer=True)
        units = _check_range("units", self.units, positive=True, integer=True)
        lr = _check_range("learning_rate", self.learning_rate, positive=True, integer=False)
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "learning_rate", lr)
        object.__setattr__(
            self, "activations", _check_choices("activations", self.activations, KERAS_ACTIVATIONS)
        )
        object.__setattr__(
            self, "optimizers", _check_choices("optimizers", self.optimizers, KERAS_OPTIMIZERS)
        )
        if self.batch_sizes is not None:
            sizes = tuple(self.batch_sizes)
            if not sizes:
                raise EvohpoError("batch_sizes is empty; give sizes such as (16, 32, 64) or None")
            if any(isinstance(b, bool) or int(b) != b or b < 1 for b in sizes):
                raise EvohpoError(f"batch_sizes must be whole numbers >= 1, got {sizes!r}")
            object.__setattr__(self, "batch_sizes", tuple(int(b) for b in sizes))
        if int(self.default_batch_size) != self.default_batch_size or self.default_batch_size < 1:
            raise EvohpoError(f"default_batch_size must be >= 1, got {self.default_batch_size!r}")
        names = ["n_layers"]
        for i in range(1, self.max_layers + 1):
            names += [f"units_{i}", f"activation_{i}"]
        names += ["optimizer", "log10_learning_rate"]
        if self.batch_sizes is not None:
            names.append("batch_size")
        object.__setattr__(self, "gene_names", tuple(names))

    # -- layout ---------------------------------------------------------------------------
    @property
    def max_layers(self) -> int:
        return self.layers[1]

    @property
    def n_genes(self) -> int:
        return len(self.gene_names)

    def _opt_index(self) -> int:
        return 1 + 2 * self.max_layers

    def _discrete_bounds(self) -> tuple[list[int], list[int], list[int]]:
        """Positions and (low, up) of genes that mutate by uniform reset (mutUniformInt)."""
        pos, low, up = [0], [self.layers[0]], [self.layers[1]]
        for i in range(self.max_layers):
            pos.append(2 + 2 * i)
            low.append(0)
            up.append(len(self.activations) - 1)
        pos.append(self._opt_index())
        low.append(0)
        up.append(len(self.optimizers) - 1)
        if self.batch_sizes is not None:
            pos.append(self._opt_index() + 2)
            low.append(0)
            up.append(len(self.batch_sizes) - 1)
        return pos, low, up

    # -- sample / vary -------------------------------------------------------------------
    def _log_uniform_int(self, rng: random.Random, low: int, high: int) -> int:
        return min(high, max(low, round(math.exp(rng.uniform(math.log(low), math.log(high))))))

    def sample(self, rng: random.Random) -> Individual:
        """A random genome: depth uniform, widths and learning rate log-uniform, choices uniform.

        Random search and the GA's first population share this prior, so they start equal.
        """
        genes: list[Any] = [rng.randint(*self.layers)]
        for _ in range(self.max_layers):
            genes.append(self._log_uniform_int(rng, *self.units))
            genes.append(rng.randrange(len(self.activations)))
        genes.append(rng.randrange(len(self.optimizers)))
        lo, hi = (math.log10(v) for v in self.learning_rate)
        genes.append(rng.uniform(lo, hi))
        if self.batch_sizes is not None:
            genes.append(rng.randrange(len(self.batch_sizes)))
        return Individual(genes)

    def mutate(self, ind: Individual, rng: random.Random, indpb: float) -> Individual:
        """Mutate in place with DEAP's operators; every gene stays inside its type and bounds."""
        pos, low, up = self._discrete_bounds()
        with seeded_global_random(rng):
            discrete = [ind[p] for p in pos]
            (discrete,) = tools.mutUniformInt(discrete, low, up, indpb)
            for p, v in zip(pos, discrete, strict=True):
                ind[p] = int(v)
            for i in range(self.max_layers):
                p = 1 + 2 * i
                (step,) = tools.mutGaussian([math.log2(ind[p])], 0.0, self.units_sigma, indpb)
                ind[p] = int(min(self.units[1], max(self.units[0], round(2 ** step[0]))))
            p = self._opt_index() + 1
            lo, hi = (math.log10(v) for v in self.learning_rate)
            (step,) = tools.mutGaussian([ind[p]], 0.0, self.lr_sigma, indpb)
            ind[p] = float(min(hi, max(lo, step[0])))
        del ind.fitness.values
        return ind

    def crossover(self, a: Individual, b: Individual, rng: random.Random) -> None:
        """Two-point crossover in place (DEAP ``cxTwoPoint``); positions keep their types."""
        with seeded_global_random(rng):
            tools.cxTwoPoint(a, b)
        del a.fitness.values
        del b.fitness.values

    # -- decode / encode -----------------------------------------------------------------
    def decode(self, ind: Sequence[Any]) -> Config:
        """Genome -> plain config dict (only the active layers), the one thing workers see."""
        n = int(ind[0])
        p = self._opt_index()
        lr = float(f"{10 ** float(ind[p + 1]):.6g}")  # 6 significant digits survive a CSV
        batch = (
            self.batch_sizes[int(ind[p + 2])]
            if self.batch_sizes is not None
            else int(self.default_batch_size)
        )
        return {
            "n_layers": n,
            "units": [int(ind[1 + 2 * i]) for i in range(n)],
            "activations": [self.activations[int(ind[2 + 2 * i])] for i in range(n)],
            "optimizer": self.optimizers[int(ind[p])],
            "learning_rate": lr,
            "batch_size": batch,
        }

    def encode(self, config: Config, filler: Individual | None = None) -> Individual:
        """Config dict -> genome; inactive layers copy ``filler`` (or the first active layer)."""
        n = int(config["n_layers"])
        genes: list[Any] = [n]
        for i in range(self.max_layers):
            if i < n:
                genes += [int(config["units"][i]), self.activations.index(config["activations"][i])]
            elif filler is not None:
                genes += [filler[1 + 2 * i], filler[2 + 2 * i]]
            else:
                genes += [genes[1], genes[2]]
        genes.append(self.optimizers.index(config["optimizer"]))
        genes.append(math.log10(float(config["learning_rate"])))
        if self.batch_sizes is not None:
            genes.append(self.batch_sizes.index(int(config["batch_size"])))
        return Individual(genes)


def config_key(config: Config) -> str:
    """Canonical text of a config: equal keys mean the same network will be trained."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def describe(config: Config) -> str:
    """One readable line, e.g. ``2x[64 relu, 32 tanh] adam lr=0.001 bs=32``."""
    layers = ", ".join(f"{u} {a}" for u, a in zip(config["units"], config["activations"]))
    return (
        f"{config['n_layers']}x[{layers}] {config['optimizer']} "
        f"lr={config['learning_rate']:.3g} bs={config['batch_size']}"
    )
