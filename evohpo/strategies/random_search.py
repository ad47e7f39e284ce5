"""Random search: independent samples from the same prior the GA starts its population with."""

from __future__ import annotations

import random

from ..errors import EvohpoError
from ..space import Space
from .base import Evaluation, Proposal, restores, rng_state, set_rng_state


class RandomSearch:
    """Asks ``batch`` fresh samples at a time; never done (the campaign's budget stops it)."""

    name = "random"

    def __init__(self, space: Space, seed: int = 0, *, batch: int = 12) -> None:
        if batch < 1:
            raise EvohpoError(f"batch must be >= 1, got {batch}")
        self.space, self.seed, self.batch = space, seed, batch
        self.rng = random.Random(f"random:{seed}")  # own stream per method
        self.batches = 0

    done = False

    def ask(self, max_n: int) -> list[Proposal]:
        n = min(max_n, self.batch)
        return [Proposal(self.space.decode(self.space.sample(self.rng)), self.batches)
                for _ in range(n)]

    def tell(self, evaluations: list[Evaluation]) -> None:
        self.batches += 1

    def state_dict(self) -> dict:
        return {"rng": rng_state(self.rng), "batches": self.batches}

    @restores
    def load_state_dict(self, state: dict) -> None:
        set_rng_state(self.rng, state["rng"])
        self.batches = int(state["batches"])
