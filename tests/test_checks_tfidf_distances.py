"""The hidden-test checks of tfidf_distances, called directly: honest answers pass, mistakes are named.

Correct answers come from scikit-learn itself (TfidfTransformer, TfidfVectorizer, the classifiers,
confusion_matrix, euclidean_distances) or from code written here, never from the reference the checks
compare with; every check is shown a correct answer in another form and a known mistake with its code.
"""

import os
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.metrics import confusion_matrix
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import SVC

from autograder.assignments.tfidf_distances import checks
from autograder.assignments.tfidf_distances import reference as ref

from .answer_helpers import fails_with

CATEGORIES = ["comp.graphics", "sci.crypt"]


class Pipeline:
    """The notebook's answers computed here with scikit-learn, from the documents and labels alone."""

    def __init__(self, documents, y):
        self.documents, self.y = documents, y
        self.tfidf = TfidfVectorizer().fit_transform(documents)
        X_train, X_test, y_train, self.y_test = train_test_split(self.tfidf, y, random_state=0)
        self.train = (X_train, y_train)
        self.mnb_score = MultinomialNB().fit(X_train, y_train).score(X_test, self.y_test)
        svc = SVC(kernel="rbf").fit(X_train, y_train)
        self.svc_score = svc.score(X_test, self.y_test)
        self.svc_train_score = svc.score(X_train, y_train)
        self.counts = confusion_matrix(self.y_test, svc.predict(X_test))  # actual classes as rows
        self.order = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)])
        self.distances = euclidean_distances(self.tfidf[self.order])
        self.n_first = int(np.sum(y == 0))

    def confusion_df(self, counts) -> pd.DataFrame:
        return pd.DataFrame(
            counts,
            index=pd.MultiIndex.from_tuples([("predicted class", c) for c in CATEGORIES]),
            columns=pd.MultiIndex.from_tuples([("actual class", c) for c in CATEGORIES]),
        )


def masked_means(distances, n_first):
    """Within-group means over pairs of distinct documents and the between mean, with boolean masks."""
    group = np.arange(len(distances)) >= n_first
    distinct = ~np.eye(len(distances), dtype=bool)
    first = np.outer(~group, ~group) & distinct
    second = np.outer(group, group) & distinct
    return distances[first].mean(), distances[second].mean(), distances[np.not_equal.outer(group, group)].mean()


@pytest.fixture(scope="module")
def pipeline():
    lecture = ref.lecture()  # the documents and labels only: the data the notebook loads
    return Pipeline(lecture.documents, lecture.y)


# --- tfidf_from_counts -------------------------------------------------------------------------------

def sklearn_tfidf(counts, **options):
    return sp.csr_matrix(TfidfTransformer(**options).fit_transform(counts))


def noisy_sklearn_tfidf(counts):
    """Correct, but warns and prints to stderr on the way, at Python and at file-descriptor level."""
    warnings.warn("by hand", UserWarning)
    print("debug", file=sys.stderr)
    os.write(2, b"raw stderr\n")
    return sklearn_tfidf(counts)


def dense_loops_tfidf(counts):
    """Correct, written with loops over a dense array."""
    dense = counts.toarray() if sp.issparse(counts) else np.array(counts, dtype=float)
    n = len(dense)
    result = np.zeros(dense.shape)
    for t in range(dense.shape[1]):
        df = sum(1 for d in range(n) if dense[d, t] > 0)
        result[:, t] = dense[:, t] * (np.log((1 + n) / (1 + df)) + 1)
    for d in range(n):
        norm = np.sqrt((result[d] ** 2).sum())
        if norm:
            result[d] /= norm
    return sp.csr_matrix(result)


def idf_without_plus_one(counts):
    dense = sp.csr_matrix(counts).toarray().astype(float)
    n = len(dense)
    weighted = dense * np.log((1 + n) / (1 + (dense > 0).sum(axis=0)))
    norms = np.linalg.norm(weighted, axis=1, keepdims=True)
    return sp.csr_matrix(np.divide(weighted, norms, out=np.zeros_like(weighted), where=norms > 0))


def with_nan(counts):
    dense = np.asarray(sp.csr_matrix(counts).toarray(), dtype=float)
    n = dense.shape[0]
    weighted = dense * (np.log((1 + n) / (1 + (dense > 0).sum(axis=0))) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sp.csr_matrix(weighted / np.linalg.norm(weighted, axis=1, keepdims=True))


def test_tfidf_from_counts_passes_quietly_for_sklearn_and_loops(capfd):
    checks.check_tfidf_from_counts(noisy_sklearn_tfidf)
    checks.check_tfidf_from_counts(dense_loops_tfidf)
    out, err = capfd.readouterr()
    assert err == "", "a check must never write to stderr: nbgrader would score the test 0"
    assert out.count("matches TfidfTransformer") == 2


@pytest.mark.parametrize(
    "mistake, code, words",
    [
        (lambda c: sklearn_tfidf(c, smooth_idf=False), "unsmoothed_idf", ["unsmoothed"]),
        (lambda c: sklearn_tfidf(c, norm=None), "not_normalized", ["not normalized"]),
        (lambda c: sklearn_tfidf(c, norm="l1"), "l1_normalized", ["L1"]),
        (lambda c: sklearn_tfidf((sp.csr_matrix(c) > 0).astype(int)), "binary_tf", ["binary"]),
        (idf_without_plus_one, "idf_missing_plus_one", ["'+ 1'"]),
        (with_nan, "zero_row_nan", ["NaN"]),
        (lambda c: sklearn_tfidf(c).toarray(), "wrong_type", ["CSR"]),
        (lambda c: 1 / 0, "error:ZeroDivisionError", ["ZeroDivisionError"]),
    ],
    ids=["unsmoothed", "unnormalized", "l1", "binary_tf", "no_plus_one", "nan", "dense", "raises"],
)
def test_tfidf_mistakes_are_named(mistake, code, words):
    fails_with(code, checks.check_tfidf_from_counts, mistake, words=words)


# --- tfidf_features ------------------------------------------------------------------------------------

def test_tfidf_features_accepts_sparse_and_dense(pipeline):
    tfidf = pipeline.tfidf
    checks.check_tfidf_features(tfidf, tfidf.shape[0], tfidf.shape[1], tfidf.nnz)
    dense = tfidf.toarray()
    checks.check_tfidf_features(dense, np.int64(len(dense)), dense.shape[1], int(np.count_nonzero(dense)))


def test_tfidf_features_mistakes(pipeline):
    tfidf = pipeline.tfidf
    rows, columns = tfidf.shape
    fails_with("wrong_type", checks.check_tfidf_features, tfidf, float(rows), columns, tfidf.nnz, words=["should be an int"])
    fails_with("counted_all_cells", checks.check_tfidf_features, tfidf, rows, columns, rows * columns, words=["nnz"])
    stop = TfidfVectorizer(stop_words="english").fit_transform(pipeline.documents)
    fails_with("tfidf_not_defaults", checks.check_tfidf_features, stop, stop.shape[0], stop.shape[1], stop.nnz, words=["defaults"])


# --- classifier_scores ----------------------------------------------------------------------------------

def test_classifier_scores(pipeline):
    checks.check_classifier_scores(pipeline.mnb_score, np.float64(pipeline.svc_score))
    fails_with("training_accuracy", checks.check_classifier_scores, pipeline.mnb_score, pipeline.svc_train_score, words=["training part"])
    fails_with("wrong_type", checks.check_classifier_scores, "0.93", pipeline.svc_score, words=["should be a float"])
    fails_with("unrecognized", checks.check_classifier_scores, pipeline.mnb_score, 0.5, words=["ng_vec_test"])


# --- confusion_table ------------------------------------------------------------------------------------

def test_confusion_table_from_sklearn_and_crosstab(pipeline):
    checks.check_confusion_table(pipeline.confusion_df(pipeline.counts.T.astype("int32")))
    predicted = np.repeat([0, 0, 1, 1], pipeline.counts.T.ravel())  # the same counts as predicted/actual pairs
    actual = np.repeat([0, 1, 0, 1], pipeline.counts.T.ravel())
    table = pd.crosstab(predicted, actual)
    checks.check_confusion_table(pipeline.confusion_df(table.to_numpy()))


def test_confusion_table_mistakes(pipeline):
    fails_with("confusion_transposed", checks.check_confusion_table, pipeline.confusion_df(pipeline.counts), words=[".T"])
    right = pipeline.confusion_df(pipeline.counts.T)
    swapped_labels = pd.DataFrame(right.to_numpy(), index=right.columns, columns=right.index)
    fails_with("confusion_labels_swapped", checks.check_confusion_table, swapped_labels, words=["actual classes as rows"])
    fails_with("wrong_type", checks.check_confusion_table, pipeline.counts.T, words=["DataFrame"])
    fails_with("confusion_wrong_total", checks.check_confusion_table, pipeline.confusion_df(pipeline.counts.T * 2), words=["documents"])


# --- class_sorted_rows ----------------------------------------------------------------------------------

def class_0_then_1(y):
    return np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)])


def test_class_sorted_rows_accepts_arrays_and_lists():
    checks.check_class_sorted_rows(class_0_then_1)
    checks.check_class_sorted_rows(lambda y: [i for i, v in enumerate(y) if v == 0] + [i for i, v in enumerate(y) if v == 1])


@pytest.mark.parametrize(
    "answer, code, words",
    [
        (lambda y: np.concatenate([np.flatnonzero(y == 1), np.flatnonzero(y == 0)]), "class_order_reversed", ["class-1 rows come first"]),
        (lambda y: np.concatenate([np.flatnonzero(y == 1)[::-1], np.flatnonzero(y == 0)]), "class_order_reversed", ["class-1 rows come first"]),
        (lambda y: np.concatenate([np.flatnonzero(y == 0)[::-1], np.flatnonzero(y == 1)]), "class_order_lost", ["original order"]),
        (lambda y: np.arange(len(y)), "classes_mixed", ["mixed"]),
        (lambda y: class_0_then_1(y) + 1, "one_based_indices", ["1-based", "from 0"]),
        (lambda y: class_0_then_1(y) * 100, "indices_out_of_range", ["outside 0 to"]),
        (lambda y: np.sort(y), "rows_not_permutation", ["exactly once"]),
        (lambda y: class_0_then_1(y).astype(float), "wrong_type", ["integer row indices"]),
    ],
    ids=["class_1_first", "class_1_first_and_reversed", "group_reversed", "unsorted", "one_based", "out_of_range", "labels", "floats"],
)
def test_class_sorted_rows_mistakes(answer, code, words):
    fails_with(code, checks.check_class_sorted_rows, answer, words=words)


# --- ng_distances and block means -------------------------------------------------------------------------

def test_ng_distances(pipeline):
    checks.check_ng_distances(pipeline.distances.copy(), pipeline.tfidf)
    checks.check_ng_distances(pd.DataFrame(pipeline.distances), pipeline.tfidf)
    unsorted = euclidean_distances(pipeline.tfidf)
    fails_with("distances_unsorted", checks.check_ng_distances, unsorted, pipeline.tfidf, words=["class_sorted_rows"])
    fails_with("distances_squared", checks.check_ng_distances, pipeline.distances**2, pipeline.tfidf, words=["squared"])
    fails_with("wrong_shape", checks.check_ng_distances, pipeline.distances[:10], pipeline.tfidf)


def test_block_means(pipeline):
    graphics, crypt, between = masked_means(pipeline.distances, pipeline.n_first)
    checks.check_block_means(graphics, np.float64(crypt), between, pipeline.distances)
    n = pipeline.n_first
    with_diagonal = pipeline.distances[:n, :n].mean(), pipeline.distances[n:, n:].mean()
    fails_with("diagonal_counted", checks.check_block_means, *with_diagonal, between, pipeline.distances, words=["n * (n - 1)"])
    fails_with("means_swapped", checks.check_block_means, crypt, graphics, between, pipeline.distances, words=["swapped"])
    fails_with("wrong_type", checks.check_block_means, str(graphics), crypt, between, pipeline.distances)


def test_block_means_follow_through_from_own_distances(pipeline):
    """Means computed correctly from a student's own (wrong) distance matrix keep their points."""
    own = pipeline.distances * 1.1
    means = masked_means(own, pipeline.n_first)
    checks.check_block_means(*means, own)
    fails_with("unrecognized", checks.check_block_means, *means)


# --- heatmap_reading --------------------------------------------------------------------------------------

def readings(pipeline, counts):
    """(more diverse category, (actual, predicted) of the larger off-diagonal count) from counts with actual rows."""
    within = masked_means(pipeline.distances, pipeline.n_first)[:2]
    diverse = CATEGORIES[int(within[1] > within[0])]
    error = (CATEGORIES[1], CATEGORIES[0]) if counts[1, 0] > counts[0, 1] else (CATEGORIES[0], CATEGORIES[1])
    return diverse, error


def test_heatmap_reading(pipeline):
    diverse, error = readings(pipeline, pipeline.counts)
    checks.check_heatmap_reading(np.str_(diverse), list(error))
    other = [c for c in CATEGORIES if c != diverse][0]
    fails_with("less_diverse_category", checks.check_heatmap_reading, other, error, words=["within-category mean"])
    fails_with("error_order_reversed", checks.check_heatmap_reading, diverse, error[::-1], words=["(actual, predicted)"])
    fails_with("wrong_type", checks.check_heatmap_reading, 0, error, words=["category name"])
    fails_with("not_a_category", checks.check_heatmap_reading, "graphics", error, words=["not one of"])


def test_heatmap_reading_follows_through_from_own_table(pipeline):
    """A transposed confusion_df read correctly gives the reversed error: that loses points on the table only."""
    diverse, error = readings(pipeline, pipeline.counts)
    graphics, crypt, _ = masked_means(pipeline.distances, pipeline.n_first)
    transposed = pipeline.confusion_df(pipeline.counts)
    checks.check_heatmap_reading(diverse, error[::-1], transposed, graphics, crypt)
    right = pipeline.confusion_df(pipeline.counts.T)
    fails_with("error_order_reversed", checks.check_heatmap_reading, diverse, error[::-1], right, graphics, crypt)
