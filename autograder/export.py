"""Grades out of the gradebook into CSV files under ``exports/``.

Three files: nbgrader's own CSV (its real ``CsvExportPlugin``, run through ``ExportApp``), a per-question
CSV per assignment (one row per student of the gradebook, one column per graded cell, with status,
reasons, withheld flag and nbgrader's late penalty), and a Canvas gradebook import CSV.
"""

import csv
from pathlib import Path

from . import course
from .results import AssignmentResults, course_database, graded_assignments, load
from .errors import NoGradesError

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"  # what Canvas's own export writes in the Student column


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def nbgrader_csv(root: Path, db_url: str, path: Path, assignments: list[str]) -> Path:
    """nbgrader's ``CsvExportPlugin`` (through ``ExportApp``) writing ``path`` for ``assignments``."""
    from nbgrader.apps import ExportApp

    root = Path(root).resolve()
    overrides = {
        "CourseDirectory.db_url": db_url,
        "ExportPlugin.to": str(path),
        "ExportPlugin.assignment": list(assignments),
    }
    from nbgrader.coursedir import CourseDirectory

    config = course.load_config(root, **overrides)
    with course.inside(root):
        app = ExportApp(coursedir=CourseDirectory(config=config), config=config)
        app.log_level = "WARN"
        course.run_converter(app, "nbgrader export")
    return path


def questions_csv(results: AssignmentResults, path: Path) -> Path:
    """One row per student: a column per graded cell (``grade_id (max)``), total, penalty, status, reasons.

    ``total`` is the raw gradebook score; ``final`` is after nbgrader's late penalty, and is left blank when
    the score is withheld for review (the cell scores are then not final either, as ``withheld`` says).
    A manual cell is blank while it waits to be graded by hand.
    """
    header = ["student", "first_name", "last_name", *(t.header for t in results.tasks),
              "total", "max", "late_penalty", "seconds_late", "final", "status", "withheld", "reasons"]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for s in results.students:
            if s.submitted:
                cells = [_number(s.cells.get(t.grade_id)) for t in results.tasks]
            else:
                cells = ["0" for _ in results.tasks]
            writer.writerow([
                s.student, s.first_name, s.last_name, *cells,
                _number(s.score), _number(s.max_score), _number(s.late_penalty), _number(s.seconds_late),
                "" if s.withheld else _number(s.final),
                s.status, "withheld" if s.withheld else "", "; ".join(s.reasons),
            ])
    return path


def canvas_csv(all_results: list[AssignmentResults], path: Path) -> Path:
    """A Canvas gradebook import CSV: identity columns, one column per assignment, a Points Possible row.

    An assignment column is headed by its name only, which Canvas imports as a new assignment with the
    points of the Points Possible row (to update an existing Canvas assignment, rename the header to
    Canvas's ``name (canvas id)``). The score is nbgrader's final score after the late penalty; a student
    without a submission gets 0; a withheld score is left blank (Canvas leaves that grade unchanged).
    Students are matched on SIS Login ID (the nbgrader student id); SIS User ID is the LMS user id if the
    gradebook has one.
    """
    students = {}
    for results in all_results:
        for s in results.students:
            students.setdefault(s.student, s)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*CANVAS_IDENTITY, *(r.assignment for r in all_results)])
        writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", *(_number(r.max_score) for r in all_results)])
        for sid in sorted(students):
            ident = students[sid]
            row = [ident.display_name, "", ident.lms_user_id or sid, sid, ""]
            for results in all_results:
                s = next((x for x in results.students if x.student == sid), None)
                if s is None or not s.submitted:
                    row.append("0")
                elif s.withheld:
                    row.append("")
                else:
                    row.append(_number(s.final))
            writer.writerow(row)
    return path


def export(root, assignment: str | None = None, db_url: str | None = None, out_dir=None) -> list[Path]:
    """Write nbgrader's CSV, the per-question CSVs and the Canvas CSV; return their paths.

    All graded assignments of the gradebook by default, or only ``assignment``. Files go to
    ``<root>/exports/`` unless ``out_dir`` is given.
    """
    root = Path(root).resolve()
    db_url, _course_id = course_database(root, db_url)
    if assignment is not None:
        course.require_assignments(root, [assignment])
        names = [assignment]
        all_results = [load(root, assignment, db_url)]
    else:
        names = graded_assignments(db_url, _course_id)
        if not names:
            raise NoGradesError(f"no grades in {db_url}: run autograder grade first")
        all_results = [load(root, name, db_url) for name in names]
    out = Path(out_dir) if out_dir else root / "exports"
    out.mkdir(parents=True, exist_ok=True)
    suffix = f"-{assignment}" if assignment else ""
    paths = [nbgrader_csv(root, db_url, out / f"grades{suffix}.csv", names)]
    paths += [questions_csv(r, out / f"{r.assignment}-questions.csv") for r in all_results]
    paths.append(canvas_csv(all_results, out / f"canvas{suffix}.csv"))
    return paths
