"""`autograder export` on a real gradebook: nbgrader's CSV, the per-question, mistakes and Canvas CSVs.

The gradebook comes from real `nbgrader autograde` runs (tests/graded_gradebook.py); every expected
number is read back from it through nbgrader's Gradebook API or autograder.storage.gradebook.cell_scores. The
course's exports are nbgrader export plugins: plain `nbgrader export --exporter=...` must write the
same bytes. The Canvas identity columns and the text tables are checked without a gradebook.
"""

import json
import subprocess
import sys

import pandas as pd
import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder.errors import NoGradesError
from autograder.exports import export
from autograder.exports.csv_files import canvas_identity
from autograder.storage.gradebook import cell_scores
from autograder.report.results import StudentResult
from autograder.assignments.samples import samples_for
from autograder.report.text_table import text_table

from .graded_gradebook import ABSENT, MANUAL, SUBMITTERS, graded_course

nbgrader_test = pytest.mark.nbgrader


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


@nbgrader_test
def test_export_writes_the_four_files(exported, graded):
    """One naming scheme, ``<scope>-<kind>.csv``: every graded assignment's files say so (``all-assignments``)."""
    assert set(exported) == {"all-assignments-grades.csv", f"{graded.assignment}-questions.csv",
                             f"{graded.assignment}-mistakes.csv", "all-assignments-canvas.csv"}
    for path in exported.values():
        assert path.stat().st_size > 0


@nbgrader_test
def test_nbgrader_csv_is_nbgraders_own(exported, gradebook_view, graded):
    students, max_score, view = gradebook_view
    frame = pd.read_csv(exported["all-assignments-grades.csv"], dtype={"student_id": str})
    assert list(frame.columns[:4]) == ["assignment", "duedate", "timestamp", "student_id"]
    assert sorted(frame.student_id) == students
    for _, row in frame.iterrows():
        sub = view[row.student_id]
        raw, penalty = (sub[0], sub[1]) if sub else (0.0, 0.0)
        assert row.raw_score == pytest.approx(raw)
        assert row.late_submission_penalty == pytest.approx(penalty)
        assert row.max_score == pytest.approx(max_score)


@nbgrader_test
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


@nbgrader_test
def test_manual_cell_blank_until_graded_by_hand(exported, graded):
    frame = pd.read_csv(exported[f"{graded.assignment}-questions.csv"], dtype=str, keep_default_na=False)
    student, grade_id, score = MANUAL
    column = next(c for c in frame.columns if c.startswith(f"{grade_id} ("))
    by_student = frame.set_index("student")[column]
    assert float(by_student[student]) == pytest.approx(score)
    assert by_student["bob"] == "", "bob's written answer waits for a person: blank, not 0"


@nbgrader_test
def test_student_without_submission_gets_zero_and_reason(exported, graded):
    frame = pd.read_csv(exported[f"{graded.assignment}-questions.csv"], dtype=str, keep_default_na=False)
    row = frame.set_index("student").loc[ABSENT[0]]
    assert row.first_name == ABSENT[1] and row.last_name == ABSENT[2]
    assert float(row.total) == 0 and float(row.final) == 0
    assert row.status == "missing"
    assert "no submission" in row.reasons
    task_columns = [c for c in frame.columns if c.endswith(")") and " (" in c]
    assert all(float(row[c]) == 0 for c in task_columns)


@nbgrader_test
def test_late_penalty_and_withheld_columns(exported, graded, gradebook_view):
    _, _, view = gradebook_view
    frame = pd.read_csv(exported[f"{graded.assignment}-questions.csv"], dtype=str, keep_default_na=False)
    frame = frame.set_index("student")
    late = [s for s, (_, _, _, seconds) in SUBMITTERS.items() if seconds]
    assert late, "the fixture has a late submission"
    for sid in late:
        score, penalty, seconds_late = view[sid]
        assert penalty > 0, "the late policy (50% a started day) assigned a penalty"
        assert float(frame.loc[sid, "late_penalty"]) == pytest.approx(penalty)
        assert float(frame.loc[sid, "seconds_late"]) == pytest.approx(seconds_late)
        assert float(frame.loc[sid, "final"]) == pytest.approx(max(0.0, score - penalty))
    bob = frame.loc["bob"]
    assert bob.withheld == "withheld" and bob.status == "flagged"
    assert bob.final == "", "a withheld score is not presented as final"
    assert "test cell edited" in bob.reasons
    assert frame.loc["carol", "status"] == "failed" and "timed out" in frame.loc["carol", "reasons"]


@nbgrader_test
def test_canvas_csv_header_points_and_scores(exported, graded, gradebook_view):
    students, max_score, view = gradebook_view
    frame = pd.read_csv(exported["all-assignments-canvas.csv"], dtype=str, keep_default_na=False)
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


@nbgrader_test
def test_export_one_assignment_and_errors(graded, tmp_path):
    paths = export(graded.root, graded.assignment, db_url=graded.db_url, out_dir=tmp_path)
    assert [p.name for p in paths] == [f"{graded.assignment}-{kind}.csv" for kind in ("grades", "questions", "mistakes", "canvas")]
    assert not list(tmp_path.glob("all-assignments-*")), "one assignment's files never carry the course-wide name"
    one = pd.read_csv(paths[0], dtype={"student_id": str})
    assert set(one.assignment) == {graded.assignment}
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    Gradebook(empty).close()
    with pytest.raises(NoGradesError, match="run autograder grade"):
        export(graded.root, db_url=empty, out_dir=tmp_path)


@nbgrader_test
def test_cli_export_prints_paths(graded):
    result = subprocess.run(
        [sys.executable, "-c", "from autograder.cli import run; run()", "export", "--db", graded.db_url],
        cwd=graded.root, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    # each line names the file and says what it is for
    assert f"wrote {graded.root / 'exports' / 'all-assignments-canvas.csv'}: Canvas gradebook import" in result.stdout
    assert f"wrote {graded.root / 'exports' / 'all-assignments-grades.csv'}: nbgrader's grades" in result.stdout
    assert f"wrote {graded.root / 'exports' / (graded.assignment + '-questions.csv')}: per-question" in result.stdout
    missing = subprocess.run(
        [sys.executable, "-c", "from autograder.cli import run; run()", "report", graded.assignment,
         "--db", f"sqlite:///{graded.root / 'nothing.db'}"],
        cwd=graded.root, capture_output=True, text=True,
    )
    assert missing.returncode == 2 and "run autograder grade" in missing.stderr


@nbgrader_test
@pytest.mark.parametrize("plugin, target", [
    ("QuestionsExport", "{a}-questions.csv"), ("MistakesExport", "{a}-mistakes.csv"),
    ("CanvasExport", "all-assignments-canvas.csv")])
def test_nbgrader_export_plugin_writes_the_same_bytes(exported, graded, tmp_path, plugin, target):
    """Plain `nbgrader export --exporter=...` (a separate process) writes what `autograder export` wrote."""
    name = target.format(a=graded.assignment)
    to = tmp_path / name if plugin == "CanvasExport" else tmp_path
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", f"--exporter=autograder.exports.plugins.{plugin}",
         f"--to={to}", f"--CourseDirectory.db_url={graded.db_url}"],
        cwd=graded.root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / name).read_bytes() == exported[name].read_bytes()


@nbgrader_test
def test_nbgrader_canvas_export_names_its_file_by_the_scheme(exported, graded):
    """Without ``--to``, plain nbgrader's Canvas export names its file as `autograder export` does: the assignment
    when one is given, ``all-assignments`` otherwise; the same bytes."""
    for args, name in (([f"--assignment={graded.assignment}"], f"{graded.assignment}-canvas.csv"),
                       ([], "all-assignments-canvas.csv")):
        path = graded.root / "exports" / name
        path.unlink(missing_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", "export", "--exporter=autograder.exports.plugins.CanvasExport", *args,
             f"--CourseDirectory.db_url={graded.db_url}"],
            cwd=graded.root, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert path.read_bytes() == exported["all-assignments-canvas.csv"].read_bytes(), name  # one assignment graded


def _failed_test_cells(graded) -> set:
    """``(student, grade_id)`` of every autograded test cell below its maximum, from the gradebook and the
    autograded notebooks' cell metadata (which cells are tests): what the mistakes CSV must list."""
    expected = set()
    for student in SUBMITTERS:
        nb = json.loads((graded.root / "autograded" / student / graded.assignment / f"{graded.assignment}.ipynb").read_text())
        tests = {c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
                 if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("grade")
                 and not c["metadata"]["nbgrader"].get("solution")}
        for cell in cell_scores(graded.db_url, graded.course_id, graded.assignment, student).values():
            if cell.grade_id in tests and cell.score < cell.max_score:
                expected.add((student, cell.grade_id))
    return expected


@nbgrader_test
def test_mistakes_csv_one_row_per_failed_test_cell(exported, graded):
    """Recovered from the autograded notebooks (plain `nbgrader autograde` wrote no outcome rows)."""
    frame = pd.read_csv(exported[f"{graded.assignment}-mistakes.csv"], dtype=str, keep_default_na=False)
    assert list(frame.columns[:4]) == ["student", "grade_id", "mistake", "message"]
    rows = list(zip(frame.student, frame.grade_id))
    assert len(rows) == len(set(rows)), "one row per cell"
    assert set(rows) == _failed_test_cells(graded)
    samples = {s.name: s for s in samples_for(graded.assignment)}
    for student, (sample, *_rest) in SUBMITTERS.items():
        lost = {gid for sid, gid in rows if sid == student}
        if samples[sample].kind == "honest":
            assert not lost, f"{student} handed in an honest sample: no mistakes"
        elif samples[sample].kind == "mistake":
            assert lost == set(samples[sample].expect_lost), student
    bob = frame[frame.student == "bob"].iloc[0]
    assert bob.mistake and "idf" in bob.message, "the check's message, as the student read it"
    assert (frame.mistake != "").all()
    assert ABSENT[0] not in set(frame.student)


def test_canvas_identity_puts_the_canvas_user_id_in_id():
    """Canvas matches on ID (its user id) first, then SIS User ID, then SIS Login ID: SIS columns hold SIS ids only."""
    from_canvas = StudentResult(student="104233", first_name="Ada", last_name="Lovelace")
    assert canvas_identity(from_canvas) == ["Lovelace, Ada", "104233", "", "", ""]
    login = StudentResult(student="ada", lms_user_id="5521")
    assert canvas_identity(login) == ["ada", "5521", "", "ada", ""]
    lti = StudentResult(student="ada", lms_user_id="f3a9c0e1")  # an LTI hash is not a Canvas user id
    assert canvas_identity(lti) == ["ada", "", "", "ada", ""]


def test_text_table_aligns_long_names():
    table = text_table(["student", "status", "score"], [["a-very-long-student-name", "graded", "19"], ["bo", "failed", "0"]],
                       right=("score",))
    lines = table.splitlines()
    assert len({line.index("graded") if "graded" in line else line.index("failed") for line in lines[1:]}) == 1
    assert lines[0].index("status") == lines[1].index("graded")
    assert [line.rstrip() for line in lines] == lines, "no trailing spaces"
    assert lines[1].endswith("19") and lines[2].endswith(" 0"), "numbers right-aligned"
