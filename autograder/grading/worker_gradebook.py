"""What a grading worker reads from its private gradebook: the assignment's cells, then the grades nbgrader saved."""

import warnings

from .jobs import CellResult, CommentResult, GradeJob


def read_grades(db_url: str, job: GradeJob, executed: dict, zero_credit: dict, failed: bool):
    """Cells, comments and late penalties of the submission in the worker's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    from sqlalchemy.exc import SAWarning

    cells, comments, penalties = [], [], {}
    with warnings.catch_warnings(), Gradebook(db_url, course_id=job.course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's session handling, harmless
        assignment = gb.find_assignment(job.assignment)
        try:
            gb.find_submission(job.assignment, job.student)
        except MissingEntry:
            gb.update_or_create_student(job.student)
            gb.update_or_create_submission(job.assignment, job.student)
        for notebook in assignment.notebooks:
            submitted = gb.find_submission_notebook(notebook.name, job.assignment, job.student)
            penalties[notebook.name] = None if failed else submitted.late_submission_penalty
            for grade in submitted.grades:
                zero = failed or grade.name in zero_credit.get(notebook.name, ())
                cells.append(CellResult(
                    notebook=notebook.name,
                    grade_id=grade.name,
                    auto_score=0.0 if zero else (None if grade.auto_score is None else float(grade.auto_score)),
                    max_score=float(grade.max_score),
                    needs_manual_grade=False if zero else bool(grade.needs_manual_grade),
                    executed=not zero and grade.name in executed.get(notebook.name, ()),
                ))
            for comment in submitted.comments:
                comments.append(CommentResult(notebook.name, comment.name, None if failed else comment.auto_comment))
    return cells, comments, penalties


def structure(db_url: str, job: GradeJob) -> dict:
    """``notebook -> (grade_id -> cell_type of every cell nbgrader knows, grade_ids of graded cells)``."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id=job.course_id) as gb:
        return {
            notebook.name: (
                {cell.name: cell.cell_type for cell in notebook.source_cells},
                {cell.name for cell in notebook.grade_cells} | {cell.name for cell in notebook.task_cells},
            )
            for notebook in gb.find_assignment(job.assignment).notebooks
        }
