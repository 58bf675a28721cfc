"""Reference answers computed once per grading worker and handed to every grading kernel as a file.

Some reference answers are expensive: ``tfidf_distances.lecture()`` loads the data, builds TF-IDF, fits
an SVC and computes every distance (about 1.5 s, a fifth of a graded notebook). A reference module may
define ``precompute()`` (returns a picklable value) and ``install(value)`` (makes the module use it).

* ``build(assignment, engine)``, in the grading worker, outside any kernel: pickles ``precompute()`` once per
  worker process and grading engine (``fingerprint.engine_spec``: the package's files, the environment and the
  data), so that a long-lived worker never hands kernels answers computed from older code or data
  (``None`` when the assignment has nothing to precompute or it cannot be computed). The worker refuses
  jobs whose engine is not its own and restarts are asked for when its files changed under it
  (``fingerprint.engine_mismatch``), so the module that computes is the one on disk.
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


def build(assignment: str, engine: dict | None = None) -> bytes | None:
    """``pickle`` of ``{assignment: precompute()}`` (computed once per process and engine), or ``None``.

    ``engine``: the grading engine the value is for (default: this process's ``engine_spec()``).
    """
    from ..grading.fingerprint import engine_hash, engine_spec

    return _build(assignment, engine_hash(engine or engine_spec()))


@functools.lru_cache(maxsize=None)
def _build(assignment: str, engine: str) -> bytes | None:
    """``build`` for one engine hash: a new engine computes again."""
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
