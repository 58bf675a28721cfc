"""The gradebook a grading worker starts from: the assignment's notebooks and cells, no students.

It is copied from the course gradebook (SQLite or PostgreSQL) through nbgrader's ``Gradebook`` API, so a
worker grades against exactly the cells the course gradebook knows (the ones ``nbgrader autograde``
would use), due date included. If the course gradebook does not know the assignment's notebooks yet (a
fresh PostgreSQL database, or an assignment added by ``nbgrader db assignment add`` only, with extensions
granted), ``ensure_assignment`` runs nbgrader's ``GenerateAssignment`` into it from a scratch copy of the
course, as ``nbgrader generate_assignment`` would, without touching ``release/`` (``course.generate_assignment``).

``nbgrader autograde`` puts the gradebook's copy of every test cell (hidden tests included) and its points
back into each submission, whatever ``source/`` now says. ``assignment_structure`` is that copy (part of the
grading spec) and ``source_disagreements`` compares it with ``source/``: an edit of ``source/`` not yet built
into the gradebook would grade with the old hidden tests and points (and the integrity scan, which trusts
``source/``, would accuse honest students of the old test's imports), so ``grade`` refuses before grading.
``release/`` is not compared: it is what the students were given (kept as they got it, the fingerprint's
``release`` part regrades when it changes), ``autograder build`` regenerates it together with the gradebook's
copy, and grading takes no test or point from it (only the cells a student deleted, and trust for the
integrity scan), so a release older than ``source/`` cannot grade with stale tests once the copy is current.
"""

import tempfile
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .. import course
from ..storage.structure import copy_notebooks
from ..errors import AutograderError


class GradebookCopyStale(AutograderError):
    """``source/`` and the gradebook's copy of the assignment disagree: ``autograder build`` was not run."""


def has_assignment(db_url: str, course_id: str, assignment: str) -> bool:
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            return len(gb.find_assignment(assignment).notebooks) > 0
        except MissingEntry:
            return False


def ensure_assignment(root: Path, assignment: str, db_url: str, course_id: str) -> bool:
    """Record the assignment's notebooks and cells in the gradebook at ``db_url`` if missing; True if it did."""
    if has_assignment(db_url, course_id, assignment):
        return False
    with tempfile.TemporaryDirectory(prefix="autograder-generate-") as scratch:
        copy = course.copy_course(root, Path(scratch) / "course")
        with course.inside(copy):
            course.generate_assignment(course.nbgrader_api(copy, **{"CourseDirectory.db_url": db_url}), assignment)
    return True


def template_bytes(db_url: str, course_id: str, assignment: str) -> bytes:
    """A fresh SQLite gradebook (as bytes) holding ``assignment``'s structure copied from ``db_url``."""
    with tempfile.TemporaryDirectory(prefix="autograder-template-") as scratch:
        path = Path(scratch) / "gradebook.db"
        with Gradebook(db_url, course_id=course_id) as source, Gradebook(f"sqlite:///{path}", course_id=course_id) as gb:
            original = source.find_assignment(assignment)
            gb.add_assignment(assignment, duedate=original.duedate)
            copy_notebooks(original, gb, assignment)
        return path.read_bytes()


def assignment_structure(db_url: str, course_id: str, assignment: str) -> dict:
    """The gradebook's copy of ``assignment``: ``notebook -> cells`` (points, types, locked and test cell sources)."""
    with Gradebook(db_url, course_id=course_id) as gb:
        structure = {}
        for notebook in gb.find_assignment(assignment).notebooks:
            structure[notebook.name] = {
                "grade": {c.name: [c.max_score, c.cell_type] for c in notebook.grade_cells},
                "solution": sorted(c.name for c in notebook.solution_cells),
                "task": {c.name: [c.max_score, c.cell_type] for c in notebook.task_cells},
                "source": {c.name: [c.cell_type, c.locked, c.source, c.checksum] for c in notebook.source_cells},
            }
        return structure


def _source_cells(data: bytes) -> dict:
    """``grade_id -> nbgrader metadata and source`` of the nbgrader cells of a source notebook."""
    import nbformat

    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: (c.metadata["nbgrader"], c.source) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")}


def _points(meta: dict):
    """A cell's points as a number (the text itself if it is none: it differs from any gradebook's)."""
    try:
        return float(meta.get("points") or 0)
    except (TypeError, ValueError):
        return meta.get("points")


def source_disagreements(source: dict, structure: dict) -> list:
    """Where ``source/``'s notebooks (``name -> bytes``) and the gradebook's copy disagree: one line each.

    Compared: the notebooks, the graded cells and their points, and the text of every nbgrader cell that is not
    a solution cell (test cells with their hidden tests, locked cells): exactly what autograde takes from the
    gradebook. A solution cell's text is the student's to replace, so it is not compared.
    """
    lines = []
    notebooks = {name[: -len(".ipynb")]: data for name, data in source.items() if name.endswith(".ipynb") and "/" not in name}
    for name in sorted(set(notebooks) ^ set(structure)):
        lines.append(f"notebook {name}: {'in source/ only' if name in notebooks else 'in the gradebook only'}")
    for name in sorted(set(notebooks) & set(structure)):
        try:
            cells = _source_cells(notebooks[name])
        except Exception as error:  # noqa: BLE001 - an unreadable source notebook cannot be graded either
            lines.append(f"notebook {name}: source/ cannot be read ({type(error).__name__}: {error})")
            continue
        copy = structure[name]
        graded = {gid: _points(meta) for gid, (meta, _) in cells.items() if meta.get("grade")}
        tasks = {gid: _points(meta) for gid, (meta, _) in cells.items() if meta.get("task")}
        for kind, ours, theirs in (("graded cell", graded, copy["grade"]), ("task", tasks, copy["task"])):
            for gid in sorted(set(ours) | set(theirs)):
                if gid not in theirs or gid not in ours:
                    lines.append(f"{name}: {kind} {gid}: {'in source/ only' if gid in ours else 'in the gradebook only'}")
                elif ours[gid] != float(theirs[gid][0]):
                    lines.append(f"{name}: {kind} {gid}: {ours[gid]} points in source/, {float(theirs[gid][0])} "
                                 "in the gradebook")
        for gid, (meta, text) in sorted(cells.items()):
            kept = copy["source"].get(gid)
            if meta.get("solution") or meta.get("task"):
                continue
            if kept is None:
                lines.append(f"{name}: cell {gid}: in source/ only")
            elif kept[2] != text:
                lines.append(f"{name}: cell {gid}: its text (hidden tests included) differs from the gradebook's")
    return lines


def require_built(source: dict, structure: dict, assignment: str) -> None:
    """Raise ``GradebookCopyStale`` naming the fix if ``source/`` and the gradebook's copy disagree."""
    lines = source_disagreements(source, structure)
    if lines:
        shown = "\n  ".join(lines[:10] + ([f"... and {len(lines) - 10} more"] if len(lines) > 10 else []))
        raise GradebookCopyStale(
            f"source/{assignment} differs from the gradebook's copy of {assignment} (the hidden tests and points "
            f"nbgrader autograde uses):\n  {shown}\nnothing was graded: run `autograder build {assignment}` (it "
            f"updates the gradebook, release/ and solutions/ from source/), then `autograder grade {assignment}` again")
