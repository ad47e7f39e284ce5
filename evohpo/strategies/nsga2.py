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
from typing import Any

from deap import base, creator, tools
from deap.tools.emo import assignCrowdingDist  # not re-exported by deap.tools

from ..errors import EvohpoError
from ..space import Config, Space, seeded_global_random
from .base import Evaluation, Proposal, Status, restores
from .checks import Whole, validated
from .evolution import EvolutionarySearch, genes_share

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


class NSGA2Search(EvolutionarySearch):
    """NSGA-II over any :class:`~evohpo.space.Space`; see the module docstring for the loop."""

    name = "nsga2"
    logbook_header = ("gen", "nevals", "failed", "front")
    constraints = {
        "population": Whole(4, note="for nsga2"),
        **EvolutionarySearch.constraints,
        "indpb": genes_share(1.0),  # Deb's 1/n: every child is mutated (mutpb=1), one gene
    }

    @validated
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
        if n_objectives < MIN_OBJECTIVES:
            raise EvohpoError("nsga2 needs two or more objectives; for one objective use ga")
        if n_objectives > MAX_OBJECTIVES:
            raise EvohpoError(f"nsga2 handles 2 to {MAX_OBJECTIVES} objectives, got "
                              f"{n_objectives}; its crowding distance cannot spread more")
        self.n_objectives = n_objectives
        self._individual = individual_class(n_objectives)
        super().__init__(space, population, seed, generations=generations, cxpb=cxpb,
                         mutpb=mutpb, indpb=indpb, max_retries=max_retries)  # type: ignore[arg-type]
        # one entry per network: genomes that differ only in dormant genes are the same one
        self.pareto = tools.ParetoFront(similar=self._same_network)

    # -- ask --------------------------------------------------------------------------------
    def ask(self, max_n: int) -> list[Proposal]:
        self._check_told()
        n = min(max_n, self.population_size)
        batch = self._offspring(n) if self.population else self._initial(n)
        self._pending = batch
        return [Proposal(self.space.decode(ind), self.generation) for ind in batch]

    def _offspring(self, n: int) -> list[Any]:
        """Crowded tournaments, crossover, then each child mutated and made a new network."""
        children = [self._individual(p) for p in self._tournaments(n + n % 2)]
        self._crossover(children)
        batch = []
        for child in children[:n]:
            self._mutate(child)
            child, retries = self._distinct(child)
            self.duplicates_avoided += retries
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

    # -- tell -------------------------------------------------------------------------------
    def tell(self, evaluations: list[Evaluation]) -> None:
        evaluated = self._evaluated(evaluations)
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
        return {"n_objectives": self.n_objectives, **self._common_state(),
                "pareto": [self._dump(ind) for ind in self.pareto]}

    @restores
    def load_state_dict(self, state: dict[str, Any]) -> None:
        if int(state["n_objectives"]) != self.n_objectives:
            raise EvohpoError(f"the saved nsga2 state has {state['n_objectives']} objectives, "
                              f"this one {self.n_objectives}; build it with the same arguments")
        self._load_common_state(state)
        self._load_best(self.pareto, state["pareto"])


def _finite(values: tuple[float, ...]) -> bool:
    return all(math.isfinite(v) for v in values)

