"""What the engine asks of an assignment, declared in one place: its package's ``ASSIGNMENT``.

An assignment is a package ``autograder/assignments/<name>/`` holding everything of it besides its
notebooks (``source/<name>/``):

* ``__init__.py``: ``ASSIGNMENT = Assignment(...)``, this spec;
* ``reference.py``: the reference answer of every graded question (plain functions; may define
  ``precompute()``/``install(value)`` for answers a grading worker computes once, ``grading.reference_cache``);
* ``checks/``: what the hidden-test cells import, a module per question, every ``check_*`` re-exported;
* ``mistakes.py``: ``MISTAKES``, code -> description of each typical mistake a check names;
* ``samples.py``: ``SAMPLES``, submissions written as changes to the solution, each with its outcome;
* ``variant.py`` (optional): per-student variants, ``params(student, course, version) -> dict`` (pure stdlib,
  a stable hash) and ``DEFAULTS`` (the notebook's values without variants); ``variant_version`` is the version
  the hash takes (a new version gives every student a new variant);
* ``similarity_authors.py`` (optional, ``similarity_corpus``): ``AUTHORS``, independently written answers of
  every cell, and ``COPIED_CELL``, from which the test suite builds classes with known copies.

``samples`` and the authors are graded answers (``ANSWER_MODULES``): the sandbox masks them from every kernel.

The engine reads only this spec and the modules it names; it names no assignment itself.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

from .data import require_data

ANSWER_MODULES = ("samples", "similarity_authors")  # modules of a package that hold answers: masked from kernels


@dataclass(frozen=True)
class Assignment:
    """The engine's view of one assignment."""

    name: str
    title: str = ""
    mistakes: dict = field(default_factory=dict)  # code -> description (the assignment's mistakes.py)
    data: tuple = ()  # DataFile(s) its notebooks and references read; none: it grades without data
    preimports: tuple = ()  # modules its notebooks import first: what a prepared kernel imports while it waits
    public_test_mistakes: dict = field(default_factory=dict)  # public test message -> mistake code (no tag in release)
    similarity_corpus: str = ""  # module (in the package) of independent authors' answers, for the similarity tests
    variant_version: int = 1  # the version of its variants (``variant.py``), part of every student's hash

    def __post_init__(self):
        if self.similarity_corpus and self.similarity_corpus not in ANSWER_MODULES:
            raise ValueError(f"assignment {self.name}: similarity_corpus {self.similarity_corpus!r} holds answers but is "
                             f"not one of ANSWER_MODULES {ANSWER_MODULES}, which the sandbox masks from every kernel")

    @property
    def package(self) -> str:
        return f"{__package__}.{self.name}"

    @property
    def folder(self) -> Path:
        return Path(__file__).resolve().parent / self.name

    @property
    def registered(self) -> bool:
        """True when the assignment has its package (an assignment with only source/ gets a blank spec)."""
        return (self.folder / "__init__.py").is_file()

    def module(self, name: str):
        """The module ``name`` of the assignment's package (``reference``, ``samples``...), or None."""
        if not self.registered:
            return None
        try:
            return importlib.import_module(f"{self.package}.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"{self.package}.{name}":
                return None
            raise

    def variant_params(self, student: str, course: str) -> dict | None:
        """``student``'s variant parameters in ``course`` (``variant.params``); None without ``variant.py``."""
        module = self.module("variant")
        return None if module is None else module.params(str(student), str(course), self.variant_version)

    def samples(self) -> list:
        """The assignment's sample submissions (``samples.SAMPLES``; none without that module)."""
        module = self.module("samples")
        return list(getattr(module, "SAMPLES", []))

    def check_modules(self) -> tuple:
        """The names of the modules of its ``checks`` package (one per question)."""
        checks = self.folder / "checks"
        return tuple(sorted(m.name for m in pkgutil.iter_modules([str(checks)]))) if checks.is_dir() else ()

    def require_data(self) -> list:
        """The paths of the data it needs; ``DataNotFound`` naming what is missing and how to get it."""
        return require_data(self.data)
