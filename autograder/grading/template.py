"""The gradebook a grading worker starts from: the assignment's notebooks and cells, no students.

It is copied from the course gradebook (SQLite or PostgreSQL) through nbgrader's ``Gradebook`` API, so a
worker grades against exactly the cells the course gradebook knows (the ones ``nbgrader autograde``
would use), due date included. If the course gradebook does not know the assignment's notebooks yet (a
fresh PostgreSQL database, or an assignment added by ``nbgrader db assignment add`` only, with extensions
granted), ``ensure_assignment`` runs nbgrader's ``GenerateAssignment`` into it from a scratch copy of the
course, as ``nbgrader generate_assignment`` would, without touching ``release/`` (``course.generate_assignment``).
"""

import tempfile
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .. import course
from ..gradebook_structure import copy_notebooks


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
