"""Every verb honours nbgrader's folder settings (``c.CourseDirectory.*_directory``).

A course copy whose nbgrader_config.py renames every folder goes through the term with the real command
line: release (which builds), students fetch and submit with nbgrader's own commands, collect, grade
(feedback included), export and report. Everything lands in the renamed folders, and no folder of
nbgrader's default names is ever created. The sandbox masks the renamed folders too.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course
from autograder.storage import records
from autograder.demo import student_home, student_turn
from autograder.sandbox import course_secrets

from .conftest import REPO

ASSIGNMENT = "artificial_neurons"
RENAMED = {
    "source_directory": "src_nb", "release_directory": "student_version", "solution_directory": "worked",
    "submitted_directory": "turned_in", "autograded_directory": "machine_graded", "feedback_directory": "comments",
}
DEFAULTS = ("source", "release", "solutions", "submitted", "autograded", "feedback")


def renamed_course(folder: Path) -> Path:
    root = course.copy_course(REPO, folder)
    for default, trait in (("source", "source_directory"), ("release", "release_directory"),
                           ("solutions", "solution_directory")):
        (root / default).rename(root / RENAMED[trait])
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write("\n# every folder renamed\n")
        for trait, name in RENAMED.items():
            config.write(f"c.CourseDirectory.{trait} = {name!r}\n")
        config.write(f"c.IncludeHeaderFooter.header = {RENAMED['source_directory'] + '/header.ipynb'!r}\n")
    return root


def autograder(cwd, *args):
    result = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"autograder {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_course_folders_follow_the_config(tmp_path):
    root = renamed_course(tmp_path / "course")
    assert course.folders(root) == RENAMED
    assert course.find_root(root / RENAMED["source_directory"] / ASSIGNMENT) == root
    assert ASSIGNMENT in course.assignments(root)
    copy = course.copy_course(root, tmp_path / "copy")
    assert sorted(p.name for p in copy.iterdir()) == sorted([course.CONFIG_FILE, "src_nb", "student_version", "worked"])
    masked = set(course_secrets(root))
    assert {root / name for name in RENAMED.values()} <= masked
    assert {root / name for name in DEFAULTS} <= masked  # the default names stay masked all the same


@pytest.mark.nbgrader
def test_every_verb_uses_the_renamed_folders(tmp_path):
    root = renamed_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    exchange.mkdir()  # release never makes a missing exchange
    course_id = course.load_config(root).CourseDirectory.course_id
    built = root / "worked" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    built.unlink()

    autograder(root, "release", ASSIGNMENT, "--exchange", str(exchange))  # builds, then releases
    assert built.is_file() and (root / "student_version" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

    for student, sample in {"ann": "solution", "cat": "blank"}.items():
        student_turn(root, student_home(tmp_path / "students", student, exchange, course_id), student, ASSIGNMENT, sample)
    autograder(root, "collect", ASSIGNMENT, "--exchange", str(exchange))
    assert sorted(p.name for p in (root / "turned_in").iterdir()) == ["ann", "cat"]

    graded = autograder(root, "grade", ASSIGNMENT, "--workers", "2")
    assert "2 graded (2 ok, 0 flagged, 0 failed)" in graded.stdout, graded.stdout
    for student in ("ann", "cat"):
        assert (root / "machine_graded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
        assert (root / "comments" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()
    scores = {r.student: r.score for r in records.load(f"sqlite:///{root / 'gradebook.db'}", course_id, ASSIGNMENT)}
    assert scores["ann"] > 0 and scores["cat"] == 0, scores

    autograder(root, "export", ASSIGNMENT)
    autograder(root, "report", ASSIGNMENT)
    assert list((root / "exports").glob("*.csv")) and (root / "reports" / ASSIGNMENT / "index.html").is_file()

    created = [name for name in DEFAULTS if (root / name).exists()]
    assert not created, f"folders of nbgrader's default names were created: {created}"
