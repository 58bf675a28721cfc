"""The variants of ``tfidf_distances``: the notebook's locked cell computes what ``variant.params`` does,
students get distinct pairs of categories, listed pairs are fair tasks, and the reference follows the graded student."""

import subprocess

import nbformat
import pytest

from autograder import assignments, course
from autograder.assignments.tfidf_distances import fair_pairs, reference, variant

from .conftest import REPO, checkout_env, checkout_python
from .variant_cells import run_variant_cell

SPEC = assignments.get("tfidf_distances")
COURSE = course.load_config(REPO).CourseDirectory.course_id
IDS = [f"student{i:04d}" for i in range(300)] + ["jdoe", "Anna Maria", "élève-7", "42"]


def _cell(folder="source") -> str:
    nb = nbformat.read(REPO / folder / "tfidf_distances" / "tfidf_distances.ipynb", 4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "variant")


def _run_cell(source, env, monkeypatch, typed=None) -> dict:
    """The ``variant`` the cell sets (and ``selected_categories`` must hold the same pair)."""
    namespace = run_variant_cell(source, env, monkeypatch, typed)
    assert namespace["selected_categories"] == namespace["variant"]["selected_categories"]
    return namespace["variant"]


@pytest.mark.parametrize("folder", ["source", "release", "solutions"])
def test_the_notebook_cell_computes_what_variant_params_does(folder, monkeypatch, capsys):
    source = _cell(folder)
    for student in IDS:
        expected = SPEC.variant_params(student, COURSE)
        assert _run_cell(source, {"AUTOGRADER_VARIANTS": "on", "AUTOGRADER_STUDENT": student}, monkeypatch) == expected
    assert _run_cell(source, {"JUPYTERHUB_USER": "jdoe"}, monkeypatch) == SPEC.variant_params("jdoe", COURSE)
    capsys.readouterr()
    assert _run_cell(source, {}, monkeypatch, typed="jdoe") == SPEC.variant_params("jdoe", COURSE)
    printed = capsys.readouterr().out
    assert "student id: jdoe\n" in printed and f"{variant.describe(SPEC.variant_params('jdoe', COURSE))}\n" in printed
    assert _run_cell(source, {"AUTOGRADER_STUDENT": "s1", "JUPYTERHUB_USER": "grader"},
                     monkeypatch) == SPEC.variant_params("s1", COURSE)


def test_variants_off_or_no_student_give_the_notebook_of_today(monkeypatch):
    source = _cell()
    off = {"AUTOGRADER_VARIANTS": "off", "AUTOGRADER_STUDENT": "s1", "JUPYTERHUB_USER": "s1"}
    assert _run_cell(source, off, monkeypatch) == variant.DEFAULTS
    assert _run_cell(source, {}, monkeypatch) == variant.DEFAULTS  # a tool runs it: no keyboard
    assert _run_cell(source, {"AUTOGRADER_VARIANTS": "on"}, monkeypatch) == variant.DEFAULTS
    assert variant.DEFAULTS["selected_categories"] == list(reference.SELECTED_CATEGORIES)


def test_students_get_distinct_pairs_and_every_pair_is_used():
    got = [tuple(SPEC.variant_params(student, COURSE)["selected_categories"]) for student in IDS]
    assert set(got) == {tuple(pair) for pair in variant.PAIRS}, "300 ids reach every listed pair"
    assert max(got.count(pair) for pair in set(got)) <= 4 * len(IDS) / len(variant.PAIRS)
    assert sum(variant.params(s, COURSE, 1) != variant.params(s, "other-course", 1) for s in IDS) >= 0.8 * len(IDS)
    assert sum(variant.params(s, COURSE, 1) != variant.params(s, COURSE, 2) for s in IDS) >= 0.8 * len(IDS)


def test_every_listed_pair_is_two_real_categories_in_order():
    from sklearn.datasets import fetch_20newsgroups

    names = set(fetch_20newsgroups(subset="train", download_if_missing=False).target_names)
    assert len(variant.PAIRS) >= 20 and len({tuple(p) for p in variant.PAIRS}) == len(variant.PAIRS)
    for first, second in variant.PAIRS:
        assert {first, second} <= names and first < second, (first, second)


def test_the_variant_is_stable_across_processes():
    """No salted hash, no NumPy stream: another interpreter with another PYTHONHASHSEED gives the same variant."""
    code = ("from autograder.assignments import get; "
            f"print([get('tfidf_distances').variant_params(s, {COURSE!r}) for s in {IDS[:20]!r}])")
    env = {**checkout_env(), "PYTHONHASHSEED": "12345"}
    out = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([SPEC.variant_params(s, COURSE) for s in IDS[:20]])


@pytest.mark.nbgrader  # the slow tier: an SVC fit per pair (3 s each)
@pytest.mark.parametrize("pair", [variant.PAIRS[0], variant.PAIRS[len(variant.PAIRS) // 2]], ids=str)
def test_listed_pairs_are_fair_by_the_reference(pair):
    """Two listed pairs recomputed by the reference pipeline still pass the criteria of ``variant``'s docstring."""
    lecture = reference.lecture(pair)
    row = fair_pairs.numbers_of(lecture)
    assert fair_pairs.fair(row), row
    assert row["errors"][0] != row["errors"][1] and row["within"][0] != row["within"][1]
    assert lecture.more_diverse_category == pair[int(row["within"][1] > row["within"][0])]


@pytest.mark.nbgrader
def test_the_criteria_refuse_a_pair_that_is_too_easy():
    """The criteria are not vacuous: a pair both classifiers get 100% right is refused."""
    row = fair_pairs.numbers(["alt.atheism", "rec.sport.hockey"])
    assert row["svc"] == 1.0 and not fair_pairs.fair(row), row


def test_the_reference_follows_the_graded_student():
    """In a kernel told its student (``kernel.variant``), ``lecture()`` is that student's categories."""
    code = "from autograder.assignments.tfidf_distances import reference as r; print(list(r.current_categories()))"
    for student in ("s-a", "s-b"):
        env = {**checkout_env(), "AUTOGRADER_VARIANTS": "on", "AUTOGRADER_STUDENT": student, "AUTOGRADER_COURSE": COURSE}
        out = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == str(SPEC.variant_params(student, COURSE)["selected_categories"])
    env = {**checkout_env(), "AUTOGRADER_VARIANTS": "off", "AUTOGRADER_STUDENT": "s-a", "AUTOGRADER_COURSE": COURSE}
    out = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(variant.DEFAULTS["selected_categories"])


def test_autograder_variant_prints_the_pair(tmp_path):
    """``autograder variant tfidf_distances STUDENT --json`` prints ``selected_categories`` (off: test_variants.py)."""
    import json

    from .test_variants import _cli

    root = course.copy_course(REPO, tmp_path / "course")
    one = _cli(root, "variant", "tfidf_distances", "ana", "--json")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout) == {"student": "ana", "assignment": "tfidf_distances",
                                      "params": {"selected_categories": SPEC.variant_params("ana", COURSE)["selected_categories"]}}
