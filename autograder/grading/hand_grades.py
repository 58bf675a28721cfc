"""What people gave by hand in the gradebook, per student, as one digest: feedback made before it changed is stale.

A TA grades in formgrader (or through nbgrader's API): a manual score, extra credit, a comment. None of it
changes a submission's grading fingerprint (``fingerprint``), so `autograder grade` would skip the student and
the feedback would keep showing the written answer as awaiting grading. When the coordinator makes a
student's feedback from the course gradebook, the digest of the hand grades it shows is kept in the record
(``fingerprint["hand grades"]``, an entry that decides no grade, only written when there are hand grades); a
grading worker's feedback shows none. ``batch`` remakes the feedback of a student whose digest differs,
without grading the submission again.
"""

import hashlib
import json

KEY = "hand grades"  # the record's fingerprint entry: not a part that decides a grade (fingerprint.PARTS)
NONE = hashlib.sha256(b"[]").hexdigest()  # the digest of a submission nobody graded by hand


def digests(db_url: str, course_id: str, assignment: str) -> dict:
    """``student -> digest`` of the manual scores, extra credit and manual comments of ``assignment`` (two queries)."""
    from nbgrader.api import (Assignment, BaseCell, Comment, Gradebook, Grade, Notebook, SubmittedAssignment,
                              SubmittedNotebook)

    given: dict = {}
    with Gradebook(db_url, course_id=course_id) as gb:
        for table, columns in ((Grade, (Grade.manual_score, Grade.extra_credit)), (Comment, (Comment.manual_comment,))):
            rows = (gb.db.query(SubmittedAssignment.student_id, Notebook.name, BaseCell.name, *columns)
                    .join(SubmittedNotebook, table.notebook_id == SubmittedNotebook.id)
                    .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                    .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                    .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
                    .join(BaseCell, table.cell_id == BaseCell.id)
                    .filter(Assignment.name == assignment))
            for student, notebook, cell, *values in rows:
                if any(value not in (None, "") for value in values):
                    given.setdefault(student, []).append([table.__name__, notebook, cell, *values])
    return {student: hashlib.sha256(json.dumps(sorted(entries, key=str)).encode()).hexdigest()
            for student, entries in given.items()}


def changed(record, current: str) -> bool:
    """Whether the hand grades behind ``record``'s feedback differ from ``current``. A record without the entry
    had its feedback made without hand grades (a grading worker's feedback, or a record from before)."""
    return record.fingerprint.get(KEY, NONE) != current


def remember(db_url: str, course_id: str, assignment: str, shown: dict) -> None:
    """Keep ``student -> digest`` of the hand grades each one's feedback now shows, where it changed."""
    from dataclasses import replace

    from ..storage import records

    for record in records.load(db_url, course_id, assignment):
        if record.student in shown and changed(record, shown[record.student]) and record.content_hash:
            fingerprint = {k: v for k, v in record.fingerprint.items() if k != KEY}
            if shown[record.student] != NONE:
                fingerprint[KEY] = shown[record.student]
            records.save(db_url, course_id, replace(record, fingerprint=fingerprint))
