"""An assignment's structure (notebooks and cells) copied between nbgrader gradebooks.

nbgrader's ``GenerateAssignment`` refuses to give an assignment notebooks once it has a submission row
("Cannot modify existing assignment ... because there are submissions associated with it"), and nbgrader
keeps an extension on that row: ``nbgrader db assignment add A --duedate=...`` then ``autograder extend A
S`` makes an assignment that nbgrader can never generate. ``learn_notebooks`` gives such an assignment the
notebooks and cells generated into a scratch gradebook, and each early submission row the notebooks, grades
and comments nbgrader's ``add_submission`` gives a new one; nbgrader's own generate then runs as usual.
"""

import os
import sys

from nbgrader.api import Gradebook, MissingEntry


def alembic_on_path() -> None:
    """nbgrader runs `alembic` from PATH when it opens a new gradebook: use this environment's."""
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def submitted_without_notebooks(db_url: str, course_id: str, assignment: str) -> bool:
    """True when ``assignment`` has a submission row (an extension granted early) but no notebook yet."""
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return False
        return not found.notebooks and len(found.submissions) > 0


def _cell_fields(cell, *names) -> dict:
    return {name: getattr(cell, name) for name in names}


def copy_notebooks(original, gb, assignment: str) -> None:
    """Add the notebooks and cells of ``original`` (an nbgrader ``Assignment``) to ``assignment`` in ``gb``."""
    for notebook in original.notebooks:
        gb.add_notebook(notebook.name, assignment, kernelspec=notebook.kernelspec)
        for cell in notebook.grade_cells:
            gb.add_grade_cell(cell.name, notebook.name, assignment, **_cell_fields(cell, "max_score", "cell_type"))
        for cell in notebook.solution_cells:
            gb.add_solution_cell(cell.name, notebook.name, assignment)
        for cell in notebook.task_cells:
            gb.add_task_cell(cell.name, notebook.name, assignment, **_cell_fields(cell, "max_score", "cell_type"))
        for cell in notebook.source_cells:
            gb.add_source_cell(
                cell.name, notebook.name, assignment,
                **_cell_fields(cell, "cell_type", "locked", "source", "checksum"),
            )


def _mirror_notebooks_in_submissions(gb, assignment: str) -> None:
    """Give each submission row without notebooks what nbgrader's ``add_submission`` gives a new one (its
    notebooks, empty grades and comments), keeping its extension and timestamp."""
    for submission in list(gb.find_assignment(assignment).submissions):
        if submission.notebooks:
            continue
        student = submission.student_id
        kept = {"extension": submission.extension, "timestamp": submission.timestamp}
        gb.remove_submission(assignment, student)
        gb.add_submission(assignment, student, **{key: value for key, value in kept.items() if value is not None})


def learn_notebooks(generated_url: str, db_url: str, course_id: str, assignment: str) -> None:
    """Give ``assignment`` in ``db_url`` (no notebooks yet) the notebooks and cells it has in ``generated_url``
    (a gradebook nbgrader's generate wrote), and its submission rows their notebooks."""
    with Gradebook(generated_url, course_id=course_id) as source, Gradebook(db_url, course_id=course_id) as gb:
        gb.update_or_create_assignment(assignment)  # keeps its due date and submissions
        copy_notebooks(source.find_assignment(assignment), gb, assignment)
        _mirror_notebooks_in_submissions(gb, assignment)
