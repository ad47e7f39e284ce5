"""What the weight search minimises, and when it stops: the loss and the "solved" check.

The loss is the mean squared error of the network's output against the target: the sigmoid
output against 0/1 for binary tasks, the softmax output against the one-hot label for
multiclass tasks (Keras's ``"mse"`` on one-hot targets). It is bounded, smooth, and is the loss
of the classic XOR experiments, so the ES and the SGD baseline minimise the same thing. A task
is *solved* when every training row is classified correctly (output > 0.5, or the arg-max
class) and, for binary tasks, the MSE is below ``mse_target`` (default
:data:`DEFAULT_MSE_TARGET`: every output is clearly on its side).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import EvohpoError
from ..strategies.base import WORST, Evaluation, Proposal, Status
from ..tasks import Task
from .network import NumpyMLP
from .vector import check_vector

DEFAULT_MSE_TARGET = 0.05


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
        vec = check_vector(vector, self.net.n_weights, f"the {self.net.describe()} network")
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
        return self.outputs_solved(self.net.forward_unchecked(vector, self.x))

    def evaluation(self, eval_id: int, proposal: Proposal) -> Evaluation:
        """An :class:`Evaluation` record for an ES proposal (``config={"weights": vector}``);
        a non-finite loss becomes a DIVERGED record with objective ``WORST``."""
        vec = check_vector(
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
