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

import numpy as np
from deap import tools

from ..space import Individual, Space, seeded_global_random
from . import surrogate
from .base import Evaluation, Proposal, json_float, restores
from .checks import OneOf, Whole, validated
from .evolution import EvolutionarySearch, genes_share

SELECTIONS = ("plus", "comma")


class GeneticSearch(EvolutionarySearch):
    """GA over any :class:`~evohpo.space.Space`; see the module docstring for the loop."""

    name = "ga"
    n_objectives = 1
    logbook_header = ("gen", "nevals", "min", "mean", "max")
    _individual = Individual
    constraints = {
        "population": Whole(2),
        # keep the best two, but always breed someone
        "elites": Whole(0, "population", open_high=True,
                        default=lambda a: min(2, a["population"] - 1)),
        "tournament": Whole(1, label="tournament size"),
        **EvolutionarySearch.constraints,
        "selection": OneOf(SELECTIONS),
        "immigrants": Whole(0, "population - elites"),
        "fidelity": Whole(1, optional=True, unit="of epochs"),
        "screen": Whole(2),
        "initial": Whole("population", default=lambda a: a["population"]),
        "preselect": Whole(1, note="(1: off)"),
        "indpb": genes_share(2.0),  # about two genes change per mutation
        "hall_of_fame": Whole(1),
    }

    @validated
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
        super().__init__(space, population, seed, generations=generations, cxpb=cxpb,
                         mutpb=mutpb, indpb=indpb, max_retries=max_retries)  # type: ignore[arg-type]
        self.initial, self.preselect = initial, preselect
        self._archive: list[tuple[list[float], float]] = []  # (features, objective), full runs
        self.tournament, self.elites = tournament, elites
        self.selection, self.immigrants = selection, immigrants
        self.fidelity, self.screen = fidelity, screen
        self._promote: list[Individual] = []  # screened at low fidelity, to train in full
        self._screening = False  # whether the pending batch is a screening one
        self.screened = 0  # low-fidelity evaluations told so far
        # one entry per network: genomes that differ only in dormant genes are the same one
        self.hall_of_fame = tools.HallOfFame(hall_of_fame, similar=self._same_network)
        self.stats = tools.Statistics(lambda ind: ind.fitness.values[0])
        for fn in ("min", "mean", "max"):
            self.stats.register(fn, getattr(np, fn))

    # -- ask --------------------------------------------------------------------------------
    def ask(self, max_n: int) -> list[Proposal]:
        self._check_told()
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
        """Tournament selection, two-point crossover, mutation of every child, then each made
        a new network."""
        with seeded_global_random(self.rng):
            parents = tools.selTournament(self.population, n + n % 2, tournsize=self.tournament)
        children = [Individual(p) for p in parents]
        self._crossover(children)
        for child in children[:n]:
            self._mutate(child)
        return [self._distinct(child) for child in children[:n]]

    # -- tell -------------------------------------------------------------------------------
    def tell(self, evaluations: list[Evaluation]) -> None:
        evaluated = self._evaluated(evaluations)
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

    def _fitness(self, ev: Evaluation) -> tuple[float, ...]:
        return (float(ev.objective),)

    # -- checkpoint ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            **self._common_state(),
            "hall_of_fame": [self._dump(ind) for ind in self.hall_of_fame],
            "promote": [list(ind) for ind in self._promote],
            "screened": self.screened,
            "archive": [[f, json_float(y)] for f, y in self._archive],
        }

    @restores
    def load_state_dict(self, state: dict) -> None:
        self._load_common_state(state)
        self._load_best(self.hall_of_fame, state["hall_of_fame"])
        self._promote = [Individual(g) for g in state.get("promote", [])]
        self.screened = int(state.get("screened", 0))
        self._archive = [([float(v) for v in f], float(y)) for f, y in state.get("archive", [])]
