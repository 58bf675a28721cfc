"""`autograder demo` end to end: a throwaway course, a temporary exchange, students as separate processes.

Checks the outcome through the real artefacts: nbgrader's gradebook (every roster student of every
assignment, the solution at full marks, the blank release at 0, the broken notebook not crashing the
batch), the per test cell outcomes the coordinator stored, the exchange (submissions by each student;
feedback released), the export and report files, and what the commands say.
"""

import pandas as pd
import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder import course
from autograder.storage import outcomes, records
from autograder.demo import BROKEN, ROSTER, DemoResult, demo
from autograder.errors import ExchangeError
from autograder.grading.exchange import collect
from autograder.assignments.samples import samples_for

from .conftest import REPO

nbgrader_test = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    return demo(REPO, tmp_path_factory.mktemp("demo"), workers=2)


@nbgrader_test
def test_real_course_untouched(ran):
    result = ran
    assert result.root != REPO and REPO not in result.root.parents


@nbgrader_test
def test_students_submitted_through_the_exchange(ran):
    result = ran
    inbound = list((result.exchange / "text-and-neurons" / "inbound").iterdir())
    for assignment, plan in result.plan.items():
        for student in plan:
            assert any(p.name.startswith(f"{student}+{assignment}+") for p in inbound), (student, assignment)
    absent = list(ROSTER)[-1]
    assert not any(p.name.startswith(f"{absent}+") for p in inbound)


@nbgrader_test
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
            pages = list((result.root / "feedback" / by_sample[BROKEN] / assignment).glob("*.html"))
            assert pages and all("is not a readable notebook: it is not JSON" in p.read_text() for p in pages)
    outbound_feedback = result.exchange / "text-and-neurons" / "feedback"
    released = len(list(outbound_feedback.glob("*.html")))  # autograder return: every page, the broken ones' too
    assert released == len(list((result.root / "feedback").glob("*/*/*.html"))) > 0, "feedback released to the exchange"


@nbgrader_test
def test_exports_and_reports(ran):
    result = ran
    names = {p.name for p in result.files}
    for assignment in result.plan:
        assert f"{assignment}-questions.csv" in names
        frame = pd.read_csv(result.root / "exports" / f"{assignment}-questions.csv", dtype={"student": str})
        assert sorted(frame.student) == sorted(ROSTER)
        assert (result.root / "reports" / assignment / "index.html").is_file()
    canvas = pd.read_csv(result.root / "exports" / "all-assignments-canvas.csv", dtype=str, keep_default_na=False)
    assert list(canvas.columns[5:]) == sorted(result.plan)
    table = result.table()
    for student in ROSTER:
        assert student in table


@nbgrader_test
def test_coordinator_stores_each_test_cells_outcome(ran):
    """`autograder grade` (the coordinator) stores one outcome per autograded test cell; the mistakes CSV
    lists exactly the failed ones: a mistake sample's expect_lost, nothing for the solution."""
    db_url = f"sqlite:///{ran.root / 'gradebook.db'}"
    course_id = course.load_config(ran.root).CourseDirectory.course_id
    for assignment, plan in ran.plan.items():
        stored = outcomes.load(db_url, course_id, assignment)
        samples = {s.name: s for s in samples_for(assignment)}
        frame = pd.read_csv(ran.root / "exports" / f"{assignment}-mistakes.csv", dtype=str, keep_default_na=False)
        with Gradebook(db_url, course_id=course_id) as gb:
            for student, sample in plan.items():
                if sample == BROKEN:
                    assert not stored.get(student), "a failed submission has no outcomes"
                    continue
                sub = gb.find_submission(assignment, student)
                tests = {g.name: (float(g.score), float(g.max_score)) for nb in sub.notebooks for g in nb.grades
                         if g.cell.cell_type == "code"}
                rows = {o.grade_id: o for o in stored[student]}
                assert set(rows) == set(tests), (assignment, student)
                for grade_id, (score, max_score) in tests.items():
                    assert rows[grade_id].points == pytest.approx(score)
                    assert rows[grade_id].passed == (score >= max_score)
                failed = {o.grade_id for o in stored[student] if not o.passed}
                assert set(frame[frame.student == student].grade_id) == failed
                if samples[sample].kind == "honest":
                    assert not failed
                elif samples[sample].kind == "mistake":
                    assert failed == set(samples[sample].expect_lost), (assignment, sample)


@nbgrader_test
def test_demo_says_where_feedback_went_and_aligns_its_table(ran):
    for line in ran.feedback_lines():
        assert str(ran.root / "feedback") in line and str(ran.exchange) in line
    assert len(ran.feedback_lines()) == len(ran.plan)
    _aligned(ran.table())


def _aligned(table: str) -> None:
    lines = table.splitlines()
    header = lines[0]
    starts = [header.index(name) for name in ("student", "submission", "status", "reasons")]
    for line in lines[1:]:
        for start in starts[:-1]:
            assert line[start - 2:start] == "  " and line[start] != " ", (line, start)


def test_demo_table_keeps_columns_with_long_names():
    result = DemoResult(REPO, REPO, {}, rows=[
        ("tfidf_distances", "a-student-with-a-very-long-login", "consistent_argument_order_and_more", "graded", 15.0, 19.0, []),
        ("artificial_neurons", "bo", "blank", "failed", 0.0, 20.0, ["not JSON"]),
    ])
    _aligned(result.table())


def test_collect_without_exchange_says_how_to_set_it(tmp_path):
    """Collecting from a missing exchange names the folder and the setting (release refuses it too:
    tests/test_readme_commands.py)."""
    missing = tmp_path / "no-exchange"
    with pytest.raises(ExchangeError) as collecting:
        collect(REPO, "tfidf_distances", exchange_root=missing)
    text = str(collecting.value)
    assert f"exchange folder {missing} does not exist" in text
    assert "--exchange DIR" in text and "c.Exchange.root" in text
    assert "contact your instructor" not in text
    assert not missing.exists()
