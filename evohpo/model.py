"""How a config becomes a compiled Keras model: the user's build function, checked.

A build function is ``build(config, task) -> compiled keras.Model``, a plain module-level
function (workers receive it by value or by import); a model Keras builds at its first batch
(a Sequential without an ``Input``) is built here for the task's inputs, as ``fit`` would. It
may also accept ``seed=`` (to seed its initialisers explicitly; otherwise the worker seeds Keras
globally before calling it) and ``epochs=`` (e.g. for a learning-rate schedule). An optional
``fit(config, task) -> dict`` returns extra ``model.fit`` keyword arguments (callbacks such as
EarlyStopping, ``validation_data``, ``class_weight``). Two config keys are reserved for
training: ``batch_size`` (default 32) and ``epochs`` (default: the campaign's epochs).

This module imports no TensorFlow at import time; only workers call :meth:`ModelSpec.make`.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EvohpoError

DEFAULT_BATCH_SIZE = 32
DEFAULT_EPOCHS = 5  # training epochs per evaluation unless a campaign says otherwise


class BuildError(Exception):
    """A build function returned something the campaign cannot train; the message says why."""


def output_spec(kind: str, n_classes: int) -> tuple[int, str, str, list[str]]:
    """(units, activation, loss, metrics) of the output layer that fits a task's kind."""
    if kind == "binary":
        return 1, "sigmoid", "binary_crossentropy", ["accuracy"]
    if kind == "multiclass":
        return n_classes, "softmax", "sparse_categorical_crossentropy", ["accuracy"]
    if kind == "regression":
        return 1, "linear", "mse", []
    raise EvohpoError(f"unknown task kind {kind!r}")


@dataclass(frozen=True)
class ModelSpec:
    """A build function, an optional fit hook, and whether evohpo may score it the fast way.

    ``cost`` (optional) estimates a config's training cost, only to start the longest
    evaluations of a batch first and to balance fused groups.
    ``needs`` (optional) names the genes a space must have for this build function, so a
    mismatched space is refused before anything trains.

    ``fast_score`` is for presets whose output layer and loss are exactly :func:`output_spec`'s:
    their validation loss and accuracy are computed with one forward pass instead of
    ``model.evaluate`` (which traces a test graph per model, ~0.5 s each).
    """

    build: Callable[..., Any]
    fit: Callable[[dict, Any], dict] | None = None
    name: str = "custom"
    fast_score: bool = False
    cost: Callable[[dict, Any], float] | None = None  # rough training cost: longest jobs first
    needs: frozenset[str] = frozenset()  # genes the build function cannot do without

    def __post_init__(self) -> None:
        if not callable(self.build):
            raise EvohpoError(f"model= must be a build function (config, task) -> keras.Model, "
                              f"got {self.build!r}")
        if self.fit is not None and not callable(self.fit):
            raise EvohpoError(f"fit= must be a function (config, task) -> dict, got {self.fit!r}")

    def make(self, config: dict, task: Any, *, seed: int | None, epochs: int) -> Any:
        """Call the build function with what it accepts, and check what it returns."""
        kwargs: dict[str, Any] = {}
        params = parameters(self.build)
        if "seed" in params or "**" in params:
            kwargs["seed"] = seed
        if "epochs" in params or "**" in params:
            kwargs["epochs"] = epochs
        model = self.build(config, task, **kwargs)
        check_model(model, task, getattr(self.build, "__name__", "build"))
        return model

    def reports(self, kind: str) -> tuple[str, ...] | None:
        """The validation metrics this model reports on a task of ``kind``, where that is
        known before anything is built: a fast-scored preset compiles exactly
        :func:`output_spec`'s loss and metrics. None for a user's build function (what it
        compiles is known once a model is built)."""
        if not self.fast_score:
            return None
        return ("val_loss", *(f"val_{m}" for m in output_spec(kind, 2)[3]))

    def fit_kwargs(self, config: dict, task: Any) -> dict[str, Any]:
        if self.fit is None:
            return {}
        extra = self.fit(config, task)
        if not isinstance(extra, dict):
            raise BuildError(f"fit hook returned {type(extra).__name__}, not a dict of "
                             "model.fit keyword arguments")
        return dict(extra)


def parameters(fn: Callable) -> set[str]:
    """The names ``fn`` takes, ``**`` among them when it takes any keyword."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return set()
    names = set(sig.parameters)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        names.add("**")
    return names


def check_model(model: Any, task: Any, name: str) -> None:
    """Refuse what cannot be trained for this task, with the fix in the message."""
    from .runtime import keras as _keras

    keras = _keras()
    if not isinstance(model, keras.Model):
        raise BuildError(f"{name}() returned {type(model).__name__}, not a keras.Model; "
                         "return the compiled model")
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise BuildError(f"{name}() returned an uncompiled model; call model.compile("
                         "optimizer=..., loss=..., metrics=[...]) before returning it")
    if not model.built:
        _build_for(model, task, keras)
    try:
        outputs = model.outputs
        inputs = model.inputs
    except (AttributeError, ValueError):
        return  # a subclassed model defines no symbolic shapes: nothing to check ahead
    if inputs and len(inputs) == 1:
        want = tuple(task.input_shape)
        got = tuple(inputs[0].shape[1:])
        if len(got) != len(want) or any(g is not None and g != w for g, w in zip(got, want)):
            raise BuildError(f"{name}() builds a model for inputs of shape {got}, but task "
                             f"{task.name} gives {want}; use keras.Input(task.input_shape)")
    if outputs and len(outputs) == 1:
        units = outputs[0].shape[-1]
        expected = output_spec(task.kind, task.n_classes)[0]
        allowed = {expected, 2} if task.kind == "binary" else {expected}
        if units is not None and units not in allowed:
            _, act, _, _ = output_spec(task.kind, task.n_classes)
            raise BuildError(
                f"{name}() builds a model with {units} outputs per row, but task {task.name} "
                f"({task.kind}) needs {expected}; end it with Dense({expected}, "
                f"activation={act!r})"
            )


def _build_for(model: Any, task: Any, keras: Any) -> None:
    """Build a model that Keras would build at its first batch (a Sequential without an
    ``Input``, as KerasTuner's examples write it) for the task's inputs now, as ``fit`` would:
    the same weights from the same seed, and both engines see them before training (the fused
    engine builds the optimizer's slots for them first)."""
    try:
        if isinstance(model, keras.Sequential):
            model.build((None, *task.input_shape))
        else:  # a subclassed model: one forward pass on two training rows, as fit's first
            model(task.x_train[:2])
    except Exception as exc:  # noqa: BLE001 - whatever the layers say, in one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise BuildError(f"the model cannot take task {task.name}'s inputs of shape "
                         f"{tuple(task.input_shape)} ({type(exc).__name__}: {first[:200]})"
                         ) from None


def load_object(spec: str, what: str) -> Any:
    """``package.module:name`` or ``path/to/file.py:name`` -> the object, or a one-line error.

    A file's folder is put on ``sys.path`` first, so the file can import its siblings
    (``from cnn import SPACE``), and a ``MODULE`` is looked for in the current folder too,
    as ``python -c`` would. The module and every module imported from those folders are
    registered with cloudpickle to be sent *by value*, so loky, Dask and Ray workers can run
    them without the files being importable there.
    """
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise EvohpoError(f"--{what} takes MODULE:NAME or FILE.py:NAME, got {spec!r}")
    if target.endswith(".py") or "/" in target or "\\" in target:
        folder = Path(target).resolve().parent
        with _user_modules(folder):
            module = _module_from_file(Path(target), what)
    else:
        with _user_modules(Path.cwd().resolve()):
            try:
                module = importlib.import_module(target)
            except SystemExit as exc:
                raise _exited(f"--{what} {spec}", target, exc) from None
            except Exception as exc:  # noqa: BLE001 - any import failure is the user's to fix
                raise EvohpoError(f"--{what} {spec}: cannot import {target} "
                                  f"({type(exc).__name__}: {exc}); check the module name "
                                  "(modules are found in the current folder and on "
                                  "PYTHONPATH)") from None
    if not hasattr(module, attr):
        names = ", ".join(n for n in dir(module) if not n.startswith("_"))[:200]
        raise EvohpoError(f"--{what} {spec}: {target} has no {attr!r}; it defines: {names}")
    return getattr(module, attr)


@contextmanager
def _user_modules(folder: Path) -> Iterator[None]:
    """``folder`` on ``sys.path`` (it stays: the user's modules may import more later), and
    every module loaded from it meanwhile registered with cloudpickle by value."""
    import cloudpickle  # what loky, Dask and Ray pickle callables with

    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    before = set(sys.modules)
    try:
        yield
    finally:
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            file = getattr(module, "__file__", None)
            if module is None or not file or ".venv" in Path(file).parts:
                continue
            try:
                inside = Path(file).resolve().is_relative_to(folder)
            except OSError:
                continue
            if inside and "site-packages" not in Path(file).parts:
                try:
                    cloudpickle.register_pickle_by_value(module)
                except ValueError:  # not importable by name (a file loaded by path): done
                    pass


def _exited(flag: str, where: str, exc: SystemExit) -> EvohpoError:
    """A module that calls ``sys.exit()`` (a script's ``main()``, its argparse) while being
    imported would end evohpo itself, silently."""
    return EvohpoError(f"{flag}: {where} called sys.exit({exc.code!r}) while being imported; "
                       "put its script part under if __name__ == '__main__':")


def _module_from_file(path: Path, what: str) -> Any:
    if not path.is_file():
        kind = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise EvohpoError(f"--{what}: {path} {kind}; give the path of a .py file")
    name = f"evohpo_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise EvohpoError(f"--{what}: cannot load {path} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:
        del sys.modules[name]
        raise _exited(f"--{what}", str(path), exc) from None
    except Exception as exc:  # noqa: BLE001
        del sys.modules[name]
        raise EvohpoError(f"--{what}: running {path} failed ({type(exc).__name__}: {exc}); "
                          "fix the file") from None
    import cloudpickle  # what loky, Dask and Ray pickle callables with

    cloudpickle.register_pickle_by_value(module)
    return module
