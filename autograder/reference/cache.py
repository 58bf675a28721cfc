"""Reference answers computed once per grading worker and handed to every grading kernel as a file.

Some reference answers are expensive: ``tfidf_distances.lecture()`` loads the data, builds TF-IDF, fits
an SVC and computes every distance (about 1.5 s, a fifth of a graded notebook). A reference module may
define ``precompute()`` (returns a picklable value) and ``install(value)`` (makes the module use it).

* ``build(assignment)``, in the grading worker, outside any kernel: pickles ``precompute()`` once per
  worker process (``None`` when the assignment has nothing to precompute or it cannot be computed).
* The worker writes those bytes to a file outside the kernel's working folder; the sandbox binds it
  read-only and the kernel finds it in the environment variable ``ENV``.
* ``preload()``, run by the kernel extension ``autograder.quiet_kernel`` before any student cell,
  installs the value; without a file (or with one it cannot read) the checks compute the reference
  themselves, as they always could. The value therefore exists before student code can touch the file,
  and the checks still compute nothing from a student's objects.
"""

import functools
import importlib
import os
import pickle

ENV = "AUTOGRADER_REFERENCE_CACHE"


def _module(assignment: str):
    try:
        return importlib.import_module(f"{__package__}.{assignment}")
    except ModuleNotFoundError:
        return None


@functools.lru_cache(maxsize=None)
def build(assignment: str) -> bytes | None:
    """``pickle`` of ``{assignment: precompute()}`` (computed once per process), or ``None``."""
    module = _module(assignment)
    if module is None or not hasattr(module, "precompute"):
        return None
    try:
        return pickle.dumps({assignment: module.precompute()}, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - e.g. the data is missing: the checks will compute and say so
        return None


def preload(path: str | None = None) -> list:
    """Install the values of the cache file at ``path`` (default: ``$ENV``); the assignments installed."""
    path = path or os.environ.pop(ENV, "")
    if not path:
        return []
    try:
        with open(path, "rb") as handle:
            values = pickle.load(handle)
    except Exception:  # noqa: BLE001 - no usable cache: the checks compute the reference themselves
        return []
    installed = []
    for assignment, value in values.items():
        module = _module(assignment)
        if module is not None and hasattr(module, "install"):
            module.install(value)
            installed.append(assignment)
    return installed
