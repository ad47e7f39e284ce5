"""Direct weight search: a Keras MLP's weights as one vector, searched by the (1+1)-ES.

With four training rows, gradient descent from a random start often ends in a wrong basin; an
evolution strategy that treats the weights as a vector and minimises the loss directly (with
restarts) does not care about vanishing gradients or plateaus. This module holds:

- the vector <-> Keras weights mapping (:func:`n_weights`, :func:`get_vector`,
  :func:`set_weights`): the order is ``model.get_weights()`` flattened, i.e. per Dense layer its
  kernel (row-major, ``inputs x units``) then its bias;
- :class:`NumpyMLP`, the same network as a vectorised numpy forward pass, so one evaluation costs
  microseconds instead of a Keras call (tested to agree with ``model.predict`` to 1e-5);
- :class:`WeightFitness`: the loss and the "solved" check on a task;
- :func:`search_weights` (the runner), :func:`to_keras_model`, and :func:`train_sgd`, the Keras
  SGD recipe the ES is compared with.

The loss is the mean squared error of the network's output against the target: the sigmoid
output against 0/1 for binary tasks, the softmax output against the one-hot label for
multiclass tasks (Keras's ``"mse"`` on one-hot targets). It is bounded, smooth, and is the loss
of the classic XOR experiments, so ES and SGD minimise the same thing. A task is *solved* when
every training row is classified correctly (output > 0.5, or the arg-max class) and, for binary
tasks, the MSE is below ``mse_target`` (default 0.05: every output is clearly on its side).
Only Keras itself (through :mod:`evohpo.presets.mlp`) is imported lazily: the search runs without
TensorFlow.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from . import tasks as tasks_mod
from .errors import EvohpoError
from .model import output_spec
from .strategies.base import WORST, Evaluation, Proposal, Status
from .strategies.es import ESHistory, OnePlusOneES
from .tasks import Task

DEFAULT_MSE_TARGET = 0.05

# -- activations, as Keras 3 defines them (float64 here, float32 in Keras) ---------------------
_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return special.expit(x)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "elu": _elu,
    "selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0.0))),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),  # Keras 3 default negative_slope=0.2
    "gelu": lambda x: 0.5 * x * (1.0 + special.erf(x / math.sqrt(2.0))),  # approximate=False
    "softplus": _softplus,
    "swish": lambda x: x * special.expit(x),
    "silu": lambda x: x * special.expit(x),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "hard_sigmoid": lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "exponential": np.exp,
    "softmax": _softmax,
}


def _activation(name: str) -> Callable[[np.ndarray], np.ndarray]:
    if name not in ACTIVATIONS:
        raise EvohpoError(
            f"activation {name!r} has no numpy forward pass; choose from: "
            f"{', '.join(a for a in ACTIVATIONS if a != 'softmax')}"
        )
    return ACTIVATIONS[name]


# -- vector <-> Keras weights -----------------------------------------------------------------
def n_weights(model: Any) -> int:
    """How many numbers ``model.get_weights()`` holds: the length of its weight vector."""
    return int(sum(int(np.prod(w.shape)) for w in model.weights))


def get_vector(model: Any) -> np.ndarray:
    """All of ``model``'s weights as one float64 vector (kernel then bias, layer by layer)."""
    parts = [np.asarray(w, dtype=np.float64).ravel() for w in model.get_weights()]
    return np.concatenate(parts) if parts else np.zeros(0)


def set_weights(model: Any, vector: np.ndarray) -> Any:
    """Load a weight vector into ``model`` (in place; returned for chaining)."""
    shapes = [tuple(w.shape) for w in model.weights]
    vec = _check_vector(vector, sum(int(np.prod(s)) for s in shapes), "the model")
    arrays, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        arrays.append(vec[start : start + size].reshape(shape).astype(np.float32))
        start += size
    model.set_weights(arrays)
    return model


def _check_vector(vector: object, expected: int, what: str) -> np.ndarray:
    vec = np.asarray(vector, dtype=np.float64)
    if vec.ndim != 1 or vec.size != expected:
        raise EvohpoError(
            f"weight vector has shape {vec.shape} but {what} has {expected} weights; "
            f"pass a flat vector of {expected} values (see n_weights)"
        )
    if not np.all(np.isfinite(vec)):
        raise EvohpoError("weight vector holds NaN or infinite values; pass finite weights")
    return vec


# -- the network as numpy ---------------------------------------------------------------------
def _hidden_tuple(hidden: int | Sequence[int]) -> tuple[int, ...]:
    widths = (hidden,) if isinstance(hidden, int | np.integer) else tuple(hidden)
    if any(int(w) != w or w < 1 for w in widths):
        raise EvohpoError(f"hidden widths must be positive integers, got {list(widths)}")
    return tuple(int(w) for w in widths)


def _activation_list(activation: str | Sequence[str], depth: int) -> list[str]:
    acts = [activation] * depth if isinstance(activation, str) else list(activation)
    if len(acts) != depth:
        raise EvohpoError(
            f"{len(acts)} activations for {depth} hidden layers; give one, or one per layer"
        )
    for a in acts:
        _activation(a)
    return acts


def _output_spec(task: Task) -> tuple[int, str]:
    if task.kind in ("binary", "multiclass"):
        units, activation, _, _ = output_spec(task.kind, task.n_classes)
        return units, activation
    raise EvohpoError(
        f"task {task.name!r} is {task.kind}; weight search needs a binary or multiclass task "
        "(its 'solved' means every row classified correctly)"
    )


@dataclass(frozen=True)
class NumpyMLP:
    """A dense network as numpy: ``sizes`` = [inputs, hidden..., outputs], one activation per
    layer after the input. Its weight vector has the Keras layout (kernel then bias per layer)."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    _layers: list[tuple[int, int, int, Callable]] = field(
        init=False, repr=False, compare=False, default_factory=list
    )

    def __post_init__(self) -> None:
        if len(self.activations) != len(self.sizes) - 1:
            raise EvohpoError("NumpyMLP needs one activation per layer after the input")
        start = 0
        for n_in, n_out, act in zip(self.sizes[:-1], self.sizes[1:], self.activations):
            self._layers.append((start, n_in, n_out, _activation(act)))
            start += n_in * n_out + n_out

    @property
    def n_weights(self) -> int:
        return sum(i * o + o for i, o in zip(self.sizes[:-1], self.sizes[1:]))

    def describe(self) -> str:
        hidden = ",".join(self.activations[:-1]) or "no"
        return f"{'-'.join(map(str, self.sizes))} ({hidden} hidden, {self.activations[-1]} output)"

    @classmethod
    def for_task(
        cls, task: Task, hidden: int | Sequence[int] = 2, activation: str | Sequence[str] = "tanh"
    ) -> NumpyMLP:
        """The network :func:`evohpo.presets.mlp.build` makes for these widths and task."""
        widths = _hidden_tuple(hidden)
        acts = _activation_list(activation, len(widths))
        units, out_act = _output_spec(task)
        return cls((task.n_features, *widths, units), (*acts, out_act))

    @classmethod
    def from_model(cls, model: Any, task: Task | None = None) -> NumpyMLP:
        """Read a Keras model of Dense layers (Dropout is ignored: it is off at inference).

        With ``task``, the model's input and output must fit it: binary -> 1 sigmoid unit,
        multiclass -> one softmax unit per class.
        """
        sizes: list[int] = [int(np.prod(model.input_shape[1:]))]
        acts: list[str] = []
        for layer in model.layers:
            kind = type(layer).__name__
            if kind in ("InputLayer", "Dropout", "Flatten"):
                continue
            if kind != "Dense":
                raise EvohpoError(
                    f"layer {layer.name!r} is a {kind}; weight search handles Dense layers only"
                )
            cfg = layer.get_config()
            if not cfg.get("use_bias", True):
                raise EvohpoError(
                    f"layer {layer.name!r} has no bias; build models with evohpo.presets.mlp"
                )
            act = cfg["activation"]
            if not isinstance(act, str):
                raise EvohpoError(f"layer {layer.name!r} has a custom activation; use a name")
            sizes.append(int(cfg["units"]))
            acts.append(act)
        if not acts:
            raise EvohpoError("model has no Dense layer; build one with evohpo.presets.mlp")
        net = cls(tuple(sizes), tuple(acts))
        if task is not None:
            net.check_fits(task)
        return net

    def check_fits(self, task: Task) -> None:
        """Raise unless inputs and output layer are what ``task`` needs."""
        units, out_act = _output_spec(task)
        if self.sizes[0] != task.n_features:
            raise EvohpoError(
                f"network takes {self.sizes[0]} inputs but task {task.name!r} has "
                f"{task.n_features} features; build it for this task"
            )
        if (self.sizes[-1], self.activations[-1]) != (units, out_act):
            raise EvohpoError(
                f"network ends in {self.sizes[-1]} {self.activations[-1]} unit(s) but "
                f"{task.kind} task {task.name!r} needs {units} {out_act}; "
                "build the model with evohpo.presets.mlp for this task"
            )

    def forward(self, vector: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Outputs (rows x output units) of the network with these weights on inputs ``x``."""
        vec = _check_vector(vector, self.n_weights, f"the {self.describe()} network")
        x = np.asarray(x, dtype=np.float64)
        return self._forward(vec, x.reshape(len(x), -1))  # images are flattened, as by Flatten

    def _forward(self, vec: np.ndarray, h: np.ndarray) -> np.ndarray:
        # No checks: the search loop calls this ~10^5 times; views, one matmul, one ufunc a layer
        with np.errstate(all="ignore"):
            for start, n_in, n_out, act in self._layers:
                stop = start + n_in * n_out
                h = act(h @ vec[start:stop].reshape(n_in, n_out) + vec[stop : stop + n_out])
        return h


# -- loss and "solved" ------------------------------------------------------------------------
class WeightFitness:
    """Loss and solved check of weight vectors for one network on a task's training rows."""

    def __init__(self, net: NumpyMLP, task: Task, mse_target: float | None = None) -> None:
        net.check_fits(task)
        self.net, self.task = net, task
        self.x = np.asarray(task.x_train, dtype=np.float64).reshape(len(task.x_train), -1)
        labels = np.asarray(task.y_train).astype(np.int64)
        self.binary = task.kind == "binary"
        if self.binary:
            self.target = labels.reshape(-1, 1).astype(np.float64)
            self.positive = labels.reshape(-1, 1) == 1
        else:
            self.target = np.eye(task.n_classes)[labels]
        self.labels = labels
        if mse_target is None:
            mse_target = DEFAULT_MSE_TARGET if self.binary else math.inf
        if not mse_target > 0:
            raise EvohpoError(f"mse_target must be positive, got {mse_target}")
        self.mse_target = float(mse_target)

    def loss(self, vector: np.ndarray) -> float:
        """MSE of the outputs against 0/1 or one-hot targets (``inf`` if it is not finite)."""
        vec = _check_vector(vector, self.net.n_weights, f"the {self.net.describe()} network")
        return self.evaluate(vec)[0]

    def outputs_solved(self, out: np.ndarray) -> tuple[float, bool]:
        """(loss, solved) for network outputs on the training rows."""
        diff = (out - self.target).ravel()
        loss = float(diff @ diff) / diff.size  # the MSE; a dot product is 4x cheaper than mean
        if not math.isfinite(loss):
            return math.inf, False
        if loss >= self.mse_target:
            return loss, False
        return loss, self.correct(out)

    def correct(self, out: np.ndarray) -> bool:
        """Every training row classified right: output > 0.5 <=> label 1, or arg-max = label."""
        if self.binary:
            return bool(np.all((out > 0.5) == self.positive))
        return bool(np.all(out.argmax(axis=1) == self.labels))

    def evaluate(self, vector: np.ndarray) -> tuple[float, bool]:
        """(loss, solved) of one weight vector, unchecked: the search loop's inner call."""
        return self.outputs_solved(self.net._forward(vector, self.x))

    def evaluation(self, eval_id: int, proposal: Proposal) -> Evaluation:
        """An :class:`Evaluation` record for an ES proposal (``config={"weights": vector}``);
        a non-finite loss becomes a DIVERGED record with objective ``WORST``."""
        vec = _check_vector(
            proposal.config.get("weights"), self.net.n_weights, f"the {self.net.describe()} network"
        )
        loss, solved = self.evaluate(vec)
        if not math.isfinite(loss):
            return Evaluation(
                eval_id=eval_id, generation=proposal.generation, config=proposal.config,
                status=Status.DIVERGED, objective=WORST, error="non-finite loss",
                extra={"solved": False},
            )
        return Evaluation(
            eval_id=eval_id, generation=proposal.generation, config=proposal.config,
            status=Status.OK, objective=loss, scores={"val_loss": loss},
            params=self.net.n_weights, extra={"solved": solved},
        )


# -- the runner -------------------------------------------------------------------------------
@dataclass
class WeightRun:
    """One ES run: did it solve the task, after how many evaluations, and its best weights."""

    task: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    seed: int
    solved: bool
    evals: int
    seconds: float
    loss: float
    best: np.ndarray
    history: ESHistory

    @property
    def restarts(self) -> int:
        return len(self.history.restarts) - 1


def init_scale(net: NumpyMLP, gain: float = 1.0) -> np.ndarray:
    """Spread of a fresh start per weight: ``gain / sqrt(fan_in)`` for kernels (LeCun), the
    same for biases, so wide layers do not start saturated and ``sigma`` is unit-free."""
    scales = np.empty(net.n_weights)
    for start, n_in, n_out, _ in net._layers:
        scales[start : start + n_in * n_out + n_out] = gain / math.sqrt(n_in)
    return scales


def search_weights(
    task: Task | str,
    hidden: int | Sequence[int] = 2,
    activation: str | Sequence[str] = "tanh",
    seed: int = 0,
    budget: int = 5000,
    *,
    mse_target: float | None = None,
    gain: float = 0.5,
    **es_options: Any,
) -> WeightRun:
    """Run the (1+1)-ES on the weights of the network the builder makes for ``task`` until it
    is solved or ``budget`` evaluations are spent. ``es_options`` go to :class:`OnePlusOneES`
    (``sigma0``, ``window``, ``stall``, ...); ``gain`` sets the start spread (:func:`init_scale`).
    """
    if isinstance(task, str):
        task = tasks_mod.get(task)
    if int(budget) != budget or budget <= 0:
        raise EvohpoError(f"budget must be a positive number of evaluations, got {budget}")
    net = NumpyMLP.for_task(task, hidden, activation)
    fitness = WeightFitness(net, task, mse_target)
    es = OnePlusOneES(
        net.n_weights, seed, budget=int(budget), scale=init_scale(net, gain), **es_options
    )
    evaluate, ask, tell = fitness.evaluate, es.ask_vector, es.tell_loss
    solved = False
    start = time.perf_counter()
    while not es.done:
        x = ask()
        loss, solved = evaluate(x)
        tell(loss)
        if solved:
            best, best_loss = x, loss
            break
    else:  # not solved: the best point seen (the last one if every loss was non-finite)
        best, best_loss = (es.best, es.best_loss) if es.best is not None else (x, math.inf)
    seconds = time.perf_counter() - start
    return WeightRun(
        task.name, net.sizes, net.activations, seed, solved, es.evals, seconds,
        float(best_loss), np.array(best), es.history,
    )


def builder_config(hidden: int | Sequence[int], activation: str | Sequence[str]) -> dict:
    """The builder config of the SGD recipe's network (SGD, lr 0.1, batch size 1)."""
    widths = _hidden_tuple(hidden)
    acts = _activation_list(activation, len(widths))
    return {
        "layers": [{"units": int(w), "activation": a} for w, a in zip(widths, acts)],
        "optimizer": "sgd",
        "learning_rate": 0.1,
        "batch_size": 1,
    }


def to_keras_model(
    task: Task | str,
    hidden: int | Sequence[int],
    activation: str | Sequence[str],
    vector: np.ndarray,
):
    """The builder's compiled keras.Model for this architecture, holding ``vector``'s weights."""
    from .presets.mlp import build as build_model

    if isinstance(task, str):
        task = tasks_mod.get(task)
    net = NumpyMLP.for_task(task, hidden, activation)
    _check_vector(vector, net.n_weights, f"the {net.describe()} network")
    model = build_model(builder_config(hidden, activation), task, loss="mse")
    return set_weights(model, vector)


def run_model(run: WeightRun, task: Task | None = None):
    """The keras.Model of a finished run (predict with it, ``model.save("x.keras")``)."""
    return to_keras_model(task or run.task, run.sizes[1:-1], run.activations[:-1], run.best)


# -- the gradient-descent baseline ------------------------------------------------------------
@dataclass(frozen=True)
class SGDRun:
    """One SGD run: ``solved`` by the ES's criterion, ``correct`` = every row classified right
    (no MSE threshold), and the final training MSE."""

    seed: int
    solved: bool
    correct: bool
    loss: float
    seconds: float


def train_sgd(
    task: Task | str,
    hidden: int | Sequence[int] = 2,
    activation: str | Sequence[str] = "tanh",
    seed: int = 0,
    *,
    epochs: int = 200,
    learning_rate: float = 0.1,
    batch_size: int = 1,
    mse_target: float | None = None,
    literal_epochs: bool = False,
) -> SGDRun:
    """The Keras recipe: builder's network, SGD(lr 0.1), batch size 1, 200 epochs, MSE loss,
    ``keras.utils.set_random_seed(seed)``; judged by the same :class:`WeightFitness` check.

    Keras spends ~50-80 ms of bookkeeping per epoch, which on a 4-row task is ~20x the
    training itself. So by default the 200 epochs are fed as one pass over 200 independent
    shuffles of the rows (drawn from a Generator seeded with ``seed``): plain SGD has no state
    between epochs, so these are the same 800 batch-size-1 steps with the same per-epoch
    reshuffling. ``literal_epochs=True`` calls ``fit(epochs=200, shuffle=True)`` instead.
    """
    from .presets.mlp import build as build_model
    from .runtime import keras as _keras

    if isinstance(task, str):
        task = tasks_mod.get(task)
    if epochs < 1:
        raise EvohpoError(f"epochs must be >= 1, got {epochs}")
    keras = _keras()
    net = NumpyMLP.for_task(task, hidden, activation)
    fitness = WeightFitness(net, task, mse_target)
    x, y = task.x_train, fitness.target.astype(np.float32)
    start = time.perf_counter()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    config = builder_config(hidden, activation) | {
        "learning_rate": learning_rate, "batch_size": batch_size,
    }
    steps_per_pass = math.ceil(len(x) / batch_size)
    model = build_model(config, task, loss="mse", steps_per_execution=10 * steps_per_pass)
    if literal_epochs:
        model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    else:
        rng = np.random.default_rng(seed)
        order = np.concatenate([rng.permutation(len(x)) for _ in range(epochs)])
        model.fit(x[order], y[order], epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
    out = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
    loss, solved = fitness.outputs_solved(out)
    correct = fitness.correct(out)
    return SGDRun(seed, solved, correct, loss, time.perf_counter() - start)


# -- summaries --------------------------------------------------------------------------------
def _percentile(values: Sequence[float], q: float) -> float | None:
    """Percentile where unsolved runs count as never solving: ``None`` if it lands on one."""
    if not values:
        return None
    ordered = np.sort(np.asarray(values, dtype=float))
    pos = q / 100.0 * (len(ordered) - 1)  # numpy's default "linear" method
    lo, hi = math.floor(pos), math.ceil(pos)
    if not math.isfinite(ordered[hi]):
        return None
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def summarise_es(runs: Sequence[WeightRun], seconds: float) -> dict[str, Any]:
    """runs, solved, median/p90 evaluations to solve (unsolved = never), wall seconds."""
    to_solve = [r.evals if r.solved else math.inf for r in runs]
    return {
        "runs": len(runs),
        "solved": sum(r.solved for r in runs),
        "median_evals": _percentile(to_solve, 50),
        "p90_evals": _percentile(to_solve, 90),
        "seconds": round(seconds, 3),
        "restarts_mean": round(float(np.mean([r.restarts for r in runs])), 2) if runs else None,
    }


def summarise_sgd(runs: Sequence[SGDRun], seconds: float) -> dict[str, Any]:
    return {
        "runs": len(runs),
        "solved": sum(r.solved for r in runs),
        "correct": sum(r.correct for r in runs),
        "seconds": round(seconds, 3),
        "seconds_per_run": round(seconds / len(runs), 3) if runs else None,
    }
