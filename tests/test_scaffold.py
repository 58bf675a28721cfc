"""``autograder new NAME``: both folders of a new assignment, which builds and grades as the scaffold promises.

The end-to-end test works in a throwaway copy of the checkout (the course's files and the ``autograder`` package
under test, side by side, as a checkout with an editable install has them) and runs every command there with
that copy's package (``PYTHONPATH``), so the new package goes into the copy and the kernels import the copy.
It scaffolds an assignment, builds it, submits its samples (read from the new package) and grades them with
``autograder grade`` and with plain ``nbgrader autograde``: the honest sample gets full marks, the mistake
sample loses the cells it declares with the mistake codes it declares.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder import course, mistakes
from autograder.assignments import scaffold
from autograder.errors import AutograderError, CourseLayoutError
from autograder.storage import outcomes
from autograder.storage.gradebook import cell_scores

from .conftest import REPO
from .test_release import MARKERS, _solution_only_lines

NAME = "starter"

SAMPLES_AND_SUBMIT = """
import json, sys
from autograder.assignments.samples import samples_for, submit_class
samples = samples_for(sys.argv[1])
submit_class(".", sys.argv[1], {sample.name: sample for sample in samples})
print(json.dumps([{"name": s.name, "kind": s.kind, "lost": sorted(s.expect_lost), "mistakes": s.expect_mistakes}
                  for s in samples]))
"""


def checkout_copy(folder: Path) -> Path:
    """A throwaway checkout: the committed course and, beside it, a copy of the ``autograder`` package under test."""
    root = course.copy_course(REPO, folder / "checkout")
    shutil.copytree(Path(autograder.__file__).resolve().parent, root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def run(root: Path, *args, timeout=900) -> subprocess.CompletedProcess:
    """``python ARGS`` in ``root`` with ``root``'s own ``autograder`` package first on its path."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def tree(root: Path) -> list:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if "__pycache__" not in p.parts)


# --- refusals and where the package goes (no kernel) --------------------------------------------------------

@pytest.fixture
def checkout(tmp_path):
    return checkout_copy(tmp_path)


@pytest.mark.parametrize("name", ["2nd_week", "week-3", "week 3", "class", "naïve", "_private", "data", "samples", ""])
def test_a_name_that_is_no_package_name_is_refused_and_nothing_is_written(checkout, name):
    before = tree(checkout)
    with pytest.raises(AutograderError, match="cannot name an assignment"):
        scaffold.new(checkout, name)
    assert tree(checkout) == before


@pytest.mark.parametrize("where", ["source and package", "source only", "package only", "release only"])
def test_an_existing_assignment_is_refused_and_nothing_is_written(checkout, where):
    taken = course.assignments(checkout)[0] if where == "source and package" else "taken"
    if where == "source only":
        (checkout / "source" / taken).mkdir()
    elif where == "package only":
        (checkout / "autograder" / "assignments" / taken).mkdir()
    elif where == "release only":
        (checkout / "release" / taken).mkdir()
    before = tree(checkout)
    with pytest.raises(AutograderError, match=f"an assignment '{taken}' exists already"):
        scaffold.new(checkout, taken)
    assert tree(checkout) == before


def test_the_command_refuses_with_exit_status_2_and_says_why(checkout):
    before = tree(checkout)
    existing = course.assignments(checkout)[0]
    taken = run(checkout, "-m", "autograder", "new", existing)
    assert taken.returncode == 2, taken.stdout + taken.stderr
    assert f"an assignment '{existing}' exists already" in taken.stderr and "choose another name" in taken.stderr
    bad = run(checkout, "-m", "autograder", "new", "week-3")
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "cannot name an assignment 'week-3'" in bad.stderr and "Python identifier" in bad.stderr
    assert "Traceback" not in taken.stderr + bad.stderr
    assert tree(checkout) == before


def test_outside_the_imported_package_it_writes_into_the_course_checkout_and_says_to_reinstall(checkout):
    """This process's package is not the copy's: the package goes into the copy's autograder/ and must be installed."""
    made = scaffold.new(checkout, NAME)
    package = checkout / "autograder" / "assignments" / NAME
    assert made.reinstall and made.package == package
    assert made.notebook == checkout / "source" / NAME / f"{NAME}.ipynb"
    assert not (Path(autograder.__file__).resolve().parent / "assignments" / NAME).exists()
    written = {str(p.relative_to(package)) for p in package.rglob("*") if p.is_file()}
    assert written == set(made.files) >= {"__init__.py", "reference.py", "checks/__init__.py", "mistakes.py", "samples.py"}
    for file in written:
        compile((package / file).read_text(), str(package / file), "exec")  # no placeholder left, valid Python
    nbformat.validate(nbformat.read(made.notebook, 4))
    text = "\n".join(made.lines())
    assert "pip install ." in text and str(package) in text and str(made.imported / NAME) in text
    assert f"autograder build {NAME}" in text


def test_a_course_without_the_package_source_is_refused(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")  # no autograder/: a course folder, not a checkout
    before = tree(root)
    with pytest.raises(CourseLayoutError, match="outside the course"):
        scaffold.new(root, NAME)
    assert tree(root) == before


# --- end to end: scaffold, build, grade both ways ----------------------------------------------------------

@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A checkout copy with ``NAME`` scaffolded, built, its samples submitted, graded by ``autograder grade``
    (what the gradebook and the outcomes table then hold kept) and then by ``nbgrader autograde --force``."""
    root = checkout_copy(tmp_path_factory.mktemp("scaffold"))
    imported = ok(run(root, "-c", "import autograder, json; from autograder import assignments; "
                                  "print(json.dumps([autograder.__file__, assignments.names()]))"))
    created = ok(run(root, "-m", "autograder", "new", NAME))
    after = ok(run(root, "-c", "import json; from autograder import assignments; print(json.dumps(assignments.names()))"))
    built = ok(run(root, "-m", "autograder", "build", NAME))
    samples = json.loads(ok(run(root, "-c", SAMPLES_AND_SUBMIT, NAME)).splitlines()[-1])
    graded = ok(run(root, "-m", "autograder", "grade", NAME, "--workers", "2"))
    db_url, course_id = f"sqlite:///{root / 'gradebook.db'}", course.load_config(root).CourseDirectory.course_id
    by_autograder = {s["name"]: cell_scores(db_url, course_id, NAME, s["name"]) for s in samples}
    stored = outcomes.load(db_url, course_id, NAME)
    ok(run(root, "-m", "nbgrader", "autograde", NAME, "--force"))
    by_nbgrader = {s["name"]: cell_scores(db_url, course_id, NAME, s["name"]) for s in samples}
    return dict(root=root, imported=json.loads(imported), created=created, names=json.loads(after), built=built,
                samples=samples, graded=graded, by_autograder=by_autograder, stored=stored, by_nbgrader=by_nbgrader)


@pytest.mark.nbgrader
def test_the_new_assignment_is_registered_in_the_copy_it_was_made_in(made):
    root = made["root"]
    file, names_before = made["imported"]
    assert Path(file).resolve() == root / "autograder" / "__init__.py"  # the commands ran the copy's package
    assert NAME not in names_before and NAME in made["names"]
    assert (root / "autograder" / "assignments" / NAME / "__init__.py").is_file()
    assert (root / "source" / NAME / f"{NAME}.ipynb").is_file()
    for line in (f"source/{NAME}/{NAME}.ipynb", f"autograder/assignments/{NAME}/", "mistakes.py", "samples.py",
                 "reference.py", "checks/__init__.py", f"autograder build {NAME}"):
        assert line in made["created"], made["created"]
    assert "pip install" not in made["created"]  # the package it wrote is the one the commands import
    assert f"built release/ and solutions/ for {NAME}" in made["built"]


@pytest.mark.nbgrader
def test_release_and_solutions_hold_no_hidden_test_and_no_solution(made):
    root = made["root"]
    source = nbformat.read(root / "source" / NAME / f"{NAME}.ipynb", 4)
    release = nbformat.read(root / "release" / NAME / f"{NAME}.ipynb", 4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells if c.metadata["nbgrader"]["solution"]}
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
             if c.metadata["nbgrader"]["grade"] and c.cell_type == "code"}
    assert solutions and tests and all("### BEGIN HIDDEN TESTS" in t and "import check_" in t for t in tests.values())
    released = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in release.cells}
    assert set(solutions) | set(tests) <= set(released)
    for grade_id, text in released.items():
        assert not MARKERS.search(text) and "autograder" not in text, f"{grade_id} leaks:\n{text}"
    for grade_id, solution in solutions.items():
        secret = _solution_only_lines(solution)
        assert secret and not [line for line in released[grade_id].splitlines() if line.strip() in secret]
    for grade_id, test in tests.items():
        public = test.split("### BEGIN HIDDEN TESTS")[0].strip()
        assert public and released[grade_id].strip() == public  # the public asserts stay, the hidden test goes
    for cell in nbformat.read(root / "solutions" / NAME / f"{NAME}.ipynb", 4).cells:
        assert "HIDDEN TESTS" not in cell.source and "autograder" not in cell.source
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"], cell.source


def _expected(sample: dict, scores: dict) -> None:
    """The sample's cells scored as it declares: full marks except its lost cells."""
    assert scores, f"no grades recorded for {sample['name']}"
    lost = {grade_id for grade_id, cell in scores.items() if cell.autograded and cell.score < cell.max_score}
    assert lost == set(sample["lost"]), (sample, {g: (c.score, c.max_score) for g, c in scores.items()})


@pytest.mark.nbgrader
def test_autograder_grade_gives_the_honest_sample_full_marks_and_names_the_mistake(made):
    assert sorted(s["kind"] for s in made["samples"]) == ["honest", "mistake"]
    assert f"{NAME}: 2 graded (2 ok, 0 flagged, 0 failed)" in made["graded"], made["graded"]
    for sample in made["samples"]:
        _expected(sample, made["by_autograder"][sample["name"]])
        failed = {o.grade_id: o.mistake for o in made["stored"][sample["name"]] if not o.passed}
        assert failed == sample["mistakes"], (sample, made["stored"][sample["name"]])
        if sample["kind"] == "mistake":
            assert failed and set(failed) == set(sample["lost"])
            assert all(code in scaffold_mistakes(made["root"]) for code in failed.values())


def scaffold_mistakes(root: Path) -> dict:
    """The new package's MISTAKES, read in the copy's own Python."""
    return json.loads(ok(run(root, "-c", f"import json; from autograder.assignments import get; "
                                         f"print(json.dumps(get({NAME!r}).mistakes))")))


@pytest.mark.nbgrader
def test_plain_nbgrader_autograde_grades_the_same_and_names_the_mistake(made):
    root = made["root"]
    for sample in made["samples"]:
        scores = made["by_nbgrader"][sample["name"]]
        _expected(sample, scores)
        assert {g: c.score for g, c in scores.items()} == {g: c.score for g, c in made["by_autograder"][sample["name"]].items()}
        notebook = nbformat.read(root / "autograded" / sample["name"] / NAME / f"{NAME}.ipynb", 4)
        failed = {grade_id: code for grade_id, (code, _) in mistakes.notebook_mistakes(notebook).items()}
        assert failed == sample["mistakes"], (sample, failed)
