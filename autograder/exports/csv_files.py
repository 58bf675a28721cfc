"""The course's CSV files, written from in-memory results (``autograder.report.results``): no database here.

``questions_csv``: one row per student, one column per graded cell. ``mistakes_csv``: one row per
failed autograded test cell, with its mistake code and message. ``canvas_csv``: Canvas's gradebook
import format. Each writes with ``newline=""`` and ``\\r\\n`` line ends (the csv module's), so the same
results give the same bytes whoever calls it (``autograder export`` or ``nbgrader export --exporter``).
"""

import csv
import re
from pathlib import Path

from ..report.results import AssignmentResults

# The one naming scheme of exports/: ``<scope>-<kind>.csv``. The scope is an assignment's name, or ``all-assignments``
# for a file that covers every graded assignment; the kind says what the file is and where it goes.
ALL_ASSIGNMENTS = "all-assignments"
KINDS = {
    "grades": "nbgrader's grades CSV, a row per student and assignment (for a spreadsheet or a gradebook's import)",
    "canvas": "Canvas gradebook import (Grades, Import)",
    "questions": "per-question scores, a row per student (status, reasons, late penalty)",
    "mistakes": "per-question analysis, a row per failed test cell with its mistake",
}


def file_name(kind: str, assignments=None) -> str:
    """``<assignment>-<kind>.csv`` for one assignment, ``all-assignments-<kind>.csv`` for every graded one
    (``assignments`` None or empty); several named assignments are joined with ``+``."""
    if kind not in KINDS:
        raise ValueError(f"no export kind {kind!r}: one of {', '.join(KINDS)}")
    scope = "+".join(assignments) if assignments else ALL_ASSIGNMENTS
    return f"{scope}-{kind}.csv"


def kind_of(path) -> str:
    """What an exported file is, from its name (``KINDS``); "" for a name outside the scheme."""
    stem = Path(path).stem
    return next((text for kind, text in KINDS.items() if stem.endswith(f"-{kind}")), "")


CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"  # what Canvas's own export writes in the Student column
MISTAKES_HEADER = ("student", "grade_id", "mistake", "message", "points", "max_points", "notebook", "task", "status")
_CANVAS_USER_ID = re.compile(r"^\d+$")


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def questions_csv(results: AssignmentResults, path: Path) -> Path:
    """One row per student: a column per graded cell (``grade_id (max)``), total, penalty, status, reasons.

    ``total`` is the raw gradebook score; ``final`` is after nbgrader's late penalty, and is left blank when
    the score is withheld for review (the cell scores are then not final either, as ``withheld`` says).
    ``status`` and ``withheld`` are what ``autograder.report.class_numbers`` groups a student by: the class's mean
    (``autograder grade``, the report) is the mean ``total`` of the rows it counts. A submission that failed on
    the grading side before any grade was written has blank scores (no grade, not a 0).
    A manual cell is blank while it has no score yet (no hand grade, no automatic score); a hand grade is there
    after any regrade.
    """
    header = ["student", "first_name", "last_name", *(t.header for t in results.tasks),
              "total", "max", "late_penalty", "seconds_late", "final", "status", "withheld", "reasons"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for s in results.students:
            ungraded = s.status == "failed" and not s.submitted  # failed on the grading side, nothing in the gradebook
            if s.submitted or ungraded:
                cells = [_number(s.cells.get(t.grade_id)) for t in results.tasks]
            else:
                cells = ["0" for _ in results.tasks]
            writer.writerow([
                s.student, s.first_name, s.last_name, *cells,
                "" if ungraded else _number(s.score), _number(s.max_score), _number(s.late_penalty),
                _number(s.seconds_late), "" if s.withheld or ungraded else _number(s.final),
                s.status, "withheld" if s.withheld else "", "; ".join(s.reasons),
            ])
    return path


def mistakes_csv(results: AssignmentResults, path: Path) -> Path:
    """One row per failed autograded test cell of every submission (full-mark cells have none).

    ``mistake`` is the code the check named (``unrecognized`` for a failure without one,
    ``error:<Name>`` for another exception), ``message`` what the student was told; ``status`` is the
    submission's (a flagged or failed submission's rows are there, marked, for the reviewer).
    """
    labels = {(t.notebook, t.grade_id): t.label for t in results.tasks}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(MISTAKES_HEADER)
        for s in results.students:
            for o in s.outcomes or ():
                if not o.passed:
                    writer.writerow([s.student, o.grade_id, o.mistake, o.message, _number(o.points),
                                     _number(o.max_points), o.notebook, labels.get((o.notebook, o.grade_id), ""),
                                     s.status])
    return path


def canvas_identity(student) -> list:
    """``[Student, ID, SIS User ID, SIS Login ID, Section]`` of a ``StudentResult``.

    Canvas matches an imported row on ``ID`` (the Canvas user id) first, then ``SIS User ID``, then
    ``SIS Login ID``. ``ID`` gets the Canvas user id: the student id when it is one (digits only, as
    collecting Canvas's *Download Submissions* names gives), else the gradebook's ``lms_user_id`` when
    that is one. The SIS columns hold SIS ids only: nbgrader knows no SIS user id, so ``SIS User ID`` is
    blank, and ``SIS Login ID`` is the student id when it is a login name (not a Canvas user id).
    """
    sid, lms = student.student, student.lms_user_id or ""
    canvas_id = sid if _CANVAS_USER_ID.match(sid) else (lms if _CANVAS_USER_ID.match(lms) else "")
    login = "" if _CANVAS_USER_ID.match(sid) else sid
    return [student.display_name, canvas_id, "", login, ""]


def canvas_csv(all_results: list[AssignmentResults], path: Path) -> Path:
    """A Canvas gradebook import CSV: identity columns, one column per assignment, a Points Possible row.

    An assignment column is headed by its name only, which Canvas imports as a new assignment with the
    points of the Points Possible row (to update an existing Canvas assignment, rename the header to
    Canvas's ``name (canvas id)``). The score is nbgrader's final score after the late penalty; a student
    without a submission gets 0; a withheld score, and a submission that failed on the grading side before any
    grade was written, are left blank (Canvas leaves that grade unchanged).
    """
    students = {}
    for results in all_results:
        for s in results.students:
            students.setdefault(s.student, s)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*CANVAS_IDENTITY, *(r.assignment for r in all_results)])
        writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", *(_number(r.max_score) for r in all_results)])
        for sid in sorted(students):
            row = canvas_identity(students[sid])
            for results in all_results:
                s = results.student(sid)
                if s is not None and s.status == "failed" and not s.submitted:
                    row.append("")  # handed in, but the grading side failed before any grade: no grade, not a 0
                elif s is None or not s.submitted:
                    row.append("0")
                elif s.withheld:
                    row.append("")
                else:
                    row.append(_number(s.final))
            writer.writerow(row)
    return path
