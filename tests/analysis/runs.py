"""Result folders written without training, shared by the analysis, plot and report tests (not a
test module): results.csv and best.json of made-up runs, and a custom space optimised for
val_auc.
"""

from __future__ import annotations

import random
from pathlib import Path

from evohpo import files
from evohpo import results as results_mod
from evohpo.objectives import Objective
from evohpo.presets import mlp
from evohpo.space import Bool, Choice, Float, Int, Repeat, Space
from evohpo.strategies.base import Evaluation, Status

MLP = mlp.space(layers=(1, 2))


ACC = Objective("val_accuracy", "max")


LOSS = Objective("val_loss", "min")


AUC = Objective("val_auc", "max")


CUSTOM = Space(
    conv=Repeat(Int(1, 3), filters=Choice([8, 16, 32])),
    dense=Int(16, 1024, log=True),
    optimizer=Choice(["sgd", "adam"]),
    momentum=Float(0.0, 0.9, when={"optimizer": "sgd"}),
    dropout=Float(0.0, 0.5),
    batch_norm=Bool(),
)


def config(optimizer: str = "adam", lr: float = 1e-3, n_layers: int = 1, units: int = 16,
           activation: str = "relu") -> dict:
    """An MLP preset config."""
    return {"layers": [{"units": units, "activation": activation}] * n_layers,
            "optimizer": optimizer, "learning_rate": lr, "batch_size": 32}


def scores_for(objective: Objective, score: float) -> dict[str, float | None]:
    """The validation metrics a model with this objective score reports."""
    if objective.name == "val_loss":  # regression: no accuracy
        return {"val_loss": score}
    out = {"val_accuracy": score, "val_loss": 1 - score}
    out[objective.name] = score
    return out


def write_run(folder: Path, method: str, seed: int, scores: list[float | None], *,
              configs: list[dict] | None = None, space: Space = MLP,
              objective: Objective = ACC, test: float | None = 0.5, seconds: float = 10.0,
              task: str = "toy", best_json: bool = True,
              cached: set[int] = frozenset()) -> Path:
    """A campaign folder: results.csv (one row per score; None = failed) and best.json."""
    folder.mkdir(parents=True, exist_ok=True)
    log = results_mod.ResultsLog.create(folder / results_mod.CSV_NAME,
                                        results_mod.columns(space, objective))
    evals = []
    for i, score in enumerate(scores):
        ok = score is not None
        ev = Evaluation(
            eval_id=i, generation=i // 4,
            config=configs[i] if configs else config(lr=10.0 ** (i % 4 - 4)),
            status=Status.OK if ok else Status.FAILED,
            objective=objective.minimised(score),
            scores=scores_for(objective, score) if ok else {},
            params=100 * (i + 1), epochs=1, train_seconds=0.5, worker="w",
            error="" if ok else "boom", cached=i in cached,
        )
        evals.append(ev)
        log.append(results_mod.row(ev, campaign=folder.name, method=method, seed=seed,
                                   space=space, objective=objective))
    log.finalize()
    if best_json:
        ok_evals = [e for e in evals if e.ok]
        best = min(ok_evals, key=lambda e: (e.objective, e.eval_id)) if ok_evals else None
        tests = {"test_loss": test if objective is LOSS else 0.3}
        if objective is not LOSS:
            tests["test_accuracy"] = test
            tests["test_" + objective.name.removeprefix("val_")] = test
        files.write_json(folder / results_mod.BEST_NAME, {
            "method": method, "seed": seed, "task": task, "objective": objective.spec,
            "kind": "regression" if objective is LOSS else "multiclass", "seconds": seconds,
            "best": None if best is None else {
                "eval_id": best.eval_id, "config": best.config, "scores": best.scores,
                "test": tests, "val_accuracy": best.val_accuracy, "val_loss": best.val_loss,
                "test_accuracy": tests.get("test_accuracy"), "test_loss": tests["test_loss"],
                "model_path": None,
            },
        })
    return folder / results_mod.CSV_NAME


def _custom_dir(tmp_path: Path, n: int = 60) -> Path:
    """A custom space (conv blocks, dense width, optimizer, sgd-only momentum, dropout,
    batch_norm) optimised for val_auc: adam scores 0.8, sgd 0.4 + 0.3 * momentum (0.4 to 0.67),
    the other genes nothing. Two seeds of GA, one of random."""
    rng = random.Random(3)
    for method, seed in (("ga", 0), ("ga", 1), ("random", 0)):
        configs = [CUSTOM.decode(CUSTOM.sample(rng)) for _ in range(n // 3)]
        configs[0]["dropout"] = 0.001  # dropout spans decades whatever the random stream
        scores = [0.8 if c["optimizer"] == "adam" else 0.4 + 0.3 * c["momentum"]
                  for c in configs]
        write_run(tmp_path / f"{method}-seed{seed}", method, seed, scores, configs=configs,
                  space=CUSTOM, objective=AUC, test=0.6 + seed / 10)
    return tmp_path


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
