"""What ``search`` and ``compare`` share: argparse with one-line errors, the run's flags, the
MLP's space flags and a user's own model, each turned into what the library takes, with errors
that name the flags the user typed (``--learning-rate``), not the API's arguments."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..engines.choice import ENGINES
from ..errors import EvohpoError
from ..space import Space
from .checks import positive, whole
from .task_args import add_table_args


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors, like every other evohpo error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers like 1,4, got {text!r}") from None


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1e-4,1e-1, got {text!r}") from None


def names(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


MLP_FLAGS = ("layers", "units", "activations", "optimizers", "learning_rate", "batch_sizes",
             "dropout", "initializers", "batch_norm", "momentum", "nesterov", "weight_decay",
             "patience", "lr_schedules")


def add_space_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("search space of the built-in MLP (ignored with --model)")
    g.add_argument("--layers", type=_ints, metavar="MIN,MAX",
                   help="hidden layers (default 1,4)")
    g.add_argument("--units", type=_ints, metavar="MIN,MAX",
                   help="width of each layer, sampled on a log scale (default 4,512)")
    g.add_argument("--activations", type=names, metavar="A,B,...")
    g.add_argument("--optimizers", type=names, metavar="A,B,...")
    g.add_argument("--learning-rate", type=_floats, metavar="MIN,MAX",
                   help="sampled on a log scale (default 1e-4,1e-1)")
    g.add_argument("--batch-sizes", type=_ints, metavar="A,B,...",
                   help="make batch size a gene with these choices (default: fixed 32)")
    g.add_argument("--dropout", type=_floats, metavar="MIN,MAX",
                   help="tune a dropout rate after every hidden layer, e.g. 0,0.5")
    g.add_argument("--initializers", type=names, metavar="A,B,...",
                   help="tune the kernel initializer, e.g. glorot_uniform,he_normal,lecun_normal")
    g.add_argument("--batch-norm", action="store_true",
                   help="tune whether hidden layers use batch normalization")
    g.add_argument("--momentum", type=_floats, metavar="MIN,MAX",
                   help="tune SGD momentum (only counts when the optimizer is sgd), e.g. 0,0.95")
    g.add_argument("--nesterov", action="store_true",
                   help="tune Nesterov momentum on/off (only when the optimizer is sgd)")
    g.add_argument("--weight-decay", type=_floats, metavar="MIN,MAX",
                   help="tune the optimizer's weight decay on a log scale, e.g. 1e-6,1e-2")
    g.add_argument("--patience", type=_ints, metavar="MIN,MAX",
                   help="tune early-stopping patience (epochs without val_loss improvement)")
    g.add_argument("--lr-schedules", type=names, metavar="A,B,...",
                   help="tune the learning-rate schedule: constant,cosine,exponential")
    m = p.add_argument_group("your own model")
    m.add_argument("--model", default=None, metavar="FILE.py:NAME",
                   help="a build function (config, task) -> compiled keras.Model, or a "
                        "KerasTuner-style build_model(hp) (or MODULE:NAME)")
    m.add_argument("--space", default=None, metavar="FILE.py:NAME",
                   help="its evohpo.Space (default: SPACE in the --model or --function file; "
                        "for a build_model(hp), the space of its hp calls)")
    m.add_argument("--fit", default=None, metavar="FILE.py:NAME",
                   help="optional hook (config, task) -> dict of extra model.fit arguments")
    m.add_argument("--objective", "--objectives", dest="objective", default=None,
                   metavar="METRIC[:max|min[:log]][,...]",
                   help="what to optimise, e.g. val_auc:max (default val_accuracy, "
                        "val_loss:min for regression); several, comma separated, for a Pareto "
                        "search: val_accuracy:max,params:min:log (built in: params, latency; "
                        ":log compares sizes and times by ratio)")


def as_flags(exc: EvohpoError, names: Sequence[str]) -> EvohpoError:
    """The library's error, naming its arguments (``learning_rate``, ``population``) as the
    flags the user typed (``--learning-rate``, ``--population``); quoted values untouched."""
    word = re.compile(r"(?<![\w'-])(" + "|".join(names) + r")\b(?!')")
    return EvohpoError(word.sub(lambda m: "--" + m.group(1).replace("_", "-"), str(exc)))


def space_from_args(args: argparse.Namespace) -> Space:
    """The MLP preset's space from the flags (only the flags given override its defaults).
    ``mlp.space`` names its arguments (``learning_rate``); its errors are given back with the
    flags the user typed (``--learning-rate``)."""
    from ..presets import mlp

    given = {k: getattr(args, k) for k in MLP_FLAGS
             if getattr(args, k, None) not in (None, False)}
    try:
        return mlp.space(**given)
    except EvohpoError as exc:
        raise as_flags(exc, MLP_FLAGS) from None


def model_from_args(args: argparse.Namespace) -> tuple[Space, Any]:
    """(space, model) from --model/--space/--fit, or the MLP preset from its flags."""
    from ..hypermodels import space_from_hypermodel
    from ..model import load_object
    from ..presets import as_model_spec, is_hypermodel

    if args.model is None:
        if args.space or args.fit:
            raise EvohpoError("--space and --fit go with --model FILE.py:BUILD; without "
                              "--model the built-in MLP is tuned")
        return space_from_args(args), None
    mlp_flags = [k for k in MLP_FLAGS if getattr(args, k, None) not in (None, False)]
    if mlp_flags:
        flag = "--" + mlp_flags[0].replace("_", "-")
        raise EvohpoError(f"{flag} is a flag of the built-in MLP; with --model, your --space "
                          "declares the genes")
    fit = None
    if args.fit:
        fit = _function(load_object(args.fit, "fit"), "--fit", args.fit,
                        "a function (config, task) -> dict of model.fit arguments")
    found = load_object(args.model, "model")
    if not callable(getattr(found, "build", None)):  # else a KerasTuner HyperModel object
        _function(found, "--model", args.model,
                  "a build function (config, task) -> compiled keras.Model")
    spec = as_model_spec(found, fit)
    if is_hypermodel(spec) and not args.space:  # build_model(hp): the space of its hp calls
        return space_from_hypermodel(spec), spec
    return load_space(args.space or args.model.rpartition(":")[0] + ":SPACE"), spec


def load_space(spec: str) -> Space:
    """The Space ``--space FILE.py:NAME`` names (or a function of no arguments returning one)."""
    from ..model import load_object

    space = load_object(spec, "space")
    made = callable(space) and not isinstance(space, Space)
    if made:
        space = _space_from_function(space, spec)
    if not isinstance(space, Space):
        raise EvohpoError(f"--space {spec} {'returned' if made else 'is'} a "
                          f"{type(space).__name__}, not an evohpo.Space; point it at a Space "
                          "(or a function returning one)")
    return space


def _function(found: Any, flag: str, spec: str, what: str) -> Any:
    """What ``flag`` names must be callable; say what it is otherwise."""
    if not callable(found):
        kind = type(found).__name__
        raise EvohpoError(f"{flag} {spec} is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not "
                          f"{what}; point {flag} at that function")
    return found


def _space_from_function(make: Callable[[], Any], spec: str) -> Any:
    """A ``--space`` that names a function returning a Space: called with no arguments."""
    try:
        return make()
    except EvohpoError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's function: its failure is theirs
        raise EvohpoError(f"--space {spec}: calling it with no arguments failed "
                          f"({type(exc).__name__}: {exc}); point --space at a Space, or at a "
                          "function that returns one when called with no arguments") from None


def add_run_args(p: argparse.ArgumentParser, *, seeds: bool = False) -> None:
    p.add_argument("--task", default=None,
                   help="digits, iris, wine, breast_cancer, diabetes, xor, ..., csv:PATH:TARGET or "
                        "npz:PATH (arrays x_train, y_train, optional val and test); or "
                        "--bench / --function instead")
    p.add_argument("--budget", type=whole(1), default=60,
                   help="evaluations per run (default 60)")
    if seeds:
        p.add_argument("--seeds", type=whole(1), default=5, help="runs per method (default 5)")
    else:
        p.add_argument("--seed", type=whole(0), default=0)
    p.add_argument("--n-jobs", type=whole(1, all_cores=True), default=1,
                   help="parallel worker processes")
    p.add_argument("--epochs", type=whole(1), default=None,
                   help="training epochs per evaluation (default 5)")
    p.add_argument("--cv", type=whole(2), default=None, metavar="K",
                   help="score each evaluation by K-fold cross-validation of train+validation "
                        "(stratified for classification): K trainings per evaluation, their "
                        "mean in the CSV and the spread as *_std columns; the best config is "
                        "refit on train+validation for best.keras (default: the validation "
                        "split; search --resume without --cv keeps the K it began with)")
    p.add_argument("--population", type=whole(1), default=12,
                   help="GA / NSGA-II population size, and the batch size of the other methods")
    p.add_argument("--levels", type=whole(1), default=3, help="grid levels per numeric gene")
    p.add_argument("--backend", default="loky", help="loky (default), threading, dask or ray")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="an existing Dask scheduler (tcp://HOST:8786) or Ray cluster address")
    p.add_argument("--engine", default="auto", choices=ENGINES,
                   help="auto (default): train any model that can be fused in fused groups, "
                        "else one at a time, saying why; fused: refuse what cannot be fused; "
                        "single: always one at a time")
    p.add_argument("--overwrite", action="store_true", help="replace results already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    add_table_args(p)  # hook (issue 13): --kind, --impute
    add_space_args(p)


def add_time_limit(p: argparse.ArgumentParser) -> None:
    p.add_argument("--time-limit", type=positive, default=None, metavar="SECONDS",
                   help="hard limit on each evaluation (build, training, scoring): past it the "
                        "row is a timeout (see docs/engines-and-backends.md)")
