"""The reference answers a grading worker computes once and hands to its kernels (``autograder.grading.reference_cache``).

In-process: what ``build`` pickles and ``preload`` installs. Through real grading (a real sandboxed
kernel, nbgrader's Autograde): the kernel grades against the worker's cache, not a value of its own;
a cache it cannot read falls back to computing the reference, so the grades stay right.
"""

import dataclasses
import os
import pickle
import subprocess

import pytest

from autograder import assignments, course
from autograder.storage.gradebook import cell_scores
from autograder.grading import grade_assignment
from autograder.grading import reference_cache as cache
from autograder.kernel import reference as kernel_reference
from autograder.assignments.tfidf_distances import reference as ref
from autograder.assignments.tfidf_distances import variant as variant_module
from autograder.assignments.samples import submit_class

from .conftest import REPO, checkout_env, checkout_python

ASSIGNMENT = "tfidf_distances"
SPEC_DEFAULTS = variant_module.DEFAULTS


def test_build_pickles_the_lecture_once_per_process():
    data = cache.build(ASSIGNMENT)
    assert data is cache.build(ASSIGNMENT), "computed once per worker process"
    lecture = pickle.loads(data)[ASSIGNMENT]
    assert lecture.svc_score == ref.lecture().svc_score and lecture.confusion.equals(ref.lecture().confusion)


def test_the_cache_is_kept_per_grading_engine():
    """A long-lived worker whose engine changed (new data, code, packages) computes the answers again."""
    from autograder.grading.fingerprint import engine_spec

    engine = engine_spec(ASSIGNMENT)
    assert cache.build(ASSIGNMENT, engine) is cache.build(ASSIGNMENT) is cache.build(ASSIGNMENT, dict(engine))
    for part in engine:
        assert cache.build(ASSIGNMENT, {**engine, part: "other"}) is not cache.build(ASSIGNMENT, engine), part


def test_the_cache_is_kept_per_variant():
    """One value per pair of categories, each computed once per worker."""
    first, second = ({"selected_categories": list(pair)} for pair in variant_module.PAIRS[:2])
    data = cache.build(ASSIGNMENT, variant=first)
    assert data is cache.build(ASSIGNMENT, variant=dict(first)) and data is not cache.build(ASSIGNMENT, variant=second)
    assert pickle.loads(data)[ASSIGNMENT].categories == tuple(first["selected_categories"])


def test_the_workers_of_a_batch_compute_each_variant_once(tmp_path, monkeypatch):
    """The first worker that needs a variant computes it into the batch's shared folder; another reads it there."""
    pair = {"selected_categories": list(variant_module.PAIRS[2])}
    monkeypatch.setitem(cache.SHARED, "folder", str(tmp_path))
    cache._build.cache_clear()
    first = cache.build(ASSIGNMENT, variant=pair)
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    cache._build.cache_clear()  # another worker process: nothing in its memory

    def never(*args):
        raise AssertionError("computed a second time")

    monkeypatch.setattr(cache, "_compute", never)
    assert cache.build(ASSIGNMENT, variant=pair) == first
    cache._build.cache_clear()


def test_an_assignment_without_precompute_has_no_cache():
    assert cache.build("artificial_neurons") is None
    assert cache.build("no_such_assignment") is None


def test_preload_installs_the_file_named_in_the_environment(tmp_path):
    altered = dataclasses.replace(ref.lecture(), svc_score=0.25)
    path = tmp_path / "cache.pickle"
    path.write_bytes(pickle.dumps({ASSIGNMENT: altered}))
    code = (
        "import os\n"
        "from autograder.kernel import reference as cache\n"
        "from autograder.assignments.tfidf_distances import reference as ref\n"
        "print(cache.preload(), ref.lecture().svc_score, cache.ENV in os.environ)\n"
    )
    env_run = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                             env=checkout_env({**os.environ, cache.ENV: str(path)}))
    assert env_run.stdout.split() == ["['tfidf_distances']", "0.25", "False"], env_run.stderr
    path.write_bytes(b"not a pickle")
    assert kernel_reference.preload(str(path)) == [], "an unreadable cache installs nothing"


@pytest.fixture(scope="module")
def solution_course(tmp_path_factory):
    root = course.copy_course(REPO, tmp_path_factory.mktemp("cache") / "course")
    submit_class(root, ASSIGNMENT, {"solution": "solution"})
    return root


def _grade(root, monkeypatch, cached: bytes | None, seen: list | None = None):
    def build(assignment, engine=None, variant=None):
        (seen if seen is not None else []).append(variant)
        return cached

    monkeypatch.setattr(cache, "build", build)
    grade_assignment(root, ASSIGNMENT, workers=0, force=True, progress=False, feedback=False)
    config = course.load_config(root)
    scores = cell_scores(f"sqlite:///{root / 'gradebook.db'}", config.CourseDirectory.course_id, ASSIGNMENT, "solution")
    return {grade_id: (cell.score, cell.max_score) for grade_id, cell in scores.items() if cell.autograded}


@pytest.mark.nbgrader
def test_the_grading_kernel_uses_the_workers_cache(solution_course, monkeypatch):
    """A cache whose scores differ from the student's costs exactly the classifier-score cell: it was used. The
    worker asks for the graded student's variant, and the kernel uses a value of that student's pair."""
    variant = assignments.get(ASSIGNMENT).variant_params("solution", course.load_config(REPO).CourseDirectory.course_id)
    assert variant != SPEC_DEFAULTS, "the test needs a student whose pair is not the default"
    theirs = ref.lecture(variant["selected_categories"])
    altered = dataclasses.replace(theirs, svc_score=theirs.svc_score / 2)
    seen = []
    scores = _grade(solution_course, monkeypatch, pickle.dumps({ASSIGNMENT: altered}), seen)
    lost = {grade_id for grade_id, (score, max_score) in scores.items() if score < max_score}
    assert lost == {"test_classifier_scores"}, scores
    assert seen == [variant], seen


@pytest.mark.nbgrader
def test_an_unreadable_cache_falls_back_to_computing(solution_course, monkeypatch):
    scores = _grade(solution_course, monkeypatch, b"garbage, not a pickle")
    assert all(score == max_score for score, max_score in scores.values()), scores
