"""The grading kernel imports the same `autograder` package as the process that grades, whatever is installed.

A TA installs the course package editable from one checkout (A) and grades in another copy of the course
(B, with its own `autograder/`): plain `nbgrader autograde` and `autograder grade` in B, with the Python
environment whose `autograder` points at A. On the old engine every hidden test failed with
`ModuleNotFoundError: No module named 'autograder'` (A is not visible in the sandbox) and every sample
was recorded 0 with status graded. Checkout A is broken after the install, so a kernel (or a grading
process) that imported it could not give the solution full marks.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course
from autograder.storage import records
from autograder.storage.gradebook import cell_scores

from .conftest import REPO
from .test_trust import ASSIGNMENT, grading_copy, points, submit

pytestmark = pytest.mark.nbgrader


def _environment_editable_from(checkout: Path, venv: Path) -> None:
    """A copy (hard links) of this test's environment in which `autograder` is `pip install -e checkout`."""
    copied = subprocess.run(["cp", "-al", sys.prefix, str(venv)], capture_output=True, text=True)
    if copied.returncode != 0:
        pytest.skip(f"cannot hard-link a copy of {sys.prefix} ({copied.stderr.strip()})")
    site = Path(subprocess.check_output([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        text=True).strip())
    # the environment's own install of the package goes, editable or from a wheel (unlinking leaves the original
    # environment intact)
    for path in [*site.glob("__editable__*course_autograder*"), venv / "bin" / "autograder"]:
        path.unlink(missing_ok=True)
    for path in site.glob("course_autograder-*"):
        shutil.rmtree(path)
    if (site / "autograder").is_dir():  # installed from a wheel: the package itself is in site-packages
        shutil.rmtree(site / "autograder")
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "-e", str(checkout)],
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = subprocess.check_output([str(venv / "bin" / "python"), "-c", "import autograder; print(autograder.__file__)"],
                                    cwd="/", text=True).strip()
    assert Path(where).resolve() == (checkout / "autograder" / "__init__.py").resolve(), where


@pytest.fixture(scope="module")
def graded_in_another_copy(tmp_path_factory):
    base = tmp_path_factory.mktemp("editable")
    checkout_a = base / "checkout-a"
    checkout_a.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, checkout_a / name)
    shutil.copytree(Path(course.__file__).resolve().parent, checkout_a / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    venv = base / "venv"
    _environment_editable_from(checkout_a, venv)
    with open(checkout_a / "autograder" / "assignments" / "artificial_neurons" / "checks" / "__init__.py", "a") as checks:
        checks.write("\nraise ImportError('checkout A was imported: the kernel must use the grading copy')\n")

    root = grading_copy(base / "checkout-b")
    submit(root, "ada", "solution")
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    python = str(venv / "bin" / "python")
    runs = {}
    runs["generate"] = subprocess.run([python, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"], cwd=root,
                                      env=env, capture_output=True, text=True, timeout=600)
    assert runs["generate"].returncode == 0, runs["generate"].stdout + runs["generate"].stderr
    runs["nbgrader"] = subprocess.run([python, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=root, env=env,
                                      capture_output=True, text=True, timeout=1200)
    scores = {k: (v.score, v.max_score) for k, v in cell_scores(
        f"sqlite:///{root / 'gradebook.db'}", course.load_config(root).CourseDirectory.course_id, ASSIGNMENT, "ada").items()}
    runs["autograder"] = subprocess.run([python, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "1"], cwd=root, env=env,
                                        capture_output=True, text=True, timeout=1200)
    return root, runs, scores


def _auto_total(scores: dict) -> float:
    return sum(score for grade_id, (score, _) in scores.items() if grade_id != "param_interpretation")


def test_plain_nbgrader_autograde_in_another_copy_gives_full_marks(graded_in_another_copy):
    root, runs, scores = graded_in_another_copy
    run = runs["nbgrader"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No module named 'autograder'" not in run.stdout + run.stderr
    assert _auto_total(scores) == points(root)[1] > 0, scores


def test_autograder_grade_in_another_copy_gives_full_marks(graded_in_another_copy):
    root, runs, _ = graded_in_another_copy
    run = runs["autograder"]
    assert run.returncode == 0, run.stdout + run.stderr
    config = course.load_config(root)
    db_url, course_id = f"sqlite:///{root / 'gradebook.db'}", config.CourseDirectory.course_id
    [record] = records.load(db_url, course_id, ASSIGNMENT)
    assert record.status == "graded", record.reasons
    assert record.score == points(root)[1] > 0
    assert _auto_total({k: (v.score, v.max_score) for k, v in cell_scores(db_url, course_id, ASSIGNMENT, "ada").items()}) == record.score
