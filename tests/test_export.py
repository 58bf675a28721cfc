"""`autograder export` on a real gradebook: nbgrader's CSV, the per-question CSV and the Canvas CSV.

The gradebook comes from real `nbgrader autograde` runs (tests/graded_gradebook.py); every expected
number is read back from it through nbgrader's Gradebook API or autograder.gradebook.cell_scores.
"""

import subprocess
import sys

import pandas as pd
import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder.errors import NoGradesError
from autograder.export import export
from autograder.gradebook import cell_scores

from .graded_gradebook import ABSENT, MANUAL, SUBMITTERS, graded_course

pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_course(tmp_path_factory.getbasetemp() / "graded")


@pytest.fixture(scope="module")
def exported(graded, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    paths = export(graded.root, db_url=graded.db_url, out_dir=out)
    return {p.name: p for p in paths}


@pytest.fixture(scope="module")
def gradebook_view(graded):
    """Per student: submission (score, penalty, seconds late, max) or None, straight from the gradebook."""
    with Gradebook(graded.db_url, course_id=graded.course_id) as gb:
        students = sorted(s.id for s in gb.students)
        max_score = float(gb.find_assignment(graded.assignment).max_score)
        view = {}
        for sid in students:
            try:
                sub = gb.find_submission(graded.assignment, sid)
            except MissingEntry:
                view[sid] = None
            else:
                view[sid] = (float(sub.score), float(sub.late_submission_penalty), float(sub.total_seconds_late))
    return students, max_score, view


def test_export_writes_the_three_files(exported, graded):
    assert set(exported) == {"grades.csv", f"{graded.assignment}-questions.csv", "canvas.csv"}
    for path in exported.values():
        assert path.stat().st_size > 0


def test_nbgrader_csv_is_nbgraders_own(exported, gradebook_view, graded):
    students, max_score, view = gradebook_view
    frame = pd.read_csv(exported["grades.csv"], dtype={"student_id": str})
    assert list(frame.columns[:4]) == ["assignment", "duedate", "timestamp", "student_id"]
    assert sorted(frame.student_id) == students
    for _, row in frame.iterrows():
        sub = view[row.student_id]
        raw, penalty = (sub[0], sub[1]) if sub else (0.0, 0.0)
        assert row.raw_score == pytest.approx(raw)
        assert row.late_submission_penalty == pytest.approx(penalty)
        assert row.max_score == pytest.approx(max_score)


def test_questions_csv_equals_cell_scores(exported, graded, gradebook_view):
    students, max_score, view = gradebook_view
    frame = pd.read_csv(exported[f"{graded.assignment}-questions.csv"], dtype={"student": str}, keep_default_na=False)
    assert sorted(frame.student) == students, "every student of the gradebook has a row"
    scores = cell_scores(graded.db_url, graded.course_id, graded.assignment, "alice")
    for cell in scores.values():
        assert f"{cell.grade_id} ({cell.max_score:g})" in frame.columns
    for _, row in frame.iterrows():
        cells = cell_scores(graded.db_url, graded.course_id, graded.assignment, row.student)
        for cell in cells.values():
            value = row[f"{cell.grade_id} ({cell.max_score:g})"]
            if cell.autograded:
                assert float(value) == pytest.approx(cell.score), (row.student, cell.grade_id)
            elif value != "":
                assert float(value) == pytest.approx(cell.score), (row.student, cell.grade_id)
        sub = view[row.student]
        assert float(row.total) == pytest.approx(sub[0] if sub else 0.0)
        assert float(row["max"]) == pytest.approx(max_score)


def test_manual_cell_blank_until_graded_by_hand(exported, graded):
    frame = pd.read_csv(exported[f"{graded.assignment}-questions.csv"], dtype=str, keep_default_na=False)
    student, grade_id, score = MANUAL
    column = next(c for c in frame.columns if c.startswith(f"{grade_id} ("))
    by_student = frame.set_index("student")[column]
    assert float(by_student[student]) == pytest.approx(score)
    assert by_student["bob"] == "", "bob's written answer waits for a person: blank, not 0"


def test_student_without_submission_gets_zero_and_reason(exported, graded):
    frame = pd.read_csv(exported[f"{graded.assignment}-questions.csv"], dtype=str, keep_default_na=False)
    row = frame.set_index("student").loc[ABSENT[0]]
    assert row.first_name == ABSENT[1] and row.last_name == ABSENT[2]
    assert float(row.total) == 0 and float(row.final) == 0
    assert row.status == "missing"
    assert "no submission" in row.reasons
    task_columns = [c for c in frame.columns if c.endswith(")") and " (" in c]
    assert all(float(row[c]) == 0 for c in task_columns)


def test_late_penalty_and_withheld_columns(exported, graded, gradebook_view):
    _, _, view = gradebook_view
    frame = pd.read_csv(exported[f"{graded.assignment}-questions.csv"], dtype=str, keep_default_na=False)
    frame = frame.set_index("student")
    late = [s for s, (_, _, _, seconds) in SUBMITTERS.items() if seconds]
    assert late, "the fixture has a late submission"
    for sid in late:
        score, penalty, seconds_late = view[sid]
        assert penalty > 0, "nbgrader's zero-penalty plugin assigned a penalty"
        assert float(frame.loc[sid, "late_penalty"]) == pytest.approx(penalty)
        assert float(frame.loc[sid, "seconds_late"]) == pytest.approx(seconds_late)
        assert float(frame.loc[sid, "final"]) == pytest.approx(max(0.0, score - penalty))
    bob = frame.loc["bob"]
    assert bob.withheld == "withheld" and bob.status == "flagged"
    assert bob.final == "", "a withheld score is not presented as final"
    assert "test cell edited" in bob.reasons
    assert frame.loc["carol", "status"] == "failed" and "timed out" in frame.loc["carol", "reasons"]


def test_canvas_csv_header_points_and_scores(exported, graded, gradebook_view):
    students, max_score, view = gradebook_view
    frame = pd.read_csv(exported["canvas.csv"], dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", graded.assignment]
    points = frame.iloc[0]
    assert points.Student.strip() == "Points Possible"
    assert float(points[graded.assignment]) == pytest.approx(max_score)
    body = frame.iloc[1:].set_index("SIS Login ID")
    assert sorted(body.index) == students
    for sid in students:
        value = body.loc[sid, graded.assignment]
        if view[sid] is None:
            assert float(value) == 0
        elif sid == "bob":
            assert value == "", "withheld scores are not uploaded"
        else:
            score, penalty, _ = view[sid]
            assert float(value) == pytest.approx(max(0.0, score - penalty))
    assert body.loc["alice", "Student"] == "Archer, Alice"


def test_export_one_assignment_and_errors(graded, tmp_path):
    paths = export(graded.root, graded.assignment, db_url=graded.db_url, out_dir=tmp_path)
    assert [p.name for p in paths] == [
        f"grades-{graded.assignment}.csv", f"{graded.assignment}-questions.csv", f"canvas-{graded.assignment}.csv"]
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    Gradebook(empty).close()
    with pytest.raises(NoGradesError, match="run autograder grade"):
        export(graded.root, db_url=empty, out_dir=tmp_path)


def test_cli_export_prints_paths(graded):
    result = subprocess.run(
        [sys.executable, "-c", "from autograder.cli import run; run()", "export", "--db", graded.db_url],
        cwd=graded.root, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert str(graded.root / "exports" / "canvas.csv") in result.stdout
    missing = subprocess.run(
        [sys.executable, "-c", "from autograder.cli import run; run()", "report", graded.assignment,
         "--db", f"sqlite:///{graded.root / 'nothing.db'}"],
        cwd=graded.root, capture_output=True, text=True,
    )
    assert missing.returncode == 2 and "run autograder grade" in missing.stderr
