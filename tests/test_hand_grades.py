"""Hand grades given in formgrader stay hand grades: in the feedback, the report and the exports, after regrades.

nbgrader's ``needs_manual_grade`` means "a person should look again": nbgrader's own SaveAutoGrades (and the
course's store, which follows it) set it again on every regrade of a cell that has a manual score. "Awaiting
grading" means no score yet (no manual and no automatic score), nothing else. And `autograder grade` remakes
the feedback of students whose hand grades changed since their feedback was made, without regrading them.

A class graded by the real `autograder grade` (tests/hand_graded.py); a TA's grade is written the way
formgrader's API handler writes it (nbgrader/server_extensions/formgrader/apihandlers.py, GradeHandler.put);
tests/test_formgrader.py gives one through the real formgrader page in a browser.
"""

import json

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from .conftest import nbgrader
from .hand_graded import (ASSIGNMENT, WRITTEN, assert_shows_hand_grade, autograder, course_id, db_url, feedback_page,
                          grade_of, graded_copy, summary_rows, written_heading)

pytestmark = pytest.mark.nbgrader

HAND = 1.5


def give_hand_grade(root, student: str, score: float, grade_id: str = WRITTEN) -> None:
    """What formgrader's GradeHandler.put does when a TA types a score."""
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        grade = gb.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student)
        grade.manual_score = score
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        gb.db.commit()


def submission_score(root, student: str) -> tuple:
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        return float(submission.score), float(submission.max_score)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return graded_copy(tmp_path_factory.getbasetemp(), "hand-grades")


@pytest.fixture(scope="module")
def after_hand_grade(root):
    """alice's written answer graded by hand, then a plain `autograder grade` (nothing to regrade)."""
    bob_before = feedback_page(root, "bob").read_bytes()
    assert "awaiting grading" in feedback_page(root, "alice").read_text(), "before: alice's answer awaits a person"
    give_hand_grade(root, "alice", HAND)
    run = autograder(root, "grade", ASSIGNMENT)
    return {"run": run.stdout, "bob_before": bob_before, "alice": feedback_page(root, "alice").read_text()}


def test_grade_remakes_feedback_after_hand_grading(root, after_hand_grade):
    out = after_hand_grade["run"]
    assert "unchanged: 2 skipped" in out, out
    assert "feedback remade after hand grading: 1" in out, out
    assert_shows_hand_grade(after_hand_grade["alice"], HAND, *submission_score(root, "alice"))
    assert feedback_page(root, "bob").read_bytes() == after_hand_grade["bob_before"], "bob was not graded by hand"


def test_feedback_follows_a_changed_hand_grade_once(root, after_hand_grade):
    again = autograder(root, "grade", ASSIGNMENT).stdout
    assert "feedback remade" not in again, "nothing changed since: no feedback remade"
    give_hand_grade(root, "alice", 2.0)
    try:
        changed = autograder(root, "grade", ASSIGNMENT).stdout
        assert "feedback remade after hand grading: 1" in changed, changed
        assert_shows_hand_grade(feedback_page(root, "alice").read_text(), 2.0, *submission_score(root, "alice"))
    finally:
        give_hand_grade(root, "alice", HAND)
    assert "feedback remade after hand grading: 1" in autograder(root, "grade", ASSIGNMENT).stdout


@pytest.fixture(scope="module")
def after_regrade(root, after_hand_grade, tmp_path_factory):
    """Everything regraded after the hand grade (`autograder grade --force`), then exported and reported."""
    give_hand_grade(root, "alice", HAND)  # as the TA left it, whatever the tests before did
    run = autograder(root, "grade", ASSIGNMENT, "--force")
    autograder(root, "export", ASSIGNMENT)
    autograder(root, "report", ASSIGNMENT)
    return {"run": run.stdout, "alice": feedback_page(root, "alice").read_text(),
            "bob": feedback_page(root, "bob").read_text()}


def test_regrade_keeps_the_hand_grade_and_shows_it(root, after_regrade):
    assert "forced (--force): 2 regraded" in after_regrade["run"], after_regrade["run"]
    auto, manual, needs_manual, score = grade_of(root, "alice")
    assert (auto, manual, score) == (None, HAND, HAND)
    assert needs_manual, "nbgrader's rule on regrade: a manual score means a person should look again"
    assert_shows_hand_grade(after_regrade["alice"], HAND, *submission_score(root, "alice"))
    bob = after_regrade["bob"]
    assert summary_rows(bob)[written_heading(bob)] == "awaiting grading / 2", "bob's answer has no score yet"
    assert "Provisional total" in bob


def test_regraded_exports_and_report_count_the_hand_grade(root, after_regrade):
    questions = pd.read_csv(root / "exports" / f"{ASSIGNMENT}-questions.csv", dtype=str, keep_default_na=False)
    column = next(c for c in questions.columns if c.startswith(f"{WRITTEN} ("))
    by_student = questions.set_index("student")[column]
    assert float(by_student["alice"]) == pytest.approx(HAND)
    assert by_student["bob"] == "", "bob's answer has no score yet: blank"
    summary = json.loads((root / "reports" / ASSIGNMENT / "summary.json").read_text())
    item = next(t for t in summary["items"] if t["grade_id"] == WRITTEN)
    assert item["awaiting"] == 1 and item["counted"] == 1 and item["mean"] == pytest.approx(HAND)
    page = (root / "reports" / ASSIGNMENT / "index.html").read_text()
    assert "1 awaiting grading by hand" in page and "2 awaiting grading by hand" not in page


def test_plain_nbgrader_regrade_keeps_showing_the_hand_grade(root, after_regrade):
    nbgrader(root, "autograde", ASSIGNMENT, "--force", "--student", "alice")
    assert grade_of(root, "alice")[1:3] == (HAND, True)
    nbgrader(root, "generate_feedback", ASSIGNMENT, "--force", "--student", "alice")
    assert_shows_hand_grade(feedback_page(root, "alice").read_text(), HAND, *submission_score(root, "alice"))
