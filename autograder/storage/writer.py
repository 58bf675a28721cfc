"""The coordinator's writes: a worker's ``GradeResult`` into the course gradebook, autograded/ and the records.

Only the coordinator writes shared state. Grades are written through nbgrader's ``Gradebook`` API exactly
as ``Autograde`` and ``SaveAutoGrades`` would: the student and the submission (with its timestamp) are
created or updated, each grade's ``auto_score`` is set, ``needs_manual_grade`` follows SaveAutoGrades'
rule (a manual score already given, or no automatic score, means a person must look; the manual score itself
is never touched, so a hand grade stands through every regrade), each solution or
task cell's ``auto_comment`` and each notebook's late penalty are copied. The grades and the
``autograder.storage.records.SubmissionRecord`` (an upsert) go into the gradebook in one transaction, through the
``Gradebook``'s own session, so there is no moment where they disagree; then the autograded files and the
feedback are written (a failed transaction leaves all of them as they were).

A result that failed on the grading side (``GradeResult.infrastructure``) writes no grade, no autograded
file and no feedback: the earlier grade stays, and only the record says what failed (status ``failed``,
the score of the earlier grade, no content hash and no fingerprint, so the next run grades it again).

A withheld result (tampering suspected) is written with every automatic score at 0 and every cell
marked for manual grading: nbgrader's own export and formgrader then never pass the suspect score
silently, and the would-be score is kept in the record's reasons for the reviewer.
"""

import warnings
from pathlib import Path

from sqlalchemy.exc import SAWarning

from nbgrader.api import Grade, Gradebook
from nbgrader.utils import parse_utc

from . import outcomes, records
from ..grading.files import write_tree
from ..grading.jobs import GradeResult


def write_result(coursedir, db_url: str, result: GradeResult, timestamp: str = "", content_hash: str = "",
                 feedback: bool = True, fingerprint: dict | None = None) -> bool:
    """Everything the coordinator writes for one result; True if the worker's feedback was kept.

    ``coursedir``: nbgrader's ``CourseDirectory`` (where autograded/ and feedback/ are). The gradebook and the
    record in one transaction (``write_grades``, with ``content_hash`` and ``fingerprint``; "" and ``None``
    mean grade it again next run), then autograded/<student>/<assignment> and feedback/...
    (``write_feedback``, if ``feedback``). A grading-side failure writes its record only (``keep_earlier_grade``).
    """
    course_id = coursedir.course_id
    if result.infrastructure:
        keep_earlier_grade(db_url, course_id, result)
        return False
    if result.withheld:
        would_be = sum(cell.auto_score or 0.0 for cell in result.cells)
        result.reasons.append(f"autograde score {would_be:g} withheld for review: the gradebook holds 0 until a person grades it")
    _, shown = write_grades(db_url, course_id, result, timestamp,
                            record=lambda score: make_record(result, content_hash, score, fingerprint))
    write_autograded(Path(coursedir.format_path(coursedir.autograded_directory, result.student, result.assignment)), result)
    kept = False
    if feedback and result.feedback:
        kept = write_feedback(Path(coursedir.format_path(coursedir.feedback_directory, result.student, result.assignment)),
                              result, shown)
    return kept


def keep_earlier_grade(db_url: str, course_id: str, result: GradeResult) -> records.SubmissionRecord:
    """Record a grading-side failure without touching the gradebook's grades: the earlier grade (if any) stays.

    The record is ``failed`` with the reason, carries the earlier record's score (so exports and reports
    show the grade that stands) and no content hash, so the next ``grade`` run grades the submission again.
    """
    earlier = records.find(db_url, course_id, result.assignment, result.student)
    reasons = list(result.reasons)
    if earlier is not None and earlier.content_hash:
        reasons.append(f"the earlier grade ({earlier.score:g} / {earlier.max_score:g}, {earlier.status}) is kept "
                       "until the submission is graded again")
    else:
        reasons.append("no grade was recorded for this submission; grade it again once the grading side is fixed")
    record = records.SubmissionRecord(
        assignment=result.assignment, student=result.student, content_hash="", status="failed", reasons=reasons,
        kernel="not run", seconds=float(result.seconds),
        score=earlier.score if earlier is not None else 0.0,
        max_score=earlier.max_score if earlier is not None else 0.0,
        withheld=earlier.withheld if earlier is not None else False,
        fingerprint={}, variant=earlier.variant if earlier is not None else {},
    )
    records.save(db_url, course_id, record)
    return record


def write_grades(db_url: str, course_id: str, result: GradeResult, timestamp: str = "", record=None) -> tuple:
    """Write ``result`` into the gradebook at ``db_url``; returns the submission's score there and
    ``grade_id -> score`` of its cells (what feedback made from the gradebook would show).

    ``record``: ``score -> SubmissionRecord``, upserted through the gradebook's own session so that the
    grades, the record and each test cell's outcome (``autograder.storage.outcomes``) are committed together (one
    transaction).
    """
    if record is not None:
        records.engine(db_url)  # the records table exists (and has every column) before the transaction
        outcomes.engine(db_url)
    with warnings.catch_warnings(), Gradebook(db_url, course_id=course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session handling; autograde shows them too
        gb.update_or_create_student(result.student)
        if timestamp.strip():
            submission = gb.update_or_create_submission(result.assignment, result.student, timestamp=parse_utc(timestamp.strip()))
        else:
            submission = gb.update_or_create_submission(result.assignment, result.student)
        # one query per notebook rather than one per cell (gb.find_grade): the coordinator writes every result
        notebooks = {nb.name: nb for nb in submission.notebooks}
        grades = {(nb.name, g.name): g for nb in notebooks.values() for g in nb.grades}
        comments = {(nb.name, c.name): c for nb in notebooks.values() for c in nb.comments}
        for cell in result.cells:
            grade = grades[cell.notebook, cell.grade_id]
            grade.auto_score = cell.auto_score
            if result.withheld:
                grade.auto_score = 0.0 if cell.auto_score is not None else None
                grade.needs_manual_grade = True
            elif cell.executed:
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            else:
                grade.needs_manual_grade = cell.needs_manual_grade
        for comment in result.comments:
            comments[comment.notebook, comment.grade_id].auto_comment = comment.auto_comment
        for notebook, penalty in result.late_penalties.items():
            notebooks[notebook].late_submission_penalty = penalty
        names = {grade.id: grade_id for (_, grade_id), grade in grades.items()}
        gb.db.flush()
        # Grade.score is computed by the database (manual over auto, extra credit): one query for all cells
        rows = gb.db.query(Grade.id, Grade.score).filter(Grade.id.in_(list(names)))
        shown = {names[grade_id]: float(score or 0.0) for grade_id, score in rows}
        gb.db.refresh(submission)
        score = float(submission.score)
        if record is not None:
            records.upsert(gb.db.connection(), course_id, record(score))
            outcomes.save(gb.db.connection(), course_id, result.assignment, result.student, result.outcomes)
        gb.db.commit()
        return score, shown


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


def make_record(result: GradeResult, content_hash: str, score: float, fingerprint: dict | None = None) -> records.SubmissionRecord:
    """The ``SubmissionRecord`` of ``result`` (``fingerprint``: what decided the grade, ``None``: nothing kept)."""
    return records.SubmissionRecord(
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
        fingerprint=dict(fingerprint or {}) if content_hash else {},
        variant=dict(result.variant) if content_hash else {},
    )


def save_record(db_url: str, course_id: str, result: GradeResult, content_hash: str, score: float,
                fingerprint: dict | None = None) -> records.SubmissionRecord:
    """Save and return the ``SubmissionRecord`` of ``result`` (on its own; ``write_result`` saves it with the grades)."""
    record = make_record(result, content_hash, score, fingerprint)
    records.save(db_url, course_id, record)
    return record
