"""Sample submissions, written as changes to the worked solution, each with the outcome it must get.

Used by the test suite (every sample is graded by real nbgrader and its scores compared with
``expect_lost``) and by ``autograder demo`` (simulated students). A sample replaces the code of some
solution cells (by ``grade_id``); every other solution cell keeps the instructor's solution.

Kinds: ``honest`` samples are correct answers written another way and must get full marks;
``mistake`` samples carry one typical mistake and must lose points on the listed test cells only, each
failing with the mistake code ``expect_mistakes`` names for it;
``blank`` is the untouched student version and must score 0 everywhere.
"""

import re
from dataclasses import dataclass, field

import nbformat

_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass(frozen=True)
class Sample:
    """A submission written as ``grade_id -> replacement source`` for solution cells."""

    name: str
    kind: str  # "honest", "mistake" or "blank"
    cells: dict = field(default_factory=dict)
    expect_lost: tuple = ()  # grade_ids of the test cells that must score below their maximum
    expect_mistakes: dict = field(default_factory=dict)  # grade_id -> the mistake code (autograder.mistakes) it must show
    why: str = ""


def solution_source(source_cell) -> str:
    """The instructor's solution of a source cell with the BEGIN/END SOLUTION marker lines removed."""
    return "\n".join(line for line in source_cell.source.split("\n") if not _MARKER.match(line))


def make_submission(source_nb, release_nb, sample: Sample):
    """The student notebook that ``sample`` describes, built from the release a student fetched.

    ``source_nb`` and ``release_nb`` are nbformat notebooks of the same assignment.
    """
    solutions = {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in source_nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    unknown = set(sample.cells) - set(solutions)
    if unknown:
        raise KeyError(f"sample {sample.name} names cells that are not solution cells: {sorted(unknown)}")
    submission = nbformat.from_dict(release_nb)
    if sample.kind == "blank":
        return submission
    for cell in submission.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = sample.cells.get(grade_id, solution_source(solutions[grade_id]))
    return submission


def samples_for(assignment: str) -> list:
    """The samples of an assignment (its package's ``samples.py`` defines ``SAMPLES``)."""
    from . import get

    return get(assignment).samples()


def submit_class(root, assignment: str, roster: dict) -> dict:
    """Write a class of sample submissions into the course at ``root``, as ``autograder collect`` would leave it.

    ``roster``: ``student -> sample name`` (a ``Sample`` of ``samples_for(assignment)``, or the Sample itself).
    Each notebook of the assignment is built from the course's own source and release notebooks and
    written to ``<submitted>/<student>/<assignment>/`` (nbgrader's ``submitted_directory``). Returns
    ``student -> that folder``.
    """
    from pathlib import Path

    from .. import course

    root = Path(root)
    by_name = {sample.name: sample for sample in samples_for(assignment)}
    submitted = course.folder(root, "submitted_directory")
    folders = {}
    for notebook in sorted((course.folder(root, "source_directory") / assignment).glob("*.ipynb")):
        source_nb = nbformat.read(notebook, 4)
        release_nb = nbformat.read(course.folder(root, "release_directory") / assignment / notebook.name, 4)
        for student, sample in roster.items():
            folder = folders[student] = submitted / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            chosen = sample if isinstance(sample, Sample) else by_name[sample]
            nbformat.write(make_submission(source_nb, release_nb, chosen), folder / notebook.name)
    return folders
