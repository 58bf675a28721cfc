"""Shared fixtures: the course checkout, the real data, real nbgrader commands on throwaway course copies."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import course
from autograder.data import require_newsgroups_cache
from autograder.errors import DataNotFound

REPO = Path(__file__).resolve().parents[1]

# nbgrader shells out to `alembic` and starts kernels from PATH: use this interpreter's environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

# Everything this session (and every process it starts) puts in the temporary folder goes into a private
# folder, so that what the tests leave behind can be told from other runs on the same machine: at the end it
# must hold nothing but pytest's own tmp_path folders (``pytest_sessionfinish``).
# A process started by the session that imports this module (a grading worker unpickling a job defined in a
# test module) shares the session's folder instead of making one of its own inside it.
if os.environ.get("AUTOGRADER_TESTS_TMP") and os.environ.get("AUTOGRADER_TESTS_TMP") == os.environ.get("TMPDIR"):
    SESSION_TMP = Path(os.environ["AUTOGRADER_TESTS_TMP"])
else:
    SESSION_TMP = Path(tempfile.mkdtemp(prefix="autograder-tests-", dir=tempfile.gettempdir()))
os.environ["TMPDIR"] = os.environ["AUTOGRADER_TESTS_TMP"] = str(SESSION_TMP)
tempfile.tempdir = None  # recomputed from TMPDIR on next use
# Dask's LocalCluster keeps its `dask-scratch-space` beside pytest's tmp_path folders, which pytest prunes
os.environ["DASK_TEMPORARY_DIRECTORY"] = str(SESSION_TMP / "pytest-dask")
if "dask" in sys.modules:
    import dask

    dask.config.set({"temporary-directory": os.environ["DASK_TEMPORARY_DIRECTORY"]})


def _leftovers() -> list:
    """What the session left in its temporary folder besides pytest's (tmp_path) and Dask's scratch folders."""
    # pymp-*: the socket folder of multiprocessing's forkserver (ProcessPool), removed when this process exits
    return sorted(p.name for p in SESSION_TMP.iterdir() if not p.name.startswith(("pytest-of-", "pytest-dask", "pymp-")))


_LEFT_BY: dict = {}  # leftover name -> the test module after which it was first seen


@pytest.fixture(scope="module", autouse=True)
def _note_leftovers(request):
    """Remember which test module left each entry, so the session's failure names where to look."""
    yield
    for name in _leftovers():
        _LEFT_BY.setdefault(name, request.module.__name__)


def pytest_sessionstart(session):
    try:
        require_newsgroups_cache()
    except DataNotFound as error:
        pytest.exit(str(error), returncode=3)


def pytest_sessionfinish(session, exitstatus):
    """Fail the session when its tests left files in the temporary folder (kernels, grading scratch...)."""
    # tests that grade in this process (workers=0) made it a grading process: what it would remove at exit, now
    from autograder.sandbox import prepared

    prepared.shutdown()
    left = _leftovers()
    if left:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (f"the tests left {len(left)} entr{'y' if len(left) == 1 else 'ies'} in the temporary folder "
                   f"{SESSION_TMP} (kept for inspection): "
                   + ", ".join(f"{name} (after {_LEFT_BY.get(name, 'the last module')})" for name in left[:20]))
        if reporter is not None:
            reporter.write_line(f"ERROR: {message}", red=True)
        else:
            print(f"ERROR: {message}", file=sys.stderr)
    else:
        import shutil
        from multiprocessing.util import Finalize

        # after multiprocessing's own exit finalizers (exitpriority -100) have removed the forkserver's folder
        Finalize(None, shutil.rmtree, args=(str(SESSION_TMP),), kwargs={"ignore_errors": True}, exitpriority=-101)


def db_url(root: Path) -> str:
    """The SQLite gradebook URL of a course copy at ``root``."""
    return f"sqlite:///{root / 'gradebook.db'}"


def course_id(root: Path) -> str:
    """The course id that ``root``'s nbgrader_config.py sets."""
    return course.load_config(root).CourseDirectory.course_id


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
