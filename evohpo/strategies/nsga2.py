"""NSGA-II (Deb et al. 2002): a multi-objective GA that keeps a spread-out Pareto front.

Generation 0 samples ``population`` genomes from the space's prior (the same prior random search
uses). Every later generation breeds ``population`` children: binary tournaments on
(non-domination rank, crowding distance), the space's own typed crossover (with probability
``cxpb``) and mutation (with probability ``mutpb``); a child whose network was already tried is
mutated again (up to ``max_retries`` times), as in the GA. Once the children are evaluated,
parents and children compete together (mu + lambda) and ``tools.selNSGA2`` keeps the best
``population`` of them by rank, then crowding: the front only ever improves, and stays spread.

Each evaluation's ``objectives`` (minimised) is its fitness; anything that did not finish
cleanly scores ``inf`` in every objective, so every real result dominates it.
``tools.ParetoFront`` keeps every non-dominated network evaluated so far (:attr:`pareto`).
"""

from __future__ import annotations

import math
import random
from typing import Any

from deap import base, creator, tools
from deap.tools.emo import assignCrowdingDist  # not re-exported by deap.tools

from ..errors import EvohpoError
from ..space import Config, Space, config_key, seeded_global_random
from .base import Evaluation, Proposal, Status, json_float, restores, rng_state, set_rng_state

MIN_OBJECTIVES, MAX_OBJECTIVES = 2, 4  # beyond 4, crowding stops separating (use NSGA-III)

# Created at import (never inside a function) so the classes exist once, under a fixed name,
# in any process that imports evohpo (DEAP issue 57); workers are still sent plain dicts.
for _n in range(MIN_OBJECTIVES, MAX_OBJECTIVES + 1):
    if not hasattr(creator, f"EvohpoFitnessMulti{_n}"):
        creator.create(f"EvohpoFitnessMulti{_n}", base.Fitness, weights=(-1.0,) * _n)
    if not hasattr(creator, f"EvohpoIndividualMulti{_n}"):
        creator.create(f"EvohpoIndividualMulti{_n}", list,
                       fitness=getattr(creator, f"EvohpoFitnessMulti{_n}"))


def individual_class(n_objectives: int) -> type:
    """The DEAP individual type whose fitness has ``n_objectives`` minimised values."""
    return getattr(creator, f"EvohpoIndividualMulti{n_objectives}")


class NSGA2Search:
    """NSGA-II over any :class:`~evohpo.space.Space`; see the module docstring for the loop."""

    name = "nsga2"

    def __init__(
        self,
        space: Space,
        population: int = 16,
        seed: int = 0,
        *,
        n_objectives: int = 2,
        cxpb: float = 0.9,
        mutpb: float = 1.0,
        indpb: float | None = None,
        max_retries: int = 20,
        generations: int | None = None,
    ) -> None:
        if isinstance(population, bool) or not isinstance(population, int) or population < 4:
            raise EvohpoError(f"population must be >= 4 for nsga2, got {population}")
        if n_objectives < MIN_OBJECTIVES:
            raise EvohpoError("nsga2 needs two or more objectives; for one objective use ga")
        if n_objectives > MAX_OBJECTIVES:
            raise EvohpoError(f"nsga2 handles 2 to {MAX_OBJECTIVES} objectives, got "
                              f"{n_objectives}; its crowding distance cannot spread more")
        for label, p in (("cxpb", cxpb), ("mutpb", mutpb)):
            if not 0 <= p <= 1:
                raise EvohpoError(f"{label} must be a probability in [0, 1], got {p}")
        if generations is not None and generations < 1:
            raise EvohpoError(f"generations must be >= 1, got {generations}")
        if max_retries < 0:
            raise EvohpoError(f"max_retries must be >= 0, got {max_retries}")
        self.space = space
        self.population_size = population
        self.seed = seed
        self.n_objectives = n_objectives
        self.generations = generations
        self.cxpb, self.mutpb, self.max_retries = cxpb, mutpb, max_retries
        # Deb's 1/n: every child is mutated (mutpb=1), one gene on average
        self.indpb = indpb if indpb is not None else min(1.0, 1.0 / max(1, space.n_genes))
        if not 0 <= self.indpb <= 1:
            raise EvohpoError(f"indpb must be a probability in [0, 1], got {self.indpb}")
        self._Individual = individual_class(n_objectives)
        self.rng = random.Random(f"nsga2:{seed}")  # own stream per method
        self.generation = 0
        self.population: list[Any] = []
        self._pending: list[Any] = []
        self._seen: set[str] = set()
        self.duplicates_avoided = 0  # children re-mutated because their network was tried
        # one entry per network: genomes that differ only in dormant genes are the same one
        self.pareto = tools.ParetoFront(similar=self._same_network)
        self.logbook = tools.Logbook()
        self.logbook.header = ["gen", "nevals", "failed", "front"]

    @property
    def done(self) -> bool:
        return self.generations is not None and self.generation >= self.generations

    # -- ask --------------------------------------------------------------------------------
    def ask(self, max_n: int) -> list[Proposal]:
        if self._pending:
            raise RuntimeError("ask() called twice without tell(); tell the last batch first")
        n = min(max_n, self.population_size)
        batch = self._offspring(n) if self.population else self._initial(n)
        self._pending = batch
        return [Proposal(self.space.decode(ind), self.generation) for ind in batch]

    def _initial(self, n: int) -> list[Any]:
        batch = []
        for _ in range(n):
            ind = self.space.sample(self.rng)
            for _ in range(self.max_retries):
                if not self._tried(ind):
                    break
                ind = self.space.sample(self.rng)
            self._remember(ind)
            batch.append(self._Individual(ind))
        return batch

    def _offspring(self, n: int) -> list[Any]:
        parents = self._tournaments(n + n % 2)
        children = [self._Individual(p) for p in parents]
        for a, b in zip(children[::2], children[1::2], strict=True):
            if self.rng.random() < self.cxpb:
                self.space.crossover(a, b, self.rng)
        batch = []
        for child in children[:n]:
            if self.rng.random() < self.mutpb:
                self.space.mutate(child, self.rng, self.indpb)
            for _ in range(self.max_retries):
                if not self._tried(child):
                    break
                self.duplicates_avoided += 1
                self.space.mutate(child, self.rng, self.indpb)
            self._remember(child)
            batch.append(child)
        return batch

    def _tournaments(self, k: int) -> list[Any]:
        """``k`` winners of binary tournaments by Deb's crowded comparison: lower rank wins,
        then larger crowding distance (lonelier points keep the front spread), then a coin.
        (DEAP's ``selTournamentDCD`` needs a population that is a multiple of 4; this does
        not.) Rank and crowding are recomputed from the population, so a resumed run agrees."""
        rank: dict[int, int] = {}
        for r, front in enumerate(tools.sortNondominated(self.population, len(self.population))):
            assignCrowdingDist(front)
            rank.update((id(ind), r) for ind in front)

        def key(ind: Any) -> tuple[int, float]:
            return rank[id(ind)], -ind.fitness.crowding_dist

        pop = self.population
        chosen = []
        with seeded_global_random(self.rng) as g:
            for _ in range(k):
                a, b = (pop[i] for i in (g.sample(range(len(pop)), 2) if len(pop) > 1 else (0, 0)))
                if key(a) != key(b):
                    chosen.append(min(a, b, key=key))
                else:
                    chosen.append(a if g.random() < 0.5 else b)
        return chosen

    def _tried(self, ind: list) -> bool:
        return config_key(self.space.decode(ind)) in self._seen

    def _same_network(self, a: list, b: list) -> bool:
        return config_key(self.space.decode(a)) == config_key(self.space.decode(b))

    def _remember(self, ind: list) -> None:
        self._seen.add(config_key(self.space.decode(ind)))

    # -- tell -------------------------------------------------------------------------------
    def tell(self, evaluations: list[Evaluation]) -> None:
        if len(evaluations) != len(self._pending):
            raise ValueError(f"told {len(evaluations)} evaluations for {len(self._pending)} asked")
        for ind, ev in zip(self._pending, evaluations, strict=True):
            ind.fitness.values = self._fitness(ev)
        evaluated, self._pending = self._pending, []
        finished = [ind for ind in evaluated if _finite(ind.fitness.values)]
        self.pareto.update(finished)  # failures never enter the front, even an empty one
        # mu + lambda: parents and children compete; the first generation is all children
        self.population = tools.selNSGA2(self.population + evaluated, self.population_size)
        self.logbook.record(gen=self.generation, nevals=len(evaluated),
                            failed=len(evaluated) - len(finished), front=len(self.pareto))
        self.generation += 1

    def _fitness(self, ev: Evaluation) -> tuple[float, ...]:
        """The minimised vector; ``inf`` everywhere when the run did not finish cleanly."""
        failed = (math.inf,) * self.n_objectives
        if ev.status != Status.OK or not ev.objectives:
            return failed
        if len(ev.objectives) != self.n_objectives:
            raise EvohpoError(f"an evaluation has {len(ev.objectives)} objectives and nsga2 was "
                              f"built for {self.n_objectives}; pass n_objectives="
                              f"{len(ev.objectives)}")
        values = tuple(float(v) for v in ev.objectives)
        return values if _finite(values) else failed

    # -- results ----------------------------------------------------------------------------
    def front_configs(self) -> list[tuple[Config, tuple[float, ...]]]:
        """The non-dominated networks so far as (config, minimised objectives), ordered by the
        first objective: what a user picks a trade-off from."""
        return [(self.space.decode(ind), tuple(ind.fitness.values)) for ind in self.pareto]

    # -- checkpoint -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        if self._pending:
            raise RuntimeError("state_dict() between ask() and tell(); take it after tell()")
        return {
            "n_objectives": self.n_objectives,
            "rng": rng_state(self.rng),
            "generation": self.generation,
            "population": [_dump(ind) for ind in self.population],
            "pareto": [_dump(ind) for ind in self.pareto],
            "seen": sorted(self._seen),
            "duplicates_avoided": self.duplicates_avoided,
            "logbook": [dict(rec) for rec in self.logbook],
        }

    @restores
    def load_state_dict(self, state: dict[str, Any]) -> None:
        if int(state["n_objectives"]) != self.n_objectives:
            raise EvohpoError(f"the saved nsga2 state has {state['n_objectives']} objectives, "
                              f"this one {self.n_objectives}; build it with the same arguments")
        set_rng_state(self.rng, state["rng"])
        self.generation = int(state["generation"])
        self.population = [self._load(d) for d in state["population"]]
        self.pareto.clear()
        for ind in reversed([self._load(d) for d in state["pareto"]]):  # as GA's hall of fame:
            self.pareto.insert(ind)  # among equal fitness, insert() puts the later one first
        self._seen = set(state["seen"])
        self.duplicates_avoided = int(state["duplicates_avoided"])
        self.logbook = tools.Logbook()
        self.logbook.header = ["gen", "nevals", "failed", "front"]
        for rec in state["logbook"]:
            self.logbook.record(**{k: int(v) for k, v in rec.items()})
        self._pending = []

    def _load(self, data: dict[str, Any]) -> Any:
        ind = self._Individual(data["genome"])
        ind.fitness.values = tuple(float(v) for v in data["fitness"])
        return ind


def _finite(values: tuple[float, ...]) -> bool:
    return all(math.isfinite(v) for v in values)


def _dump(ind: Any) -> dict[str, Any]:
    return {"genome": list(ind), "fitness": [json_float(v) for v in ind.fitness.values]}
