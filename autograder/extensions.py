"""Due dates and extensions, kept where nbgrader keeps them: the gradebook.

The due date is the assignment's ``duedate`` (``nbgrader db assignment add A --duedate=...``, or
``autograder release A --duedate ...``); an extension is the ``extension`` of the student's
``SubmittedAssignment``, which nbgrader adds to the due date when it counts the seconds late, and
which formgrader shows. nbgrader keeps an extension on the submission row, so granting one before the
student submitted creates that row (no timestamp, no grades yet); ``autograder.results`` does not count
such a row as a submission.
"""

import os
import re
import sys
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dateutil.parser
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning

from . import course
from .errors import AutograderError


class DueDateError(AutograderError):
    """The assignment has no due date in the gradebook (or is unknown), or a date cannot be read."""


def _set_due_date_hint(assignment: str) -> str:
    return (f"set it with `nbgrader db assignment add {assignment} --duedate='2026-12-01 23:59:00 UTC'` "
            f"or `autograder release {assignment} --duedate '2026-12-01 23:59:00 UTC'`")


def _alembic_on_path() -> None:
    """nbgrader runs `alembic` from PATH when it opens a new gradebook: use this environment's (as grade_one does)."""
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


_NUMERIC_OFFSET = re.compile(r"\s[+-]\d{2}:?\d{2}$")


def parse_duedate(text: str) -> datetime:
    """A due date as nbgrader stores it (naive UTC); a date without a time zone is taken as UTC.

    Zone names ("UTC", "Europe/Paris") are read as nbgrader reads them (``parse_utc``); a numeric offset
    after a space ("2026-03-01 13:00:00 +0100") by dateutil itself, since ``parse_utc`` would take
    "+0100" for 100 seconds.
    """
    try:
        if _NUMERIC_OFFSET.search(text.strip()):
            return parse_utc(dateutil.parser.parse(text))
        return parse_utc(text)
    except (ValueError, OverflowError) as error:
        raise DueDateError(f"cannot read the due date {text!r} ({error}): write it as '2026-12-01 23:59:00 UTC' "
                           "or '2026-12-01T23:59:00+01:00'") from error


def set_duedate(db_url: str, course_id: str, assignment: str, duedate) -> datetime:
    """Record ``assignment``'s due date (a datetime or text nbgrader can read) in the gradebook; returns it (UTC)."""
    when = parse_duedate(duedate) if isinstance(duedate, str) else parse_utc(duedate)
    _alembic_on_path()
    with Gradebook(db_url, course_id=course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=when)
    return when


@dataclass(frozen=True)
class Extension:
    """An extension as recorded: the student's due date is ``duedate + extension``."""

    assignment: str
    student: str
    extension: timedelta
    duedate: datetime  # the assignment's (UTC)
    graded: bool  # the student's submission was already graded: regrade it for the new penalty

    @property
    def student_duedate(self) -> datetime:
        return self.duedate + self.extension


def grant(root, assignment: str, student: str, days: float = 0.0, hours: float = 0.0,
          db_url: str | None = None) -> Extension:
    """Give ``student`` an extension of ``days`` + ``hours`` on ``assignment`` (replacing any earlier one).

    An extension of 0 removes it. The student is created if the gradebook does not know them yet; the
    assignment must have a due date (else ``DueDateError`` saying how to set one).
    """
    from .results import _handed_in as handed_in, course_database

    root = Path(root).resolve()
    course.require_assignments(root, [assignment])
    if days < 0 or hours < 0:
        raise AutograderError(f"an extension cannot be negative ({days} days, {hours} hours)")
    extension = timedelta(days=days, hours=hours)
    db_url, course_id = course_database(root, db_url)
    _alembic_on_path()
    with warnings.catch_warnings(), Gradebook(db_url, course_id=course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session handling when it adds a submission
        try:
            duedate = gb.find_assignment(assignment).duedate
        except MissingEntry:
            duedate = None
        if duedate is None:
            raise DueDateError(f"{assignment} has no due date in the gradebook {db_url}: {_set_due_date_hint(assignment)}")
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student, extension=extension or None)
        return Extension(assignment, student, extension, duedate, handed_in(submission))


def extension_of(db_url: str, course_id: str, assignment: str, student: str) -> timedelta | None:
    """The extension ``student`` has on ``assignment`` (None if none)."""
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            return gb.find_submission(assignment, student).extension
        except MissingEntry:
            return None


def due_date(db_url: str, course_id: str, assignment: str) -> datetime | None:
    """The assignment's due date in the gradebook (naive UTC), or None."""
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def extensions_by_student(db_url: str, course_id: str, assignment: str) -> dict:
    """``student -> extension in seconds`` of everyone with an extension on ``assignment`` (one query).

    For the grading coordinator: a worker's private gradebook has no students, so each job must carry
    its student's extension (``apply_extension``) for nbgrader to count lateness from the right date.
    """
    from nbgrader.api import Assignment, Student, SubmittedAssignment

    with Gradebook(db_url, course_id=course_id) as gb:
        rows = (gb.db.query(Student.id, SubmittedAssignment.extension)
                .join(SubmittedAssignment, SubmittedAssignment.student_id == Student.id)
                .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                .filter(Assignment.name == assignment, Assignment.course_id == course_id,
                        SubmittedAssignment.extension.isnot(None)))
        return {student: extension.total_seconds() for student, extension in rows if extension}


def apply_extension(db_url: str, course_id: str, assignment: str, student: str, seconds: float) -> None:
    """Record ``student``'s extension (``seconds``; 0 does nothing) in the gradebook at ``db_url`` before it is
    autograded there (a grading worker's private gradebook); nbgrader's Autograde keeps it."""
    if not seconds:
        return
    with warnings.catch_warnings(), Gradebook(db_url, course_id=course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, extension=timedelta(seconds=float(seconds)))
