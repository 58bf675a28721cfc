"""`autograder demo` end to end: a throwaway course, a temporary exchange, students as separate processes.

Checks the outcome through the real artefacts: nbgrader's gradebook (every roster student of every
assignment, the solution at full marks, the blank release at 0, the broken notebook not crashing the
batch), the exchange (submissions by each student; feedback released), and the export and report files.
"""

import pandas as pd
import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder import course, records
from autograder.demo import BROKEN, ROSTER, demo

from .conftest import REPO

pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    return demo(REPO, tmp_path_factory.mktemp("demo"), workers=2)


def test_real_course_untouched(ran):
    result = ran
    assert result.root != REPO and REPO not in result.root.parents


def test_students_submitted_through_the_exchange(ran):
    result = ran
    inbound = list((result.exchange / "text-and-neurons" / "inbound").iterdir())
    for assignment, plan in result.plan.items():
        for student in plan:
            assert any(p.name.startswith(f"{student}+{assignment}+") for p in inbound), (student, assignment)
    absent = list(ROSTER)[-1]
    assert not any(p.name.startswith(f"{absent}+") for p in inbound)


def test_gradebook_outcomes(ran):
    result = ran
    db_url = f"sqlite:///{result.root / 'gradebook.db'}"
    course_id = course.load_config(result.root).CourseDirectory.course_id
    with Gradebook(db_url, course_id=course_id) as gb:
        for assignment, plan in result.plan.items():
            max_score = float(gb.find_assignment(assignment).max_score)
            by_sample = {sample: student for student, sample in plan.items()}
            solution = gb.find_submission(assignment, by_sample["solution"])
            manual = float(solution.max_written_score)  # written answers wait for a person
            assert float(solution.score) == pytest.approx(max_score - manual)
            assert float(gb.find_submission(assignment, by_sample["blank"]).score) == 0
            with pytest.raises(MissingEntry):
                gb.find_submission(assignment, list(ROSTER)[-1])
            recs = {r.student: r for r in records.load(db_url, course_id, assignment)}
            broken = recs[by_sample[BROKEN]]
            assert broken.status in ("failed", "flagged") and broken.reasons
            assert recs[by_sample["solution"]].status == "graded"
            feedback = result.root / "feedback" / by_sample["solution"] / assignment
            assert any(feedback.glob("*.html")), "feedback generated for the graded solution"
    outbound_feedback = result.exchange / "text-and-neurons" / "feedback"
    assert any(outbound_feedback.iterdir()), "feedback released to the exchange"


def test_exports_and_reports(ran):
    result = ran
    names = {p.name for p in result.files}
    for assignment in result.plan:
        assert f"{assignment}-questions.csv" in names
        frame = pd.read_csv(result.root / "exports" / f"{assignment}-questions.csv", dtype={"student": str})
        assert sorted(frame.student) == sorted(ROSTER)
        assert (result.root / "reports" / assignment / "index.html").is_file()
    canvas = pd.read_csv(result.root / "exports" / "canvas.csv", dtype=str, keep_default_na=False)
    assert list(canvas.columns[5:]) == sorted(result.plan)
    table = result.table()
    for student in ROSTER:
        assert student in table
