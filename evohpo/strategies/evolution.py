"""What the GA and NSGA-II share, written once: a population of DEAP individuals bred on the
strategy's own seeded RNG, each child a network not tried before, and their checkpoints.

Optuna puts NSGA-II and NSGA-III on one ``BaseGASampler``; DEAP writes ``varAnd`` once. Here
the subclass says how parents are chosen, how a generation is bred from them and who
survives; this base owns the rest: the prior sample of generation 0, crossover of pairs,
mutation, re-mutating a child whose network was already tried, the ask/tell bookkeeping and
the state a checkpoint holds. The RNG is drawn from in exactly the order each method always
drew, so a seed gives the proposals it always gave.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any, ClassVar

from deap import tools

from ..space import Space, config_key
from .base import Evaluation, json_float, rng_state, set_rng_state
from .checks import Probability, Rule, Whole


def genes_share(genes: float) -> Probability:
    """``indpb`` defaulting to ``genes`` changed per mutation, whatever the space's size."""
    return Probability(optional=True,
                       default=lambda a: min(1.0, genes / max(1, a["space"].n_genes)))


class EvolutionarySearch:
    """The shared half of a generational search over a :class:`~evohpo.space.Space`."""

    name: ClassVar[str]
    logbook_header: ClassVar[tuple[str, ...]]
    constraints: ClassVar[dict[str, Rule]] = {
        "generations": Whole(1, optional=True),
        "cxpb": Probability(),
        "mutpb": Probability(),
        "max_retries": Whole(0),
    }
    _individual: Any  # the DEAP individual class its fitness needs

    def __init__(self, space: Space, population: int, seed: int, *, generations: int | None,
                 cxpb: float, mutpb: float, indpb: float, max_retries: int) -> None:
        self.space = space
        self.population_size = population
        self.seed = seed
        self.generations = generations
        self.cxpb, self.mutpb, self.indpb = cxpb, mutpb, indpb
        self.max_retries = max_retries
        self.rng = random.Random(f"{self.name}:{seed}")  # own stream per method
        self.generation = 0
        self.population: list[Any] = []
        self._pending: list[Any] = []
        self._seen: set[str] = set()
        self.duplicates_avoided = 0  # children re-mutated because their network was tried
        self.logbook = self._new_logbook()

    @property
    def done(self) -> bool:
        return self.generations is not None and self.generation >= self.generations

    # -- breeding ---------------------------------------------------------------------------
    def _check_told(self) -> None:
        if self._pending:
            raise RuntimeError("ask() called twice without tell(); tell the last batch first")

    def _initial(self, n: int) -> list[Any]:
        """``n`` samples from the prior, each resampled (up to ``max_retries`` times) while
        its network was already tried."""
        batch = []
        for _ in range(n):
            ind = self.space.sample(self.rng)
            for _ in range(self.max_retries):
                if not self._tried(ind):
                    break
                ind = self.space.sample(self.rng)
            self._remember(ind)
            batch.append(self._individual(ind))
        return batch

    def _crossover(self, children: list[Any]) -> None:
        """The space's crossover on each pair, with probability ``cxpb``."""
        for a, b in zip(children[::2], children[1::2], strict=True):
            if self.rng.random() < self.cxpb:
                self.space.crossover(a, b, self.rng)

    def _mutate(self, child: Any) -> None:
        """The space's mutation, with probability ``mutpb``."""
        if self.rng.random() < self.mutpb:
            self.space.mutate(child, self.rng, self.indpb)

    def _distinct(self, child: Any) -> tuple[Any, int]:
        """Re-mutate a child whose network was already tried (up to ``max_retries`` times),
        so the budget buys new networks; remember it. Returns it and its re-mutations."""
        retries = 0
        for _ in range(self.max_retries):
            if not self._tried(child):
                break
            retries += 1
            self.space.mutate(child, self.rng, self.indpb)
        self._remember(child)
        return child, retries

    def _tried(self, ind: list) -> bool:
        return config_key(self.space.decode(ind)) in self._seen

    def _same_network(self, a: list, b: list) -> bool:
        """Genomes that differ only in dormant genes are the same network (one entry in a
        hall of fame or a front)."""
        return config_key(self.space.decode(a)) == config_key(self.space.decode(b))

    def _remember(self, ind: list) -> None:
        self._seen.add(config_key(self.space.decode(ind)))

    # -- tell -------------------------------------------------------------------------------
    def _fitness(self, ev: Evaluation) -> tuple[float, ...]:
        raise NotImplementedError

    def _evaluated(self, evaluations: list[Evaluation]) -> list[Any]:
        """The pending individuals, each given its evaluation's fitness; none pending after."""
        if len(evaluations) != len(self._pending):
            raise ValueError(f"told {len(evaluations)} evaluations for {len(self._pending)} asked")
        for ind, ev in zip(self._pending, evaluations, strict=True):
            ind.fitness.values = self._fitness(ev)
        evaluated, self._pending = self._pending, []
        return evaluated

    # -- checkpoint -------------------------------------------------------------------------
    def _new_logbook(self) -> tools.Logbook:
        logbook = tools.Logbook()
        logbook.header = list(self.logbook_header)
        return logbook

    def _common_state(self) -> dict[str, Any]:
        """The state both methods write; the subclass adds its own keys."""
        if self._pending:
            raise RuntimeError("state_dict() between ask() and tell(); take it after tell()")
        return {
            "rng": rng_state(self.rng),
            "generation": self.generation,
            "population": [self._dump(ind) for ind in self.population],
            "seen": sorted(self._seen),
            "duplicates_avoided": self.duplicates_avoided,
            "logbook": [
                {k: v if isinstance(v, int) else json_float(float(v)) for k, v in rec.items()}
                for rec in self.logbook
            ],
        }

    def _load_common_state(self, state: dict[str, Any]) -> None:
        set_rng_state(self.rng, state["rng"])
        self.generation = int(state["generation"])
        self.population = [self._load(d) for d in state["population"]]
        self._seen = set(state["seen"])
        self.duplicates_avoided = int(state.get("duplicates_avoided", 0))
        self.logbook = self._new_logbook()
        for rec in state["logbook"]:
            self.logbook.record(**{k: v if isinstance(v, int) else float(v)
                                   for k, v in rec.items()})
        self._pending = []

    def _load_best(self, keeper: tools.HallOfFame, saved: Iterable[dict[str, Any]]) -> None:
        """Refill a hall of fame (or Pareto front) in its saved order: inserted worst first,
        since among equal fitness ``insert()`` puts the later one first."""
        keeper.clear()
        for ind in reversed([self._load(d) for d in saved]):
            keeper.insert(ind)

    def _dump(self, ind: Any) -> dict[str, Any]:
        values = [json_float(v) for v in ind.fitness.values]
        return {"genome": list(ind), "fitness": values if len(values) > 1 else values[0]}

    def _load(self, data: dict[str, Any]) -> Any:
        ind = self._individual(data["genome"])
        fitness = data["fitness"]
        ind.fitness.values = (tuple(float(v) for v in fitness) if self._multi
                              else (float(fitness),))
        return ind

    @property
    def _multi(self) -> bool:
        return len(self._individual().fitness.weights) > 1
