"""KerasTuner hypermodels run unchanged: ``build_model(hp)`` (or a ``HyperModel``) tuned by
any evohpo search, with no keras-tuner installed.

:mod:`~evohpo.hypermodels.hp` is our own ``hp`` (KerasTuner's methods and semantics);
:mod:`~evohpo.hypermodels.explore` builds the hypermodel under chosen values to find every
hyperparameter it can declare; :mod:`~evohpo.hypermodels.mapping` turns them into typed genes
and conditions; :mod:`~evohpo.hypermodels.replay` says what counts as a hypermodel and builds
a config's network through ``hp``. :func:`space_from_hypermodel` is the public call.

Not supported: a ``HyperModel`` that overrides ``fit`` (evohpo trains the model itself) and
one name declared under two different conditions (refused, each with the fix);
``sampling="reverse_log"`` is searched on a linear scale (said in a note).
"""

from __future__ import annotations

import sys
from typing import Any

from ..errors import EvohpoError, check_whole
from ..space import Gene, Space
from .explore import MAX_BUILDS, explore
from .hp import HyperParameters
from .mapping import to_space
from .replay import HyperModelBuild, as_build, hypermodel_build

__all__ = ["HyperModelBuild", "HyperParameters", "as_build", "hypermodel_build",
           "space_from_hypermodel"]


def space_from_hypermodel(hypermodel: Any, *, max_builds: int = MAX_BUILDS,
                          **genes: Gene) -> Space:
    """The search space of a KerasTuner-style hypermodel, discovered from its ``hp`` calls.

    ``hypermodel`` is ``build_model(hp)``, a KerasTuner ``HyperModel`` or a ModelSpec made
    from one. It is built (in this process, with Keras) under its defaults and then under
    other values until every hyperparameter it can declare has been seen (at most
    ``max_builds`` builds); each becomes a gene, with the condition under which it counts.
    ``genes`` adds genes of evohpo's own, e.g. ``batch_size=Choice([32, 64, 128])`` (the
    batch size the engines train with). What is searched differently from KerasTuner, and how
    long the exploration took, is printed as ``note:`` lines.
    """
    from ..model import ModelSpec
    from ..runtime import keras

    check_whole("max_builds", max_builds, 1)
    build = hypermodel.build if isinstance(hypermodel, ModelSpec) else as_build(hypermodel)
    if not isinstance(build, HyperModelBuild):
        raise EvohpoError(f"{getattr(hypermodel, '__name__', type(hypermodel).__name__)} is not "
                          "a hypermodel; pass build_model(hp) (one argument, the hp) or a "
                          "KerasTuner HyperModel")
    name = build.__name__  # type: ignore[attr-defined]
    found = explore(build.run, name=name, max_builds=max_builds, keras=keras())
    mapped = to_space(found, name, genes)
    notes = list(mapped.notes)
    if not found.complete:
        notes.append(f"stopped exploring after {max_builds} builds; hyperparameters reached "
                     "only through other values may be missing (raise max_builds)")
    notes.append(f"{len(mapped.space.genes)} genes from {len(found.builds)} builds of "
                 f"{name}(hp) in {found.seconds:.1f} s")
    for note in notes:
        print(f"note: {name}: {note}", file=sys.stderr, flush=True)
    return mapped.space
