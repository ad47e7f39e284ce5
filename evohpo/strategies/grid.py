"""Grid search over the same space, visited in a seeded shuffled order.

Per-layer genes make a full grid astronomically large (27^4 width x activation combinations at
depth 4 alone), so, as grid searches are run in practice, the grid ties every hidden layer of a
network to one width and one activation. Numeric genes get ``levels`` values each: depth and
width evenly spaced (width on a log scale), learning rate on a log scale; categorical genes
take every choice. When the grid is larger than the budget it is visited in a seeded random
order (never truncated in lexicographic order) and ``coverage`` says how much was seen.
"""

from __future__ import annotations

import math
import random

from ..errors import EvohpoError
from ..space import Config, SearchSpace
from .base import Evaluation, Proposal, rng_state, set_rng_state

_FULL_SHUFFLE_MAX = 1_000_000  # larger grids are sampled without replacement instead


def _int_levels(low: int, high: int, levels: int, log: bool) -> list[int]:
    if high - low + 1 <= levels:
        return list(range(low, high + 1))
    if log:
        points = [math.exp(math.log(low) + i * (math.log(high) - math.log(low)) / (levels - 1))
                  for i in range(levels)]
    else:
        points = [low + i * (high - low) / (levels - 1) for i in range(levels)]
    return sorted({min(high, max(low, round(p))) for p in points})


def _log_levels(low: float, high: float, levels: int) -> list[float]:
    if levels == 1 or low == high:
        return [float(f"{math.sqrt(low * high):.6g}")]
    step = (math.log10(high) - math.log10(low)) / (levels - 1)
    return [float(f"{10 ** (math.log10(low) + i * step):.6g}") for i in range(levels)]


class GridSearch:
    """Every grid point at most once, in a seeded shuffled order; ``done`` when all are seen."""

    name = "grid"

    def __init__(self, space: SearchSpace, seed: int = 0, *, levels: int = 3,
                 batch: int = 12) -> None:
        if levels < 1:
            raise EvohpoError(f"levels must be >= 1, got {levels}")
        if batch < 1:
            raise EvohpoError(f"batch must be >= 1, got {batch}")
        self.space, self.seed, self.levels, self.batch = space, seed, levels, batch
        self.rng = random.Random(f"grid:{seed}")  # own stream per method
        self.axes: dict[str, list] = {
            "n_layers": _int_levels(*space.layers, levels, log=False),
            "units": _int_levels(*space.units, levels, log=True),
            "activation": list(space.activations),
            "optimizer": list(space.optimizers),
            "learning_rate": _log_levels(*space.learning_rate, levels),
            "batch_size": list(space.batch_sizes or (space.default_batch_size,)),
        }
        self.size = math.prod(len(v) for v in self.axes.values())
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
        """The config at a mixed-radix index of the grid."""
        values = {}
        for name, axis in reversed(self.axes.items()):
            index, r = divmod(index, len(axis))
            values[name] = axis[r]
        n = values["n_layers"]
        return {
            "n_layers": n, "units": [values["units"]] * n,
            "activations": [values["activation"]] * n, "optimizer": values["optimizer"],
            "learning_rate": values["learning_rate"], "batch_size": values["batch_size"],
        }

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

    def load_state_dict(self, state: dict) -> None:
        if int(state["size"]) != self.size:
            raise ValueError(f"grid size {state['size']} in the checkpoint, {self.size} now")
        set_rng_state(self.rng, state["rng"])
        self.proposed, self.batches = int(state["proposed"]), int(state["batches"])
        self._seen = {int(i) for i in state["seen"]}

    def all_points(self) -> list[Config]:
        """The whole grid in lexicographic order (for tests and small grids)."""
        return [self.point(i) for i in range(self.size)] if self.size <= 100_000 else []

