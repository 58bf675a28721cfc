"""The samples of ``artificial_neurons`` graded under two more students' variants, through plain ``nbgrader
autograde`` and through ``autograder grade``: every honest sample keeps full marks and every mistake loses its
own task (with its own mistake code) under every variant; both paths record the same cell scores."""

import dataclasses
import subprocess
import sys

import pytest

from autograder import assignments, course
from autograder.assignments.samples import samples_for, submit_class
from autograder.storage.gradebook import cell_scores

from .conftest import REPO, course_id, db_url, nbgrader
from .test_autograde_samples import failed_cells

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
SUFFIXES = ("v1", "v2")  # with test_autograde_samples (each sample graded as its own student): 3 variants each
SAMPLES = [s for s in samples_for(ASSIGNMENT) if s.kind in ("honest", "mistake")]


def _roster() -> dict:
    return {f"{sample.name}-{suffix}": sample for sample in SAMPLES for suffix in SUFFIXES}


def _course(tmp_path_factory, label):
    root = course.copy_course(REPO, tmp_path_factory.mktemp(label) / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    submit_class(root, ASSIGNMENT, _roster())
    return root


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    root = _course(tmp_path_factory, "variants-nbgrader")
    nbgrader(root, "autograde", ASSIGNMENT, "--force")
    return root


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = _course(tmp_path_factory, "variants-engine")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"], cwd=root,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout + run.stderr
    return root


def test_the_students_have_different_variants():
    spec = assignments.get(ASSIGNMENT)
    cid = course.load_config(REPO).CourseDirectory.course_id
    got = [spec.variant_params(student, cid) for student in _roster()]
    assert len({v["hidden_4d_2"] for v in got}) == len(spec.module("variant").HIDDEN_SIZES)
    assert len({(v["seed"], tuple(v["pt"])) for v in got}) > 0.9 * len(got)
    for sample in SAMPLES:  # the copies of a sample are as many variants
        assert len({str(spec.variant_params(f"{sample.name}-{s}", cid)) for s in [*SUFFIXES, ""]}) == len(SUFFIXES) + 1


def _check(root, student, sample):
    scores = {g: c for g, c in cell_scores(db_url(root), course_id(root), ASSIGNMENT, student).items() if c.autograded}
    assert scores, f"no grades for {student}"
    for grade_id, cell in scores.items():
        if grade_id in sample.expect_lost:
            assert cell.score < cell.max_score, f"{student} ({sample.why}) kept full marks on {grade_id}"
        else:
            assert cell.score == cell.max_score, f"{student} ({sample.why}) lost {grade_id}: {cell.score}/{cell.max_score}"
    return {g: (c.score, c.max_score) for g, c in scores.items()}


@pytest.mark.parametrize("student,sample", _roster().items(), ids=list(_roster()))
def test_plain_nbgrader_grades_every_variant(plain, student, sample):
    _check(plain, student, sample)
    failed = failed_cells(plain, ASSIGNMENT, dataclasses.replace(sample, name=student))
    got = {grade_id: code for grade_id, (code, _) in failed.items()}
    assert got == (sample.expect_mistakes if sample.kind == "mistake" else {}), f"{student} ({sample.why}): {failed}"


@pytest.mark.parametrize("student,sample", _roster().items(), ids=list(_roster()))
def test_autograder_grade_gives_the_same_grades(plain, engine, student, sample):
    assert _check(engine, student, sample) == _check(plain, student, sample)
