"""What decides whether a grade is redone, and how a grading-side failure is told from a student's mistake.

Pure tests (no kernel): the records table of an older gradebook gains the fingerprint column, the reason
a submission is regraded, the course pipeline's stop on grader faults, and which test-cell errors are the
grader's. The end-to-end behaviour (real builds, kernels, gradebooks) is in ``test_trust.py``.
"""

import os
from datetime import datetime
import subprocess
import sys

import nbformat
import sqlalchemy as sa

from autograder import course, records
from autograder.grading import fingerprint as batch
from autograder.preprocessors.grader_fault import REASON_PREFIX, StopOnGraderFault, grader_fault, grader_faults

from .conftest import REPO, checkout_env, checkout_python


def _old_table(db_url):
    """The records table as the package created it before fingerprints, with one graded row."""
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "CREATE TABLE autograder_submissions (course_id VARCHAR(128) NOT NULL, assignment VARCHAR(128) NOT NULL, "
            "student VARCHAR(128) NOT NULL, content_hash VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL, "
            "reasons TEXT NOT NULL, kernel VARCHAR(16) NOT NULL, seconds FLOAT NOT NULL, score FLOAT NOT NULL, "
            "max_score FLOAT NOT NULL, withheld BOOLEAN NOT NULL, graded_at DATETIME NOT NULL, "
            "PRIMARY KEY (course_id, assignment, student))"))
        connection.execute(sa.text(
            "INSERT INTO autograder_submissions VALUES ('c', 'a', 'old', 'abc', 'graded', '[]', 'ok', 1.0, 5.0, 10.0, 0, "
            "'2026-01-01 00:00:00.000000')"))
    engine.dispose()


def test_an_existing_records_table_gains_the_fingerprint_column_and_keeps_its_rows(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    _old_table(db_url)
    [old] = records.load(db_url, "c", "a")
    assert (old.student, old.content_hash, old.score, old.fingerprint) == ("old", "abc", 5.0, {})
    records.save(db_url, "c", records.SubmissionRecord("a", "new", content_hash="def", fingerprint={"source": "1"}))
    records.save(db_url, "c", records.SubmissionRecord("a", "old", content_hash="abc", score=6.0,
                                                       fingerprint={"source": "2"}))  # an upsert, not a second row
    loaded = {r.student: r for r in records.load(db_url, "c", "a")}
    assert sorted(loaded) == ["new", "old"]
    assert loaded["old"].score == 6.0 and loaded["old"].fingerprint == {"source": "2"}
    assert loaded["new"].fingerprint == {"source": "1"}
    # an old record (no fingerprint) is regraded once, saying why
    assert batch.why_regrade(old, {"submission": "abc", "source": "x"}) == "graded before fingerprints were kept"


def test_why_regrade_names_every_changed_part():
    spec = {"submission": "s", "source": "1", "release": "2", "config": "3", "grading code": "4", "nbgrader": "0.9"}

    def record(content_hash="s", **changes):
        return records.SubmissionRecord("a", "x", content_hash=content_hash, fingerprint={**spec, **changes})

    assert batch.why_regrade(record(), spec) == ""
    assert batch.why_regrade(None, spec) == batch.NEW
    assert batch.why_regrade(record(content_hash=""), spec) == "earlier grading did not finish"
    assert batch.why_regrade(record(content_hash="other", submission="other"), spec) == "submission changed"
    assert batch.why_regrade(record(source="old", release="old"), spec) == "source and release changed"
    assert batch.why_regrade(record(**{"grading code": "old"}), spec) == "grading code changed"
    assert batch.why_regrade(record(config="old", nbgrader="0.8"), spec) == "config and nbgrader changed"


def test_grading_spec_follows_each_part(tmp_path):
    source, release, config = {"a.ipynb": b"1"}, {"a.ipynb": b"2"}, "c = 1"
    spec = batch.grading_spec(source, release, config)
    assert set(spec) == set(batch.PARTS) - {"submission", "extension"}  # those two are the student's own
    assert batch.grading_spec({"a.ipynb": b"1!"}, release, config)["source"] != spec["source"]
    assert batch.grading_spec(source, {"a.ipynb": b"2!"}, config)["release"] != spec["release"]
    assert batch.grading_spec(source, release, "c = 2")["config"] != spec["config"]
    assert batch.grading_spec(source, release, config) == spec
    due = datetime(2026, 12, 1, 23, 59)
    assert batch.grading_spec(source, release, config, due)["due date"] != spec["due date"]
    one_day = batch.fingerprint({"a.ipynb": b"x"}, spec, extension_seconds=86400)
    assert one_day["extension"] != batch.fingerprint({"a.ipynb": b"x"}, spec)["extension"]
    graded = records.SubmissionRecord("a", "x", content_hash=one_day["submission"], fingerprint=one_day)
    assert batch.why_regrade(graded, {**one_day, "extension": "0"}) == "extension changed"
    # the grading code is the checks, the references and the kernel's extension of the package that grades
    listed = {str(path.relative_to(REPO / "autograder")) for name in batch.GRADING_CODE
              for path in ([REPO / "autograder" / name] if name.endswith(".py") else (REPO / "autograder" / name).rglob("*.py"))}
    assert {"checks/artificial_neurons/neuron.py", "reference/tfidf_distances.py", "quiet_kernel.py", "late.py"} <= listed


def _test_cell(*outputs, solution=False):
    cell = nbformat.v4.new_code_cell("check_something(answer)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": solution, "grade_id": "test_x", "points": 2}
    cell.outputs = [nbformat.v4.new_output("error", ename=e, evalue=v, traceback=tb) for e, v, tb in outputs]
    return cell


def test_grader_faults_are_told_from_student_mistakes():
    infrastructure = ("GradingInfrastructureError", f"{REASON_PREFIX} the reference computation x failed", [])
    missing = ("ModuleNotFoundError", "No module named 'autograder'", [])
    missing_sub = ("ModuleNotFoundError", "No module named 'autograder.checks'", [])
    inside = ("ModuleNotFoundError", "No module named 'numpy'", ['File "/opt/autograder-package/autograder/checks/x.py"'])
    assert grader_fault(_test_cell(infrastructure)).startswith(f"{REASON_PREFIX} the reference computation x failed")
    for error in (missing, missing_sub, inside):
        reason = grader_fault(_test_cell(error))
        assert reason.startswith(REASON_PREFIX) and "pip install -e" in reason, reason  # names the fix
    # the student's own mistakes: a wrong answer, a missing module of their own, the same error outside a test cell
    assert grader_fault(_test_cell(("AnswerError", "tfidf rows should have unit L2 norm", []))) == ""
    assert grader_fault(_test_cell(("ModuleNotFoundError", "No module named 'autograder_helpers'", []))) == ""
    assert grader_fault(_test_cell(("ModuleNotFoundError", "No module named 'torch'", ["<ipython-input-3>"]))) == ""
    assert grader_fault(_test_cell(missing, solution=True)) == ""
    nb = nbformat.v4.new_notebook(cells=[_test_cell(), _test_cell(missing)])
    assert [grade_id for grade_id, _ in grader_faults(nb)] == ["test_x"]


def test_stop_on_grader_fault_raises_with_the_reason_and_passes_clean_notebooks():
    from autograder.errors import GradingInfrastructureError

    step = StopOnGraderFault()
    clean = nbformat.v4.new_notebook(cells=[_test_cell(("AnswerError", "wrong", []))])
    assert step.preprocess(clean, {})[0] is clean
    broken = nbformat.v4.new_notebook(cells=[_test_cell(("ModuleNotFoundError", "No module named 'autograder'", []))])
    try:
        step.preprocess(broken, {})
    except GradingInfrastructureError as error:
        assert str(error).startswith(REASON_PREFIX) and "earlier grade is kept" in str(error)
    else:
        raise AssertionError("a grader fault must stop the submission")


def test_the_course_pipeline_stops_on_grader_faults_before_grades_are_saved():
    """Plain `nbgrader autograde` uses nbgrader_config.py: the stop sits between Execute and SaveAutoGrades."""
    from nbgrader.preprocessors import Execute, SaveAutoGrades

    steps = list(course.load_config(REPO).Autograde.autograde_preprocessors)
    execute = next(i for i, s in enumerate(steps) if isinstance(s, type) and issubclass(s, Execute))
    assert steps.index(StopOnGraderFault) == execute + 1 < steps.index(SaveAutoGrades)


def test_grade_and_demo_stop_at_once_without_the_data(tmp_path):
    """The README's promise: without the data the grading commands stop before anything is done, naming the fix."""
    root = course.copy_course(REPO, tmp_path / "course")
    submitted = root / "submitted" / "ada" / "artificial_neurons"
    submitted.mkdir(parents=True)
    (submitted / "artificial_neurons.ipynb").write_bytes((REPO / "release" / "artificial_neurons" / "artificial_neurons.ipynb").read_bytes())
    env = checkout_env(dict(os.environ, SCIKIT_LEARN_DATA=str(tmp_path / "no-data-here")))
    for args, cwd in ((["grade", "artificial_neurons"], root), (["demo", "--dir", str(tmp_path / "demo")], REPO)):
        result = subprocess.run([*checkout_python(), "-m", "autograder", *args], cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "20 Newsgroups data not found" in result.stderr and "SCIKIT_LEARN_DATA" in result.stderr
    assert not (root / "gradebook.db").exists() and not (root / "autograded").exists()  # nothing was graded
    assert not (tmp_path / "demo").exists()


def test_a_kernel_whose_extension_failed_refuses_every_cell(monkeypatch):
    """The extension could not prepare the kernel: every cell raises the grader's error, never a plain failure."""
    from IPython.core.interactiveshell import InteractiveShell

    from autograder import quiet_kernel
    from autograder.errors import GradingInfrastructureError
    from autograder.integrity import runtime

    monkeypatch.setattr(sys, "stderr", sys.stderr)  # the extension reroutes it
    monkeypatch.setattr(runtime, "take_snapshot", lambda ipython: 1 / 0)
    shell = InteractiveShell()
    quiet_kernel.load_ipython_extension(shell)
    outcome = shell.run_cell("answer = 42", store_history=False)
    assert isinstance(outcome.error_in_exec, GradingInfrastructureError)
    assert str(outcome.error_in_exec).startswith(REASON_PREFIX) and "ZeroDivisionError" in str(outcome.error_in_exec)
    assert "answer" not in shell.user_ns
    cell = _test_cell(("GradingInfrastructureError", str(outcome.error_in_exec), []))
    assert grader_fault(cell) == str(outcome.error_in_exec)
