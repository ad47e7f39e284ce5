"""The fused engine: many MLPs in one traced function, each as if it trained alone.

Tiny data (a slice of digits, small generated tables), 1-3 epochs: a few seconds in all.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from evohpo import tasks
from evohpo.engines import fused
from evohpo.engines.fused import can_fuse, group_key, split_groups, train_group
from evohpo.engines.scoring import score


def _tiny(images: bool = False) -> tasks.Task:
    d = tasks.digits()
    shape = (-1, 8, 8, 1) if images else (-1, 64)
    return tasks.Task(
        "tiny-digits", "multiclass",
        d.x_train[:160].reshape(shape), d.y_train[:160],
        d.x_val[:80].reshape(shape), d.y_val[:80],
        d.x_test[:8].reshape(shape), d.y_test[:8], n_classes=10,
    )


def _mlp(*layers: tuple[int, str], optimizer: str = "adam", lr: float = 1e-2, **genes) -> dict:
    return {"layers": [{"units": u, "activation": a} for u, a in layers],
            "optimizer": optimizer, "learning_rate": lr, "batch_size": 32, **genes}


# Members that differ in every gene the engine supports (4 units wide: quick to trace).
A = _mlp((16, "relu"), (8, "tanh"))
B = _mlp((12, "elu"), optimizer="sgd", lr=0.05, momentum=0.9, nesterov=True, batch_norm=True)
C = _mlp((8, "gelu"), (8, "selu"), (6, "sigmoid"), optimizer="adamw", lr=3e-3, dropout=0.2,
         weight_decay=1e-4, lr_schedule="cosine", initializer="he_normal")
D = _mlp((10, "leaky_relu"), optimizer="rmsprop", lr=1e-3, lr_schedule="exponential")
POISON = _mlp((16, "relu"), optimizer="sgd", lr=1e3)  # diverges within the first epoch
EPOCHS = 3


@pytest.fixture(scope="module")
def task() -> tasks.Task:
    return _tiny()


@pytest.fixture(scope="module")
def base(task):
    """A, B, C, D trained together once; the reference every other run is compared with."""
    return train_group([A, B, C, D], [1, 2, 3, 4], task, EPOCHS, keep_weights=True)


def _same(a: fused.MemberResult, b: fused.MemberResult) -> bool:
    """Bit-identical: metrics, epochs and every weight."""
    return (a.status, a.metrics, a.epochs) == (b.status, b.metrics, b.epochs) and all(
        np.array_equal(x, y) for x, y in zip(a.weights, b.weights, strict=True))


def test_group_trains_every_member(base):
    assert [r.status for r in base] == ["ok"] * 4
    assert all(r.epochs == EPOCHS and r.seconds > 0 and r.params > 0 for r in base)
    assert all(0.0 <= r.metrics["accuracy"] <= 1.0 for r in base)
    assert len({r.metrics["loss"] for r in base}) == 4
    # seconds: equal shares of the fixed costs plus training time by parameter count
    assert sorted(range(4), key=lambda i: base[i].params) == sorted(
        range(4), key=lambda i: base[i].seconds)


def test_member_does_not_depend_on_its_group(task, base):
    """Other members, their order and their count change nothing, to the last bit; the
    member's own seed does."""
    other = train_group([D, B], [4, 2], task, EPOCHS, keep_weights=True)
    assert _same(other[0], base[3]) and _same(other[1], base[1])
    (alone,) = train_group([C], [3], task, EPOCHS, keep_weights=True)
    assert _same(alone, base[2])
    reseeded = train_group([A, B], [1, 99], task, EPOCHS, keep_weights=True)
    assert _same(reseeded[0], base[0])
    assert reseeded[1].metrics != base[1].metrics


def test_poisoned_member_diverges_and_others_are_bit_identical(task, base):
    results = train_group([A, POISON, B, C, D], [1, 7, 2, 3, 4], task, EPOCHS, keep_weights=True)
    assert results[1].status == "diverged" and "NaN" in results[1].error
    assert results[1].weights is None
    for got, want in zip(results[:1] + results[2:], base, strict=True):
        assert _same(got, want)


def test_failed_members_are_records_and_the_rest_trains(task, base):
    bad_act = _mlp((8, "no_such_activation"))
    bad_gene = _mlp((8, "relu"), momentum=0.9)  # momentum is an sgd gene, not adam's
    t0 = time.perf_counter()
    results = train_group([bad_act, A, bad_gene], [5, 1, 6], task, EPOCHS, keep_weights=True)
    wall = time.perf_counter() - t0
    assert sum(r.seconds for r in results) == pytest.approx(wall, rel=0.05)
    assert [r.status for r in results] == ["failed", "ok", "failed"]
    assert "no_such_activation" in results[0].error and "sgd" in results[2].error
    assert results[0].params is None and results[0].seconds == 0.0 and results[0].metrics == {}
    assert _same(results[1], base[0])


def test_member_that_breaks_the_trace_fails_alone(task, base, monkeypatch):
    """A network that builds but cannot be traced fails by itself; the group trains again
    without it and the others get their usual numbers."""
    from evohpo.runtime import keras

    class Broken(keras().optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            raise RuntimeError("update_step is broken")

    real = fused.make_optimizer
    monkeypatch.setattr(fused, "make_optimizer", lambda config, total_steps: (
        Broken(learning_rate=0.0123) if config["learning_rate"] == 0.0123
        else real(config, total_steps)))
    broken = _mlp((8, "relu"), optimizer="sgd", lr=0.0123)
    results = train_group([A, broken, D], [1, 9, 4], task, EPOCHS, keep_weights=True)
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert "update_step is broken" in results[1].error
    assert _same(results[0], base[0]) and _same(results[2], base[3])


def test_time_limit_times_out_members_and_chunking_changes_nothing(task, base):
    late = train_group([A, _mlp((8, "nope")), B], [1, 5, 2], task, EPOCHS, time_limit=1e-4)
    assert [r.status for r in late] == ["timeout", "failed", "timeout"]
    assert late[0].epochs == 0 and late[0].metrics == {} and "time limit" in late[0].error
    # a limit that is never reached runs in time-sized chunks, and one step per call is the
    # smallest chunk: both must give the numbers of whole-epoch calls
    chunked = train_group([A, B], [1, 2], task, EPOCHS, time_limit=1e6, keep_weights=True)
    stepwise = train_group([C], [3], task, EPOCHS, chunk_steps=1, keep_weights=True)
    assert _same(chunked[0], base[0]) and _same(chunked[1], base[1])
    assert _same(stepwise[0], base[2])


def test_metrics_match_score_on_the_trained_model():
    """Images are flattened, and the weights load into member_model, where fitness.score
    recomputes exactly the reported metrics; binary and regression heads too."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5)).astype(np.float32)
    cases = [
        (_tiny(images=True), C),
        (tasks.from_arrays(x, (x[:, 0] + x[:, 1] > 0).astype(int), kind="binary"), A),
        (tasks.from_arrays(x, x[:, 0] * 2.0 + 0.5 * x[:, 2], kind="regression"), B),
    ]
    for data, config in cases:
        (result,) = train_group([config], [11], data, 2, keep_weights=True)
        assert result.status == "ok"
        model = fused.member_model(config, data, 11)
        model.set_weights(result.weights)
        assert model.count_params() == result.params
        assert score(model, data, data.x_val, data.y_val) == result.metrics
        assert ("accuracy" in result.metrics) == (data.kind != "regression")


def test_patience_is_keras_early_stopping_with_best_weights(task):
    """Stops after ``patience`` epochs without a lower validation loss and reports the best
    epoch's weights: the loss curve comes from plain runs of 1..4 epochs (a run of e epochs is
    the first e epochs of a longer one)."""
    config = _mlp((64, "relu"), lr=0.03)
    curve = [train_group([config], [5], task, e)[0].metrics["loss"] for e in range(1, 5)]
    best, wait, stop = 0, 0, len(curve)
    for epoch, loss in enumerate(curve[1:], 1):
        if loss < curve[best]:
            best, wait = epoch, 0
        else:
            wait += 1
            if wait >= 1:
                stop = epoch + 1
                break
    assert stop < len(curve), "the test config must stop early to test anything"
    (result,) = train_group([{**config, "patience": 1}], [5], task, len(curve))
    assert result.epochs == stop
    assert result.metrics["loss"] == curve[best]


def test_engine_leaves_tensorflow_as_it_found_it(task):
    """Grappler comes back on for per-model evaluations, and the custom-gradient entries a
    group registers are dropped (they kept every traced graph alive: the memory leak)."""
    import tensorflow as tf
    from tensorflow.python.framework import ops

    before = len(ops._gradient_registry._registry)
    train_group([A], [1], task, 1)
    assert len(ops._gradient_registry._registry) == before
    assert not tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer")


# -- no TensorFlow below -----------------------------------------------------------------------
def test_can_fuse_takes_mlp_preset_configs_only():
    assert can_fuse(A) and can_fuse(C) and can_fuse(_mlp((4, "no_such_activation")))
    assert not can_fuse({"units": [8], "activations": ["relu"], "optimizer": "adam",
                         "learning_rate": 0.01, "batch_size": 32})  # another family
    assert not can_fuse({**A, "conv_filters": 8})  # a gene the engine does not know
    assert not can_fuse({**A, "layers": []})
    assert not can_fuse({**A, "batch_size": True})
    assert group_key(A, 5) == group_key(C, 5) != group_key({**A, "batch_size": 64}, 5)


def test_train_group_refuses_members_that_do_not_share_a_key(task):
    with pytest.raises(ValueError, match="group_key"):
        train_group([A, {**B, "batch_size": 64}], [1, 2], task, 1)


def _space_sample(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        depth = int(rng.integers(1, 5))
        layers = [(int(np.exp(rng.uniform(np.log(4), np.log(512)))), "relu")
                  for _ in range(depth)]
        out.append(_mlp(*layers))
    return out


def test_split_groups_is_a_pure_balanced_partition():
    configs = _space_sample(24, 0)
    configs[5] = {**configs[5], "batch_size": 64}
    configs[9] = {"units": [8], "activations": ["relu"]}  # not fusable: left for the caller
    groups = split_groups(configs, 5, max_group=12, n_workers=2)
    assert groups == split_groups([dict(c) for c in configs], 5, max_group=12, n_workers=2)
    flat = sorted(i for g in groups for i in g)
    assert flat == [i for i in range(24) if i != 9]
    assert all(len({group_key(configs[i], 5) for i in g}) == 1 for g in groups)
    assert [5] in groups and all(len(g) <= 12 for g in groups)
    big = [g for g in groups if g != [5]]
    assert sorted(len(g) for g in big) == [11, 11]  # 22 members cut in two for two workers
    loads = [sum(fused.estimated_params(configs[i]) for i in g) for g in big]
    heaviest = max(fused.estimated_params(configs[i]) for g in big for i in g)
    assert max(loads) - min(loads) <= heaviest  # longest-processing-time-first balance


def test_split_groups_uses_every_worker_and_respects_max_group():
    configs = _space_sample(12, 1)
    assert [len(g) for g in split_groups(configs, 5, max_group=12, n_workers=2)] == [6, 6]
    assert [len(g) for g in split_groups(configs, 5, max_group=12, n_workers=1)] == [12]
    assert sorted(len(g) for g in split_groups(configs, 5, max_group=5, n_workers=2)) == [4, 4, 4]
    assert len(split_groups(configs[:3], 5, max_group=12, n_workers=8)) == 3
