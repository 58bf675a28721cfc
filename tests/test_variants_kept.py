"""Overrides and kept variants through real grading (``autograder grade`` and plain ``nbgrader autograde``), in a
course copy with its own ``autograder`` package, whose variant generator and version the steps edit."""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder import assignments, course, variant_steering
from autograder.assignments.samples import Sample, make_submission
from autograder.storage import records
from autograder.storage.gradebook import cell_scores

from .conftest import REPO, course_id, db_url

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = "artificial_neurons.ipynb"
SPEC = assignments.get(ASSIGNMENT)
COURSE = course.load_config(REPO).CourseDirectory.course_id
DESCRIBE = SPEC.module("variant").describe


def _run(root, *args):
    return subprocess.run([sys.executable, "-m", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=1200)


def _submit(root, student, ran_as):
    """An honest notebook whose variant cell ran under ``ran_as`` (its answers computed on that id's variant)."""
    source = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4)
    nb = make_submission(source, release, Sample(name="solution", kind="honest"))
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "variant")
    text = f"student id: {ran_as}\nyour variant: {DESCRIBE(SPEC.variant_params(ran_as, COURSE))}\n"
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / NOTEBOOK)


def _state(root):
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    scores = {s: {g: (c.score, c.max_score) for g, c in cell_scores(db_url(root), course_id(root), ASSIGNMENT, s).items()
                  if c.autograded} for s in recs}
    return recs, scores


def _full(scores):
    return all(score == maximum for score, maximum in scores.values())


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    root = course.copy_course(REPO, tmp_path_factory.mktemp("kept") / "course")
    shutil.copytree(REPO / "autograder", root / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    _submit(root, "s-9", "ana")  # an LMS id whose notebook ran under the hub login "ana"
    _submit(root, "bo", "bo")
    out = {"as": _run(root, "autograder", "variant", ASSIGNMENT, "s-9", "--as", "ana")}
    out["grade"] = _run(root, "autograder", "grade", ASSIGNMENT, "--workers", "2")
    out["graded"] = _state(root)
    feedback = root / "feedback" / "s-9" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    out["feedback"] = feedback.read_text() if feedback.is_file() else ""
    out["plain"] = _run(root, "nbgrader", "autograde", ASSIGNMENT, "--student", "s-9", "--force")
    out["plain state"] = _state(root)
    variant = root / "autograder" / "assignments" / ASSIGNMENT / "variant.py"
    kept = variant.read_text()
    variant.write_text(kept.replace("\"seed\": SEEDS[", "\"seed\": SEEDS[::-1][", 1))  # the generator edited, same version
    out["moved"] = _run(root, "autograder", "grade", ASSIGNMENT)
    out["moved state"] = _state(root)
    variant.write_text(kept)
    package = root / "autograder" / "assignments" / ASSIGNMENT / "__init__.py"
    package.write_text(package.read_text().replace("    preimports=", "    variant_version=2,\n    preimports="))
    out["version"] = _run(root, "autograder", "grade", ASSIGNMENT)  # the released cell still hashes version 1
    out["version state"] = _state(root)
    return out


def test_an_override_grades_with_the_other_ids_variant_and_is_kept(steps):
    assert steps["as"].returncode == 0, steps["as"].stderr
    assert steps["grade"].returncode == 0, steps["grade"].stdout + steps["grade"].stderr
    recs, scores = steps["graded"]
    assert recs["s-9"].status == "graded" and _full(scores["s-9"]), (recs["s-9"].reasons, scores["s-9"])
    assert recs["s-9"].variant == variant_steering.graded(SPEC, "ana", COURSE, True)
    assert recs["s-9"].fingerprint["variant override"] == "ana"
    assert recs["bo"].variant == variant_steering.graded(SPEC, "bo", COURSE, True) and _full(scores["bo"])


def test_plain_nbgrader_autograde_reads_the_override_from_the_gradebook(steps):
    assert steps["plain"].returncode == 0, steps["plain"].stdout + steps["plain"].stderr
    assert _full(steps["plain state"][1]["s-9"]), steps["plain state"][1]["s-9"]


def test_the_feedback_page_shows_the_graded_variant(steps):
    assert f"Your variant (student id ana): {DESCRIBE(SPEC.variant_params('ana', COURSE))}" in steps["feedback"]


def test_an_edited_generator_is_refused_naming_the_graded_students(steps):
    moved = steps["moved"]
    assert moved.returncode == 2, moved.stdout + moved.stderr
    assert "without a new variant_version" in moved.stderr and "s-9: graded with" in moved.stderr
    assert "bo: graded with" in moved.stderr
    assert {s: r.content_hash for s, r in steps["moved state"][0].items()} == {
        s: r.content_hash for s, r in steps["graded"][0].items()}  # nothing graded


def test_a_cell_of_another_variant_version_is_refused_and_the_grades_stay(steps):
    version = steps["version"]
    assert version.returncode != 0, version.stdout + version.stderr
    recs, scores = steps["version state"]
    for student in ("s-9", "bo"):
        assert recs[student].status == "failed" and any("VARIANT_VERSION = 1" in r for r in recs[student].reasons)
        assert scores[student] == steps["graded"][1][student]  # the earlier grade stands
        assert recs[student].variant == steps["graded"][0][student].variant
    assert "variant version" in version.stdout  # why: the new version
