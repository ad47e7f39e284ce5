"""A generational genetic algorithm with elitism, built from DEAP's operators.

Generation 0 samples ``population`` genomes from the space's prior (the same prior random search
uses). Every later generation keeps the ``elites`` best genomes unchanged (they are not
re-evaluated: the best are never lost) and fills the rest with children: tournament selection
(``tools.selTournament``), two-point crossover with probability ``cxpb`` and mutation with
probability ``mutpb`` (``tools.mutUniformInt`` / ``tools.mutGaussian`` through the space). A
child whose network was already evaluated is mutated again (up to ``max_retries`` times) so
the budget buys new networks; ``tools.HallOfFame`` and ``tools.Logbook`` keep the record.
"""

from __future__ import annotations

import random

import numpy as np
from deap import tools

from ..errors import EvohpoError
from ..space import Individual, Space, config_key, seeded_global_random
from .base import Evaluation, Proposal, json_float, rng_state, set_rng_state


class GeneticSearch:
    """GA over any :class:`~evohpo.space.Space`; see the module docstring for the loop."""

    name = "ga"
    n_objectives = 1

    def __init__(
        self,
        space: Space,
        population: int = 12,
        seed: int = 0,
        *,
        generations: int | None = None,
        cxpb: float = 0.6,
        mutpb: float = 0.4,
        indpb: float | None = None,
        tournament: int = 3,
        elites: int | None = None,
        max_retries: int = 20,
        hall_of_fame: int = 5,
    ) -> None:
        if population < 2:
            raise EvohpoError(f"population must be >= 2, got {population}")
        if elites is None:
            elites = min(2, population - 1)  # keep the best two, but always breed someone
        if not 0 <= elites < population:
            raise EvohpoError(f"elites must be in [0, population), got {elites}")
        if tournament < 1:
            raise EvohpoError(f"tournament size must be >= 1, got {tournament}")
        for label, p in (("cxpb", cxpb), ("mutpb", mutpb)):
            if not 0 <= p <= 1:
                raise EvohpoError(f"{label} must be a probability in [0, 1], got {p}")
        if generations is not None and generations < 1:
            raise EvohpoError(f"generations must be >= 1, got {generations}")
        self.space = space
        self.population_size = population
        self.seed = seed
        self.generations = generations
        self.cxpb, self.mutpb = cxpb, mutpb
        # about two genes change per mutation, whatever the size of the space
        self.indpb = indpb if indpb is not None else min(1.0, 2.0 / max(1, space.n_genes))
        if not 0 <= self.indpb <= 1:
            raise EvohpoError(f"indpb must be a probability in [0, 1], got {self.indpb}")
        self.tournament, self.elites, self.max_retries = tournament, elites, max_retries
        self.rng = random.Random(f"ga:{seed}")  # own stream per method
        self.generation = 0
        self.population: list[Individual] = []
        self._pending: list[Individual] = []
        self._seen: set[str] = set()
        self.duplicates_avoided = 0  # children re-mutated because their network was tried
        # one entry per network: genomes that differ only in dormant genes are the same one
        self.hall_of_fame = tools.HallOfFame(hall_of_fame, similar=self._same_network)
        self.stats = tools.Statistics(lambda ind: ind.fitness.values[0])
        for fn in ("min", "mean", "max"):
            self.stats.register(fn, getattr(np, fn))
        self.logbook = tools.Logbook()
        self.logbook.header = ["gen", "nevals", "min", "mean", "max"]

    @property
    def done(self) -> bool:
        return self.generations is not None and self.generation >= self.generations

    # -- ask --------------------------------------------------------------------------------
    def ask(self, max_n: int) -> list[Proposal]:
        if self._pending:
            raise RuntimeError("ask() called twice without tell(); tell the last batch first")
        if self.generation == 0:
            batch = self._initial(min(max_n, self.population_size))
        else:
            n = min(max_n, self.population_size - min(self.elites, len(self.population)))
            batch = self._offspring(n)
        self._pending = batch
        return [Proposal(self.space.decode(ind), self.generation) for ind in batch]

    def _initial(self, n: int) -> list[Individual]:
        batch: list[Individual] = []
        for _ in range(n):
            ind = self.space.sample(self.rng)
            for _ in range(self.max_retries):
                if config_key(self.space.decode(ind)) not in self._seen:
                    break
                ind = self.space.sample(self.rng)
            self._remember(ind)
            batch.append(ind)
        return batch

    def _offspring(self, n: int) -> list[Individual]:
        with seeded_global_random(self.rng):
            parents = tools.selTournament(self.population, n + n % 2, tournsize=self.tournament)
        children = [Individual(p) for p in parents]
        for a, b in zip(children[::2], children[1::2], strict=True):
            if self.rng.random() < self.cxpb:
                self.space.crossover(a, b, self.rng)
        batch: list[Individual] = []
        for child in children[:n]:
            if self.rng.random() < self.mutpb:
                self.space.mutate(child, self.rng, self.indpb)
            for _ in range(self.max_retries):
                if config_key(self.space.decode(child)) not in self._seen:
                    break
                self.duplicates_avoided += 1
                self.space.mutate(child, self.rng, self.indpb)
            self._remember(child)
            batch.append(child)
        return batch

    def _same_network(self, a: Individual, b: Individual) -> bool:
        return config_key(self.space.decode(a)) == config_key(self.space.decode(b))

    def _remember(self, ind: Individual) -> None:
        self._seen.add(config_key(self.space.decode(ind)))

    # -- tell -------------------------------------------------------------------------------
    def tell(self, evaluations: list[Evaluation]) -> None:
        if len(evaluations) != len(self._pending):
            raise ValueError(f"told {len(evaluations)} evaluations for {len(self._pending)} asked")
        for ind, ev in zip(self._pending, evaluations, strict=True):
            ind.fitness.values = (float(ev.objective),)
        evaluated, self._pending = self._pending, []
        self.hall_of_fame.update(evaluated)
        if self.generation == 0:
            self.population = evaluated
        else:
            elites = tools.selBest(self.population, self.elites)
            self.population = [Individual(e) for e in elites] + evaluated
            for copy, original in zip(self.population, elites):
                copy.fitness.values = original.fitness.values
        record = self.stats.compile(evaluated) if evaluated else {}
        self.logbook.record(gen=self.generation, nevals=len(evaluated), **record)
        self.generation += 1

    @property
    def best(self) -> Individual | None:
        return self.hall_of_fame[0] if len(self.hall_of_fame) else None


    # -- checkpoint ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        if self._pending:
            raise RuntimeError("state_dict() between ask() and tell(); take it after tell()")
        return {
            "rng": rng_state(self.rng),
            "generation": self.generation,
            "population": [_dump(ind) for ind in self.population],
            "hall_of_fame": [_dump(ind) for ind in self.hall_of_fame],
            "seen": sorted(self._seen),
            "duplicates_avoided": self.duplicates_avoided,
            "logbook": [
                {k: v if isinstance(v, int) else json_float(float(v)) for k, v in rec.items()}
                for rec in self.logbook
            ],
        }

    def load_state_dict(self, state: dict) -> None:
        set_rng_state(self.rng, state["rng"])
        self.generation = int(state["generation"])
        self.population = [_load(d) for d in state["population"]]
        self.hall_of_fame.clear()
        for ind in reversed([_load(d) for d in state["hall_of_fame"]]):  # worst first: among
            self.hall_of_fame.insert(ind)  # equal fitness, insert() puts the later one first
        self._seen = set(state["seen"])
        self.duplicates_avoided = int(state.get("duplicates_avoided", 0))
        self.logbook = tools.Logbook()
        self.logbook.header = ["gen", "nevals", "min", "mean", "max"]
        for rec in state["logbook"]:
            self.logbook.record(**{k: v if isinstance(v, int) else float(v)
                                   for k, v in rec.items()})
        self._pending = []


def _dump(ind: Individual) -> dict:
    return {"genome": list(ind), "fitness": json_float(ind.fitness.values[0])}


def _load(data: dict) -> Individual:
    ind = Individual(data["genome"])
    ind.fitness.values = (float(data["fitness"]),)
    return ind
