"""Random search: independent samples from the same prior the GA starts its population with."""

from __future__ import annotations

import random

from ..space import Space
from .base import Evaluation, Proposal, restores, rng_state, set_rng_state
from .checks import Whole, validated


class RandomSearch:
    """Asks ``batch`` fresh samples at a time; never done (the campaign's budget stops it)."""

    name = "random"
    constraints = {"batch": Whole(1)}

    @validated
    def __init__(self, space: Space, seed: int = 0, *, batch: int = 12) -> None:
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
