"""What every assignment's reference answers share inside the grading kernel.

Each assignment's ``reference.py`` (``autograder/assignments/<name>/``) holds plain functions of their
inputs, unit-tested against scikit-learn in ``tests/``; the checks call them at grading time, so a
reference answer is never a literal written into a notebook or a test. ``grader_side`` marks a reference
computation so that its failure is the grader's, never the student's; ``preload`` installs the answers a
grading worker computed once (``autograder.grading.reference_cache``) before any student cell runs.
"""

import functools
import importlib
import os
import pickle

from .errors import GradingInfrastructureError

ENV = "AUTOGRADER_REFERENCE_CACHE"  # the file of reference answers a grading worker computed (grading.reference_cache)


def grader_side(func):
    """Mark ``func`` (a reference computation that takes nothing from the student) as the grader's side:
    any failure in it becomes a ``GradingInfrastructureError`` naming the computation, so that it is
    never scored as the student's mistake."""

    @functools.wraps(func)
    def computed(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GradingInfrastructureError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever broke, it is not the student's answer
            raise GradingInfrastructureError(
                f"grading infrastructure: the reference computation {func.__module__}.{func.__qualname__} failed "
                f"({type(error).__name__}: {error}). Fix the grading environment (data, installed packages) and grade again."
            ) from error

    return computed


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
        module = _reference_module(assignment)
        if module is not None and hasattr(module, "install"):
            module.install(value)
            installed.append(assignment)
    return installed


def _reference_module(assignment: str):
    """``autograder.assignments.<assignment>.reference`` (None for a name that is not an identifier or has none)."""
    if not assignment.isidentifier():
        return None
    try:
        return importlib.import_module(f"autograder.assignments.{assignment}.reference")
    except ModuleNotFoundError:
        return None
