"""The samples of ``artificial_neurons`` and ``tfidf_distances`` graded under more students' variants, through
plain ``nbgrader autograde`` and through ``autograder grade``: every honest sample keeps full marks and every
mistake loses its own task (with its own mistake code) under every variant; both paths record the same cell scores.

With ``test_autograde_samples`` (each sample graded as its own student, under that id's variant): the neuron
samples are graded under 3 variants each, the tfidf samples under 2 (there each one is graded here under one
more pair, alternating between two pairs: every tfidf notebook costs an SVC fit)."""

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
TFIDF = "tfidf_distances"
SUFFIXES = ("v1", "v2")  # with test_autograde_samples (each sample graded as its own student): 3 variants each
SAMPLES = [s for s in samples_for(ASSIGNMENT) if s.kind in ("honest", "mistake")]
COURSE = course.load_config(REPO).CourseDirectory.course_id


def _pair(student) -> tuple:
    return tuple(assignments.get(TFIDF).variant_params(student, COURSE)["selected_categories"])


def _tfidf_roster() -> dict:
    """Each tfidf sample once, under one of two non-default pairs (alternating), never its own name's pair."""
    default = tuple(assignments.get(TFIDF).module("variant").DEFAULTS["selected_categories"])
    targets = []
    for i in range(1000):
        if _pair(f"pair-{i}") not in (default, *targets):
            targets.append(_pair(f"pair-{i}"))
        if len(targets) == 2:
            break
    roster = {}
    tfidf_samples = [s for s in samples_for(TFIDF) if s.kind in ("honest", "mistake")]
    for index, sample in enumerate(tfidf_samples):
        want = [t for t in (targets[index % 2], targets[(index + 1) % 2]) if t != _pair(sample.name)][0]
        roster[next(f"{sample.name}-{k}" for k in range(10000) if _pair(f"{sample.name}-{k}") == want)] = sample
    return roster


ROSTERS = {ASSIGNMENT: {f"{sample.name}-{suffix}": sample for sample in SAMPLES for suffix in SUFFIXES},
           TFIDF: _tfidf_roster()}
CASES = [(name, student, sample) for name, roster in ROSTERS.items() for student, sample in roster.items()]


def _roster() -> dict:
    return ROSTERS[ASSIGNMENT]


def _course(tmp_path_factory, label):
    root = course.copy_course(REPO, tmp_path_factory.mktemp(label) / "course")
    for name, roster in ROSTERS.items():
        nbgrader(root, "generate_assignment", name, "--force")
        submit_class(root, name, roster)
    return root


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    root = _course(tmp_path_factory, "variants-nbgrader")
    for name in ROSTERS:
        nbgrader(root, "autograde", name, "--force")
    return root


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = _course(tmp_path_factory, "variants-engine")
    for name in ROSTERS:
        run = subprocess.run([sys.executable, "-m", "autograder", "grade", name, "--workers", "2"], cwd=root,
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
    default = tuple(assignments.get(TFIDF).module("variant").DEFAULTS["selected_categories"])
    pairs = {student: _pair(student) for student in ROSTERS[TFIDF]}
    assert len(set(pairs.values())) == 2 and default not in pairs.values(), pairs
    for student, sample in ROSTERS[TFIDF].items():  # another pair than under its own name (test_autograde_samples)
        assert pairs[student] != _pair(sample.name) != default, (student, sample.name)


def _check(root, student, sample, name=ASSIGNMENT):
    scores = {g: c for g, c in cell_scores(db_url(root), course_id(root), name, student).items() if c.autograded}
    assert scores, f"no grades for {student}"
    for grade_id, cell in scores.items():
        if grade_id in sample.expect_lost:
            assert cell.score < cell.max_score, f"{student} ({sample.why}) kept full marks on {grade_id}"
        else:
            assert cell.score == cell.max_score, f"{student} ({sample.why}) lost {grade_id}: {cell.score}/{cell.max_score}"
    return {g: (c.score, c.max_score) for g, c in scores.items()}


@pytest.mark.parametrize("name,student,sample", CASES, ids=[student for _, student, _ in CASES])
def test_plain_nbgrader_grades_every_variant(plain, name, student, sample):
    _check(plain, student, sample, name)
    failed = failed_cells(plain, name, dataclasses.replace(sample, name=student))
    got = {grade_id: code for grade_id, (code, _) in failed.items()}
    assert got == (sample.expect_mistakes if sample.kind == "mistake" else {}), f"{student} ({sample.why}): {failed}"


@pytest.mark.parametrize("name,student,sample", CASES, ids=[student for _, student, _ in CASES])
def test_autograder_grade_gives_the_same_grades(plain, engine, name, student, sample):
    assert _check(engine, student, sample, name) == _check(plain, student, sample, name)
