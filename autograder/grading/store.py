"""The coordinator's writes: a worker's ``GradeResult`` into the course gradebook, autograded/ and the records.

Only the coordinator writes shared state. Grades are written through nbgrader's ``Gradebook`` API exactly
as ``Autograde`` and ``SaveAutoGrades`` would: the student and the submission (with its timestamp) are
created or updated, each grade's ``auto_score`` is set, ``needs_manual_grade`` follows SaveAutoGrades'
rule (a manual score already given, or no automatic score, means a person must look), each solution or
task cell's ``auto_comment`` and each notebook's late penalty are copied. Then the autograded files are
written and an ``autograder.records.SubmissionRecord`` is saved.

A withheld result (tampering suspected) is written with every automatic score at 0 and every cell
marked for manual grading: nbgrader's own export and formgrader then never pass the suspect score
silently, and the would-be score is kept in the record's reasons for the reviewer.
"""

import shutil
import warnings
from pathlib import Path

from sqlalchemy.exc import SAWarning

from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from .. import records
from .jobs import GradeResult


def write_grades(db_url: str, course_id: str, result: GradeResult, timestamp: str = "") -> float:
    """Write ``result`` into the gradebook at ``db_url``; returns the submission's score there."""
    with warnings.catch_warnings(), Gradebook(db_url, course_id=course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session handling; autograde shows them too
        gb.update_or_create_student(result.student)
        if timestamp.strip():
            gb.update_or_create_submission(result.assignment, result.student, timestamp=parse_utc(timestamp.strip()))
        else:
            gb.update_or_create_submission(result.assignment, result.student)
        for cell in result.cells:
            grade = gb.find_grade(cell.grade_id, cell.notebook, result.assignment, result.student)
            grade.auto_score = cell.auto_score
            if result.withheld:
                grade.auto_score = 0.0 if cell.auto_score is not None else None
                grade.needs_manual_grade = True
            elif cell.executed:
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            else:
                grade.needs_manual_grade = cell.needs_manual_grade
        for comment in result.comments:
            gb.find_comment(comment.grade_id, comment.notebook, result.assignment, result.student).auto_comment = (
                comment.auto_comment
            )
        for notebook, penalty in result.late_penalties.items():
            gb.find_submission_notebook(notebook, result.assignment, result.student).late_submission_penalty = penalty
        gb.db.commit()
        return float(gb.find_submission(result.assignment, result.student).score)


def remove_tree(folder: Path) -> None:
    """Delete ``folder`` if it exists, read-only files included (nbgrader leaves its outputs read-only)."""
    if folder.exists():
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def write_autograded(folder: Path, result: GradeResult) -> None:
    """Replace ``folder`` (autograded/<student>/<assignment>) with the worker's autograded files."""
    write_tree(folder, result.autograded)


def write_feedback(folder: Path, result: GradeResult, shown: dict) -> bool:
    """Replace ``folder`` (feedback/<student>/<assignment>) with the worker's feedback if it shows ``shown``.

    ``shown``: ``grade_id -> score`` in the course gradebook after ``write_grades``. False (nothing
    written) when the worker made no feedback or its scores differ (a cell zeroed by the preflight, a
    withheld score, a manual grade given earlier): the coordinator then generates that student's
    feedback from the course gradebook.
    """
    same = result.feedback_scores.keys() == shown.keys() and all(
        abs(result.feedback_scores[k] - shown[k]) <= 1e-9 for k in shown)
    if not result.feedback or not same:
        return False
    write_tree(folder, result.feedback)
    return True


def write_tree(folder: Path, files: dict) -> None:
    """Replace ``folder`` with ``files`` (relative path -> bytes); no files: just remove it."""
    remove_tree(folder)
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def save_record(db_url: str, course_id: str, result: GradeResult, content_hash: str, score: float) -> records.SubmissionRecord:
    """Save and return the ``SubmissionRecord`` of ``result``."""
    record = records.SubmissionRecord(
        assignment=result.assignment,
        student=result.student,
        content_hash=content_hash,
        status=result.status,
        reasons=list(result.reasons),
        kernel=result.kernel,
        seconds=float(result.seconds),
        score=float(score),
        max_score=float(result.max_score),
        withheld=bool(result.withheld),
    )
    records.save(db_url, course_id, record)
    return record
