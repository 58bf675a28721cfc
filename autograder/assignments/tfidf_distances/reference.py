"""Reference answers for the assignment ``tfidf_distances``.

TF-IDF on two 20 Newsgroups categories, two classifiers on it, euclidean distances of the documents
sorted by class, and what the distance heatmap says. The categories are the graded student's variant
(``variant.py``; ``autograder.kernel.variant`` says whom the kernel grades).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...kernel.reference import grader_side
from ...kernel.variant import current_params
from . import variant as variants

SELECTED_CATEGORIES = tuple(variants.DEFAULTS["selected_categories"])  # the notebook's pair without variants


def tfidf_from_counts(counts) -> sp.csr_matrix:
    """TF-IDF of a document-term count matrix, as scikit-learn's default ``TfidfTransformer``.

    tf is the raw count, idf = ln((1 + n) / (1 + df)) + 1 with n documents and df the number of
    documents containing the term, and every row is scaled to unit L2 norm; all-zero rows stay zero.
    """
    counts = sp.csr_matrix(counts, dtype=float)
    n_documents = counts.shape[0]
    document_frequency = np.bincount(counts.indices[counts.data != 0], minlength=counts.shape[1])
    idf = np.log((1 + n_documents) / (1 + document_frequency)) + 1
    weighted = sp.csr_matrix(counts @ sp.diags(idf))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1 / norms) @ weighted)


def class_sorted_rows(y) -> np.ndarray:
    """Indices of all class-0 rows, then all class-1 rows (and so on), each group in original order."""
    return np.argsort(np.asarray(y), kind="stable")


def sorted_distances(features, y) -> np.ndarray:
    """Euclidean distances between the rows of ``features``, reordered by ``class_sorted_rows(y)``."""
    from sklearn.metrics.pairwise import euclidean_distances

    order = class_sorted_rows(y)
    return euclidean_distances(features[order])


def block_means(distances, n_first: int) -> tuple:
    """Mean distance within the first ``n_first`` rows, within the rest, and between the two groups.

    Within a group only pairs of distinct documents count: the zero diagonal is left out.
    """
    distances = np.asarray(distances, dtype=float)
    first = distances[:n_first, :n_first]
    second = distances[n_first:, n_first:]
    between = distances[:n_first, n_first:]

    def within(block):
        n = block.shape[0]
        return float((block.sum() - np.trace(block)) / (n * (n - 1)))

    return within(first), within(second), float(between.mean())


def confusion_table(y_true, y_pred, categories) -> pd.DataFrame:
    """Confusion counts with predicted classes as rows and actual classes as columns, labelled by category."""
    from sklearn.metrics import confusion_matrix

    counts = confusion_matrix(y_true, y_pred, labels=range(len(categories))).T
    return pd.DataFrame(
        counts,
        index=pd.MultiIndex.from_product([["predicted class"], list(categories)]),
        columns=pd.MultiIndex.from_product([["actual class"], list(categories)]),
    )


def more_common_error(table: pd.DataFrame) -> tuple:
    """The most frequent off-diagonal cell of a ``confusion_table`` as ``(actual, predicted)`` names."""
    categories = [label for _, label in table.columns]
    counts = table.to_numpy().copy()
    np.fill_diagonal(counts, -1)
    predicted, actual = np.unravel_index(np.argmax(counts), counts.shape)
    return categories[actual], categories[predicted]


def more_diverse_category(within_means, categories) -> str:
    """The category whose documents lie farther apart from one another on average."""
    return categories[int(np.argmax(within_means))]


@dataclass(frozen=True)
class Lecture:
    """Every reference answer of the notebook, computed from the real data."""

    categories: tuple
    documents: list
    y: np.ndarray
    tfidf: sp.csr_matrix
    X_train: sp.csr_matrix
    X_test: sp.csr_matrix
    y_train: np.ndarray
    y_test: np.ndarray
    mnb_score: float
    svc_score: float
    confusion: pd.DataFrame
    distances: np.ndarray
    within_means: tuple
    between_mean: float
    more_diverse_category: str
    more_common_error: tuple


_LECTURES = {}  # categories -> Lecture: computed once per process, or installed from the grading worker's cache


def current_categories() -> tuple:
    """The categories of the student this kernel grades (the notebook's pair when variants are off)."""
    return tuple(current_params(variants.ASSIGNMENT, variants.DEFAULTS, variants.params)["selected_categories"])


@grader_side
def lecture(categories=None) -> Lecture:
    """The notebook's pipeline on the real data for ``categories`` (default: the graded student's), once per
    process and pair (see ``compute_lecture``)."""
    categories = current_categories() if categories is None else tuple(categories)
    if categories not in _LECTURES:
        _LECTURES[categories] = compute_lecture(categories)
    return _LECTURES[categories]


def precompute(variant: dict | None = None) -> Lecture:
    """What a grading worker computes once per variant and hands to its kernels
    (``autograder.grading.reference_cache``): the lecture of ``variant``'s categories (default: the notebook's)."""
    return compute_lecture(tuple((variant or variants.DEFAULTS)["selected_categories"]))


def install(value: Lecture) -> None:
    """Use ``value`` (a ``precompute()`` result from the grading worker) as the lecture of its categories."""
    if isinstance(value, Lecture):
        _LECTURES[value.categories] = value


def compute_lecture(categories=SELECTED_CATEGORIES) -> Lecture:
    """Run the notebook's pipeline on the real data (scikit-learn's cache, no download)."""
    from sklearn.datasets import fetch_20newsgroups
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import SVC

    from . import NEWSGROUPS

    NEWSGROUPS.require()
    documents, y = fetch_20newsgroups(categories=list(categories), return_X_y=True, download_if_missing=False)
    tfidf = TfidfVectorizer().fit_transform(documents)
    X_train, X_test, y_train, y_test = train_test_split(tfidf, y, random_state=0)
    mnb_score = float(MultinomialNB().fit(X_train, y_train).score(X_test, y_test))
    svc = SVC(kernel="rbf").fit(X_train, y_train)
    svc_score = float(svc.score(X_test, y_test))
    confusion = confusion_table(y_test, svc.predict(X_test), categories)
    distances = sorted_distances(tfidf, y)
    within_first, within_second, between = block_means(distances, int(np.sum(y == 0)))
    return Lecture(
        categories=tuple(categories),
        documents=documents,
        y=y,
        tfidf=tfidf,
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        mnb_score=mnb_score,
        svc_score=svc_score,
        confusion=confusion,
        distances=distances,
        within_means=(within_first, within_second),
        between_mean=between,
        more_diverse_category=more_diverse_category((within_first, within_second), categories),
        more_common_error=more_common_error(confusion),
    )
