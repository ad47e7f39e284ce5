"""Direct weight search: numpy forward pass vs Keras, the runner, bad input, the CLI."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from evohpo import tasks, weights
from evohpo.cli import main
from evohpo.cli import weights as cli_weights
from evohpo.errors import EvohpoError
from evohpo.presets.mlp import build as build_model
from evohpo.runtime import keras as _keras
from evohpo.strategies.base import Status
from evohpo.strategies.es import OnePlusOneES
from evohpo.weights import NumpyMLP, WeightFitness
from evohpo.weights.summary import percentile

ISSUE_ACTIVATIONS = [
    "tanh", "relu", "sigmoid", "elu", "selu", "leaky_relu", "gelu", "softplus", "linear",
]


def _model(task, hidden, activation):
    return build_model(weights.builder_config(hidden, activation), task, loss="mse")


# -- the numpy network is the Keras network ---------------------------------------------------
@pytest.mark.parametrize("name", sorted(a for a in weights.ACTIVATIONS if a != "softmax"))
@pytest.mark.tensorflow
def test_numpy_activation_matches_keras(name: str) -> None:
    keras = _keras()
    x = np.linspace(-6, 6, 241).astype(np.float32)
    expected = np.asarray(keras.activations.get(name)(x), dtype=np.float64)
    got = weights.ACTIVATIONS[name](x.astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("task_name", "hidden", "activation"),
    [("xor", [2], a) for a in ISSUE_ACTIVATIONS]
    + [
        ("seven_segment", [8], "tanh"),
        ("seven_segment", [6, 5], ["relu", "gelu"]),
        ("slash_backslash", [4, 3, 2], ["selu", "softplus", "leaky_relu"]),
    ],
)
@pytest.mark.tensorflow
def test_forward_pass_agrees_with_model_predict(task_name, hidden, activation) -> None:
    task = tasks.get(task_name)
    model = _model(task, hidden, activation)
    net = NumpyMLP.from_model(model, task)
    assert net == NumpyMLP.for_task(task, hidden, activation)
    assert net.n_weights == weights.n_weights(model)
    vec = np.random.default_rng(0).normal(0.0, 1.0, net.n_weights)
    weights.set_weights(model, vec)
    keras_out = model.predict(task.x_train, verbose=0)
    np.testing.assert_allclose(net.forward(vec, task.x_train), keras_out, rtol=0, atol=1e-5)


@pytest.mark.tensorflow
def test_vector_layout_is_kernel_then_bias_per_layer() -> None:
    task = tasks.xor()
    model = _model(task, [2], "tanh")
    vec = np.arange(9, dtype=float)
    weights.set_weights(model, vec)
    hidden = model.get_layer("hidden_1")
    np.testing.assert_array_equal(np.asarray(hidden.kernel), vec[:4].reshape(2, 2))
    np.testing.assert_array_equal(np.asarray(hidden.bias), vec[4:6])
    np.testing.assert_array_equal(weights.get_vector(model), vec)


@pytest.mark.tensorflow
def test_wrong_length_vector_is_an_error() -> None:
    task = tasks.xor()
    model = _model(task, [2], "tanh")
    net = NumpyMLP.for_task(task, 2, "tanh")
    for call in (
        lambda: weights.set_weights(model, np.zeros(8)),
        lambda: net.forward(np.zeros(10), task.x_train),
        lambda: WeightFitness(net, task).loss(np.zeros((3, 3))),
        lambda: weights.to_keras_model(task, 2, "tanh", np.zeros(7)),
    ):
        with pytest.raises(EvohpoError, match="9 weights") as err:
            call()
        assert "\n" not in str(err.value)


@pytest.mark.tensorflow
def test_architecture_that_does_not_fit_the_task_is_an_error() -> None:
    seven = tasks.seven_segment()
    with pytest.raises(EvohpoError, match="needs 1 sigmoid"):
        WeightFitness(NumpyMLP((2, 2, 10), ("tanh", "softmax")), tasks.xor())
    with pytest.raises(EvohpoError, match="inputs"):
        NumpyMLP.from_model(_model(seven, [3], "tanh"), tasks.xor())
    with pytest.raises(EvohpoError, match="regression"):
        NumpyMLP.for_task(tasks.from_arrays(np.arange(20.0), np.linspace(0, 1, 20) ** 2), 2)
    with pytest.raises(EvohpoError, match="no numpy forward pass"):
        NumpyMLP.for_task(tasks.xor(), 2, "sparkle")


def test_budget_must_be_positive() -> None:
    for budget in (0, -1):
        with pytest.raises(EvohpoError, match="budget"):
            weights.search_weights("xor", budget=budget)


def test_non_finite_loss_becomes_a_failed_record() -> None:
    task = tasks.xor()
    net = NumpyMLP.for_task(task, 2, "exponential")
    fitness = WeightFitness(net, task)
    # exp(1000 x) overflows on row (1, 1) in both units; output +inf - inf = nan
    vec = np.array([1000.0, 1000.0, 1000.0, 1000.0, 0.0, 0.0, 1.0, -1.0, 0.0])
    assert fitness.evaluate(vec) == (math.inf, False)
    es = OnePlusOneES(net.n_weights, seed=0)
    (proposal,) = es.ask(1)
    record = fitness.evaluation(0, type(proposal)({"weights": vec}))
    assert record.status == Status.DIVERGED and record.objective == math.inf
    es.tell([record])
    assert es.history.failed == 1


def test_search_solves_xor_for_most_seeds() -> None:
    task = tasks.xor()
    runs = [weights.search_weights(task, 2, "tanh", seed, 5000) for seed in range(20)]
    summary = weights.summarise_es(runs, 0.0)
    assert summary["solved"] >= 18, summary  # 20/20 measured; restarts make it robust
    assert summary["median_evals"] <= 1500, summary  # measured ~300
    fitness = WeightFitness(NumpyMLP.for_task(task, 2, "tanh"), task)
    for run in runs:
        if run.solved:
            loss, solved = fitness.evaluate(run.best)
            assert solved and loss < weights.DEFAULT_MSE_TARGET and run.evals <= 5000


def test_search_is_deterministic_per_seed() -> None:
    a = weights.search_weights("xor", seed=5)
    b = weights.search_weights("xor", seed=5)
    assert a.evals == b.evals and np.array_equal(a.best, b.best)
    assert a.history.loss == b.history.loss


def test_ask_tell_with_evaluation_records_matches_the_fast_runner() -> None:
    task = tasks.xor()
    fast = weights.search_weights(task, 2, "tanh", seed=3, budget=5000)
    net = NumpyMLP.for_task(task, 2, "tanh")
    fitness = WeightFitness(net, task)
    es = OnePlusOneES(net.n_weights, 3, budget=5000, scale=weights.init_scale(net, 0.5))
    solved, eval_id = False, 0
    while not es.done and not solved:
        (proposal,) = es.ask(1)
        record = fitness.evaluation(eval_id, proposal)
        es.tell([record])
        solved, eval_id = record.extra["solved"], eval_id + 1
    assert solved == fast.solved and es.evals == fast.evals
    np.testing.assert_array_equal(proposal.config["weights"], fast.best)


@pytest.mark.tensorflow
def test_found_weights_make_a_usable_keras_model(tmp_path) -> None:
    task = tasks.xor()
    run = weights.search_weights(task, 2, "tanh", seed=0)
    assert run.solved
    model = weights.run_model(run)
    out = model.predict(task.x_train, verbose=0).ravel()
    np.testing.assert_array_equal(out > 0.5, task.y_train == 1)
    path = tmp_path / "xor.keras"
    model.save(path)
    again = _keras().models.load_model(path)
    np.testing.assert_allclose(again.predict(task.x_train, verbose=0).ravel(), out, atol=1e-6)


def test_percentiles_count_unsolved_runs_as_never() -> None:
    assert percentile([10, 20, 30, math.inf], 50) == 25.0
    assert percentile([10, 20, math.inf, math.inf], 90) is None
    assert percentile([], 50) is None


# -- the CLI ----------------------------------------------------------------------------------
def _cli(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="evohpo")
    cli_weights.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["weights", *argv])


@pytest.mark.tensorflow
def test_cli_prints_table_and_json_line(capsys) -> None:
    args = _cli(
        ["--task", "xor", "--seeds", "6", "--budget", "5000", "--json",
         "--compare-sgd", "1", "--sgd-epochs", "2"]
    )
    assert args.func(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("(1+1)-ES") for line in lines)
    result = json.loads(lines[-1])
    assert result["task"] == "xor"
    assert result["es"]["runs"] == 6 and result["es"]["solved"] >= 5
    assert set(result["es"]) >= {"runs", "solved", "median_evals", "p90_evals", "seconds"}
    assert result["sgd"]["runs"] == 1 and result["sgd"]["solved"] in (0, 1)
    assert result["sgd"]["seconds"] > 0


def test_cli_deeper_net_without_sgd_gives_null(capsys) -> None:
    args = _cli(["--task", "and", "--seeds", "2", "--hidden", "3,2", "--json"])
    assert cli_weights.run(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["sgd"] is None and result["es"]["solved"] == 2


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--hidden", "2,x"], "--hidden"),
        (["--hidden", "8,8", "--activation", "tanh,relu,elu"], "--activation"),
        (["--task", "nope"], "unknown task"),
        (["--task", "diabetes"], "regression"),
        (["--activation", "sparkle"], "no numpy forward pass"),
        (["--save-model", "out.h5"], ".keras"),
    ],
)
def test_cli_bad_input_is_one_line_error(argv, match) -> None:
    with pytest.raises(EvohpoError, match=match) as err:
        cli_weights.run(_cli(argv))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("argv", [["--budget", "-3"], ["--seeds", "0"], ["--first-seed", "-1"],
                                  ["--sgd-epochs", "0"], ["--compare-sgd", "-1"],
                                  ["--mse-target", "nan"]])
def test_cli_main_prints_error_and_exits_2(capsys, argv) -> None:
    """Every number is checked as argparse reads it: one line naming the flag as typed."""
    with pytest.raises(SystemExit) as info:
        main(["weights", *argv])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and err.startswith(f"error: argument {argv[0]}: must be a")
    assert "\n" not in err
