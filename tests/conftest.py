"""Shared fixtures: the course checkout, the real data, real nbgrader commands on throwaway course copies."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# pytest-xdist starts its workers with `python -c`, which puts the working folder (the checkout) first on sys.path
# even when the session runs `python -P`: when the suite tests the installed package, a worker takes it off before
# anything imports autograder (a process the tests start gets -P from checkout_python(), never from the environment,
# so that a course copy's own package, imported from its folder, stays importable where a test makes one)
if os.environ.get("AUTOGRADER_TEST_INSTALLED") == "1" and os.environ.get("PYTEST_XDIST_WORKER"):
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]

import autograder  # noqa: E402
from autograder import course  # noqa: E402
from autograder import assignments  # noqa: E402
from autograder.errors import DataNotFound  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _not_the_installed_package() -> str:
    """Why the ``autograder`` this process imported is not the one installed (from a wheel); '' when it is."""
    import importlib.metadata

    imported = Path(autograder.__file__).resolve()
    if imported.is_relative_to(REPO / "autograder"):
        return f"autograder was imported from the checkout ({imported})"
    try:
        installed = importlib.metadata.distribution("course-autograder")
    except importlib.metadata.PackageNotFoundError:
        return f"course-autograder is not installed in {sys.prefix}"
    if imported not in {Path(installed.locate_file(f)).resolve() for f in installed.files or ()}:
        return f"autograder was imported from {imported}, not from the installed course-autograder (an editable install?)"
    return ""


# AUTOGRADER_TEST_INSTALLED=1 (set by .ci/run): the suite tests the package installed from a wheel, as a grading
# server or a Dask image has it, never the checkout's autograder/ folder (README, "Run the tests"). Checked in every
# process that imports this module: the session, a nested session, a grading worker unpickling a test's job.
INSTALLED = os.environ.get("AUTOGRADER_TEST_INSTALLED") == "1"
if INSTALLED and (_WRONG_PACKAGE := _not_the_installed_package()):
    raise pytest.UsageError(
        f"AUTOGRADER_TEST_INSTALLED=1, but {_WRONG_PACKAGE}: install the wheel (pip install "
        "'dist/course_autograder-*.whl[test]') and run `python -P -m pytest --import-mode=append` (neither the "
        "working folder nor the tests' root first on sys.path), without a PYTHONPATH that names a copy of the package")

# nbgrader shells out to `alembic` and starts kernels from PATH: use this interpreter's environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

# Everything this session (and every process it starts) puts in the temporary folder goes into a private
# folder, so that what the tests leave behind can be told from other runs on the same machine: at the end it
# must hold nothing but pytest's own tmp_path folders (``pytest_sessionfinish``).
# A process started by the session that imports this module (a grading worker unpickling a job defined in a
# test module) shares the session's folder instead of making one of its own inside it.
# With pytest-xdist (`-n 2`) every worker is a session of its own, with its own folder beside the controller's
# (not inside it: the controller checks its own folder while workers may still clean theirs); a process a
# worker starts has that worker's name in PYTEST_XDIST_WORKER and so shares the worker's folder.
_SESSION = os.environ.get("PYTEST_XDIST_WORKER", "main")
_INHERITED = os.environ.get("AUTOGRADER_TESTS_TMP") and os.environ.get("AUTOGRADER_TESTS_TMP") == os.environ.get("TMPDIR")
if _INHERITED and os.environ.get("AUTOGRADER_TESTS_SESSION") == _SESSION:
    SESSION_TMP = Path(os.environ["AUTOGRADER_TESTS_TMP"])
elif _INHERITED and _SESSION != "main" and os.environ.get("AUTOGRADER_TESTS_SESSION") == "main":  # an xdist worker
    SESSION_TMP = Path(tempfile.mkdtemp(prefix=f"autograder-tests-{_SESSION}-",
                                        dir=Path(os.environ["AUTOGRADER_TESTS_TMP"]).parent))
else:
    SESSION_TMP = Path(tempfile.mkdtemp(prefix="autograder-tests-", dir=tempfile.gettempdir()))
os.environ["TMPDIR"] = os.environ["AUTOGRADER_TESTS_TMP"] = str(SESSION_TMP)
os.environ["AUTOGRADER_TESTS_SESSION"] = _SESSION
tempfile.tempdir = None  # recomputed from TMPDIR on next use
# Dask's LocalCluster keeps its `dask-scratch-space` beside pytest's tmp_path folders, which pytest prunes
os.environ["DASK_TEMPORARY_DIRECTORY"] = str(SESSION_TMP / "pytest-dask")
if "dask" in sys.modules:
    import dask

    dask.config.set({"temporary-directory": os.environ["DASK_TEMPORARY_DIRECTORY"]})


# Where a process started in the checkout finds ``tests`` when the suite tests the installed package: a folder that
# holds nothing but a link to tests/ (``checkout_env``)
TESTS_ON_PATH = SESSION_TMP / "tests-on-path"


def _leftovers() -> list:
    """What the session left in its temporary folder besides pytest's (tmp_path) and Dask's scratch folders."""
    # pymp-*: the socket folder of multiprocessing's forkserver (ProcessPool), removed when this process exits
    return sorted(p.name for p in SESSION_TMP.iterdir()
                  if not p.name.startswith(("pytest-of-", "pytest-dask", "pymp-")) and p.name != TESTS_ON_PATH.name)


def checkout_python() -> list:
    """The interpreter for a process the tests start with the checkout as its working folder (``cwd=REPO``).

    Plain ``python``; when the suite tests the installed package, ``python -P``: Python then leaves the working
    folder off ``sys.path``, so the checkout's autograder/ cannot shadow the installed one (``-P`` is not passed
    on to the process's own children). Start it with ``env=checkout_env()`` too.
    """
    return [sys.executable, "-P"] if INSTALLED else [sys.executable]


def checkout_env(env: dict | None = None) -> dict:
    """The environment (``os.environ`` or ``env``) of a process started in the checkout with ``checkout_python()``.

    Unchanged for an editable install. When the suite tests the installed package: ``tests`` is importable from a
    folder that holds nothing else (never the checkout's autograder/), and a nested pytest session imports its test
    modules without putting the checkout first on ``sys.path`` (``--import-mode=append``).
    """
    env = dict(os.environ if env is None else env)
    if INSTALLED:
        TESTS_ON_PATH.mkdir(exist_ok=True)
        try:
            (TESTS_ON_PATH / "tests").symlink_to(REPO / "tests", target_is_directory=True)
        except FileExistsError:
            pass
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_ON_PATH), env.get("PYTHONPATH")]))
        env["PYTEST_ADDOPTS"] = " ".join(filter(None, [env.get("PYTEST_ADDOPTS"), "--import-mode=append"]))
    return env


_LEFT_BY: dict = {}  # leftover name -> the test module after which it was first seen


@pytest.fixture(scope="module", autouse=True)
def _note_leftovers(request):
    """Remember which test module left each entry, so the session's failure names where to look."""
    yield
    for name in _leftovers():
        _LEFT_BY.setdefault(name, request.module.__name__)


@pytest.fixture
def server_reset():
    """No prepared process of forked kernels in this process before and after the test (``forkserver.shutdown``)."""
    from autograder.sandbox import forkserver

    forkserver.shutdown()
    yield
    forkserver.shutdown()


def pytest_sessionstart(session):
    try:
        for spec in assignments.registered():  # the suite grades every assignment: all their data is needed
            spec.require_data()
    except DataNotFound as error:
        pytest.exit(str(error), returncode=3)


def pytest_sessionfinish(session, exitstatus):
    """Fail the session when its tests left files in the temporary folder (kernels, grading scratch...)."""
    # tests that grade in this process (workers=0) made it a grading process: what it would remove at exit, now
    from autograder.sandbox import forkserver, prepared

    prepared.shutdown()
    forkserver.shutdown()
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
        from multiprocessing.util import Finalize

        from autograder.sandbox.workfolder import remove_deep

        # after multiprocessing's own exit finalizers (exitpriority -100) have removed the forkserver's folder; without
        # recursion, since the attack tests nest folders past Python's recursion limit (shutil.rmtree raised there)
        Finalize(None, _remove_quietly, args=(remove_deep, SESSION_TMP), exitpriority=-101)


def _remove_quietly(remove, folder) -> None:
    try:
        remove(folder)
    except OSError as error:
        print(f"could not remove the tests' temporary folder {folder}: {error}", file=sys.stderr)


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
