"""Reading grades out of nbgrader's gradebook (SQLite by default, any SQLAlchemy URL)."""

from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry


@dataclass(frozen=True)
class CellScore:
    """One graded cell of one submission."""

    grade_id: str
    notebook: str
    score: float
    max_score: float
    autograded: bool  # a code test cell, scored by nbgrader; otherwise graded by hand


def cell_scores(db_url: str, course_id: str, assignment: str, student: str) -> dict:
    """``grade_id -> CellScore`` for every graded cell of a student's submission (empty if none)."""
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return {}
        return {
            grade.name: CellScore(
                grade_id=grade.name,
                notebook=notebook.name,
                score=float(grade.score or 0.0),
                max_score=float(grade.max_score),
                autograded=grade.cell.cell_type == "code",
            )
            for notebook in submission.notebooks
            for grade in notebook.grades
        }
