"""Behaviour the mutation run (``make mutation``, tests/MUTATION.md) found unchecked.

Each test states something a user relies on: what an objective string means, what a
checkpoint refuses, that mutation really varies every gene (depth, activation, optimizer) at the
rate asked, that NSGA-II's selection prefers better ranks and keeps its elite, what a CSV cell
holds. Pure Python and milliseconds each: no TensorFlow, no processes.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from evohpo import analysis, checkpoint, objectives, results
from evohpo.errors import EvohpoError
from evohpo.objectives import Objective
from evohpo.pareto import hypervolume
from evohpo.presets import mlp
from evohpo.space import (
    Bool,
    Choice,
    Fixed,
    Float,
    Grid,
    Int,
    Repeat,
    Space,
    config_key,
    describe,
    seeded_global_random,
)
from evohpo.strategies import Evaluation, GeneticSearch, GridSearch, Status
from evohpo.strategies.nsga2 import NSGA2Search


def error(fn) -> str:
    """The one-line message of the EvohpoError ``fn`` raises."""
    with pytest.raises(EvohpoError) as info:
        fn()
    assert "\n" not in str(info.value)
    return str(info.value)


def binomial_near(count: int, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


def mutations(gene, slots: list, n: int, seed: int = 0) -> list:
    """``n`` mutations of ``slots`` by ``gene``, drawn as Space.mutate draws them: DEAP's
    operators use the global ``random``, so it runs on a seeded stream (reproducible)."""
    with seeded_global_random(random.Random(seed)) as g:
        return [gene.mutate(list(slots), g)[0] for _ in range(n)]


# -- objectives: what a user's objective string means ---------------------------------------------
@pytest.mark.parametrize(("text", "name", "direction"), [
    ("val_accuracy", "val_accuracy", "max"),
    ("val_auc", "val_auc", "max"),
    ("val_loss", "val_loss", "min"),
    ("Val_MSE", "Val_MSE", "min"),  # the hint is found whatever the case
    ("val_mae", "val_mae", "min"),
    ("val_rmse", "val_rmse", "min"),
    ("val_error", "val_error", "min"),
    ("params", "params", "min"),
    ("latency", "latency", "min"),
    ("train_time", "train_time", "min"),
    ("seconds", "seconds", "min"),
    ("val_auc:min", "val_auc", "min"),  # an explicit direction wins over the guess
    ("val_loss:max", "val_loss", "max"),
    ("  params : max ", "params", "max"),
])
def test_an_objective_string_names_a_metric_and_its_direction(text, name, direction):
    objective = objectives.parse(text)
    assert (objective.name, objective.direction) == (name, direction)
    assert objective.spec == f"{name}:{direction}"
    assert objective.lower_is_better == (direction == "min")
    assert objectives.parse(objective.spec) == objective  # the CSV column reads back


@pytest.mark.parametrize(("text", "expected"), [
    (":max", "objective ':max' has no metric name; write e.g. val_accuracy:max"),
    ("  ", "objective '  ' has no metric name; write e.g. val_accuracy:max"),
    ("val_auc:", "objective 'val_auc': direction '' is neither max nor min; write val_auc:max "
                 "or val_auc:min"),
    ("val_auc:up", "objective 'val_auc': direction 'up' is neither max nor min"),
])
def test_a_bad_objective_string_is_a_one_line_error(text, expected):
    assert expected in error(lambda: objectives.parse(text))


def test_an_objective_needs_a_name_a_direction_and_a_callable_fn():
    assert error(lambda: Objective("")) == "an objective needs a metric name, got ''"
    assert error(lambda: Objective(" ")) == "an objective needs a metric name, got ' '"
    assert error(lambda: Objective(None)) == "an objective needs a metric name, got None"
    assert error(lambda: Objective("f", fn=3)) == (
        "objective 'f': fn must be a function (model, task)")
    assert Objective("f", "min", fn=len).fn is len
    assert Objective("val_auc").direction == "max"  # maximised unless told


def test_minimised_is_what_strategies_compare_and_natural_reads_it_back():
    acc, loss = Objective("val_accuracy", "max"), Objective("val_loss", "min")
    assert acc.minimised(0.75) == -0.75 and loss.minimised(0.75) == 0.75
    assert type(acc.minimised(1)) is float and type(loss.minimised(2)) is float
    assert acc.minimised(0.9) < acc.minimised(0.8)  # better accuracy ranks first
    assert loss.minimised(0.1) < loss.minimised(0.2)
    for bad in (None, math.nan, math.inf, -math.inf):  # nothing measured: the worst
        assert acc.minimised(bad) == math.inf and loss.minimised(bad) == math.inf
    assert acc.natural(acc.minimised(0.75)) == 0.75
    assert loss.natural(loss.minimised(0.25)) == 0.25
    assert acc.natural(-0.5) == 0.5 and loss.natural(-0.5) == -0.5


def test_the_default_objective_follows_the_task_kind():
    assert objectives.default("regression") == Objective("val_loss", "min")
    for kind in ("binary", "multiclass"):
        assert objectives.default(kind) == Objective("val_accuracy", "max")
    assert objectives.resolve(None, "regression").spec == "val_loss:min"
    assert objectives.resolve(None, "binary").spec == "val_accuracy:max"


def test_resolve_takes_what_users_pass():
    mine = Objective("val_f1", "max")
    assert objectives.resolve(mine, "binary") is mine
    assert objectives.resolve("val_loss", "binary") == Objective("val_loss", "min")

    def my_metric(model, task):
        return 0.0

    assert error(lambda: objectives.resolve(my_metric, "binary")) == (
        "objective=my_metric needs a direction: pass "
        "Objective('my_metric', 'max' or 'min', fn=my_metric)")
    assert error(lambda: objectives.resolve(3, "binary")) == (
        "objective must be a metric name, 'name:max|min' or an Objective, got 3")


def test_several_objectives_by_list_or_comma_string():
    both = (Objective("val_accuracy", "max"), Objective("params", "min"))
    assert objectives.resolve_many("val_accuracy,params", "binary") == both
    assert objectives.resolve_many("val_accuracy:max, params:min,", "binary") == both
    assert objectives.resolve_many(["val_accuracy", Objective("params", "min")], "x") == both
    assert objectives.resolve_many(("val_accuracy", "params"), "x") == both
    assert objectives.resolve_many("val_auc", "binary") == (Objective("val_auc", "max"),)
    assert objectives.resolve_many(None, "regression") == (Objective("val_loss", "min"),)
    assert error(lambda: objectives.resolve_many([], "x")) == (
        "objective= is an empty list; give one or more metric names")
    assert error(lambda: objectives.resolve_many("a:max,b,a:min", "x")) == (
        "objective 'a' is given twice; list each objective once")


# -- checkpoint: what --resume reads, and what it refuses ------------------------------------------
CK_SPACE = Space(layers=Repeat(Int(1, 3), units=Int(4, 64, log=True)),
                 opt=Choice(["adam", "sgd"]), momentum=Float(0.0, 0.9, when={"opt": "sgd"}))
ACC, PARAMS = Objective("val_accuracy", "max"), Objective("params", "min")


def _checkpoint(tmp_path, **changes) -> dict:
    settings = {"method": "ga", "seed": 3, "task": "iris", "fingerprint": "f1", "epochs": 2,
                "budget": 20, "n_evals": 8, "strategy_state": {"generation": 2},
                "space": CK_SPACE, "objective": ACC, "model": "mlp", **changes}
    data = checkpoint.build(**settings)
    results.write_json(tmp_path / checkpoint.CHECKPOINT_NAME, data)
    return data


def test_a_checkpoint_is_read_back_as_written(tmp_path):
    written = _checkpoint(tmp_path)
    expected = {
        "evohpo_checkpoint": checkpoint.VERSION, "method": "ga", "seed": 3, "task": "iris",
        "task_fingerprint": "f1", "epochs": 2, "budget": 20, "n_evals": 8, "finished": False,
        "strategy": {"generation": 2}, "space": CK_SPACE.to_json(),
        "objective": "val_accuracy:max", "model": "mlp",
    }
    assert {k: written.get(k) for k in expected} == expected
    assert checkpoint.load(tmp_path) == written
    finished = checkpoint.build(method="ga", seed=3, task="iris", fingerprint="f1", epochs=2,
                                budget=20, n_evals=20, strategy_state={}, space=CK_SPACE,
                                objective=(ACC, PARAMS), model="mlp", finished=True)
    assert finished["finished"] is True
    assert finished["objective"] == "val_accuracy:max,params:min"


def test_a_damaged_or_missing_checkpoint_is_a_clear_error(tmp_path):
    assert error(lambda: checkpoint.load(tmp_path)) == (
        f"nothing to resume in {tmp_path}: no checkpoint.json; start without --resume")
    path = tmp_path / checkpoint.CHECKPOINT_NAME
    path.write_text('{"evohpo_checkpoint": 2, "method": "g')  # torn
    message = error(lambda: checkpoint.load(tmp_path))
    assert message.startswith(f"corrupted checkpoint {path} (")
    assert message.endswith("); start again with --overwrite")
    path.write_bytes(b"\xff\xfe\x00")  # not even text
    assert error(lambda: checkpoint.load(tmp_path)).startswith(f"corrupted checkpoint {path}")
    not_ours = (f"corrupted checkpoint {path} (not an evohpo v2 checkpoint); "
                "start again with --overwrite")
    good = _checkpoint(tmp_path)
    for broken in ([good], {**good, "evohpo_checkpoint": 1},
                   *({k: v for k, v in good.items() if k != drop}
                     for drop in ("evohpo_checkpoint", "method", "seed", "task_fingerprint",
                                  "epochs", "n_evals", "strategy", "space", "objective"))):
        path.write_text(json.dumps(broken))
        assert error(lambda: checkpoint.load(tmp_path)) == not_ours, broken
    path.write_text(json.dumps({k: v for k, v in good.items() if k not in ("task", "budget")}))
    assert checkpoint.load(tmp_path)["method"] == "ga"  # only what resuming needs is required


def test_resuming_with_other_settings_is_refused_naming_the_setting(tmp_path):
    ckpt = _checkpoint(tmp_path)
    same = {"method": "ga", "seed": 3, "fingerprint": "f1", "epochs": 2, "space": CK_SPACE,
            "objective": ACC, "out": tmp_path}
    checkpoint.check_compatible(ckpt, **same)  # the same settings: no complaint

    def refused(**change) -> str:
        return error(lambda: checkpoint.check_compatible(ckpt, **{**same, **change}))

    other_space = Space(layers=Repeat(Int(1, 4), units=Int(4, 64, log=True)),
                        opt=Choice(["adam", "sgd"]), momentum=Float(0.0, 0.9, when={"opt": "sgd"}))
    assert refused(space=other_space) == (
        f"cannot resume {tmp_path}: it was run with another search space; pass the same space "
        "(and the same space flags) or start a new campaign")
    assert refused(method="random") == (
        f"cannot resume {tmp_path}: it was run with method='ga', not 'random'; pass the same "
        "method or start a new campaign")
    assert refused(seed=4) == (f"cannot resume {tmp_path}: it was run with seed=3, not 4; pass "
                               "the same seed or start a new campaign")
    assert "it was run with epochs=2, not 5; pass the same epochs" in refused(epochs=5)
    assert ("it was run with objective='val_accuracy:max', not 'val_loss:min'; pass the same "
            "objective") in refused(objective=Objective("val_loss", "min"))
    assert refused(fingerprint="f2") == (
        f"cannot resume {tmp_path}: its task data differ from this task's; use the same task")


def _row(ev: Evaluation, objective) -> dict[str, str]:
    """A CSV row as ``csv.DictReader`` gives it back: every cell a string."""
    record = results.row(ev, campaign="c", method="ga", seed=0, space=CK_SPACE,
                         objective=objective)
    return {k: results._cell(v) for k, v in record.items()}


def test_a_csv_row_rebuilds_the_evaluation_resume_tells_the_strategy():
    config = {"layers": [{"units": 8}], "opt": "sgd", "momentum": 0.5}
    ok = Evaluation(eval_id=7, generation=2, config=config, status=Status.OK, objective=-0.75,
                    scores={"val_accuracy": 0.75, "val_loss": 0.5}, params=120, epochs=3,
                    train_seconds=1.25, worker="w:1", cached=True)
    back = checkpoint.evaluation_from_row(_row(ok, ACC), objective=ACC)
    assert back == Evaluation(eval_id=7, generation=2, config=config, status=Status.OK,
                              objective=-0.75, objectives=(),
                              scores={"val_accuracy": 0.75, "val_loss": 0.5, "params": 120.0},
                              params=120, epochs=3, train_seconds=1.25, worker="w:1",
                              cached=True)
    two = checkpoint.evaluation_from_row(_row(ok, (ACC, PARAMS)), objective=(ACC, PARAMS))
    assert two.objectives == (-0.75, 120.0) and two.objective == -0.75
    failed = Evaluation(eval_id=8, generation=2, config=config, status=Status.FAILED,
                        error="boom")
    back = checkpoint.evaluation_from_row(_row(failed, ACC), objective=ACC)
    assert (back.status, back.objective, back.objectives) == (Status.FAILED, math.inf, ())
    assert back.error == "boom" and back.params is None and back.scores == {}
    assert back.epochs == 0 and back.train_seconds == 0.0 and back.cached is False
    for bad in ({**_row(ok, ACC), "config": "{not json"},
                {k: v for k, v in _row(ok, ACC).items() if k != "config"}):
        assert error(lambda b=bad: checkpoint.evaluation_from_row(b, objective=ACC)) == (
            "row 7 has no readable config column; start again with --overwrite")


def test_a_row_whose_objective_metric_is_empty_is_the_worst_not_a_crash():
    config = {"layers": [{"units": 8}], "opt": "adam"}
    ev = Evaluation(eval_id=0, generation=0, config=config, status=Status.OK,
                    scores={"val_loss": 0.5})
    back = checkpoint.evaluation_from_row(_row(ev, ACC), objective=ACC)
    assert back.objective == math.inf and back.scores == {"val_loss": 0.5}


# -- results: what a CSV cell holds, and the files a run owns --------------------------------------
def test_cells_are_written_the_way_read_parses_them():
    assert results._cell(None) == ""
    assert results._cell(True) == "true" and results._cell(False) == "false"
    assert results._cell(0.1) == "0.1" and results._cell(1e-05) == "1e-05"
    assert results._cell(3) == "3" and results._cell("adam") == "adam"
    assert results._cell(np.float64(0.25)) == "0.25"  # not 'np.float64(0.25)'
    assert results._cell(np.float32(0.5)) == "0.5"


def test_a_row_speaks_the_user_s_terms(tmp_path):
    config = {"layers": [{"units": 8}, {"units": 16}], "opt": "adam"}
    ev = Evaluation(eval_id=4, generation=1, config=config, status=Status.OK, objective=-0.9,
                    scores={"val_accuracy": 0.9, "val_loss": 0.3, "val_auc": 0.95},
                    params=500, epochs=2, train_seconds=1.23456, worker="host:9")
    row = results.row(ev, campaign="exp", method="random", seed=5, space=CK_SPACE,
                      objective=ACC)
    assert row == {
        "campaign": "exp", "method": "random", "seed": 5, "eval_id": 4, "generation": 1,
        "status": "ok", "error": "", "cached": False, "objective": "val_accuracy:max",
        "val_accuracy": 0.9, "val_loss": 0.3, "n_layers": 2, "layers_1_units": 8,
        "layers_2_units": 16, "layers_3_units": None, "opt": "adam", "momentum": None,
        "params": 500, "epochs": 2, "train_seconds": 1.235, "worker": "host:9",
        "config": config_key(config),
    }
    assert list(row) == results.columns(CK_SPACE, ACC)  # the header's order
    auc = results.row(ev, campaign="exp", method="random", seed=5, space=CK_SPACE,
                      objective=Objective("val_auc"))
    assert auc["val_auc"] == 0.95 and auc["objective"] == "val_auc:max"


def test_a_gene_may_not_take_a_results_column_name():
    for name in ("eval_id", "objective", "val_loss", "params", "config", "run", "task",
                 "best_test_accuracy", "pareto"):
        message = error(lambda n=name: results.columns(Space(**{n: Int(0, 3)}), ACC))
        assert message.startswith(f"gene {name!r} has the name of a results column; rename")
    assert error(lambda: results.columns(Space(val_auc=Int(0, 3)), Objective("val_auc"))
                 ).startswith("gene 'val_auc' has the name of a results column")
    assert "val_auc" in results.columns(Space(val_auc=Int(0, 3)), ACC)  # not ours here


def test_remove_run_deletes_only_evohpo_s_files(tmp_path):
    ours = [results.CSV_NAME, results.BEST_NAME, results.BEST_MODEL_NAME, results.GRID_NAME,
            results.PARETO_NAME]
    run = tmp_path / "run"
    run.mkdir()
    for name in ours:
        (run / name).write_text("x")
    results.remove_run(run)
    assert not run.exists()  # emptied, so the folder goes too
    run.mkdir()
    for name in [*ours, "notes.txt"]:
        (run / name).write_text("x")
    results.remove_run(run)
    assert [p.name for p in run.iterdir()] == ["notes.txt"]
    results.remove_run(tmp_path / "never")  # nothing there: nothing to do


def test_small_files_are_written_whole(tmp_path):
    results.write_text(tmp_path / "a.md", "# title")
    assert (tmp_path / "a.md").read_text() == "# title\n"
    results.write_text(tmp_path / "b.md", "done\n")
    assert (tmp_path / "b.md").read_text() == "done\n"
    results.write_json(tmp_path / "sub" / "c.json", {"b": 1, "a": math.inf})
    assert (tmp_path / "sub" / "c.json").read_text() == '{\n  "a": Infinity,\n  "b": 1\n}\n'
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["c.json"]  # no temporary left


def test_reading_a_log_drops_only_what_a_crash_can_leave(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("eval_id,x\n0,a\n\n1,b,extra\n2,c\n3,")
    assert results.read_rows(path) == (["eval_id", "x"], [["0", "a"], ["2", "c"]])
    assert results.repair(path) == 2
    assert path.read_text() == "eval_id,x\n0,a\n2,c\n"
    path.write_text("eval_id,x\n0,a\n")  # nothing torn: nothing dropped
    assert results.read_rows(path)[1] == [["0", "a"]]


def test_read_types_each_column_from_its_cells(tmp_path):
    header = results.columns(CK_SPACE, ACC)
    log = results.ResultsLog.create(tmp_path / "results.csv", header)
    for i, (opt, cached) in enumerate((("adam", False), ("sgd", True))):
        config = {"layers": [{"units": 8}], "opt": opt, **({"momentum": 0.5} if i else {})}
        ev = Evaluation(eval_id=i, generation=0, config=config, status=Status.OK,
                        objective=-0.5, scores={"val_accuracy": 0.5}, cached=cached)
        log.append(results.row(ev, campaign="123", method="ga", seed=0, space=CK_SPACE,
                               objective=ACC))
    frame = results.read(log.path)
    assert frame["campaign"].tolist() == ["123", "123"]  # a text column stays text
    assert frame["cached"].tolist() == [False, True]
    assert frame["eval_id"].tolist() == [0, 1] and frame["val_accuracy"].dtype == float
    assert frame["momentum"].isna().tolist() == [True, False] and frame["momentum"][1] == 0.5
    assert frame["opt"].tolist() == ["adam", "sgd"]
    assert frame["layers_2_units"].isna().all()


# -- mutation varies every gene, depth, activation and optimizer included --------------------------
MLP = mlp.space()  # layers=Repeat(Int(1, 4), units, activation), optimizer, learning_rate, batch


def test_mutation_at_rate_one_changes_every_slot_and_at_rate_zero_none():
    spaces = [MLP, Space(a=Int(1, 2), b=Int(0, 1000), c=Int(1, 1024, log=True),
                         d=Float(-1.0, 1.0), e=Float(1e-5, 1.0, log=True),
                         f=Choice(["x", "y"]), g=Choice([1, 2, 3], ordered=True), h=Bool(),
                         i=Fixed("k"), r=Repeat(Int(0, 2), u=Choice(["p", "q", "s"])))]
    for space in spaces:
        for seed in range(100):
            rng = random.Random(seed)
            genome = space.sample(rng)
            genome.fitness.values = (1.0,)
            before = list(genome)
            assert space.mutate(genome, rng, 1.0) is genome  # in place, as DEAP's operators
            assert not genome.fitness.valid  # a changed genome must be evaluated again
            assert all(a != b for a, b in zip(before, genome)), (before, list(genome))
            space.decode(genome)  # still a valid genome of the space
            space.mutate(genome, rng, 0.0)
            again = list(genome)
            assert space.mutate(genome, rng, 0.0) == again


def test_depth_activation_and_optimizer_each_mutate_at_the_rate_asked():
    """The MLP preset's genes a user tunes most: the number of layers (a Repeat count), each
    layer's activation (a Choice) and the optimizer (a Choice) change under mutation, each with
    the probability ``indpb`` (every slot of the genome mutates independently)."""
    n, indpb = 600, 0.3
    changed: Counter[str] = Counter()
    for seed in range(n):
        rng = random.Random(seed)
        genome = MLP.sample(rng)
        before = MLP.decode(genome)
        after = MLP.decode(MLP.mutate(genome, rng, indpb))
        changed["depth"] += len(after["layers"]) != len(before["layers"])
        changed["activation"] += (after["layers"][0]["activation"]
                                  != before["layers"][0]["activation"])
        changed["optimizer"] += after["optimizer"] != before["optimizer"]
        changed["learning_rate"] += after["learning_rate"] != before["learning_rate"]
    for gene in ("depth", "activation", "optimizer", "learning_rate"):
        assert binomial_near(changed[gene], n, indpb), (gene, changed[gene])


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_each_slot_mutates_with_probability_indpb(rate):
    space = Space(**{f"g{i}": Int(0, 100) for i in range(10)})
    n = 300
    counts = [0] * space.length
    for seed in range(n):
        rng = random.Random(seed)
        genome = space.sample(rng)
        before = list(genome)
        space.mutate(genome, rng, rate)
        for i, (a, b) in enumerate(zip(before, genome)):
            counts[i] += a != b
    assert all(binomial_near(c, n, rate) for c in counts), counts


def test_narrow_integers_and_unordered_choices_jump_uniformly_to_another_value():
    depth = Int(1, 4)  # a layer count: reset uniformly, never to itself
    jumps = Counter(mutations(depth, [2], 3000))
    assert set(jumps) == {1, 3, 4} and all(binomial_near(c, 3000, 1 / 3) for c in jumps.values())
    act = Choice(["relu", "tanh", "elu", "selu"])
    jumps = Counter(mutations(act, [1], 3000))
    assert set(jumps) == {0, 2, 3} and all(binomial_near(c, 3000, 1 / 3) for c in jumps.values())
    assert mutations(Choice(["only"]), [0], 5) == [0] * 5  # nothing else to become


def test_ordered_choices_step_to_a_neighbour():
    sizes = Choice([16, 32, 64, 128, 256], ordered=True)
    steps = Counter(mutations(sizes, [2], 2000))
    assert set(steps) == {1, 3} and binomial_near(steps[1], 2000, 0.5)
    assert set(mutations(sizes, [0], 50)) == {1}  # at an end: inwards
    assert set(mutations(sizes, [4], 50)) == {3}


def test_bool_flips_and_fixed_owns_nothing():
    assert mutations(Bool(), [0], 5) == [1] * 5 and mutations(Bool(), [1], 5) == [0] * 5
    rng = random.Random(2)
    assert Fixed(3).mutate([], rng) == [] and Fixed(3).sample(rng) == []


def _std(values) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values))


def test_wide_integers_take_gaussian_steps_of_sigma_and_stay_in_bounds():
    moves = [m - 500 for m in mutations(Int(0, 1000, sigma=2.0), [500], 2000)]
    assert 0 not in moves and max(map(abs, moves)) <= 10  # 5 sigma
    assert binomial_near(sum(m > 0 for m in moves), 2000, 0.5)
    wide = Int(0, 1200)  # default sigma: a sixth of the range, 200
    assert 170 < _std([m - 600 for m in mutations(wide, [600], 2000)]) < 230
    assert all(0 <= m < 1200 for m in mutations(wide, [1200], 300))  # at a bound: away from it
    assert all(0 < m <= 1200 for m in mutations(wide, [0], 300))
    tiny = Int(0, 1000, sigma=1e-9)  # a step too small to move: the nearest neighbour
    near = Counter(mutations(tiny, [7], 400))
    assert set(near) == {6, 8} and binomial_near(near[6], 400, 0.5)
    assert set(mutations(tiny, [0], 50)) == {1} and set(mutations(tiny, [1000], 50)) == {999}


def test_log_integers_halve_as_often_as_they_double():
    units = Int(4, 4096, log=True)  # 10 octaves: the default step is 10/6 octaves
    octaves = [math.log2(m / 64) for m in mutations(units, [64], 2000)]
    assert 0 not in octaves and binomial_near(sum(r > 0 for r in octaves), 2000, 0.5)
    assert 1.4 < _std(octaves) < 1.95  # about 10/6 octaves, not (4096 - 4)/6 units
    fine = Int(1, 1024, log=True, sigma=0.1)  # a tenth of an octave
    assert all(abs(math.log2(m / 32)) <= 0.5 for m in mutations(fine, [32], 300))


def test_floats_take_gaussian_steps_and_reflect_off_their_bounds():
    steps = [m - 50.0 for m in mutations(Float(0.0, 100.0, sigma=0.5), [50.0], 2000)]
    assert max(map(abs, steps)) <= 2.5 and binomial_near(sum(s > 0 for s in steps), 2000, 0.5)
    assert 0.45 < _std(steps) < 0.55
    wide = Float(0.0, 6.0)  # default sigma: a sixth of the range, 1
    assert 0.9 < _std([m - 3.0 for m in mutations(wide, [3.0], 2000)]) < 1.1
    unit = Float(0.0, 1.0)
    at_top = mutations(unit, [1.0], 1000)
    assert all(0.0 <= v < 1.0 for v in at_top)  # reflected inwards, never stuck at the bound
    assert binomial_near(sum(v > 1 - 1 / 6 for v in at_top), 1000, 0.6827)  # |N(0, 1/6)|
    assert all(0.0 < v <= 1.0 for v in mutations(unit, [0.0], 500))
    lr = Float(1e-4, 1e-1, log=True)  # slots hold log10: steps of half a decade
    slots = mutations(lr, [-2.5], 2000)
    assert all(-4.0 <= v <= -1.0 for v in slots)
    assert 0.4 < _std([v + 2.5 for v in slots]) < 0.6


def test_the_ga_and_nsga2_change_about_two_and_one_genes_per_mutation():
    space = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(20)})
    assert GeneticSearch(space).indpb == pytest.approx(0.1)  # two of twenty
    assert NSGA2Search(space).indpb == pytest.approx(0.05)  # Deb's 1/n
    small = Space(x=Float(0.0, 1.0))
    assert GeneticSearch(small).indpb == 1.0 and NSGA2Search(small).indpb == 1.0
    assert GeneticSearch(space, indpb=0.5).indpb == 0.5
    assert NSGA2Search(space, indpb=0.0).indpb == 0.0
    with pytest.raises(EvohpoError, match="indpb must be a probability in .0, 1., got 1.5"):
        NSGA2Search(space, indpb=1.5)


# -- NSGA-II: crowded tournaments, mu + lambda survival, cxpb and mutpb honoured ------------------
LINE = Space(**{f"x{i}": Float(0.0, 1.0) for i in range(3)})


def _first_generation(seed: int, points: list[tuple[float, float]], **kwargs) -> NSGA2Search:
    s = NSGA2Search(LINE, population=len(points), seed=seed, **kwargs)
    proposals = s.ask(len(points))
    s.tell([Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                       objective=v[0], objectives=v)
            for i, (p, v) in enumerate(zip(proposals, points))])
    return s


def _parents(points, seeds=range(60)) -> Counter[int]:
    """How often each point of the first generation is copied into the next batch (no
    crossover, no mutation: a child is its tournament winner)."""
    picked: Counter[int] = Counter()
    for seed in seeds:
        s = _first_generation(seed, points, cxpb=0.0, mutpb=0.0, max_retries=0)
        index = {config_key(LINE.decode(ind)): i for i, ind in enumerate(s.population)}
        order = [points.index(tuple(ind.fitness.values)) for ind in s.population]
        for p in s.ask(len(points)):
            picked[order[index[config_key(p.config)]]] += 1
    return picked


def test_nsga2_tournaments_prefer_the_better_rank():
    chain = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]  # ranks 0, 1, 2, 3
    picked = _parents(chain)
    n = sum(picked.values())
    assert picked[3] == 0  # the worst loses every tournament it enters
    assert binomial_near(picked[0], n, 1 / 2)  # the best wins every one it enters
    assert binomial_near(picked[1], n, 1 / 3) and binomial_near(picked[2], n, 1 / 6)


def test_nsga2_tournaments_prefer_the_lonelier_point_of_a_front():
    front = [(0.0, 3.0), (1.0, 2.0), (2.0, 1.0), (3.0, 0.0)]  # one front; the ends are loneliest
    picked = _parents(front)
    n = sum(picked.values())
    middles = picked[1] + picked[2]
    assert binomial_near(middles, n, 1 / 6)  # only when the two middles meet


def test_nsga2_keeps_a_dominating_network_whatever_its_children_score():
    for seed in range(3):
        s = _first_generation(seed, [(0.0, 0.0), (5.0, 6.0), (6.0, 5.0), (7.0, 7.0)])
        champion = next(list(ind) for ind in s.population if ind.fitness.values == (0.0, 0.0))
        for gen in range(1, 5):
            proposals = s.ask(4)
            s.tell([Evaluation(eval_id=10 * gen + i, generation=gen, config=p.config,
                               status=Status.OK, objective=9.0, objectives=(9.0 + i, 9.0 - i))
                    for i, p in enumerate(proposals)])
            assert champion in [list(ind) for ind in s.population]  # parents compete too
            assert len(s.population) == 4


class CountingSpace(Space):
    def __init__(self, **genes):
        super().__init__(**genes)
        self.crossovers = self.mutations = 0

    def crossover(self, a, b, rng):
        self.crossovers += 1
        return super().crossover(a, b, rng)

    def mutate(self, ind, rng, indpb):
        self.mutations += 1
        return super().mutate(ind, rng, indpb)


def _zdt(config: dict) -> tuple[float, float]:
    x = [config[f"x{i}"] for i in range(3)]
    return x[0], 1.0 + x[1] + x[2] - math.sqrt(x[0])


def _run_nsga2(space, generations: int, **kwargs) -> NSGA2Search:
    s = NSGA2Search(space, population=8, max_retries=0, **kwargs)
    for gen in range(generations):
        proposals = s.ask(8)
        s.tell([Evaluation(eval_id=8 * gen + i, generation=gen, config=p.config,
                           status=Status.OK, objective=_zdt(p.config)[0],
                           objectives=_zdt(p.config)) for i, p in enumerate(proposals)])
    return s


def test_nsga2_honours_cxpb_and_mutpb():
    space = CountingSpace(**LINE.genes)
    pairs = children = 0
    for seed in range(5):
        _run_nsga2(space, 31, seed=seed, cxpb=0.3, mutpb=0.6)
        pairs, children = pairs + 4 * 30, children + 8 * 30
    assert binomial_near(space.crossovers, pairs, 0.3, 4), space.crossovers
    assert binomial_near(space.mutations, children, 0.6, 4), space.mutations
    none = CountingSpace(**LINE.genes)
    s = _run_nsga2(none, 1, seed=0, cxpb=0.0, mutpb=0.0)
    parents = {tuple(ind) for ind in s.population}
    s.ask(8)
    assert all(tuple(child) in parents for child in s._pending)  # copies of the winners
    assert none.crossovers == none.mutations == 0
    every = CountingSpace(**LINE.genes)
    _run_nsga2(every, 3, seed=0, cxpb=1.0, mutpb=1.0)
    assert (every.crossovers, every.mutations) == (2 * 4, 2 * 8)


# -- analysis statistics: the comparison table users read ------------------------------------------
def _frame(runs: dict[str, tuple[str, int, list]], **facts) -> pd.DataFrame:
    """A results frame built by hand: run -> (method, seed, scores; None = failed)."""
    rows = []
    for run, (method, seed, scores) in runs.items():
        for i, score in enumerate(scores):
            rows.append({"run": run, "method": method, "seed": seed, "eval_id": i,
                         "status": "failed" if score is None else "ok",
                         "objective": "val_accuracy:max", "val_accuracy": score,
                         **{k: v[run] for k, v in facts.items()}})
    return pd.DataFrame(rows)


def test_best_so_far_keeps_the_runs_in_their_order_and_sorts_each_by_eval_id():
    frame = _frame({"z-run": ("random", 1, [0.2, 0.5, None]), "a-run": ("ga", 0, [0.1, 0.3])})
    shuffled = frame.iloc[[4, 1, 0, 3, 2]]  # rows in completion order
    curve = analysis.best_so_far(shuffled)
    assert list(curve.columns) == ["run", "method", "seed", "evaluations", "best"]
    assert curve.index.tolist() == list(range(5))
    assert curve.to_dict("list") == {
        "run": ["a-run", "a-run", "z-run", "z-run", "z-run"],  # first seen first, not sorted
        "method": ["ga", "ga", "random", "random", "random"], "seed": [0, 0, 1, 1, 1],
        "evaluations": [1, 2, 1, 2, 3], "best": [0.1, 0.3, 0.2, 0.5, 0.5]}


def test_the_per_run_table_needs_no_run_facts_and_no_target():
    frame = _frame({"b": ("ga", 0, [0.5, None, 0.7]), "a": ("random", 0, [None, None])})
    table = analysis.runs(frame)  # no metric, no target, no best.json or grid.json columns
    assert table["run"].tolist() == ["b", "a"]
    assert table["method"].tolist() == ["ga", "random"] and table["seed"].tolist() == [0, 0]
    assert table["evaluations"].tolist() == [3, 2] and table["not_ok"].tolist() == [1, 2]
    assert table["best"].iloc[0] == 0.7 and math.isnan(table["best"].iloc[1])
    for column in ("test", "seconds", "coverage", "evals_to_target"):
        assert table[column].isna().all() and table[column].dtype == float, column


def test_grid_coverage_and_evaluations_to_target_per_run():
    frame = _frame({"g": ("grid", 0, [0.5, 0.6]), "h": ("grid", 1, [0.9, 0.2]),
                    "r": ("random", 0, [0.1, 0.4])},
                   grid_size={"g": 1, "h": 8, "r": math.nan},
                   run_seconds={"g": 3.0, "h": 4.0, "r": 5.0})
    table = analysis.runs(frame, target=0.55).set_index("run")
    assert table.loc["g", "coverage"] == 2.0 and table.loc["h", "coverage"] == 0.25
    assert math.isnan(table.loc["r", "coverage"])
    assert table.loc["g", "evals_to_target"] == 2 and table.loc["h", "evals_to_target"] == 1
    assert math.isnan(table.loc["r", "evals_to_target"])
    assert table["seconds"].tolist() == [3.0, 4.0, 5.0]
    no_target = analysis.runs(frame, target=math.nan)
    assert no_target["evals_to_target"].isna().all()


def test_mann_whitney_says_who_was_compared_with_how_many_runs():
    per_run = pd.DataFrame({"method": ["ga", "ga", "random", "grid"],
                            "best": [0.9, 0.8, 0.5, math.nan]})
    test = analysis.mann_whitney(per_run, "ga", "random")
    assert (test.a, test.b, test.n_a, test.n_b, test.u) == ("ga", "random", 2, 1, 2.0)
    assert test.p == pytest.approx(mannwhitneyu([0.9, 0.8], [0.5]).pvalue)
    assert str(test) == (f"ga vs random: U=2, p={test.p:.3g} (n=2 vs 1, two-sided "
                         "Mann-Whitney U)")
    empty = analysis.mann_whitney(per_run, "ga", "grid")  # grid never finished a run
    assert (empty.a, empty.b, empty.n_a, empty.n_b) == ("ga", "grid", 2, 0)
    assert math.isnan(empty.u) and math.isnan(empty.p)
    assert analysis.mann_whitney(per_run, "grid", "ga").n_a == 0


def test_the_summary_tests_against_ga_else_nsga2_else_the_first_method():
    two = {"r0": ("random", 0, [0.4]), "r1": ("random", 1, [0.5]),
           "g0": ("grid", 0, [0.3]), "g1": ("grid", 1, [0.2])}
    s = analysis.summarize(_frame(two))
    assert s.baseline == "random" and [(t.a, t.b) for t in s.tests] == [("random", "grid")]
    assert s.table.columns[-1] == "p_vs_random"
    assert math.isnan(s.table.set_index("method").loc["random", "p_vs_random"])
    nsga = analysis.summarize(_frame({**two, "n0": ("nsga2", 0, [0.6])}))
    assert nsga.baseline == "nsga2" and "p_vs_nsga2" in nsga.table
    alone = analysis.summarize(_frame({"x": ("ga", 0, [0.5, 0.6])}))
    assert alone.tests == [] and alone.table["p_vs_ga"].dtype == float
    assert alone.table["p_vs_ga"].isna().all()
    chosen = analysis.summarize(_frame(two), baseline="grid")
    assert [(t.a, t.b) for t in chosen.tests] == [("grid", "random")]


def test_the_summary_names_its_task_kind_objective_and_target():
    frame = _frame({"a": ("ga", 0, [0.5, 0.8]), "b": ("ga", 1, [0.6, None])},
                   task={"a": "iris", "b": "iris"}, kind={"a": "multiclass", "b": "multiclass"})
    s = analysis.summarize(frame)
    assert (s.task, s.kind, s.objective) == ("iris", "multiclass", "val_accuracy:max")
    assert s.reference is None and s.overall_best == 0.8
    assert s.runs["run"].tolist() == ["a", "b"] and s.runs["best"].tolist() == [0.8, 0.6]
    row = s.table.iloc[0]
    assert row["target"] == pytest.approx(0.792) and row["objective"] == "val_accuracy:max"
    assert row["best_val_accuracy_std"] == pytest.approx(np.std([0.8, 0.6], ddof=1))
    mixed = frame.assign(kind=["binary", "binary", "multiclass", "multiclass"])
    assert analysis.summarize(mixed).kind is None  # several kinds: none named
    bare = frame.drop(columns=["task", "kind", "objective"])
    s = analysis.summarize(bare)
    assert (s.task, s.kind, s.objective) == (None, None, "val_accuracy:max")
    many = frame.assign(task=["iris", "wine", "digits", "iris"])
    assert error(lambda: analysis.summarize(many)) == (
        "the results mix tasks (digits, iris, wine); report each task's results separately")
    nothing = analysis.summarize(_frame({"a": ("ga", 0, [None])}))
    assert math.isnan(nothing.overall_best) and math.isnan(nothing.target)


def test_several_objectives_are_compared_on_hypervolume_against_one_reference():
    two = "val_accuracy:max,params:min"
    runs = {"n0": ("nsga2", 0, [(0.9, 100.0), (0.8, 50.0)]),
            "n1": ("nsga2", 1, [(0.7, 100.0), None]),
            "r0": ("random", 0, [(0.6, 10.0), (0.5, 200.0)])}
    rows = [{"run": run, "method": m, "seed": seed, "eval_id": i, "objective": two,
             "status": "failed" if v is None else "ok", "cached": False,
             "val_accuracy": None if v is None else v[0], "params": None if v is None else v[1]}
            for run, (m, seed, values) in runs.items() for i, v in enumerate(values)]
    s = analysis.summarize(pd.DataFrame(rows))
    reference = (-0.5 + 0.1 * 0.4, 200.0 + 0.1 * 190.0)  # worst + 10% of the range, minimised
    assert s.reference == pytest.approx({"val_accuracy": 0.46, "params": 219.0})
    assert s.objective == two and s.metric.column == "hypervolume" and s.baseline == "nsga2"
    volume = {run: hypervolume([(-v[0], v[1]) for v in values if v], reference)
              for run, (_, _, values) in runs.items()}
    assert s.runs.set_index("run")["best"].to_dict() == pytest.approx(volume)
    t = s.table.set_index("method")
    assert t.loc["nsga2", "best_hypervolume_mean"] == pytest.approx(
        (volume["n0"] + volume["n1"]) / 2)
    assert t.loc["random", "best_hypervolume_mean"] == pytest.approx(volume["r0"])
    assert "selected_test_accuracy_mean" in t and (t["objective"] == two).all()


# -- space: defaults, levels, conditions, JSON, messages -------------------------------------------
def test_encoding_a_config_fills_what_it_does_not_use_with_valid_middle_values():
    space = Space(opt=Choice(["adam", "sgd"]), momentum=Float(0.0, 0.8, when={"opt": "sgd"}),
                  lr=Float(1e-4, 1e-2, log=True, when={"opt": "sgd"}),
                  width=Int(2, 10, when={"opt": "sgd"}), units=Int(4, 64, log=True,
                                                               when={"opt": "sgd"}),
                  nesterov=Bool(when={"opt": "sgd"}),
                  act=Choice(["relu", "tanh"], when={"opt": "sgd"}),
                  head=Repeat(Int(1, 3), u=Int(0, 4), when={"opt": "sgd"}))
    genome = space.encode({"opt": "adam"})
    assert list(genome) == [0, 0.4, -3.0, 6, 16, 0, 0, 2, 2, 2, 2]
    woken = list(genome)
    woken[0] = 1  # a later mutation makes the optimizer sgd: the dormant genes wake up valid
    assert space.decode(woken) == {
        "opt": "sgd", "momentum": 0.4, "lr": 0.001, "width": 6, "units": 16, "nesterov": False,
        "act": "relu", "head": [{"u": 2}, {"u": 2}]}


def test_grid_levels_of_a_range_through_zero_and_of_one_level():
    assert Int(-5, 5).levels(3) == [-5, 0, 5]
    assert Int(-2, 0).levels(3) == [-2, -1, 0] and Int(-2, 0).levels(5) == [-2, -1, 0]
    assert Int(1, 9).levels(1) == [5] and Int(2, 32, log=True).levels(1) == [8]
    assert Float(1e-4, 1e-2, log=True).levels(1) == [0.001]
    assert Float(-1.0, 3.0).levels(2) == [-1.0, 3.0]


def test_can_be_says_which_values_a_when_may_name():
    depth = Int(0, 3)
    assert [depth.can_be(v) for v in (0, 3, 2.0, -1, 4, 2.5, True, "2")] == [
        True, True, True, False, False, False, False, False]
    rate = Float(0.0, 1.0)
    assert [rate.can_be(v) for v in (0, 1, 0.5, -0.1, 1.1, False, "0.5")] == [
        True, True, True, False, False, False, False]
    flag = Bool()
    assert [flag.can_be(v) for v in (True, False, 1, 0, None)] == [True, True, False, False,
                                                                    False]
    assert Fixed("a").can_be("a") and not Fixed("a").can_be("b")
    mixed = Choice([1, True, "x", None, 2.5])
    assert [mixed.can_be(v) for v in (1, 1.0, True, "x", None, 2.5, 2, False)] == [
        True, True, True, True, True, True, False, False]
    assert mixed.encode(True, "c") == [1] and mixed.encode(1, "c") == [0]
    assert mixed.encode(1.0, "c") == [0]  # 1.0 is the value 1; True never stands for 1


def test_genes_save_every_setting_and_load_back_equal():
    genes = {
        "i": Int(1, 64, log=True, sigma=0.5, when={"c": "a"}),
        "f": Float(0.0, 2.0, sigma=0.1), "c": Choice(["a", "b"], ordered=True), "b": Bool(),
        "k": Fixed(None), "r": Repeat(Int(0, 2), u=Float(1e-3, 1.0, log=True), when={"c": "b"}),
    }
    space = Space(**genes)
    data = json.loads(json.dumps(space.to_json()))
    assert data["genes"]["i"] == {"type": "int", "low": 1, "high": 64, "log": True, "sigma": 0.5,
                                  "when": {"c": ["a"]}}
    assert data["genes"]["f"] == {"type": "float", "low": 0.0, "high": 2.0, "log": False,
                                  "sigma": 0.1}
    assert data["genes"]["c"] == {"type": "choice", "values": ["a", "b"], "ordered": True}
    assert data["genes"]["b"] == {"type": "bool"} and data["genes"]["k"] == {
        "type": "fixed", "value": None}
    assert data["genes"]["r"]["when"] == {"c": ["b"]}
    again = Space.from_json(data)
    assert again == space and again.to_json() == space.to_json()
    assert again.genes["i"].sigma == 0.5 and again.genes["f"].sigma == 0.1
    assert again.genes["r"].when == {"c": ("b",)}
    assert error(lambda: Space.from_json({"genes": 3})).endswith(
        "; save one with space.to_json()")


def test_equal_spaces_hash_equal_whatever_the_order_of_their_conditions():
    a = Space(o=Choice(["x", "y"]), p=Bool(), m=Float(0.0, 1.0, when={"o": "x", "p": True}))
    b = Space(o=Choice(["x", "y"]), p=Bool(), m=Float(0.0, 1.0, when={"p": True, "o": "x"}))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != "a space" and repr(a) == "Space(o, p, m)" and a.n_genes == a.length == 3


def test_messages_name_every_allowed_value_and_condition():
    space = Space(o=Choice(["sgd", "rms", "adam"]), p=Bool(),
                  m=Float(0.0, 1.0, when={"o": ["sgd", "rms"], "p": True}))
    assert error(lambda: space.encode({"o": "adam", "p": True, "m": 0.5})) == (
        "config['m'] is given, but that gene only counts when o is 'sgd' or 'rms' and p is "
        "True; leave it out")
    assert error(lambda: space.encode({"o": "sgd", "p": True, "m": 0.5}, filler=[0])) == (
        "filler genome belongs to another space")
    many = Choice(list(range(12)))
    assert error(lambda: many.encode(99, "x")) == "x=99 is not one of: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9"
    assert error(lambda: Int(0, 3).encode("a", "n")) == "n must be a whole number, got 'a'"
    assert error(lambda: Int(0, 3).encode(True, "n")) == "n must be a whole number, got True"
    assert error(lambda: Float(0.0, 1.0).encode(2, "f")) == "f=2 is outside [0, 1]"


def test_a_fixed_gene_left_out_of_a_config_still_controls_its_dependants():
    space = Space(mode=Fixed("wide"), width=Int(1, 9, when={"mode": "wide"}),
                  extra=Bool(when={"width": 9}))
    genome = space.encode({"width": 4})
    assert space.decode(genome) == {"mode": "wide", "width": 4}
    assert space.decode(space.encode({"mode": "wide", "width": 4})) == {"mode": "wide",
                                                                         "width": 4}
    assert error(lambda: space.encode({"mode": "wide"})) == (
        "config['width'] is missing; give a value for it")
    assert error(lambda: space.encode({"width": 4, "extra": True})) == (
        "config['extra'] is given, but that gene only counts when width is 9; leave it out")
    assert space.decode(space.encode({"width": 9, "extra": True}))["extra"] is True


NESTED = Space(opt=Choice(["adam", "sgd"]),
               outer=Repeat(Int(1, 2), kind=Choice(["d", "c"]),
                            inner=Repeat(1, drop=Float(0.0, 0.5, when={"opt": "adam"}),
                                         k=Int(1, 3, when={"kind": "c"}))))


def test_genes_two_groups_deep_see_the_outer_genes():
    rng = random.Random(0)
    seen = set()
    for _ in range(200):
        config = NESTED.decode(NESTED.sample(rng))
        for block in config["outer"]:
            (inner,) = block["inner"]
            assert ("drop" in inner) == (config["opt"] == "adam")
            assert ("k" in inner) == (block["kind"] == "c")
            seen.add((config["opt"], block["kind"]))
        assert NESTED.decode(NESTED.encode(config)) == config
    assert len(seen) == 4
    config = {"opt": "adam", "outer": [{"kind": "c", "inner": [{"drop": 0.25, "k": 2}]}]}
    assert NESTED.decode(NESTED.encode(config)) == config
    assert error(lambda: NESTED.encode(
        {"opt": "sgd", "outer": [{"kind": "d", "inner": [{"drop": 0.25}]}]})) == (
        "config['outer'][0]['inner'][0]['drop'] is given, but that gene only counts when opt "
        "is 'adam'; leave it out")


def test_a_grid_enumerates_genes_two_groups_deep_and_blocks_are_independent():
    grid = Grid(NESTED, 3)
    points = [grid.point(i) for i in range(grid.size)]
    # adam: counts 1, 2 x (kind d: drop 3; kind c: drop 3 x k 3); sgd: counts 1, 2 x (1 + 3)
    assert grid.size == len({config_key(p) for p in points}) == 2 * 12 + 2 * 4
    for p in points:
        assert NESTED.decode(NESTED.encode(p)) == p
    two = next(p for p in points if len(p["outer"]) == 2)
    two["outer"][0]["inner"][0]["k"] = 99  # each block is its own data
    assert two["outer"][1]["inner"][0].get("k") != 99


def test_grid_order_is_blocks_in_turn_and_the_last_gene_fastest():
    space = Space(a=Choice(["x", "y"]), n=Int(0, 2), b=Bool(when={"a": "x"}))
    grid = Grid(space, 3)
    assert [grid.point(i) for i in range(grid.size)] == [
        {"a": "x", "n": 0, "b": False}, {"a": "x", "n": 0, "b": True},
        {"a": "x", "n": 1, "b": False}, {"a": "x", "n": 1, "b": True},
        {"a": "x", "n": 2, "b": False}, {"a": "x", "n": 2, "b": True},
        {"a": "y", "n": 0}, {"a": "y", "n": 1}, {"a": "y", "n": 2}]
    layers = Grid(Space(L=Repeat(Int(0, 2), u=Choice([4, 8]))), 3)
    assert [layers.point(i) for i in range(layers.size)] == [
        {"L": []}, {"L": [{"u": 4}]}, {"L": [{"u": 8}]},
        {"L": [{"u": 4}, {"u": 4}]}, {"L": [{"u": 8}, {"u": 8}]}]
    assert Grid(Space(a=Int(0, 10))).size == 3  # three levels unless told


@pytest.mark.parametrize("space", [
    # a controller declared after the genes it controls
    Space(c=Bool(when={"b": [1, 2]}), b=Choice([1, 2, 3], when={"a": "x"}),
          a=Choice(["y", "x"])),
    # the first value of a controller switches its dependant off
    Space(a=Choice(["y", "x"]), b=Choice([1, 2, 3], when={"a": "x"}),
          c=Bool(when={"b": [1, 2]})),
])
def test_grid_of_a_chain_of_conditions_in_any_order(space):
    grid = Grid(space, 3)
    keys = {config_key(grid.point(i)) for i in range(grid.size)}
    assert grid.size == len(keys) == 6  # y; x with b=3; x with b in 1, 2 times c
    assert config_key({"a": "y"}) in keys and config_key({"a": "x", "b": 3}) in keys


def test_grid_of_an_integer_controller_and_of_a_controller_inside_a_block():
    by_int = Grid(Space(n=Int(0, 10), x=Float(0.0, 1.0, when={"n": [0, 5]})), 3)
    assert by_int.size == 3 + 3 + 1  # n=0 and n=5 each with three x, n=10 alone
    inside = Space(o=Choice(["a", "b"]), L=Repeat(1, t=Choice(["d", "c"], when={"o": "a"}),
                                                 k=Int(1, 3, when={"t": "c"})))
    grid = Grid(inside, 3)
    points = {config_key(grid.point(i)) for i in range(grid.size)}
    assert grid.size == len(points) == 1 + 1 + 3  # b; a with d; a with c times k
    assert config_key({"o": "a", "L": [{"t": "c", "k": 3}]}) in points


def test_a_grid_of_too_many_condition_blocks_is_refused():
    space = Space(a=Choice(list(range(400))), b=Choice(list(range(400))),
                  x=Bool(when={"a": 0, "b": 0}))
    assert error(lambda: Grid(space, 2)) == (
        "the grid has over 100,000 condition blocks; give the genes that when= tests fewer "
        "values")


def test_grid_levels_and_index_are_checked():
    space = Space(a=Int(0, 10))
    for bad in (0, True, 1.5, "3"):
        assert error(lambda b=bad: Grid(space, b)) == (
            f"levels must be a whole number >= 1, got {bad!r}")
    with pytest.raises(IndexError, match=r"^grid index 3 outside \[0, 3\)$"):
        Grid(space).point(3)


def test_describe_shortens_floats_and_lists_blocks():
    assert describe({"lr": 0.000123456, "n": 3, "name": "adam", "on": True}) == (
        "lr=0.000123 n=3 name=adam on=True")
    assert describe({"sizes": [1, 2.5], "layers": []}) == "sizes=[1, 2.5] layers=[]"
    assert config_key({"b": [1, 2], "a": {"y": 0.5, "x": None}}) == (
        '{"a":{"x":null,"y":0.5},"b":[1,2]}')


# -- strategies: checkpoints, protocol checks, grid search's batches -------------------------------
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


@pytest.mark.parametrize("make", [lambda: GeneticSearch(SMALL, population=6, seed=1),
                                  lambda: NSGA2Search(SMALL, population=6, seed=1)])
def test_a_resumed_logbook_prints_like_the_original(make):
    strategy = make()
    fn = _two if isinstance(strategy, NSGA2Search) else None
    _drive(strategy, 3, fn)
    state = json.loads(json.dumps(strategy.state_dict()))
    assert all(type(rec["gen"]) is int and type(rec["nevals"]) is int
               for rec in state["logbook"])  # counts stay whole numbers in the checkpoint
    resumed = make()
    resumed.load_state_dict(state)
    assert resumed.logbook.header == strategy.logbook.header
    assert str(resumed.logbook) == str(strategy.logbook)  # what a user prints, column by column
    assert resumed._pending == [] and resumed.state_dict() == strategy.state_dict()
    with pytest.raises(RuntimeError) as info:
        resumed.ask(6)
        resumed.state_dict()
    assert str(info.value) == "state_dict() between ask() and tell(); take it after tell()"


def test_a_ga_checkpoint_from_before_screening_and_duplicate_counts_still_loads():
    ga = GeneticSearch(SMALL, population=6, seed=2)
    _drive(ga, 2)
    state = json.loads(json.dumps(ga.state_dict()))
    for key in ("duplicates_avoided", "promote", "screened"):
        state.pop(key)  # an older checkpoint
    again = GeneticSearch(SMALL, population=6, seed=2)
    again.duplicates_avoided, again.screened = 5, 5
    again.load_state_dict(state)
    assert (again.duplicates_avoided, again.screened, again._promote) == (0, 0, [])
    assert [p.config for p in again.ask(100)] == [p.config for p in ga.ask(100)]


def test_finite_numbers_stay_numbers_in_a_checkpoint():
    from evohpo.strategies.base import json_float, rng_state, set_rng_state

    assert json_float(1.5) == 1.5 and type(json_float(1.5)) is float
    assert json_float(-0.0) == 0.0 and json_float(math.inf) == "inf"
    assert json_float(-math.inf) == "-inf" and json_float(math.nan) == "nan"
    rng = random.Random(7)
    rng.random()
    state = json.loads(json.dumps(rng_state(rng)))
    other = random.Random(0)
    set_rng_state(other, state)
    assert [other.random() for _ in range(3)] == [rng.random() for _ in range(3)]


def test_the_campaign_refuses_a_strategy_naming_what_it_lacks():
    from evohpo.strategies.base import check_strategy

    class Half:
        name, seed = "half", 0

        def ask(self, max_n):
            return []

    assert error(lambda: check_strategy(Half())) == (
        "strategy Half lacks space, done, tell, state_dict, load_state_dict; a strategy "
        "provides name, seed, space, done, ask, tell, state_dict, load_state_dict (see "
        "evohpo.strategies.base.Strategy)")

    class NoSpace(Half):
        space, done = "a dict", False

        def tell(self, evaluations):
            pass

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

    assert error(lambda: check_strategy(NoSpace())) == (
        "strategy NoSpace.space is not an evohpo.Space; run_campaign runs strategies over a "
        "Space")
    check_strategy(GeneticSearch(SMALL))  # the built-in ones pass


def test_grid_search_defaults_and_batch_numbers():
    default = GridSearch(SMALL)
    explicit = GridSearch(SMALL, seed=0, levels=3, batch=12)
    assert default.size == explicit.size == Grid(SMALL, 3).size == 27
    first = default.ask(100)
    assert [p.config for p in first] == [p.config for p in explicit.ask(100)]
    assert len(first) == 12 and {p.generation for p in first} == {0}
    default.tell([])
    second = default.ask(100)
    assert {p.generation for p in second} == {1}  # the batch number, as the CSV shows it
    default.tell([])
    assert {p.generation for p in default.ask(100)} == {2}
    assert GridSearch(SMALL, levels=1, batch=1).size == 3  # the smallest settings are fine
    for bad in (True, 1.5, 0):
        assert error(lambda b=bad: GridSearch(SMALL, levels=b)) == (
            f"levels must be a whole number >= 1, got {bad!r}")
        assert error(lambda b=bad: GridSearch(SMALL, batch=b)) == (
            f"batch must be a whole number >= 1, got {bad!r}")
    other = GridSearch(SMALL, levels=2)
    assert error(lambda: other.load_state_dict(explicit.state_dict())) == (
        "grid size 27 in the checkpoint, 12 now; resume with the same space and --levels")
    huge = GridSearch(Space(**{f"b{i}": Bool() for i in range(21)}))
    assert huge.all_points() == []  # too many to list


def test_random_search_numbers_its_batches():
    from evohpo.strategies import RandomSearch

    rs = RandomSearch(SMALL, seed=4, batch=3)
    assert {p.generation for p in rs.ask(10)} == {0}
    rs.tell([])
    assert {p.generation for p in rs.ask(10)} == {1}
    assert RandomSearch(SMALL).batch == 12 and RandomSearch(SMALL).seed == 0


def test_the_pareto_archive_holds_each_network_once_even_when_repeats_are_proposed():
    # two networks have the best trade-offs; a=False is one network whatever its dormant z
    space = Space(a=Bool(), z=Int(0, 100, when={"a": True}))

    def trade_off(config: dict) -> tuple[float, float]:
        return (0.0, 1.0 + config["z"]) if config["a"] else (1.0, 0.0)

    for seed in range(3):
        s = NSGA2Search(space, population=4, seed=seed, max_retries=0)
        for gen in range(8):
            proposals = s.ask(4)
            s.tell([Evaluation(eval_id=4 * gen + i, generation=gen, config=p.config,
                               status=Status.OK, objective=trade_off(p.config)[0],
                               objectives=trade_off(p.config)) for i, p in enumerate(proposals)])
        keys = [config_key(c) for c, _ in s.front_configs()]
        assert len(keys) == len(set(keys)) and config_key({"a": False}) in keys


# -- results: the Pareto flags, leftovers of a killed run, a full disk -----------------------------
def _multi_log(tmp_path) -> results.ResultsLog:
    both = (ACC, PARAMS)
    log = results.ResultsLog.create(tmp_path / "results.csv", results.columns(CK_SPACE, both))
    for i in (2, 0, 1):
        ev = Evaluation(eval_id=i, generation=0, config={"layers": [{"units": 8}], "opt": "adam"},
                        status=Status.OK, objective=-0.5, objectives=(-0.5, 10.0 * i),
                        scores={"val_accuracy": 0.5}, params=10 * i)
        log.append(results.row(ev, campaign="c", method="nsga2", seed=0, space=CK_SPACE,
                               objective=both))
    return log


def test_finalize_flags_the_front_and_write_front_copies_its_rows(tmp_path):
    log = _multi_log(tmp_path)
    header = results.read_rows(log.path)[0]
    assert header[header.index("val_loss") + 1] == "pareto"  # after the scores, before genes
    log.finalize(front=[2, 0])
    frame = results.read(log.path)
    assert frame["eval_id"].tolist() == [0, 1, 2]
    assert frame["pareto"].tolist() == [True, False, True]
    path = results.write_front(log.path, [2, 0])
    assert path == tmp_path / "pareto.csv"
    assert results.read(path)["eval_id"].tolist() == [2, 0]  # in the order given
    single = results.ResultsLog.create(tmp_path / "one" / "results.csv",
                                       results.columns(CK_SPACE, ACC))
    single.finalize(front=[0])  # no pareto column: nothing to flag, no error
    assert "pareto" not in results.read_rows(single.path)[0]


def test_leftovers_of_a_killed_writer_are_cleaned_and_nothing_else(tmp_path):
    keep = [".notes.tmp", ".results.csv.txt", "x.tmp", ".results.csv.abc_1.tmp.bak"]
    gone = [".results.csv.abc_123.tmp", ".best.json.q9z.tmp", ".report.md.t_t.tmp"]
    for name in keep + gone:
        (tmp_path / name).write_text("x")
    (tmp_path / ".dir.csv.abc.tmp").mkdir()  # a folder that looks like one: left alone
    assert sorted(results.remove_temporaries(tmp_path)) == sorted(gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, ".dir.csv.abc.tmp"])
    assert results.remove_temporaries(tmp_path) == []


def test_a_results_file_without_rows_or_checkpoint_is_an_unstarted_run(tmp_path):
    assert results.remove_unstarted(tmp_path) is False  # nothing there
    csv_path = tmp_path / results.CSV_NAME
    csv_path.write_text("eval_id,x\n")
    (tmp_path / "checkpoint.json").write_text("{}")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()
    (tmp_path / "checkpoint.json").unlink()
    csv_path.write_text("eval_id,x\n0,a\n")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()  # it has a row
    csv_path.write_bytes(b"\xff\xfe")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()  # not ours
    csv_path.write_text("")
    assert results.remove_unstarted(tmp_path) is False and csv_path.exists()
    csv_path.write_text("eval_id,x\n")
    assert results.remove_unstarted(tmp_path) is True and not csv_path.exists()


def test_a_full_disk_keeps_the_old_file_and_names_the_folder(tmp_path, monkeypatch):
    import errno

    path = tmp_path / "best.json"
    results.write_json(path, {"a": 1})

    def full(f, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results, "_fill", full)
    assert error(lambda: results.write_json(path, {"a": 2})) == (
        f"cannot write best.json in {tmp_path}: No space left on device (ENOSPC); what was "
        "written before is kept: free space (or fix the folder) and run the same command again")
    assert json.loads(path.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.json"]  # no temporary left
    (tmp_path / "checkpoint.json").write_text("{}")
    assert error(lambda: results.write_text(path, "x")).endswith(
        "run the same command with --resume")


def test_a_csv_that_is_not_an_evohpo_log_names_what_it_lacks(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("method,seed,x\nga,0,1\n")
    assert error(lambda: results.read(other)) == (
        f"{other} is not an evohpo results file (missing columns: eval_id, status, objective, "
        "config); pass the results.csv a campaign wrote")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert error(lambda: results.read_rows(empty)) == (
        f"{empty} is empty; it is not an evohpo results file")


# -- pareto: the reference point and the knee ------------------------------------------------------
def test_the_reference_point_sits_a_tenth_of_the_range_beyond_the_worst():
    from evohpo.pareto import knee, reference_point

    assert reference_point([(0.0, 10.0), (2.0, 0.0)]) == (2.2, 11.0)
    assert reference_point([(1.0, -3.0), (1.0, -5.0)]) == (1.1, -2.8)  # one value: 10% of it
    assert reference_point([(0.0, 4.0)]) == (0.1, 4.4)  # zero: 10% of 1
    assert reference_point([(-2.0, 1.0)]) == (-1.8, 1.1)
    assert reference_point([(0.0, 1.0), (math.inf, math.nan), (1.0, 3.0)]) == (1.1, 3.2)
    assert reference_point([(0.0, 10.0), (2.0, 0.0)], margin=0.5) == (3.0, 15.0)
    assert error(lambda: reference_point([])) == "a reference point needs at least one point"
    assert error(lambda: reference_point([(0.0, math.inf)])) == (
        "a reference point needs a finite value of every objective")
    assert knee([(0.0, 10.0), (4.0, 4.0), (10.0, 0.0)]) == 1
    assert knee([(0.0, 100.0), (0.2, 10.0), (1.0, 0.0)]) == 1  # scaled: units do not matter
    assert knee([(5.0, 1.0), (5.0, 0.0)]) == 1  # a shared objective counts as 0
    assert knee([(1.0, 0.0), (0.0, 1.0)]) == 0  # equally near: the first
    assert knee([(3.0, 3.0)]) == 0
    assert error(lambda: knee([])) == "the knee of an empty front is undefined"


# -- every message that names a fix, word for word ----------------------------------------------
@pytest.mark.parametrize(("build", "expected"), [
    (lambda: Float(0.0, 1.0, log=True),
     "Float(0.0, 1.0, log=True): a log scale needs low > 0; give a positive lower bound or "
     "log=False"),
    (lambda: Int(True, 3), "Int low must be a whole number, got True; use Float"),
    (lambda: Float(True, 3.0), "Float low must be a finite number, got True"),
    (lambda: Float(0.0, math.nan), "Float high must be a finite number, got nan"),
    (lambda: Choice([]), "Choice([]) is empty; give at least one value"),
    (lambda: Choice([print]),
     "Choice values must be str, int, float, bool or None, got <built-in function print>; give "
     "a name and map it to the object in your build function"),
    (lambda: Choice(["a", 1, "a"]), "Choice lists a value twice: ['a', 1, 'a']; give each once"),
    (lambda: Choice([0, False, 1, 1.0]).values, None),  # four values: types tell them apart
    (lambda: Fixed([1, 2]), "Fixed value must be str, int, float, bool or None, got [1, 2]"),
    (lambda: Int(0, 3, when=["a"]), "when= takes a dict such as {'optimizer': 'sgd'}, got ['a']"),
    (lambda: Repeat(Int(1, 8, log=True), u=Int(1, 8)),
     "Repeat count takes a plain Int(low, high) (no log=, no when=)"),
    (lambda: Repeat(Int(1, 8, when={"a": 1}), u=Int(1, 8)),
     "Repeat count takes a plain Int(low, high) (no log=, no when=)"),
    (lambda: Repeat(2.0, u=Int(1, 8)), "Repeat count must be an int or Int(low, high), got 2.0"),
    (lambda: Repeat(2), "Repeat(...) needs at least one gene, e.g. units=Int(4, 512)"),
    (lambda: Repeat(2, u=8), "Repeat gene 'u' is 8; use Int, Float, Choice, Bool, Fixed or "
                             "Repeat (a plain value: Fixed(value))"),
    (lambda: Space(), "Space() has no genes; give at least one, e.g. lr=Float(1e-4, 1e-1)"),
    (lambda: Space(**{"1x": Int(0, 3)}),
     "gene name '1x' is not a plain identifier; use letters, digits and underscores"),
    (lambda: Space(a=Choice([1, 2], when={"b": 1}), b=Choice([1, 2], when={"a": 1})),
     "when= conditions form a cycle: a -> b -> a; make one of them unconditional"),
    (lambda: Space(a=Float(0.0, 1.0), b=Bool(when={"a": 0.5})),
     "gene 'b': when= can test Int, Choice, Bool or Fixed genes, and 'a' is a Float"),
    (lambda: Space(a=Repeat(1, u=Int(0, 2)), b=Bool(when={"a": 1})),
     "gene 'b': when= can test Int, Choice, Bool or Fixed genes, and 'a' is a Repeat"),
    (lambda: Space(a=Int(0, 3), r=Repeat(1, b=Bool(when={"c": 1}))),
     "gene 'b': when= names unknown gene 'c'; genes it can name: b, a, r"),
    (lambda: Space(a=Fixed(2), b=Bool(when={"a": 3})),
     "gene 'b': when={'a': 3} can never hold: a cannot be 3"),
    (lambda: Space.from_json({"genes": {"a": {"type": "weird"}}}),
     "unknown gene type 'weird' in a saved space"),
    (lambda: Space(a=Int(0, 3)).encode([1]), "a config is a dict of gene values, got [1]"),
    (lambda: Space(a=Fixed(3)).encode({"a": 4}),
     "config['a']=4, but the space fixes it at 3"),
    (lambda: NSGA2Search(SMALL, n_objectives=1),
     "nsga2 needs two or more objectives; for one objective use ga"),
    (lambda: NSGA2Search(SMALL, n_objectives=5),
     "nsga2 handles 2 to 4 objectives, got 5; its crowding distance cannot spread more"),
    (lambda: NSGA2Search(SMALL, population=True), "population must be >= 4 for nsga2, got True"),
    (lambda: NSGA2Search(SMALL, population=6.0), "population must be >= 4 for nsga2, got 6.0"),
    (lambda: NSGA2Search(SMALL, mutpb=-0.5), "mutpb must be a probability in [0, 1], got -0.5"),
    (lambda: NSGA2Search(SMALL, cxpb=2), "cxpb must be a probability in [0, 1], got 2"),
    (lambda: NSGA2Search(SMALL, max_retries=-1), "max_retries must be >= 0, got -1"),
    (lambda: NSGA2Search(SMALL, generations=0), "generations must be >= 1, got 0"),
])
def test_bad_input_messages_word_for_word(build, expected):
    if expected is None:
        build()
    else:
        assert error(build) == expected


def test_nsga2_accepts_the_smallest_valid_settings_and_checks_loaded_states():
    s = NSGA2Search(SMALL, population=4, n_objectives=4, cxpb=0, mutpb=1, max_retries=0,
                    generations=1)
    assert (s.population_size, s.n_objectives, s.max_retries) == (4, 4, 0)
    other = NSGA2Search(SMALL, population=4, n_objectives=2)
    _drive(other, 1, _two)
    assert error(lambda: s.load_state_dict(other.state_dict())) == (
        "the saved nsga2 state has 2 objectives, this one 4; build it with the same arguments")
    told = NSGA2Search(SMALL, population=4, n_objectives=3)
    proposals = told.ask(4)
    assert error(lambda: told.tell([
        Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                   objective=0.0, objectives=(0.0, 1.0)) for i, p in enumerate(proposals)])) == (
        "an evaluation has 2 objectives and nsga2 was built for 3; pass n_objectives=2")
    with pytest.raises(ValueError) as info:
        told.tell([])
    assert str(info.value) == "told 0 evaluations for 4 asked"
    with pytest.raises(RuntimeError) as info:
        told.ask(4)
    assert str(info.value) == "ask() called twice without tell(); tell the last batch first"


def test_ga_tournaments_pick_the_better_parents():
    """Tournaments of three (drawn with replacement): the best of six parents wins whenever it
    is drawn, 1 - (5/6)^3 of the picks; the worst only when drawn three times, (1/6)^3."""
    picked: Counter[int] = Counter()
    for seed in range(150):  # the default tournament size; 900 picks tell 3 from 2 or 4
        ga = GeneticSearch(SMALL, population=6, seed=seed, elites=0, cxpb=0.0, mutpb=0.0,
                           max_retries=0)
        proposals = ga.ask(6)
        ga.tell([Evaluation(eval_id=i, generation=0, config=p.config, status=Status.OK,
                            objective=float(i)) for i, p in enumerate(proposals)])
        rank = {config_key(p.config): i for i, p in enumerate(proposals)}
        picked.update(rank[config_key(p.config)] for p in ga.ask(6))
    n = sum(picked.values())
    assert n == 900
    assert binomial_near(picked[0], n, 1 - (5 / 6) ** 3, sigmas=4)
    assert picked[5] <= 12  # about 4 expected; random parents would give 150


# -- second pass: what the first mutation run still let through -----------------------------------
def test_an_atomic_write_goes_through_a_temporary_beside_its_file(tmp_path, monkeypatch):
    import os

    moved = []
    replace = os.replace

    def spy(src, dst):
        moved.append((Path(src), Path(dst)))
        return replace(src, dst)

    monkeypatch.setattr(results.os, "replace", spy)
    target = tmp_path / "a" / "b" / "best.json"  # folders made as needed
    results.write_json(target, {"model": tmp_path / "m.keras", "n": np.int64(3)})
    (src, dst), = moved
    assert dst == target and src.parent == target.parent
    assert results._TEMPORARY.match(src.name) and src.name.startswith(".best.json.")
    assert json.loads(target.read_text()) == {"model": str(tmp_path / "m.keras"), "n": "3"}


def test_csv_files_end_lines_with_a_bare_newline(tmp_path):
    results.write_table(tmp_path / "s.csv", pd.DataFrame({"m": ["ga"], "x": [0.5]}))
    assert (tmp_path / "s.csv").read_bytes() == b"m,x\nga,0.5\n"  # no index, no \\r
    path = tmp_path / "results.csv"
    path.write_text("eval_id,x\n1,b\n0,a\n2,")
    results.repair(path)
    assert path.read_bytes() == b"eval_id,x\n1,b\n0,a\n"
    log = results.ResultsLog.create(tmp_path / "log.csv", ["eval_id", "x"])
    for i in (10, 2, 1, 11, 0):
        log.append({"eval_id": i, "x": f"v{i}"})
    log.finalize()
    assert log.path.read_bytes() == b"eval_id,x\n0,v0\n1,v1\n2,v2\n10,v10\n11,v11\n"


def test_appending_to_a_full_disk_is_one_error_naming_the_log(tmp_path, monkeypatch):
    import errno

    log = results.ResultsLog.create(tmp_path / "results.csv", ["eval_id"])

    def full(path, text):
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(results, "_append", full)
    assert error(lambda: log.append({"eval_id": 0})).startswith(
        f"cannot write results.csv in {tmp_path}: Disk quota exceeded (EDQUOT)")


def test_text_columns_stay_text_whatever_they_hold(tmp_path):
    header = results.columns(CK_SPACE, ACC)
    row = {c: "" for c in header}
    row.update(campaign="1", method="2", seed="0", eval_id="0", generation="0", status="3",
               error="4", cached="false", objective="5", worker="6", config="7", epochs="1")
    path = tmp_path / "results.csv"
    path.write_text(results._to_csv(header, [[row[c] for c in header]]))
    frame = results.read(path)
    assert [frame.loc[0, c] for c in ("campaign", "method", "status", "error", "objective",
                                      "worker", "config")] == ["1", "2", "3", "4", "5", "6", "7"]
    assert frame.loc[0, "epochs"] == 1 and frame.loc[0, "seed"] == 0


def test_a_clash_message_lists_the_reserved_names():
    message = error(lambda: results.columns(Space(config=Int(0, 3)), ACC))
    assert "(reserved: campaign, method, seed, eval_id, generation, status, error, cached, " \
           "objective, val_accuracy, val_loss, params, epochs, train_seconds" in message
    assert message.endswith(", best_test_*)")


def test_points_of_different_lengths_are_an_error_not_a_silent_truncation():
    from evohpo.pareto import dominates, knee, reference_point

    with pytest.raises(ValueError):
        dominates((1.0, 2.0), (1.0, 2.0, 3.0))
    with pytest.raises(ValueError):
        dominates((0.0, 0.0, 0.0), (1.0, 1.0))
    with pytest.raises(ValueError):
        reference_point([(0.0, 1.0), (1.0,)])
    with pytest.raises(ValueError):
        knee([(0.0, 1.0), (1.0,)])


def test_nan_never_hides_a_dominated_point():
    from evohpo.pareto import non_dominated

    assert non_dominated([(2.0, 2.0), (math.nan, 0.0), (1.0, 1.0)]) == [1, 2]
    assert non_dominated([(math.nan, 5.0), (3.0, 3.0), (2.0, 2.0)]) == [0, 2]


def test_hypervolume_in_one_dimension_and_of_an_unbounded_point():
    assert hypervolume([(0.5,), (0.2,), (2.0,)], (1.0,)) == 0.8
    assert hypervolume([(0.5, 0.0)], (2.0, 1.0)) == 1.5
    assert error(lambda: hypervolume([(-math.inf, 0.0)], (1.0, 1.0))) == (
        "point (-inf, 0.0) is unbounded below; its volume is infinite")


def test_the_knee_is_nearest_to_the_ideal_in_euclidean_distance_from_each_minimum():
    from evohpo.pareto import knee

    # scaled by range from each objective's own minimum, not from zero
    assert knee([(10.0, 1000.0), (10.2, 100.0), (11.0, 0.0)]) == 1
    # Euclidean: (0.65, 0.2) is nearer than (0.5, 0.5); Manhattan would agree, cubes would not
    assert knee([(0.0, 1.0), (0.5, 0.5), (0.65, 0.2), (1.0, 0.0)]) == 2
    # Euclidean: (0.5, 0.5) is nearer than (0.8, 0.1); Manhattan would pick the latter
    assert knee([(0.0, 1.0), (0.5, 0.5), (0.8, 0.1), (1.0, 0.0)]) == 1


def test_a_checkpoint_records_its_engine_and_pareto_state(tmp_path):
    common = dict(method="nsga2", seed=1, task="iris", fingerprint="f", epochs=1, budget=8,
                  n_evals=4, strategy_state={}, space=CK_SPACE, objective=(ACC, PARAMS),
                  model="mlp")
    plain = checkpoint.build(**common)
    assert plain["engine"] == "single" and "pareto" not in plain
    data = checkpoint.build(**common, engine="fused", pareto={"reference": [1.0, 2.0]})
    assert data["engine"] == "fused" and data["pareto"] == {"reference": [1.0, 2.0]}
    same = {"method": "nsga2", "seed": 1, "fingerprint": "f", "epochs": 1, "space": CK_SPACE,
            "objective": (ACC, PARAMS), "out": tmp_path}
    checkpoint.check_compatible(data, **same, engine="fused")
    assert error(lambda: checkpoint.check_compatible(data, **same)) == (
        f"cannot resume {tmp_path}: it was run with engine='fused', not 'single'; pass the "
        "same engine or start a new campaign")
    old = {k: v for k, v in plain.items() if k != "engine"}  # written before engines existed
    checkpoint.check_compatible(old, **same)  # it ran single
    assert "engine=None, not 'fused'" in error(
        lambda: checkpoint.check_compatible(old, **same, engine="fused"))


def test_a_row_of_a_failed_evaluation_keeps_its_epochs_and_seconds_and_no_objectives():
    config = {"layers": [{"units": 8}], "opt": "adam"}
    ev = Evaluation(eval_id=3, generation=1, config=config, status=Status.TIMEOUT,
                    scores={"val_accuracy": 0.4}, epochs=0, train_seconds=0.0)
    row = _row(ev, (ACC, PARAMS))
    back = checkpoint.evaluation_from_row(row, objective=(ACC, PARAMS))
    assert back.objectives == () and back.objective == math.inf  # not scored, even with scores
    assert back.epochs == 0 and back.train_seconds == 0.0
    row.update(epochs="", train_seconds="")
    back = checkpoint.evaluation_from_row(row, objective=(ACC, PARAMS))
    assert back.epochs == 0 and back.train_seconds == 0.0


def test_ga_defaults_and_the_smallest_settings_it_accepts():
    ga = GeneticSearch(SMALL)
    assert len(ga.ask(100)) == 12 and ga.duplicates_avoided == 0 and ga.screened == 0
    assert [p.config for p in GeneticSearch(SMALL, seed=3).ask(5)] == [
        p.config for p in GeneticSearch(SMALL, seed=3).ask(5)]  # seeded: reproducible
    assert [p.config for p in GeneticSearch(SMALL).ask(5)] == [
        p.config for p in GeneticSearch(SMALL, seed=0).ask(5)]
    two = GeneticSearch(SMALL, population=2)
    assert two.elites == 1  # keeps one, breeds one
    for kwargs in ({"tournament": 1}, {"generations": 1}, {"indpb": 0.0}, {"screen": 2},
                   {"population": 6, "elites": 2, "immigrants": 4}, {"fidelity": 1}):
        GeneticSearch(SMALL, **kwargs)
    for kwargs, expected in (
            ({"fidelity": True}, "fidelity must be a whole number of epochs >= 1, got True"),
            ({"fidelity": 1.5}, "fidelity must be a whole number of epochs >= 1, got 1.5"),
            ({"screen": True}, "screen must be a whole number >= 2, got True"),
            ({"screen": 2.0}, "screen must be a whole number >= 2, got 2.0"),
            ({"indpb": -0.5}, "indpb must be a probability in [0, 1], got -0.5")):
        assert error(lambda k=kwargs: GeneticSearch(SMALL, **k)) == expected
    screening = GeneticSearch(SMALL, population=4, fidelity=1)
    assert len(screening.ask(100)) == 12  # three times the population, by default


def test_ga_hall_of_fame_and_retries_defaults():
    ga = GeneticSearch(SMALL, population=6, seed=0)
    _drive(ga, 4)
    assert len(ga.hall_of_fame) == 5
    tiny = Space(a=Bool(), b=Bool())  # four networks: every later child is a repeat
    ga = GeneticSearch(tiny, population=4, seed=0)
    for gen in range(3):
        proposals = ga.ask(100)
        ga.tell([Evaluation(eval_id=i, generation=gen, config=p.config, status=Status.OK,
                            objective=float(p.config["a"]) + 2 * p.config["b"])
                 for i, p in enumerate(proposals)])
    assert ga.duplicates_avoided == 2 * 2 * 20  # two children a generation, 20 tries each
