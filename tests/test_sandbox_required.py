"""The grading sandbox is required by default: without bubblewrap nothing is graded unless the course says so.

Bubblewrap is made unusable the way the project does it: a private mount namespace (root) in which /dev/null
is bound over the ``bwrap`` binary (``sandbox_helpers.without_bubblewrap``). With the shipped
``nbgrader_config.py`` (``c.Sandbox.require = True``), the real `autograder grade` and plain `nbgrader autograde`
refuse, exit non-zero, grade nothing and say how to install bubblewrap and how to turn the requirement off.
A course that turns it off (``c.Sandbox.require = False``) grades, and every submission graded without the
sandbox is counted in the summary and says so in its record's reasons and in the exported CSV.
"""

import csv
import os
import shutil
import sys

import pytest

from autograder import course
from autograder.storage import records
from autograder.assignments.samples import submit_class
from autograder.sandbox import Sandbox

from .conftest import REPO, course_id, db_url, nbgrader
from .sandbox_helpers import without_bubblewrap

ASSIGNMENT = "artificial_neurons"
STUDENTS = ("ada", "bo")
INSTALL = "apt-get install -y bubblewrap"
TURN_OFF = "c.Sandbox.require = False"
UNSANDBOXED = "graded WITHOUT SANDBOX"  # autograder.sandbox.probe.UNSANDBOXED, spelled out: what instructors read


def test_the_sandbox_is_required_by_default_and_by_the_shipped_config():
    assert Sandbox().require is True
    assert course.load_config(REPO).Sandbox.require is True


def needs_namespace(test):
    """An nbgrader-tier test that hides bwrap in a private mount namespace (root and unshare)."""
    skip = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                              reason="a private mount namespace hiding bwrap needs root and unshare")
    return pytest.mark.nbgrader(skip(test))


@pytest.fixture(scope="module")
def steps(tmp_path_factory) -> dict:
    root = course.copy_course(REPO, tmp_path_factory.mktemp("required") / "course")
    submit_class(root, ASSIGNMENT, {student: "solution" for student in STUDENTS})
    grade = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"]
    found = {"root": root, "refused": without_bubblewrap(grade, root)}
    found["gradebook after refusal"] = (root / "gradebook.db").exists()
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")  # plain nbgrader needs the assignment in the gradebook
    found["refused nbgrader"] = without_bubblewrap([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], root)
    found["records after refusals"] = records.load(db_url(root), course_id(root), ASSIGNMENT)
    found["autograded after refusals"] = sorted(str(p) for p in (root / "autograded").rglob("*.ipynb"))
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write(f"\n{TURN_OFF}\n")
    found["unsandboxed"] = without_bubblewrap(grade, root)
    found["records"] = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    found["export"] = without_bubblewrap([sys.executable, "-m", "autograder", "export", ASSIGNMENT], root)
    return found


@needs_namespace
def test_autograder_grade_refuses_before_grading_anything(steps):
    run = steps["refused"]
    assert run.returncode == 2, run.stdout + run.stderr
    assert INSTALL in run.stderr and TURN_OFF in run.stderr, run.stderr
    assert "graded" not in run.stdout, run.stdout
    assert not steps["gradebook after refusal"], "the gradebook was written"


@needs_namespace
def test_plain_nbgrader_autograde_refuses_and_grades_nothing(steps):
    run = steps["refused nbgrader"]
    log = run.stdout + run.stderr
    assert run.returncode != 0, log[-3000:]
    assert "grading infrastructure:" in log and INSTALL in log and TURN_OFF in log, log[-3000:]
    assert "GRADING WITHOUT SANDBOX" not in log, log[-3000:]
    assert steps["autograded after refusals"] == []  # nbgrader kept no autograded notebook, so no grade
    assert steps["records after refusals"] == []


@needs_namespace
def test_with_the_requirement_turned_off_every_unsandboxed_submission_is_counted_and_marked(steps):
    run = steps["unsandboxed"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{UNSANDBOXED}: 2 submission(s)" in run.stdout, run.stdout
    assert "GRADING WITHOUT SANDBOX" in run.stderr
    for student, record in steps["records"].items():
        assert record.status == "graded", record.reasons  # graded as usual, and marked
        assert any(reason.startswith(UNSANDBOXED) for reason in record.reasons), record.reasons
        assert record.score > 0
    export = steps["export"]
    assert export.returncode == 0, export.stdout + export.stderr
    path = steps["root"] / "exports" / f"{ASSIGNMENT}-questions.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert sorted(row["student"] for row in rows) == list(STUDENTS)
    assert all(UNSANDBOXED in row["reasons"] for row in rows), rows
