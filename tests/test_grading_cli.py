"""The term's verbs through the real command line: release to an exchange, a student fetches and submits
with real nbgrader commands, collect brings the submission into submitted/, and grade explains what to do
when nothing was collected. No kernel runs here (release uses --no-build: release/ is committed)."""

import subprocess
import sys

from autograder import course

from .conftest import REPO, nbgrader

ASSIGNMENT = "tfidf_distances"


def autograder(cwd, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)


def test_grade_without_submissions_names_the_fix(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    result = autograder(root, "grade", ASSIGNMENT)
    assert result.returncode == 2
    assert f"no submissions collected for {ASSIGNMENT}" in result.stderr
    assert f"autograder collect {ASSIGNMENT}" in result.stderr


def test_release_fetch_submit_collect(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    exchange, student = tmp_path / "exchange", tmp_path / "student"
    student.mkdir()
    course_id = course.load_config(root).CourseDirectory.course_id

    released = autograder(root, "release", ASSIGNMENT, "--exchange", str(exchange), "--no-build")
    assert released.returncode == 0, released.stderr
    assert (exchange / course_id / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

    again = autograder(root, "release", ASSIGNMENT, "--exchange", str(exchange), "--no-build")
    assert again.returncode == 2 and "--force" in again.stderr  # the message names the fix

    for verb in ("fetch_assignment", "submit"):
        nbgrader(student, verb, ASSIGNMENT, "--course", course_id, f"--Exchange.root={exchange}")

    collected = autograder(root, "collect", ASSIGNMENT, "--exchange", str(exchange))
    assert collected.returncode == 0, collected.stderr
    submissions = list((root / "submitted").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))
    assert len(submissions) == 1 and (submissions[0].parent / "timestamp.txt").is_file()
    assert "1 submissions" in collected.stdout
