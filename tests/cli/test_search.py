"""`evohpo search` (evohpo/cli/search.py): a real tiny search, and one-line errors with exit code 2
for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evohpo.cli import main
from evohpo.results import read

TESTS = Path(__file__).parents[1]
USER, BROKEN = TESTS / "user_model.py", TESTS / "broken_model.py"


@pytest.mark.tensorflow
def test_search_writes_csv_and_prints_best(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["search", "--task", "iris", "--method", "random", "--budget", "3",
                 "--epochs", "1", "--n-jobs", "2", "--out", str(out), "--quiet",
                 "--layers", "1,2", "--units", "4,16", "--optimizers", "adam"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "best: eval " in printed and "val_accuracy=" in printed and "test_accuracy=" in printed
    frame = read(out / "results.csv")
    assert len(frame) == 3 and set(frame["optimizer"]) == {"adam"}
    assert frame["n_layers"].between(1, 2).all() and (out / "best.keras").is_file()


@pytest.mark.tensorflow
@pytest.mark.slow
def test_search_runs_a_peers_method(tmp_path, capsys):
    out = tmp_path / "tpe"
    code = main(["search", "--task", "iris", "--method", "tpe", "--budget", "3", "--epochs", "1",
                 "--population", "2", "--out", str(out), "--quiet", "--layers", "1,2",
                 "--units", "4,16", "--optimizers", "adam"])
    assert code == 0 and "method: tpe" in capsys.readouterr().out
    frame = read(out / "results.csv")
    assert len(frame) == 3 and set(frame["method"]) == {"tpe"}
    assert frame["generation"].tolist() == [0, 0, 1]  # batches of --population


@pytest.mark.tensorflow
def test_search_with_a_user_model_file(tmp_path, capsys):
    out = tmp_path / "user"
    code = main(["search", "--task", "iris", "--model", f"{USER}:build", "--budget", "4",
                 "--population", "4", "--epochs", "1", "--n-jobs", "2", "--out", str(out),
                 "--quiet"])
    assert code == 0, capsys.readouterr().err
    frame = read(out / "results.csv")
    assert len(frame) == 4 and (frame["status"] == "ok").all()
    assert {"n_blocks", "blocks_1_units", "momentum"} <= set(frame.columns)
    sgd = frame["optimizer"] == "sgd"
    assert frame.loc[~sgd, "momentum"].isna().all()  # dormant unless the optimizer is sgd


@pytest.mark.tensorflow
@pytest.mark.slow
def test_search_with_a_keras_tuner_hypermodel_needs_no_space(tmp_path, capsys):
    out = tmp_path / "hyper"
    model = TESTS.parent / "experiments" / "keras_tuner_hypermodels.py"
    code = main(["search", "--task", "digits", "--model", f"{model}:build_conditional",
                 "--budget", "4", "--population", "4", "--epochs", "1", "--n-jobs", "2",
                 "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert re.search(r"note: build_conditional: 8 genes from \d+ builds of "
                     r"build_conditional\(hp\) in [\d.]+ s", captured.err)
    frame = read(out / "results.csv")
    assert len(frame) == 4 and (frame["status"] == "ok").all()
    assert {"model_type", "units", "conv_layers", "filters_1", "momentum"} <= set(frame.columns)
    cnn = frame["model_type"] == "cnn"
    assert frame.loc[cnn, "units"].isna().all() and frame.loc[~cnn, "conv_layers"].isna().all()


@pytest.mark.tensorflow
def test_a_build_function_that_always_fails_stops_with_its_error(tmp_path, capsys):
    out = tmp_path / "broken"
    code = main(["search", "--task", "iris", "--model", f"{BROKEN}:build", "--budget", "8",
                 "--population", "4", "--epochs", "1", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert "every evaluation of the first batch failed with: KeyError: 'dense_units'" in err
    assert len(read(out / "results.csv")) == 4  # the rows are kept


@pytest.mark.tensorflow
@pytest.mark.slow
def test_a_pareto_search_writes_its_front_hypervolume_knee_and_plot(tmp_path, capsys):
    out = tmp_path / "pareto"
    code = main(["search", "--task", "iris", "--method", "nsga2", "--objectives",
                 "val_accuracy:max,params:min", "--budget", "8", "--population", "4",
                 "--epochs", "1", "--n-jobs", "2", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    assert "front " in captured.err and "hypervolume " in captured.err  # the progress line
    frame = read(out / "results.csv")
    assert len(frame) == 8 and frame["pareto"].dtype == bool and frame["pareto"].any()
    assert (frame["objective"] == "val_accuracy:max,params:min").all()
    front = read(out / "pareto.csv")
    assert sorted(front["eval_id"]) == sorted(frame.loc[frame["pareto"], "eval_id"])
    summary = json.loads((out / "best.json").read_text())
    hv = summary["hypervolume"]
    assert len(hv) == 2 and 0 < hv[0] <= hv[1] and len(summary["reference"]) == 2
    assert summary["best"]["eval_id"] == summary["knee_eval_id"]
    assert summary["knee_eval_id"] in set(front["eval_id"])
    assert (out / "best.keras").is_file() and (out / "pareto.png").stat().st_size > 10_000
    printed = captured.out
    assert "pareto front: " in printed and "hypervolume per generation: " in printed
    assert "best (knee of the front): eval " in printed and "test_accuracy=" in printed
    assert main(["report", str(out), "--out", str(tmp_path / "rep")]) == 0
    assert "metric: hypervolume (higher is better)" in capsys.readouterr().out
    assert (tmp_path / "rep" / "pareto.png").is_file()


BAD = [
    (["search", "--task", "nope"], "unknown task 'nope'"),
    (["search", "--task", "iris", "--method", "pso"], "unknown method 'pso'"),
    (["search", "--task", "iris", "--activations", "relu,foo"], "unknown activation 'foo'"),
    (["search", "--task", "iris", "--optimizers", "adamm"], "unknown optimizer 'adamm'"),
    (["search", "--task", "iris", "--units", "16,4"], "units min 16 is greater than max 4"),
    (["search", "--task", "iris", "--units", "0,4"], "units must be >= 1"),
    (["search", "--task", "iris", "--learning-rate", "0,0.1"], "--learning-rate must be > 0"),
    (["search", "--task", "iris", "--layers=-1,2"], "--layers must be >= 0"),
    (["search", "--task", "iris", "--momentum", "0,0.9", "--optimizers", "adam"],
     "--momentum only applies to sgd; add sgd to the --optimizers"),
    (["search", "--task", "iris", "--objective", "val_auc:up"], "neither max nor min"),
    (["search", "--task", "iris", "--method", "nsga2"],
     "nsga2 needs two or more objectives; for one objective use ga"),
    (["search", "--task", "iris", "--method", "nsga2", "--objectives", "val_accuracy:max"],
     "nsga2 needs two or more objectives; for one objective use ga"),
    (["search", "--task", "iris", "--method", "nsga2", "--objectives",
      "val_accuracy:max,params:smallest"], "neither max nor min"),
    (["search", "--task", "iris", "--method", "nsga2", "--objectives",
      "val_accuracy:max,params:min,params:max"], "objective 'params' is given twice"),
    (["search", "--task", "iris", "--method", "nsga2", "--objectives",
      "val_accuracy:max,params:min", "--population", "3"],
     "--population must be a whole number >= 4 for nsga2"),
    (["search", "--task", "iris", "--method", "ga", "--objectives",
      "val_accuracy:max,params:min"], "ga optimises one objective, and 2 were given"),
    (["search", "--task", "iris", "--method", "aging", "--objectives",
      "val_accuracy:max,params:min"], "aging optimises one objective, and 2 were given"),
    (["search", "--task", "iris", "--method", "cmaes", "--objectives",
      "val_accuracy:max,params:min"], "cmaes optimises one objective, and 2 were given"),
    (["search", "--task", "iris", "--model", "nope.py:build"], "does not exist"),
    (["search", "--task", "iris", "--model", "no_such_module:build"], "cannot import"),
    (["search", "--task", "iris", "--model", f"{USER}:nope"], "has no 'nope'"),
    (["search", "--task", "iris", "--model", f"{BROKEN}:build", "--space",
      f"{BROKEN}:NOT_A_SPACE"], "is a dict, not an evohpo.Space"),
    (["search", "--task", "iris", "--model", f"{USER}:build", "--layers", "1,3"],
     "--layers is a flag of the built-in MLP"),
    (["search", "--task", "iris", "--space", f"{USER}:SPACE"], "--space and --fit go with"),
    (["search", "--task", "iris", "--budget", "0"], "argument --budget: must be a whole number"),
    (["search", "--task", "iris", "--n-jobs", "0"], "argument --n-jobs: must be a whole number"),
    (["search", "--task", "iris", "--time-limit", "0"], "argument --time-limit: must be a number"),
    (["search", "--task", "iris", "--units", "a,b"], "expected whole numbers"),
    (["search", "--task", "iris", "--cv", "1"], "argument --cv: must be a whole number >= 2"),
    (["search", "--task", "iris", "--cv", "50"],
     "has only 40 train+validation row(s); stratified folds need at least 50 rows per class"),
    (["search", "--task", "csv:/no/such.csv:y"], "does not exist"),
    (["search"], "give what to evaluate: --task NAME"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD)
def test_bad_input_is_one_line_and_exit_2(argv, fragment, capsys, tmp_path):
    if argv[0] == "search" and "--task" in argv:
        argv = [*argv, "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and fragment in err and "\n" not in err
    assert "Traceback" not in err


def _campaign_folder(tmp_path: Path) -> list[str]:
    out = tmp_path / "done"
    out.mkdir()
    (out / "results.csv").write_text("campaign,method,seed,eval_id,generation,status,error,"
                                     "cached,objective,config\n")
    (out / "checkpoint.json").write_text("{}")
    return ["--out", str(out)]


@pytest.mark.parametrize(("extra", "flag"), [
    (lambda tmp: ["--n-jobs", "0"], "--n-jobs"),
    (lambda tmp: ["--time-limit", "-1"], "--time-limit"),
    (lambda tmp: ["--time-limit", "nan"], "--time-limit"),
    (lambda tmp: ["--seed", "-1"], "--seed"),
    (_campaign_folder, "--resume"),
    (lambda tmp: ["--resume", "--overwrite", "--out", str(tmp)], "--resume"),
    (lambda tmp: ["--backend", "spark"], "--backend"),
    (lambda tmp: ["--method", "nsga2", "--objectives", "val_accuracy,params:min",
                  "--population", "2"], "--population"),
    (lambda tmp: ["--learning-rate", "0.1,0.01"], "--learning-rate"),
])
def test_cli_errors_name_flags_not_api_arguments(tmp_path, capsys, extra, flag):
    """Issue 24: the command line said n_jobs, time_limit and resume=True; a shell user typed
    --n-jobs, --time-limit and --resume."""
    argv = ["search", "--task", "iris", "--out", str(tmp_path / "o"), *extra(tmp_path)]
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and flag in err
    api = re.compile(r"n_jobs|time_limit|resume=True|overwrite=True|learning_rate"
                     r"|(?<!-)\bpopulation\b|batch=")
    assert not api.search(err), err
