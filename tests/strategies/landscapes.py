"""Cheap numpy landscapes and drivers shared by the strategy tests (not a test module): a smooth
and a mixed space with their objectives, a loop that asks and tells, a space that counts
variation calls, the prior every sampler starts from.
"""

from __future__ import annotations

import json
import math
from collections import Counter

from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Int,
    Repeat,
    Space,
)
from evohpo.strategies import (
    Evaluation,
    Status,
    Strategy,
)

SMOOTH = Space(**{f"x{i}": Float(-5.0, 5.0) for i in range(4)},
               n=Int(1, 64, log=True), act=Choice(["a", "b", "c", "d"]))


def smooth(config: dict) -> float:
    """Minimised; 0 at x = 0, n = 16, act = b."""
    value = sum(config[f"x{i}"] ** 2 for i in range(4)) / 25
    value += (math.log2(config["n"]) - 4) ** 2 / 9
    return value + (0.0 if config["act"] == "b" else 0.5)


MIXED = Space(
    layers=Repeat(Int(1, 3), units=Int(4, 256, log=True), act=Choice(["relu", "tanh"])),
    opt=Choice(["adam", "sgd"]),
    momentum=Float(0.0, 0.9, when={"opt": "sgd"}),
    lr=Float(1e-4, 1e-1, log=True),
    bn=Bool(),
)


def mixed(config: dict) -> float:
    value = abs(len(config["layers"]) - 2) * 0.3
    value += sum(abs(math.log2(b["units"]) - 6) * 0.05 + 0.01 * (b["act"] == "tanh")
                 for b in config["layers"])
    value += abs(math.log10(config["lr"]) + 2) * 0.2 + (0.1 if config["bn"] else 0.0)
    return value + abs(config.get("momentum", 0.9) - 0.9)


def ok(eval_id: int, generation: int, config: dict, objective: float) -> Evaluation:
    return Evaluation(eval_id=eval_id, generation=generation, config=config, status=Status.OK,
                      objective=objective, scores={"val_loss": objective})


def drive(strategy: Strategy, budget: int, objective=smooth, fail=None) -> list[Evaluation]:
    """The campaign loop without Keras, files or processes."""
    evals: list[Evaluation] = []
    while len(evals) < budget and not strategy.done:
        proposals = strategy.ask(budget - len(evals))
        assert 0 < len(proposals) <= budget - len(evals)
        batch = []
        for p in proposals:
            i = len(evals) + len(batch)
            if fail is not None and fail(p.config):
                batch.append(Evaluation(eval_id=i, generation=p.generation, config=p.config,
                                        status=Status.FAILED, error="boom"))
            else:
                batch.append(ok(i, p.generation, p.config, objective(p.config)))
        strategy.tell(batch)
        evals += batch
    return evals


def best(evals: list[Evaluation]) -> float:
    return min(e.objective for e in evals)


class CountingSpace(Space):
    """A space that counts the GA's variation calls."""

    def __init__(self, **genes):
        super().__init__(**genes)
        self.crossovers = self.mutations = 0

    def crossover(self, a, b, rng):
        self.crossovers += 1
        return super().crossover(a, b, rng)

    def mutate(self, ind, rng, indpb):
        self.mutations += 1
        return super().mutate(ind, rng, indpb)


def counting() -> CountingSpace:
    return CountingSpace(**SMOOTH.genes)


def proposals_of(strategy: Strategy, batches: int, objective=smooth) -> list[list[dict]]:
    out = []
    for _ in range(batches):
        proposals = strategy.ask(100)
        out.append([p.config for p in proposals])
        strategy.tell([ok(i, p.generation, p.config, objective(p.config))
                       for i, p in enumerate(proposals)])
    return out


def round_trip(state: dict) -> dict:
    return json.loads(json.dumps(state, allow_nan=False))


# -- random search --------------------------------------------------------------------------------
PRIOR = Space(c=Choice(["p", "q", "r", "s"]), i=Int(1, 6), lr=Float(1e-4, 1e-1, log=True),
              u=Float(-1.0, 1.0), b=Bool(), m=Float(0.0, 1.0, when={"c": "q"}),
              layers=Repeat(Int(1, 3), w=Int(8, 128, log=True)), k=Fixed("k"))


def prior_checks(configs: list[dict]) -> None:
    """Frequencies within 5 binomial standard deviations of the space's prior."""
    n = len(configs)

    def near(count: int, total: int, p: float) -> None:
        assert abs(count - total * p) < 5 * math.sqrt(total * p * (1 - p)) + 1, (count, total, p)

    choices = Counter(c["c"] for c in configs)
    assert set(choices) == {"p", "q", "r", "s"}
    for count in choices.values():
        near(count, n, 1 / 4)
    for value in range(1, 7):
        near(sum(c["i"] == value for c in configs), n, 1 / 6)
    near(sum(c["b"] for c in configs), n, 1 / 2)
    near(sum(math.log10(c["lr"]) < -2.5 for c in configs), n, 1 / 2)  # log-uniform
    near(sum(math.log10(c["lr"]) < -3.25 for c in configs), n, 1 / 4)
    near(sum(c["u"] < 0 for c in configs), n, 1 / 2)
    near(sum(c["u"] < -0.5 for c in configs), n, 1 / 4)
    near(sum("m" in c for c in configs), n, 1 / 4)
    assert all(("m" in c) == (c["c"] == "q") for c in configs)
    for count in (1, 2, 3):
        near(sum(len(c["layers"]) == count for c in configs), n, 1 / 3)
    widths = [b["w"] for c in configs for b in c["layers"]]
    near(sum(w < math.sqrt(8 * 128) for w in widths), len(widths), 1 / 2)
    assert all(c["k"] == "k" for c in configs)


SMALL = Space(x=Float(-2.0, 2.0), n=Int(1, 8), c=Choice(["a", "b", "c"]))


def _score(config: dict) -> float:
    return config["x"] ** 2 + abs(config["n"] - 4) + (config["c"] != "b")


def _drive(strategy, batches: int, objectives_of=None) -> None:
    for _ in range(batches):
        proposals = strategy.ask(100)
        strategy.tell([Evaluation(eval_id=i, generation=p.generation, config=p.config,
                                  status=Status.OK, objective=_score(p.config),
                                  objectives=objectives_of(p.config) if objectives_of else ())
                       for i, p in enumerate(proposals)])


def _two(config: dict) -> tuple[float, float]:
    return _score(config), -config["x"]
