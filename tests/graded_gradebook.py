"""A small real gradebook for the export and report tests, built once per test session.

A fresh copy of the course gets the real `nbgrader generate_assignment`, three students submit samples
(the solution, late; a typical mistake; the blank release), the real `nbgrader autograde` grades them with
the course's late policy at 50% per started day late, a fourth student is in the gradebook with no
submission, one manual cell is graded by hand, and SubmissionRecords say how each was graded (one
flagged and withheld). Nothing here computes an expected grade: the tests read those from the gradebook.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import course
from autograder.storage import records
from autograder.assignments.samples import submit_class

from .conftest import REPO, nbgrader

ASSIGNMENT = "tfidf_distances"
DUEDATE = datetime(2026, 1, 10, 12, 0, 0)  # naive UTC, as nbgrader stores it
# student id -> (sample name, first name, last name, seconds after the due date or None)
SUBMITTERS = {
    "alice": ("solution", "Alice", "Archer", 3600),
    "bob": ("unsmoothed_idf", "Bob", "Baker", None),
    "carol": ("blank", None, None, None),
}
ABSENT = ("dave", "Dave", "Doe")
MANUAL = ("alice", "heatmap_explanation", 1.5)  # student, manual grade_id, score given by hand


@dataclass(frozen=True)
class GradedCourse:
    root: Path
    db_url: str
    course_id: str
    assignment: str


@functools.cache
def graded_course(base: Path) -> GradedCourse:
    root = course.copy_course(REPO, Path(base) / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    config = course.load_config(root)
    course_id = config.CourseDirectory.course_id
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(db_url, course_id=course_id) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUEDATE)
        for student, (_, first, last, _) in SUBMITTERS.items():
            gb.update_or_create_student(student, first_name=first, last_name=last)
        gb.update_or_create_student(ABSENT[0], first_name=ABSENT[1], last_name=ABSENT[2])

    folders = submit_class(root, ASSIGNMENT, {student: sample for student, (sample, _, _, _) in SUBMITTERS.items()})
    for student, (_, _, _, late) in SUBMITTERS.items():
        stamp = DUEDATE + (timedelta(seconds=late) if late is not None else -timedelta(days=1))
        (folders[student] / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    nbgrader(root, "autograde", ASSIGNMENT, "--force", "--LatePolicy.percent_per_day=50")

    student, grade_id, score = MANUAL
    with Gradebook(db_url, course_id=course_id) as gb:
        notebook = next(iter(gb.find_submission(ASSIGNMENT, student).notebooks))
        grade = gb.find_grade(grade_id, notebook.name, ASSIGNMENT, student)
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.db.commit()
        graded = {s: gb.find_submission(ASSIGNMENT, s) for s in SUBMITTERS}
        scores = {s: (float(sub.score), float(sub.max_score)) for s, sub in graded.items()}

    now = datetime.now(timezone.utc)
    records.save(db_url, course_id, records.SubmissionRecord(
        ASSIGNMENT, "alice", "a" * 64, "graded", [], "ok", 12.5, *scores["alice"], False, now))
    records.save(db_url, course_id, records.SubmissionRecord(
        ASSIGNMENT, "bob", "b" * 64, "flagged", ["reads source/ from the notebook", "test cell edited"],
        "ok", 20.0, *scores["bob"], True, now))
    records.save(db_url, course_id, records.SubmissionRecord(
        ASSIGNMENT, "carol", "c" * 64, "failed", ["kernel timed out after 120 s"], "timeout", 121.0,
        0.0, scores["carol"][1], False, now))
    return GradedCourse(root, db_url, course_id, ASSIGNMENT)
