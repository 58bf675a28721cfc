"""Feedback for graded students through nbgrader's ``GenerateFeedback`` (HTML in feedback/<student>/<a>/).

The course's nbgrader_config.py registers ``autograder.preprocessors.HideHiddenTests`` for
``GenerateFeedback``, so the feedback shows each test's result and message and no hidden test code.
"""

from pathlib import Path

from .. import course


def generate(root: Path, assignment: str, students, db_url: str) -> dict:
    """Generate feedback for each of ``students``; returns ``student -> error text`` for those that failed."""
    failures = {}
    with course.inside(root):
        api = course.nbgrader_api(root, **{"CourseDirectory.db_url": db_url})
        for student in students:
            outcome = api.generate_feedback(assignment, student, force=True)
            if not outcome["success"]:
                failures[student] = ((outcome.get("log") or "") + "\n" + (outcome.get("error") or "")).strip()
    return failures
