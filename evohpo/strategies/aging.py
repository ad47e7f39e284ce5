"""Regularized (aging) evolution, Real et al. 2019, as a baseline the GA is tested against.

Real, Aggarwal, Huang and Le, "Regularized Evolution for Image Classifier Architecture Search"
(AAAI 2019), Algorithm 1: a population of ``P`` models is first filled with random samples; then
every cycle samples ``S`` models from it (uniformly, with replacement, as the authors' notebook
does), the best of the sample is the parent, its child is the parent with *one* gene mutated,
the child joins the population and the *oldest* model leaves it, whatever its score. Age, not
fitness, decides who dies: that is the regularisation.

Batches: evohpo evaluates a batch at a time, so one ``ask`` breeds ``batch`` children, each
from its own tournament on the current population (Real et al. ran it asynchronously on many
workers; a batch is the synchronous form of the same loop). The random start is asked in whole
batches too, so it is ``initial`` rounded up to a multiple of ``batch``.

Defaults: ``population_size=30, sample_size=10``, ``initial`` 10 (at most the population),
the settings of White et al.'s naszilla (BANANAS, AAAI 2021; ``evolution_search``), whose
150-evaluation NAS-Bench-101 runs gave the published figure issue 23 quotes (6.109 % test
error vs random 6.341 %): the budgets evohpo compares at (50-200) are that regime. With
``initial < population_size`` the population grows by children until it holds
``population_size``, then ages. Real et al.'s own large runs
(20,000 models) used P = 100, S = 25, and Klein and Hutter's tabular-benchmark scripts P = 100,
S = 10; ``initial=population_size`` is Algorithm 1 exactly. At P = 100 and a budget of 100 the
method never leaves its random start, which is why it is not the default here.

Mutation (``mutation``): one gene among those that count in the parent's network (dormant
genes and blocks beyond a Repeat's count would leave the network unchanged) is chosen
uniformly and

* ``"resample"`` (default): drawn again from its prior until its value differs, as Klein and
  Hutter's script for the HPOLib/FCNet benchmarks does (any other value, uniformly); Real et
  al.'s mutations likewise pick a new op or input at random, not a neighbouring one;
* ``"step"``: the GA's own local step (:meth:`~evohpo.space.genes.Gene.mutate`): a neighbour
  for ordered choices, a Gaussian step for numbers, another value for the rest.

No child is re-drawn because its network was tried before (the GA does that; Real et al. do
not): a repeated network is a cached row in the CSV, as it would be for the authors.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

from ..space import Space, seeded_global_random
from .base import Evaluation, Proposal, json_float, restores, rng_state, set_rng_state
from .checks import OneOf, Whole, validated

MUTATIONS = ("resample", "step")
RESAMPLE_TRIES = 64  # a prior draw equal to the old value is drawn again, at most this often


class AgingEvolution:
    """Regularized (aging) evolution over any :class:`~evohpo.space.Space`; see the module
    docstring for the loop and its defaults."""

    name = "aging"
    n_objectives = 1
    constraints = {
        "batch": Whole(1),
        "population_size": Whole(2),
        "sample_size": Whole(1, "population_size"),
        # naszilla's 10 random models first, never more than the population holds
        "initial": Whole(1, "population_size", default=lambda a: min(10, a["population_size"])),
        "mutation": OneOf(MUTATIONS),
    }

    @validated
    def __init__(self, space: Space, seed: int = 0, *, batch: int = 12,
                 population_size: int = 30, sample_size: int = 10, initial: int | None = None,
                 mutation: str = "resample") -> None:
        self.space, self.seed, self.batch = space, seed, batch
        self.population_size, self.sample_size = population_size, sample_size
        self.initial, self.mutation = initial, mutation  # initial: filled in by @validated
        self.rng = random.Random(f"aging:{seed}")  # own stream per method
        self.population: deque[tuple[list, float]] = deque()  # (genome, objective), oldest first
        self.asked = 0  # proposals made so far (random ones first)
        self.batches = 0
        self._pending: list[list] = []

    done = False  # the campaign's budget stops it

    # -- ask --------------------------------------------------------------------------------
    def ask(self, max_n: int) -> list[Proposal]:
        if self._pending:
            raise RuntimeError("ask() called twice without tell(); tell the last batch first")
        n = min(max_n, self.batch)
        if self.asked < self.initial or not self.population:
            genomes = [list(self.space.sample(self.rng)) for _ in range(n)]
        else:
            genomes = [self._child() for _ in range(n)]
        self._pending = genomes
        self.asked += n
        return [Proposal(self.space.decode(g), self.batches) for g in genomes]

    def _child(self) -> list:
        """Tournament on ``sample_size`` models drawn with replacement; the winner's genome
        with one gene that counts mutated."""
        members = list(self.population)
        sample = [self.rng.choice(members) for _ in range(self.sample_size)]
        parent = min(sample, key=lambda m: m[1])[0]  # the first best, on a tie
        return self._mutate_one(list(parent))

    def _mutate_one(self, genome: list) -> list:
        genes = self.space.active_slots(genome)
        if not genes:  # nothing can change (a space of Fixed genes)
            return genome
        start, gene = genes[self.rng.randrange(len(genes))]
        old = genome[start:start + gene.width]
        with seeded_global_random(self.rng) as g:  # Gene.mutate runs DEAP's operators
            if self.mutation == "step":
                new = gene.mutate(list(old), g)
            else:
                new = gene.sample(g)
                for _ in range(RESAMPLE_TRIES):
                    if repr(gene.decode(new)) != repr(gene.decode(old)):  # 3 is not 3.0
                        break
                    new = gene.sample(g)
                else:  # a gene whose prior keeps giving the same value: step instead
                    new = gene.mutate(list(old), g)
        genome[start:start + gene.width] = new
        return genome

    # -- tell -------------------------------------------------------------------------------
    def tell(self, evaluations: list[Evaluation]) -> None:
        if len(evaluations) != len(self._pending):
            raise ValueError(f"told {len(evaluations)} evaluations for {len(self._pending)} asked")
        for genome, ev in zip(self._pending, evaluations, strict=True):
            self.population.append((genome, float(ev.objective)))  # the youngest, at the right
            if len(self.population) > self.population_size:
                self.population.popleft()  # the oldest dies, whatever its score
        self._pending = []
        self.batches += 1

    @property
    def best(self) -> tuple[list, float] | None:
        """The best model still alive (the campaign's CSV holds the best ever)."""
        return min(self.population, key=lambda m: m[1]) if self.population else None

    # -- checkpoint -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        if self._pending:
            raise RuntimeError("state_dict() between ask() and tell(); take it after tell()")
        return {"rng": rng_state(self.rng), "asked": self.asked, "batches": self.batches,
                "population": [[g, json_float(y)] for g, y in self.population]}

    @restores
    def load_state_dict(self, state: dict[str, Any]) -> None:
        set_rng_state(self.rng, state["rng"])
        self.asked, self.batches = int(state["asked"]), int(state["batches"])
        self.population = deque((list(g), float(y)) for g, y in state["population"])
        if any(len(g) != self.space.length for g, _ in self.population):
            raise ValueError("a genome of another space")
        self._pending = []
