"""A submission whose literal answers came from another id's variant: graded with the gradebook student's own
variant by `autograder grade`, it loses the tasks whose values differ, and it is listed for review with both ids
(its own variant cell's output shows the id it ran under). One that ran under its own id is not listed."""

import subprocess
import sys

import nbformat
import pytest

from autograder import assignments, course
from autograder.assignments.artificial_neurons import reference
from autograder.assignments.samples import Sample, make_submission
from autograder.storage import records
from autograder.storage.gradebook import cell_scores

from .conftest import REPO, course_id, db_url

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = "artificial_neurons.ipynb"
SPEC = assignments.get(ASSIGNMENT)
COURSE = course.load_config(REPO).CourseDirectory.course_id
TFIDF = assignments.get("tfidf_distances")


def _two_ids():
    """A gradebook id and a friend's whose variants differ in seed, point and network size."""
    me = "ana"
    mine = SPEC.variant_params(me, COURSE)
    friend = next(f"friend{i}" for i in range(1000) if all(
        SPEC.variant_params(f"friend{i}", COURSE)[k] != mine[k] for k in ("seed", "pt", "hidden_4d_2")))
    return me, friend


def _ran_under(nb, student, spec=SPEC):
    """The outputs the variant cell shows once ``student`` ran it (as the student's own notebook keeps them)."""
    module = spec.module("variant")
    described = module.describe(spec.variant_params(student, COURSE))
    text = f"student id: {student}\n{described if spec is TFIDF else 'your variant: ' + described}\n"
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "variant")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    cell.execution_count = 2
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    me, friend = _two_ids()
    theirs = reference.lecture(SPEC.variant_params(friend, COURSE))  # the friend's right answers, copied as values
    copied = Sample(name="copied", kind="mistake", cells={
        "one_neuron_network": f"hidden_output = {theirs.hidden_output!r}\nproba_by_hand = {theirs.proba_by_hand!r}\n",
        "count_params": ("def count_mlp_params(clf):\n"
                         "    return int(sum(w.size for w in clf.coefs_) + sum(b.size for b in clf.intercepts_))\n\n\n"
                         f"n_params_one_hidden = {theirs.n_params_one_hidden}\n"
                         f"n_params_four_hidden = {theirs.n_params_four_hidden}\n"),
    })
    honest = Sample(name="solution", kind="honest")
    root = course.copy_course(REPO, tmp_path_factory.mktemp("foreign") / "course")
    source = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4)
    for student, sample, ran_as in ((me, copied, friend), ("bo", honest, "bo")):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(_ran_under(make_submission(source, release, sample), ran_as), folder / NOTEBOOK)
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"], cwd=root,
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout + run.stderr
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    scores = {s: {g: (c.score, c.max_score) for g, c in cell_scores(db_url(root), course_id(root), ASSIGNMENT, s).items()
                  if c.autograded} for s in (me, "bo")}
    return me, friend, recs, scores, run.stdout


def test_the_copied_values_lose_their_tasks_and_nothing_else(graded):
    me, _, _, scores, _ = graded
    lost = {g for g, (score, maximum) in scores[me].items() if score < maximum}
    assert lost == {"test_one_neuron_network", "test_param_counts"}, scores[me]


def test_the_submission_is_listed_for_review_with_both_ids(graded):
    me, friend, recs, _, out = graded
    assert recs[me].status == "flagged"
    reason = [r for r in recs[me].reasons if "variant of student id" in r]
    assert len(reason) == 1 and repr(friend) in reason[0] and repr(me) in reason[0], recs[me].reasons
    assert friend in out  # the summary lists it


def test_a_notebook_run_under_its_own_id_is_not_listed(graded):
    _, _, recs, scores, _ = graded
    assert recs["bo"].status == "graded", recs["bo"].reasons
    assert all(score == maximum for score, maximum in scores["bo"].values()), scores["bo"]


def _tfidf_friend(me):
    """A friend whose pair shares no category with ``me``'s and whose answers differ in every literal compared."""
    from autograder.assignments.tfidf_distances import reference as tfidf

    mine = tfidf.lecture(TFIDF.variant_params(me, COURSE)["selected_categories"])
    for i in range(1000):
        pair = TFIDF.variant_params(f"friend{i}", COURSE)["selected_categories"]
        if set(pair) & set(mine.categories):
            continue
        theirs = tfidf.lecture(pair)
        if (theirs.tfidf.shape != mine.tfidf.shape and theirs.mnb_score != mine.mnb_score
                and theirs.svc_score != mine.svc_score):
            return f"friend{i}", theirs
    raise AssertionError("no friend with another pair")  # pragma: no cover


@pytest.fixture(scope="module")
def graded_tfidf(tmp_path_factory):
    """``ana`` hands in the values she got under a friend's id (literals: her code would recompute them)."""
    name, notebook, me = "tfidf_distances", "tfidf_distances.ipynb", "ana"
    friend, theirs = _tfidf_friend(me)
    rows, columns = theirs.tfidf.shape
    within = theirs.within_means
    copied = Sample(name="copied", kind="mistake", cells={
        "tfidf_features": ("ng_tfidf = TfidfVectorizer().fit_transform(ng_X)\n"
                           f"n_documents, n_terms, n_stored = {rows}, {columns}, {theirs.tfidf.nnz}\n"),
        "classifier_scores": ("svc = SVC(kernel='rbf').fit(ng_vec_train, ng_y_train)\n"
                              f"mnb_score, svc_score = {theirs.mnb_score!r}, {theirs.svc_score!r}\n"),
        "block_means": f"within_first_mean, within_second_mean = {within[0]!r}, {within[1]!r}\n"
                       f"between_mean = {theirs.between_mean!r}\n",
        "heatmap_reading": (f"more_diverse_category = {theirs.more_diverse_category!r}\n"
                            f"more_common_error = {tuple(theirs.more_common_error)!r}\n"),
    })
    root = course.copy_course(REPO, tmp_path_factory.mktemp("foreign-tfidf") / "course")
    source = nbformat.read(root / "source" / name / notebook, 4)
    release = nbformat.read(root / "release" / name / notebook, 4)
    for student, sample, ran_as in ((me, copied, friend), ("bo", Sample(name="solution", kind="honest"), "bo")):
        folder = root / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(_ran_under(make_submission(source, release, sample), ran_as, TFIDF), folder / notebook)
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", name, "--workers", "2"], cwd=root,
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout + run.stderr
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), name)}
    scores = {s: {g: (c.score, c.max_score) for g, c in cell_scores(db_url(root), course_id(root), name, s).items()
                  if c.autograded} for s in (me, "bo")}
    return me, friend, recs, scores


def test_tfidf_values_of_a_friends_pair_lose_their_tasks_and_are_listed(graded_tfidf):
    me, friend, recs, scores = graded_tfidf
    lost = {g for g, (score, maximum) in scores[me].items() if score < maximum}
    assert lost == {"test_tfidf_features", "test_classifier_scores", "test_block_means", "test_heatmap_reading"}, scores[me]
    assert recs[me].status == "flagged" and any(repr(friend) in r for r in recs[me].reasons), recs[me].reasons
    assert recs["bo"].status == "graded", recs["bo"].reasons
    assert all(score == maximum for score, maximum in scores["bo"].values()), scores["bo"]
