"""The course package works as a wheel installs it: every file of autograder/ is in the wheel, and grading ends well.

A grading server or a Dask image installs the package from a wheel, not editable from a checkout. A file left
out of the package data passes every test of an editable install and breaks only there: without the similarity
page's template, `autograder grade` wrote the grades, then ended every batch with `TemplateNotFound` and exit 1.
The wheel is built offline from a copy of the files git tracks (a stale build/ folder in the checkout cannot
hide a missing file), as `.ci/run` builds the wheel the whole suite then runs against (README, "Run the tests").
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import autograder
from autograder import course

from .conftest import REPO
from .test_trust import ASSIGNMENT, submit

# files that are not in git yet, as a template added later is: the package data's rule must take them as they are
ADDED_LATER = ("autograder/similarity/templates/added_later.html.j2", "autograder/report/new_folder/static/page.css")


def _tracked() -> list:
    """The files git tracks in the checkout (as they are in the working tree)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True)
    assert listed.returncode == 0, f"this test reads git's list of the checkout's files: {listed.stderr}"
    return [name for name in listed.stdout.split("\0") if name and (REPO / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple:
    """(the names in a wheel built from the checkout's tracked files plus ``ADDED_LATER``, the tracked files)."""
    base = tmp_path_factory.mktemp("wheel")
    source, out = base / "source", base / "dist"
    tracked = _tracked()
    for name in [*tracked, *ADDED_LATER]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        if name in ADDED_LATER:
            (source / name).write_text("{# added after pyproject.toml was written #}\n")
        else:
            shutil.copy2(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "--disable-pip-version-check", "-q", "-w", str(out), str(source)],
                           cwd=base, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, ("building a wheel offline needs setuptools>=70.1 (the test extras: "
                                   f"pip install -e '.[test]'):\n{built.stdout[-3000:]}\n{built.stderr[-3000:]}")
    [path] = out.glob("*.whl")
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist()), tracked


def test_every_file_of_the_package_is_in_the_wheel(wheel):
    names, tracked = wheel
    expected = {name for name in tracked if name.startswith("autograder/")} | set(ADDED_LATER)
    assert any(not name.endswith(".py") for name in expected)  # templates are among them
    missing = sorted(expected - names)
    assert not missing, ("files under autograder/ are missing from the wheel, so an installed course package lacks "
                         f"them (package data in pyproject.toml): {missing}")
    stray = sorted(name for name in names if name.startswith("autograder/") and name not in expected)
    assert not stray, f"the wheel holds files git does not track: {stray}"


def test_the_wheel_holds_the_package_and_nothing_of_the_tests(wheel):
    names, _ = wheel
    assert {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")} == {"autograder"}
    assert not [name for name in names if name.startswith("tests/")]


def test_python_started_in_the_checkout_imports_the_package_under_test():
    """No test starts ``sys.executable`` in the checkout (``cwd=REPO``, or no cwd: pytest's) as it is.

    Python puts that folder first on ``sys.path``, so under AUTOGRADER_TEST_INSTALLED=1 the process would import
    the checkout's autograder/, not the wheel's: such a process starts with ``checkout_python()`` (and
    ``checkout_env()``) from the conftest.
    """
    import ast

    starters = ("subprocess.run", "subprocess.Popen", "subprocess.check_output", "subprocess.check_call", "subprocess.call")
    unguarded = []
    for path in sorted((REPO / "tests").glob("*.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(call, ast.Call) and ast.unparse(call.func) in starters and call.args
                    and isinstance(call.args[0], ast.List) and call.args[0].elts):
                continue
            cwd = next((ast.unparse(k.value) for k in call.keywords if k.arg == "cwd"), None)
            if ast.unparse(call.args[0].elts[0]) == "sys.executable" and cwd in (None, "REPO", "repo"):
                unguarded.append(f"{path.name}:{call.lineno}")
    assert not unguarded, f"start these with checkout_python() and env=checkout_env(): {unguarded}"


@pytest.mark.nbgrader
def test_grade_as_a_grading_server_runs_it_writes_every_page_and_exits_0(tmp_path):
    """The `autograder` command the install made, in a course folder: grades, feedback, similarity page, report.

    Under AUTOGRADER_TEST_INSTALLED=1 (.ci/run) the package is the installed wheel's, here and in every process
    the command starts; a template missing from the wheel ends this with a traceback and exit status 1.
    """
    root = course.copy_course(REPO, tmp_path / "course")
    for student, sample in {"ada": "solution", "bo": "blank"}.items():
        submit(root, student, sample)
    command = Path(sys.executable).parent / "autograder"
    where = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"], cwd=root,
                           capture_output=True, text=True)
    assert where.stdout.strip() == autograder.__file__, where.stderr  # the command imports the package under test

    graded = subprocess.run([str(command), "grade", ASSIGNMENT, "--workers", "1"], cwd=root, capture_output=True,
                            text=True, timeout=1200)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    assert "Traceback" not in graded.stderr, graded.stderr[-3000:]
    assert "2 graded" in graded.stdout, graded.stdout
    similarity = root / "reports" / ASSIGNMENT / "similarity.html"
    assert similarity.is_file() and f"reports/{ASSIGNMENT}/similarity.html" in graded.stdout, graded.stdout
    assert "<html" in similarity.read_text().lower()
    for student in ("ada", "bo"):
        assert (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file(), student

    report = subprocess.run([str(command), "report", ASSIGNMENT], cwd=root, capture_output=True, text=True,
                            timeout=600)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    assert (root / "reports" / ASSIGNMENT / "index.html").is_file()
