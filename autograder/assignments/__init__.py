"""The course's assignments, one package each, discovered: the engine names none.

``registered()`` lists the ``Assignment`` spec of every package in this folder (``spec.py`` says what a
package holds); ``get(name)`` is one assignment's spec, and a blank one (no data, no mistakes of its own,
no samples) for an assignment that has notebooks in ``source/`` but no package. ``autograder new NAME``
scaffolds both folders of a new assignment. This package and ``autograder.kernel`` are all of the
``autograder`` package that a grading kernel can import (``autograder.sandbox.bwrap``).
"""

import functools
import importlib
import pkgutil
from pathlib import Path

from .spec import Assignment

__all__ = ["Assignment", "get", "names", "registered"]


def names() -> list:
    """The names of every assignment package, sorted."""
    folder = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.ispkg)


@functools.lru_cache(maxsize=None)
def get(name: str) -> Assignment:
    """The spec of assignment ``name`` (its package's ``ASSIGNMENT``; a blank spec when it has no package)."""
    if name not in names():
        return Assignment(name=name)
    spec = importlib.import_module(f"{__name__}.{name}").ASSIGNMENT
    if spec.name != name:
        raise ValueError(f"autograder/assignments/{name}/__init__.py declares ASSIGNMENT.name={spec.name!r}")
    return spec


def registered() -> list:
    """The spec of every assignment package."""
    return [get(name) for name in names()]
