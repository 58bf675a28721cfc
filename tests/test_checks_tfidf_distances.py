"""The hidden-test checks of tfidf_distances, called directly: honest answers pass, mistakes are named."""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from autograder.checks import tfidf_distances as checks
from autograder.errors import AnswerError
from autograder.reference import tfidf_distances as ref


@pytest.fixture(scope="module")
def lecture():
    return ref.lecture()


def noisy_reference(counts):
    """Correct, but warns and prints to stderr on the way, at Python and at file-descriptor level."""
    warnings.warn("by hand", UserWarning)
    print("debug", file=sys.stderr)
    import os

    os.write(2, b"raw stderr\n")
    return ref.tfidf_from_counts(counts)


def unsmoothed(counts):
    counts = sp.csr_matrix(counts, dtype=float)
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    with np.errstate(divide="ignore"):
        idf = np.log(n / df) + 1
    idf[~np.isfinite(idf)] = 0
    weighted = counts.multiply(idf).tocsr()
    norms = sp.linalg.norm(weighted, axis=1)
    norms[norms == 0] = 1
    return sp.csr_matrix(weighted.multiply(1 / norms[:, None]))


def unnormalized(counts):
    counts = sp.csr_matrix(counts, dtype=float)
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return sp.csr_matrix(counts.multiply(np.log((1 + n) / (1 + df)) + 1))


def with_nan(counts):
    dense = np.asarray(sp.csr_matrix(counts).toarray(), dtype=float)
    n = dense.shape[0]
    weighted = dense * (np.log((1 + n) / (1 + (dense > 0).sum(axis=0))) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sp.csr_matrix(weighted / np.linalg.norm(weighted, axis=1, keepdims=True))


def test_tfidf_from_counts_passes_quietly(capfd):
    checks.check_tfidf_from_counts(noisy_reference)
    out, err = capfd.readouterr()
    assert err == "", "a check must never write to stderr: nbgrader would score the test 0"
    assert "matches TfidfTransformer" in out


def test_tfidf_dense_result_is_refused_with_the_fix():
    with pytest.raises(AnswerError, match="CSR"):
        checks.check_tfidf_from_counts(lambda counts: ref.tfidf_from_counts(counts).toarray())


@pytest.mark.parametrize(
    "mistake, message",
    [(unsmoothed, "unsmoothed"), (unnormalized, "not normalized"), (with_nan, "NaN"), (lambda c: 1 / 0, "ZeroDivisionError")],
)
def test_tfidf_mistakes_are_named(mistake, message):
    with pytest.raises(AnswerError, match=message):
        checks.check_tfidf_from_counts(mistake)


def test_tfidf_features_accepts_sparse_and_dense(lecture):
    tfidf = lecture.tfidf
    checks.check_tfidf_features(tfidf, tfidf.shape[0], tfidf.shape[1], tfidf.nnz)
    dense = tfidf.toarray()
    checks.check_tfidf_features(dense, np.int64(len(dense)), dense.shape[1], int(np.count_nonzero(dense)))


def test_tfidf_features_mistakes(lecture):
    tfidf = lecture.tfidf
    with pytest.raises(AnswerError, match="should be an int"):
        checks.check_tfidf_features(tfidf, float(tfidf.shape[0]), tfidf.shape[1], tfidf.nnz)
    with pytest.raises(AnswerError, match="n_stored"):
        checks.check_tfidf_features(tfidf, tfidf.shape[0], tfidf.shape[1], tfidf.shape[0] * tfidf.shape[1])
    from sklearn.feature_extraction.text import TfidfVectorizer

    with pytest.raises(AnswerError, match="defaults"):
        stop = TfidfVectorizer(stop_words="english").fit_transform(lecture.documents)
        checks.check_tfidf_features(stop, stop.shape[0], stop.shape[1], stop.nnz)


def test_classifier_scores(lecture):
    checks.check_classifier_scores(lecture.mnb_score, np.float64(lecture.svc_score))
    with pytest.raises(AnswerError, match="training part"):
        from sklearn.svm import SVC

        train = SVC(kernel="rbf").fit(lecture.X_train, lecture.y_train).score(lecture.X_train, lecture.y_train)
        checks.check_classifier_scores(lecture.mnb_score, train)
    with pytest.raises(AnswerError, match="should be a float"):
        checks.check_classifier_scores("0.93", lecture.svc_score)


def test_confusion_table(lecture):
    checks.check_confusion_table(lecture.confusion.astype("int32"))
    transposed = pd.DataFrame(lecture.confusion.to_numpy().T, index=lecture.confusion.index, columns=lecture.confusion.columns)
    with pytest.raises(AnswerError, match="transposed"):
        checks.check_confusion_table(transposed)
    swapped_labels = pd.DataFrame(lecture.confusion.to_numpy(), index=lecture.confusion.columns, columns=lecture.confusion.index)
    with pytest.raises(AnswerError, match="actual classes as rows"):
        checks.check_confusion_table(swapped_labels)
    with pytest.raises(AnswerError, match="DataFrame"):
        checks.check_confusion_table(lecture.confusion.to_numpy())


def test_class_sorted_rows():
    checks.check_class_sorted_rows(lambda y: np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)]))
    checks.check_class_sorted_rows(lambda y: [i for i, v in enumerate(y) if v == 0] + [i for i, v in enumerate(y) if v == 1])
    with pytest.raises(AnswerError, match="wrong"):
        checks.check_class_sorted_rows(lambda y: np.concatenate([np.flatnonzero(y == 1), np.flatnonzero(y == 0)]))
    with pytest.raises(AnswerError, match="integer row indices"):
        checks.check_class_sorted_rows(lambda y: np.sort(y).astype(float))


def test_ng_distances(lecture):
    from sklearn.metrics.pairwise import euclidean_distances

    checks.check_ng_distances(lecture.distances.copy(), lecture.tfidf)
    with pytest.raises(AnswerError, match="original row order"):
        checks.check_ng_distances(euclidean_distances(lecture.tfidf), lecture.tfidf)
    with pytest.raises(AnswerError, match="squared"):
        checks.check_ng_distances(lecture.distances**2, lecture.tfidf)


def test_block_means(lecture):
    graphics, crypt = lecture.within_means
    checks.check_block_means(graphics, np.float64(crypt), lecture.between_mean, lecture.distances)
    n = int(np.sum(lecture.y == 0))
    with pytest.raises(AnswerError, match="diagonal"):
        checks.check_block_means(
            lecture.distances[:n, :n].mean(), lecture.distances[n:, n:].mean(), lecture.between_mean, lecture.distances
        )
    with pytest.raises(AnswerError, match="swapped"):
        checks.check_block_means(crypt, graphics, lecture.between_mean, lecture.distances)


def test_block_means_follow_through_from_own_distances(lecture):
    """Means computed correctly from a student's own (wrong) distance matrix keep their points."""
    own = lecture.distances * 1.1
    n = int(np.sum(lecture.y == 0))
    checks.check_block_means(*ref.block_means(own, n), own)
    with pytest.raises(AnswerError):
        checks.check_block_means(*ref.block_means(own, n))


def test_heatmap_reading(lecture):
    checks.check_heatmap_reading(np.str_(lecture.more_diverse_category), list(lecture.more_common_error))
    other = [c for c in lecture.categories if c != lecture.more_diverse_category][0]
    with pytest.raises(AnswerError, match="within-category mean"):
        checks.check_heatmap_reading(other, lecture.more_common_error)
    with pytest.raises(AnswerError, match="wrong order"):
        checks.check_heatmap_reading(lecture.more_diverse_category, lecture.more_common_error[::-1])
    with pytest.raises(AnswerError, match="category name"):
        checks.check_heatmap_reading(0, lecture.more_common_error)


def test_heatmap_reading_follows_through_from_own_table(lecture):
    """A transposed confusion_df read correctly gives the reversed error: that loses points on the table only."""
    transposed = pd.DataFrame(lecture.confusion.to_numpy().T, index=lecture.confusion.index, columns=lecture.confusion.columns)
    graphics, crypt = lecture.within_means
    reversed_error = lecture.more_common_error[::-1]
    checks.check_heatmap_reading(lecture.more_diverse_category, reversed_error, transposed, graphics, crypt)
    with pytest.raises(AnswerError, match="wrong order"):
        checks.check_heatmap_reading(lecture.more_diverse_category, reversed_error, lecture.confusion, graphics, crypt)
