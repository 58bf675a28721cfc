"""The variants of ``artificial_neurons``: the notebook's locked cell computes what ``variant.params`` does,
students get distinct variants, every variant is a fair task, and the reference follows the graded student."""

import os
import subprocess
import warnings

import nbformat
import numpy as np
import pytest

from autograder import assignments, course
from autograder.assignments.artificial_neurons import reference, variant

from .conftest import REPO, checkout_env, checkout_python
from .variant_cells import run_variant_cell

SPEC = assignments.get("artificial_neurons")
COURSE = course.load_config(REPO).CourseDirectory.course_id
IDS = [f"student{i:04d}" for i in range(300)] + ["jdoe", "Anna Maria", "élève-7", "42"]


def _cell(folder="source") -> str:
    nb = nbformat.read(REPO / folder / "artificial_neurons" / "artificial_neurons.ipynb", 4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "variant")


def _run_cell(source, env, typed=None, monkeypatch=None) -> dict:
    """The ``variant`` the cell sets, run with exactly ``env`` of the three variables it reads."""
    return run_variant_cell(source, env, monkeypatch, typed)["variant"]


@pytest.mark.parametrize("folder", ["source", "release", "solutions"])
def test_the_notebook_cell_computes_what_variant_params_does(folder, monkeypatch):
    source = _cell(folder)
    for student in IDS:
        expected = SPEC.variant_params(student, COURSE)
        assert _run_cell(source, {"AUTOGRADER_VARIANTS": "on", "AUTOGRADER_STUDENT": student}, monkeypatch=monkeypatch) == expected
    assert _run_cell(source, {"JUPYTERHUB_USER": "jdoe"}, monkeypatch=monkeypatch) == SPEC.variant_params("jdoe", COURSE)
    assert _run_cell(source, {}, typed="jdoe", monkeypatch=monkeypatch) == SPEC.variant_params("jdoe", COURSE)
    # grading prefers the gradebook's id to the hub login of whoever grades
    assert _run_cell(source, {"AUTOGRADER_STUDENT": "s1", "JUPYTERHUB_USER": "grader"},
                     monkeypatch=monkeypatch) == SPEC.variant_params("s1", COURSE)


def test_variants_off_or_no_student_give_the_notebook_of_today(monkeypatch):
    source = _cell()
    assert _run_cell(source, {"AUTOGRADER_VARIANTS": "off", "AUTOGRADER_STUDENT": "s1", "JUPYTERHUB_USER": "s1"},
                     monkeypatch=monkeypatch) == variant.DEFAULTS
    assert _run_cell(source, {}, typed=None, monkeypatch=monkeypatch) == variant.DEFAULTS  # a tool runs it: no keyboard
    assert _run_cell(source, {"AUTOGRADER_VARIANTS": "on"}, monkeypatch=monkeypatch) == variant.DEFAULTS


def test_students_get_distinct_variants_and_every_value_is_used():
    got = [SPEC.variant_params(student, COURSE) for student in IDS]
    distinct = {(v["seed"], tuple(v["pt"]), v["hidden_4d_2"]) for v in got}
    assert len(distinct) >= 0.9 * len(IDS), f"only {len(distinct)} distinct variants for {len(IDS)} ids"
    assert {v["hidden_4d_2"] for v in got} == set(variant.HIDDEN_SIZES)
    assert {tuple(v["pt"]) for v in got} == {tuple(p) for p in variant.POINTS}
    assert len({v["seed"] for v in got}) >= 0.8 * len(variant.SEEDS)
    # the same id in another course, or under another version, is another variant
    assert sum(variant.params(s, COURSE, 1) != variant.params(s, "other-course", 1) for s in IDS) >= 0.9 * len(IDS)
    assert sum(variant.params(s, COURSE, 1) != variant.params(s, COURSE, 2) for s in IDS) >= 0.9 * len(IDS)


def test_the_variant_is_stable_across_processes():
    """No salted hash, no NumPy stream: another interpreter with another PYTHONHASHSEED gives the same variant."""
    code = ("from autograder.assignments import get; "
            f"print([get('artificial_neurons').variant_params(s, {COURSE!r}) for s in {IDS[:20]!r}])")
    env = {**checkout_env(), "PYTHONHASHSEED": "12345"}
    out = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([SPEC.variant_params(s, COURSE) for s in IDS[:20]])


@pytest.mark.nbgrader  # the slow tier: about 3 minutes of network fits
@pytest.mark.parametrize("seed", variant.SEEDS)
def test_every_seed_makes_a_fair_task(seed):
    """Every network learns its data; clf's probability is never saturated at a candidate point; the counts differ."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for hidden in variant.HIDDEN_SIZES:
            lecture = reference.lecture({"seed": seed, "pt": [-1, -2], "hidden_4d_2": hidden})
            X4, y4 = make_classification(n_samples=200, random_state=seed, n_features=4, n_redundant=0, n_informative=4)
            _, X4_test, _, y4_test = train_test_split(X4, y4, stratify=y4, random_state=seed)
            assert lecture.clf_4d_2.score(X4_test, y4_test) >= 0.75
            assert lecture.n_params_four_hidden > lecture.n_params_one_hidden
        X, y = make_classification(n_samples=100, random_state=seed, n_features=2, n_redundant=0)
        _, X_test, _, y_test = train_test_split(X, y, stratify=y, random_state=seed)
        assert lecture.clf.score(X_test, y_test) >= 0.8
        assert lecture.clf_4d.score(X4_test, y4_test) >= 0.7
        p = lecture.clf.predict_proba(np.array(variant.POINTS, dtype=float))[:, 1]
        assert np.all((p >= 1e-3) & (p <= 1 - 1e-3)), p


def test_the_reference_follows_the_graded_student():
    """In a kernel told its student (``kernel.variant``), ``lecture()`` is that student's networks."""
    code = ("from autograder.assignments.artificial_neurons import reference as r; l = r.lecture(); "
            "print(l.pt.tolist(), l.clf_4d_2.hidden_layer_sizes, r.current_variant())")
    for student in ("s-a", "s-b"):
        env = {**checkout_env(), "AUTOGRADER_VARIANTS": "on", "AUTOGRADER_STUDENT": student, "AUTOGRADER_COURSE": COURSE}
        out = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
        expected = SPEC.variant_params(student, COURSE)
        assert out.stdout.strip() == f"{expected['pt']} ({expected['hidden_4d_2']},) {expected}"
    env = {**checkout_env(), "AUTOGRADER_VARIANTS": "off", "AUTOGRADER_STUDENT": "s-a", "AUTOGRADER_COURSE": COURSE}
    out = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"[-1, -2] (4,) {variant.DEFAULTS}"
