"""A genetic algorithm with elitism, built from DEAP's operators.

Generation 0 samples ``population`` genomes from the space's prior (the same prior random search
uses). Every later generation breeds ``population - elites`` children: tournament selection
(``tools.selTournament``), two-point crossover with probability ``cxpb`` and mutation with
probability ``mutpb`` (``tools.mutUniformInt`` / ``tools.mutGaussian`` through the space). A
child whose network was already evaluated is mutated again (up to ``max_retries`` times) so
the budget buys new networks; ``tools.HallOfFame`` and ``tools.Logbook`` keep the record.

Who survives (``selection``):

* ``"plus"`` (the default, a (mu+lambda) GA): the next population is the best ``population``
  of the old population and the children together (``tools.selBest``). At the small budgets of
  hyperparameter search (60 networks, five generations) a good network found early keeps
  breeding instead of being pushed out by its weaker children (issue 14; pilot numbers in the
  README).
* ``"comma"``: the ``elites`` best survive unchanged, the children replace everyone else
  (the classic generational GA, this module's behaviour before issue 14).

``immigrants`` children per generation are fresh samples from the prior instead (diversity).
``initial`` (default ``population``) samples more networks in generation 0 and keeps the best
``population`` of them as the first parents: the random start most HPO methods use, so a GA
does not have to breed from a handful of poor samples.

Surrogate pre-selection (``preselect=k``, 1 = off): once 8 networks are evaluated, every later
generation breeds ``k`` candidate children per place, and a random forest fitted on all
evaluated networks (:mod:`~evohpo.strategies.surrogate`) chooses which of them are trained: the
lowest optimistic prediction first. Breeding is cheap and training is not, so the budget goes
to children that look promising rather than to every child the operators happen to make.

Multi-fidelity (``fidelity=E``, off by default): each generation first screens ``screen`` times
as many candidates as it will keep, each trained for only ``E`` epochs
(:class:`~evohpo.strategies.base.Proposal` ``epochs``), then promotes the best ``1/screen``
of them to a full training run; only full runs enter the population and the hall of fame.
This is successive halving inside a generation (Hyperband/ASHA's idea). The campaign budget
still counts evaluations, screening runs included.
"""

from __future__ import annotations

import random

import numpy as np
from deap import tools

from ..errors import EvohpoError
from ..space import Individual, Space, config_key, seeded_global_random
from . import surrogate
from .base import Evaluation, Proposal, json_float, restores, rng_state, set_rng_state

SELECTIONS = ("plus", "comma")


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
        selection: str = "plus",
        immigrants: int = 0,
        fidelity: int | None = None,
        screen: int = 3,
        initial: int | None = None,
        preselect: int = 4,
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
        if selection not in SELECTIONS:
            raise EvohpoError(f"selection must be one of {', '.join(SELECTIONS)}, "
                              f"got {selection!r}")
        if not 0 <= immigrants <= population - elites:
            raise EvohpoError(f"immigrants must be in [0, population - elites], got {immigrants}")
        if fidelity is not None and (isinstance(fidelity, bool) or not isinstance(fidelity, int)
                                     or fidelity < 1):
            raise EvohpoError(f"fidelity must be a whole number of epochs >= 1, got {fidelity!r}")
        if isinstance(screen, bool) or not isinstance(screen, int) or screen < 2:
            raise EvohpoError(f"screen must be a whole number >= 2, got {screen!r}")
        if initial is None:
            initial = population
        if isinstance(initial, bool) or not isinstance(initial, int) or initial < population:
            raise EvohpoError(f"initial must be a whole number >= population ({population}), "
                              f"got {initial!r}")
        if isinstance(preselect, bool) or not isinstance(preselect, int) or preselect < 1:
            raise EvohpoError(f"preselect must be a whole number >= 1 (1: off), got {preselect!r}")
        self.initial, self.preselect = initial, preselect
        self._archive: list[tuple[list[float], float]] = []  # (features, objective), full runs
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
        self.selection, self.immigrants = selection, immigrants
        self.fidelity, self.screen = fidelity, screen
        self._promote: list[Individual] = []  # screened at low fidelity, to train in full
        self._screening = False  # whether the pending batch is a screening one
        self.screened = 0  # low-fidelity evaluations told so far
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
        if self._promote:  # the screened winners, now trained in full
            batch, self._promote = self._promote[:max_n], []
            self._screening = False
        else:
            if self.generation == 0:
                n = self.initial
            else:
                n = self.population_size - min(self.elites, len(self.population))
            self._screening = self.fidelity is not None
            if self._screening:
                n *= self.screen
            n = min(max_n, n)
            batch = self._initial(n) if self.generation == 0 else self._offspring(n)
        self._pending = batch
        epochs = self.fidelity if self._screening else None
        return [Proposal(self.space.decode(ind), self.generation, epochs) for ind in batch]

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
        bred = max(0, n - self.immigrants)  # the last places go to fresh prior samples
        fresh = [self._distinct(Individual(self.space.sample(self.rng))) for _ in range(n - bred)]
        return self._children(bred) + self._count(fresh)

    def _children(self, n: int) -> list[Individual]:
        """``n`` new children: bred blind, or the surrogate's best of ``preselect * n``."""
        if self.preselect == 1 or len(self._archive) < surrogate.MIN_POINTS or n == 0:
            return self._count(self._breed(n))
        seen = set(self._seen)
        candidates = self._breed(n * self.preselect)  # remembered while bred: all distinct
        order = surrogate.rank(self._archive, [c for c, _ in candidates], self.space,
                               seed=self.rng.randrange(2**31))
        self._seen = seen  # the candidates not trained stay breedable
        chosen = [candidates[i] for i in order[:n]]
        for child, _ in chosen:
            self._remember(child)
        return self._count(chosen)

    def _count(self, bred: list[tuple[Individual, int]]) -> list[Individual]:
        """The children to train; their re-mutations (not those of candidates left out) go to
        ``duplicates_avoided``."""
        self.duplicates_avoided += sum(retries for _, retries in bred)
        return [child for child, _ in bred]

    def _breed(self, n: int) -> list[tuple[Individual, int]]:
        """Tournament selection, two-point crossover, mutation; each child a new network."""
        with seeded_global_random(self.rng):
            parents = tools.selTournament(self.population, n + n % 2, tournsize=self.tournament)
        children = [Individual(p) for p in parents]
        for a, b in zip(children[::2], children[1::2], strict=True):
            if self.rng.random() < self.cxpb:
                self.space.crossover(a, b, self.rng)
        for child in children[:n]:
            if self.rng.random() < self.mutpb:
                self.space.mutate(child, self.rng, self.indpb)
        return [self._distinct(child) for child in children[:n]]

    def _distinct(self, child: Individual) -> tuple[Individual, int]:
        """Re-mutate a child whose network was already tried (up to ``max_retries`` times),
        so the budget buys new networks; remember it. Returns it and its re-mutations."""
        retries = 0
        for _ in range(self.max_retries):
            if config_key(self.space.decode(child)) not in self._seen:
                break
            retries += 1
            self.space.mutate(child, self.rng, self.indpb)
        self._remember(child)
        return child, retries

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
        if self._screening:
            self._promote_best(evaluated)
            return
        self.hall_of_fame.update(evaluated)
        self._archive += [(surrogate.features(self.space, ind), ind.fitness.values[0])
                          for ind in evaluated]
        if self.generation == 0:  # the initial sample, or its best when it is larger
            self.population = (evaluated if len(evaluated) <= self.population_size
                               else tools.selBest(evaluated, self.population_size))
        elif self.selection == "plus":
            self.population = tools.selBest(self.population + evaluated, self.population_size)
        else:
            elites = tools.selBest(self.population, self.elites)
            self.population = [Individual(e) for e in elites] + evaluated
            for copy, original in zip(self.population, elites):
                copy.fitness.values = original.fitness.values
        record = self.stats.compile(evaluated) if evaluated else {}
        self.logbook.record(gen=self.generation, nevals=len(evaluated), **record)
        self.generation += 1

    def _promote_best(self, screened: list[Individual]) -> None:
        """Keep the best ``1/screen`` of a screening batch (at least one) for full training;
        the low-fidelity scores only rank, they never enter the population."""
        self.screened += len(screened)
        keep = max(1, round(len(screened) / self.screen))
        self._promote = []
        for ind in tools.selBest(screened, keep):
            copy = Individual(ind)  # a fresh genome without the low-fidelity fitness
            self._promote.append(copy)

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
            "promote": [list(ind) for ind in self._promote],
            "screened": self.screened,
            "archive": [[f, json_float(y)] for f, y in self._archive],
            "logbook": [
                {k: v if isinstance(v, int) else json_float(float(v)) for k, v in rec.items()}
                for rec in self.logbook
            ],
        }

    @restores
    def load_state_dict(self, state: dict) -> None:
        set_rng_state(self.rng, state["rng"])
        self.generation = int(state["generation"])
        self.population = [_load(d) for d in state["population"]]
        self.hall_of_fame.clear()
        for ind in reversed([_load(d) for d in state["hall_of_fame"]]):  # worst first: among
            self.hall_of_fame.insert(ind)  # equal fitness, insert() puts the later one first
        self._seen = set(state["seen"])
        self.duplicates_avoided = int(state.get("duplicates_avoided", 0))
        self._promote = [Individual(g) for g in state.get("promote", [])]
        self.screened = int(state.get("screened", 0))
        self._archive = [([float(v) for v in f], float(y)) for f, y in state.get("archive", [])]
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
