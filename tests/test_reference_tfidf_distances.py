"""The reference answers of tfidf_distances against scikit-learn, on the real data and on edge cases."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.metrics import confusion_matrix
from sklearn.metrics.pairwise import euclidean_distances

from autograder.assignments.tfidf_distances import reference as ref


@pytest.fixture(scope="module")
def lecture():
    return ref.lecture()


def sklearn_tfidf(counts):
    return TfidfTransformer().fit_transform(counts)


EDGE_CASES = {
    "an all-zero row": np.array([[1, 2, 0], [0, 0, 0], [0, 1, 4]]),
    "one document": np.array([[3, 0, 1, 1]]),
    "a term in every document": np.array([[1, 1, 0], [2, 1, 1], [1, 3, 0]]),
    "only zeros": np.zeros((3, 4), dtype=int),
    "a term in no document": np.array([[1, 0, 0], [2, 0, 1]]),
}


@pytest.mark.parametrize("what", EDGE_CASES)
@pytest.mark.parametrize("convert", [np.asarray, sp.csr_matrix, sp.csc_matrix, sp.coo_matrix], ids=["dense", "csr", "csc", "coo"])
def test_tfidf_from_counts_matches_tfidftransformer(what, convert):
    counts = convert(EDGE_CASES[what])
    result = ref.tfidf_from_counts(counts)
    assert sp.issparse(result) and result.format == "csr"
    assert not np.isnan(result.toarray()).any()
    np.testing.assert_allclose(result.toarray(), sklearn_tfidf(counts).toarray(), rtol=1e-12, atol=1e-15)


def test_tfidf_from_counts_on_the_real_counts(lecture):
    counts = CountVectorizer().fit_transform(lecture.documents)
    difference = abs(ref.tfidf_from_counts(counts) - sklearn_tfidf(counts))
    assert difference.max() < 1e-12


def test_lecture_features_are_tfidfvectorizer_defaults(lecture):
    expected = TfidfVectorizer().fit_transform(lecture.documents)
    assert lecture.tfidf.shape == expected.shape
    assert lecture.tfidf.nnz == expected.nnz
    assert abs(lecture.tfidf - expected).max() < 1e-12
    assert lecture.categories == ("comp.graphics", "sci.crypt")


@pytest.mark.parametrize("y", [[1, 0, 1, 0, 0], [0, 0, 0], [1, 1], [0, 1, 1, 0, 1, 0, 0, 1, 1, 1]])
def test_class_sorted_rows_keeps_original_order_in_each_class(y):
    y = np.array(y)
    order = ref.class_sorted_rows(y)
    zeros, ones = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    np.testing.assert_array_equal(order, np.concatenate([zeros, ones]))


def test_sorted_distances_are_euclidean_distances_in_class_order(lecture):
    order = np.concatenate([np.flatnonzero(lecture.y == 0), np.flatnonzero(lecture.y == 1)])
    np.testing.assert_allclose(lecture.distances, euclidean_distances(lecture.tfidf[order]), rtol=1e-12)


def test_block_means_leave_out_the_diagonal():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(7, 3))
    distances = euclidean_distances(points)
    within_first, within_second, between = ref.block_means(distances, 3)
    first_pairs = [distances[i, j] for i in range(3) for j in range(3) if i != j]
    second_pairs = [distances[i, j] for i in range(3, 7) for j in range(3, 7) if i != j]
    cross_pairs = [distances[i, j] for i in range(3) for j in range(3, 7)]
    np.testing.assert_allclose([within_first, within_second, between], [np.mean(first_pairs), np.mean(second_pairs), np.mean(cross_pairs)])
    assert all(type(value) is float for value in (within_first, within_second, between))


def test_confusion_table_puts_predictions_on_the_rows():
    y_true = np.array([0, 0, 1, 1, 1])
    y_pred = np.array([0, 1, 0, 0, 1])
    table = ref.confusion_table(y_true, y_pred, ["a", "b"])
    np.testing.assert_array_equal(table.to_numpy(), confusion_matrix(y_true, y_pred).T)
    assert list(table.index) == [("predicted class", "a"), ("predicted class", "b")]
    assert list(table.columns) == [("actual class", "a"), ("actual class", "b")]
    assert ref.more_common_error(table) == ("b", "a")  # two b documents predicted a, one a predicted b


def test_lecture_readings_follow_from_its_numbers(lecture):
    """The readings are derived from the computed values, so they agree with a recount here."""
    confusion = confusion_matrix(lecture.y_test, _svc_predictions(lecture))
    (_, a_as_b), (b_as_a, _) = confusion
    categories = lecture.categories
    expected_error = (categories[1], categories[0]) if b_as_a > a_as_b else (categories[0], categories[1])
    assert lecture.more_common_error == expected_error
    within = lecture.within_means
    assert lecture.more_diverse_category == categories[int(within[1] > within[0])]
    assert isinstance(lecture.confusion, pd.DataFrame)


def _svc_predictions(lecture):
    from sklearn.svm import SVC

    return SVC(kernel="rbf").fit(lecture.X_train, lecture.y_train).predict(lecture.X_test)
