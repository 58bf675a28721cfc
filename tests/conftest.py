"""Shared fixtures: the course checkout, the real data, real nbgrader commands on throwaway course copies."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course
from autograder.data import require_newsgroups_cache
from autograder.errors import DataNotFound

REPO = Path(__file__).resolve().parents[1]

# nbgrader shells out to `alembic` and starts kernels from PATH: use this interpreter's environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


def pytest_sessionstart(session):
    try:
        require_newsgroups_cache()
    except DataNotFound as error:
        pytest.exit(str(error), returncode=3)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def nbgrader(course_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a real ``nbgrader`` command in ``course_dir``; output is returned, and shown if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def nbgrader_start(course_dir: Path, *args: str) -> subprocess.Popen:
    """Start a real ``nbgrader`` command in ``course_dir`` without waiting (``communicate()`` to finish)."""
    return subprocess.Popen(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    """A copy of the course in which the real `nbgrader generate_assignment` has run for every assignment."""
    copy = course.copy_course(REPO, tmp_path_factory.mktemp("course") / "course")
    for name in course.assignments(copy):
        nbgrader(copy, "generate_assignment", name, "--force")
    return copy
