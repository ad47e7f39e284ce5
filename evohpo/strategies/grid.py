"""Grid search over any space, visited in a seeded shuffled order.

The grid itself (levels per gene, how repeated groups and conditional genes are enumerated) is
:class:`evohpo.space.Grid`. When the grid is larger than the budget it is visited in a seeded
random order (never truncated in lexicographic order) and ``coverage`` says how much was seen.
"""

from __future__ import annotations

import random

from ..errors import EvohpoError
from ..space import Config, Grid, Space
from .base import Evaluation, Proposal, restores, rng_state, set_rng_state
from .checks import Whole, validated

_FULL_SHUFFLE_MAX = 1_000_000  # larger grids are sampled without replacement instead


class GridSearch:
    """Every grid point at most once, in a seeded shuffled order; ``done`` when all are seen."""

    name = "grid"
    constraints = {"levels": Whole(1), "batch": Whole(1)}

    @validated
    def __init__(self, space: Space, seed: int = 0, *, levels: int = 3,
                 batch: int = 12) -> None:
        self.space, self.seed, self.levels, self.batch = space, seed, levels, batch
        self.rng = random.Random(f"grid:{seed}")  # own stream per method
        self.grid = Grid(space, levels)
        self.size = self.grid.size
        self._order: list[int] | None = None
        if self.size <= _FULL_SHUFFLE_MAX:
            self._order = list(range(self.size))
            self.rng.shuffle(self._order)
        self._seen: set[int] = set()
        self.proposed = 0
        self.batches = 0

    @property
    def done(self) -> bool:
        return self.proposed >= self.size

    @property
    def coverage(self) -> float:
        """Share of the grid proposed so far (evaluated / grid size)."""
        return self.proposed / self.size

    def point(self, index: int) -> Config:
        return self.grid.point(index)

    def _next_index(self) -> int:
        if self._order is not None:
            return self._order[self.proposed]
        while True:
            i = self.rng.randrange(self.size)
            if i not in self._seen:
                self._seen.add(i)
                return i

    def ask(self, max_n: int) -> list[Proposal]:
        n = min(max_n, self.batch, self.size - self.proposed)
        batch = []
        for _ in range(n):
            batch.append(Proposal(self.point(self._next_index()), self.batches))
            self.proposed += 1
        return batch

    def tell(self, evaluations: list[Evaluation]) -> None:
        self.batches += 1

    def state_dict(self) -> dict:
        # the shuffled order is rebuilt from the seed; only the position and draws are state
        return {"rng": rng_state(self.rng), "proposed": self.proposed, "batches": self.batches,
                "seen": sorted(self._seen), "size": self.size}

    @restores
    def load_state_dict(self, state: dict) -> None:
        if int(state["size"]) != self.size:
            raise EvohpoError(f"grid size {state['size']} in the checkpoint, {self.size} now; "
                              "resume with the same space and --levels")
        set_rng_state(self.rng, state["rng"])
        self.proposed, self.batches = int(state["proposed"]), int(state["batches"])
        self._seen = {int(i) for i in state["seen"]}

    def all_points(self) -> list[Config]:
        """The whole grid in index order (for tests and small grids)."""
        return [self.point(i) for i in range(self.size)] if self.size <= 100_000 else []
