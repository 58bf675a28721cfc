"""Reference answers computed once per grading worker and handed to every grading kernel as a file.

Some reference answers are expensive (one assignment's lecture pipeline loads its data and fits its
classifiers: about 1.5 s, a fifth of a graded notebook). An assignment's reference module may
define ``precompute()`` (returns a picklable value) and ``install(value)`` (makes the module use it).

* ``build(assignment, engine, variant)``, in the grading worker, outside any kernel: pickles
  ``precompute(variant)`` once per worker process, grading engine (``fingerprint.engine_spec``: the package's
  files, the environment and the data) and variant (the graded student's parameters, ``autograder.variants.params``;
  the defaults when variants are off; the last ``VARIANTS_KEPT`` values are kept), so that a long-lived worker never hands kernels answers computed from older code or data
  (``None`` when the assignment has nothing to precompute or it cannot be computed). The worker refuses
  jobs whose engine is not its own and restarts are asked for when its files changed under it
  (``fingerprint.engine_mismatch``), so the module that computes is the one on disk.
* On this machine the workers of one batch share what they computed (``SHARED``: a temporary folder of the process
  pool, host-only): each variant is computed once per batch, whichever worker needs it first.
* The worker writes those bytes to a file outside the kernel's working folder; the sandbox binds it
  read-only and the kernel finds it in the environment variable ``ENV``.
* ``autograder.kernel.reference.preload()``, run by the kernel extension ``autograder.kernel.quiet_kernel`` before any student cell,
  installs the value; without a file (or with one it cannot read) the checks compute the reference
  themselves, as they always could. The value therefore exists before student code can touch the file,
  and the checks still compute nothing from a student's objects.
"""

import fcntl
import functools
import hashlib
import inspect
import json
import os
import pickle
from pathlib import Path

from ..assignments import get
from ..kernel.reference import ENV  # noqa: F401 - the variable the kernel reads the file's path from


def _module(assignment: str):
    return get(assignment).module("reference")


VARIANTS_KEPT = 64  # values kept per worker process, above tfidf's 34 pairs (each about 16 MB, in memory and as a file)


def build(assignment: str, engine: dict | None = None, variant: dict | None = None) -> bytes | None:
    """``pickle`` of ``{assignment: precompute(variant)}`` (computed once per process, engine and variant), or ``None``.

    ``engine``: the grading engine the value is for (default: this process's ``engine_spec()``); ``variant``: the
    graded student's parameters (None: the notebook's defaults).
    """
    from .fingerprint import engine_hash, engine_spec

    module = _module(assignment)
    if module is None or not hasattr(module, "precompute"):
        return None
    key = json.dumps(variant, sort_keys=True) if variant is not None else ""
    return _build(assignment, engine_hash(engine or engine_spec(assignment)), key)


# A host-only folder the grading processes of one batch on this machine share (``executors.local.ProcessPool``
# sets it in each worker): a variant's value is computed once for the batch, not once per worker
SHARED: dict = {"folder": None}


@functools.lru_cache(maxsize=VARIANTS_KEPT)
def _build(assignment: str, engine: str, variant: str = "") -> bytes | None:
    """``build`` for one engine hash and variant (JSON, "" for the defaults): a new engine computes again."""
    if SHARED["folder"]:
        return _shared(Path(SHARED["folder"]), assignment, engine, variant)
    return _compute(assignment, variant)


def _shared(folder: Path, assignment: str, engine: str, variant: str) -> bytes | None:
    """The value from the batch's shared folder, computed there by the first worker that needs it (the others wait
    on its lock file, then read it)."""
    name = hashlib.sha256(f"{assignment}\0{engine}\0{variant}".encode()).hexdigest()[:32]
    path = folder / f"{name}.pickle"
    with open(folder / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            return path.read_bytes()
        data = _compute(assignment, variant)
        if data is not None:
            partial = folder / f"{name}.partial"
            partial.write_bytes(data)
            os.replace(partial, path)
        return data


def _compute(assignment: str, variant: str) -> bytes | None:
    module = _module(assignment)
    if module is None or not hasattr(module, "precompute"):
        return None
    try:
        takes_variant = bool(inspect.signature(module.precompute).parameters)
        value = module.precompute(json.loads(variant) if variant else None) if takes_variant else module.precompute()
        return pickle.dumps({assignment: value}, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - e.g. the data is missing: the checks will compute and say so
        return None
