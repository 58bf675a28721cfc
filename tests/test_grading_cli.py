"""The term's verbs through the real command line: release to an exchange, a student fetches and submits
with real nbgrader commands, collect brings the submission into submitted/, and grade explains what to do
when nothing was collected. No kernel runs here (release uses --no-build: release/ is committed)."""

import subprocess
import sys

import pytest

from autograder import course

from .conftest import REPO, nbgrader

pytestmark = pytest.mark.nbgrader

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


def test_collect_zip_takes_canvas_downloads(tmp_path):
    """Canvas names files <name>_[late_]<user id>_<submission id>_<file>[-n]; loose files and a .zip both count."""
    import zipfile

    root = course.copy_course(REPO, tmp_path / "course")
    notebook = (REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    downloads = tmp_path / "canvas"
    downloads.mkdir()
    (downloads / f"doejane_1001_9001_{ASSIGNMENT}.ipynb").write_bytes(notebook)
    (downloads / f"roejohn_late_1002_9002_{ASSIGNMENT}-1.ipynb").write_bytes(notebook + b"\n")  # a resubmission
    with zipfile.ZipFile(downloads / "submissions.zip", "w") as archive:
        archive.writestr(f"kaysam_1003_9003_{ASSIGNMENT}.ipynb", notebook)
    (downloads / f"lostfile_{ASSIGNMENT}.ipynb").write_bytes(notebook)  # no Canvas ids: cannot be attributed
    (downloads / "doejane_1001_9004_homework.ipynb").write_bytes(notebook)  # not a notebook of the assignment

    collected = autograder(root, "collect", ASSIGNMENT, "--zip", str(downloads))
    assert collected.returncode == 0, collected.stderr
    assert "3 submissions in submitted/" in collected.stdout
    for student, data in {"1001": notebook, "1002": notebook + b"\n", "1003": notebook}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        assert sorted(p.name for p in folder.iterdir() if p.name != "timestamp.txt") == [f"{ASSIGNMENT}.ipynb"]
        assert (folder / f"{ASSIGNMENT}.ipynb").read_bytes() == data
    assert f"skipped lostfile_{ASSIGNMENT}.ipynb" in collected.stderr
    assert "skipped doejane_1001_9004_homework.ipynb" in collected.stderr
