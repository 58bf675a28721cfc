"""Checks of the distance heatmap's inputs: ``class_sorted_rows``, the sorted euclidean distances
``ng_distances``, and the three block means (diagonal excluded within a category).

Where an answer builds on an earlier one, a value that follows correctly from the student's own earlier
answer also counts.
"""

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import reference as ref
from ....kernel.answers import (
    AnswerError,
    Mistake,
    call,
    check,
    close,
    describe,
    expect,
    expect_float,
    is_number,
)


def _row_index_mistake(got: np.ndarray, y: np.ndarray):
    """The mistake of row indices that are not positions of ``y`` (1-based, labels...), else None."""
    n = len(y)
    if got.size == 0 or (got.min() >= 0 and got.max() < n):
        return None
    if got.min() >= 1 and sorted(got.tolist()) == list(range(1, n + 1)):
        return Mistake(
            "one_based_indices",
            None,
            "the indices look 1-based: Python counts rows from 0, so the rows of y are 0 to len(y) - 1 "
            "(np.flatnonzero(y == 0) gives them)",
        )
    return Mistake(
        "indices_out_of_range",
        None,
        f"some indices are outside 0 to {n - 1}: return positions of rows of y (np.flatnonzero(y == 0)), not labels or counts",
    )


def _order_mistake(got: np.ndarray, y: np.ndarray, expected: np.ndarray):
    """The mistake of valid row indices in a wrong order: the order of the classes first, then within a class."""
    if sorted(got.tolist()) != sorted(expected.tolist()):
        return Mistake(
            "rows_not_permutation", None, "return each row index exactly once: the class-0 indices, then the class-1 indices"
        )
    steps = np.diff(y[got])
    if np.any(steps < 0) and not np.any(steps > 0):
        return Mistake("class_order_reversed", None, "the class-1 rows come first: list every class-0 row, then every class-1 row")
    if np.any(steps < 0):
        return Mistake(
            "classes_mixed",
            None,
            "all rows are there but the classes are mixed: first every class-0 row in original order, then every class-1 row",
        )
    return Mistake(
        "class_order_lost",
        None,
        "the rows are grouped by class but not in their original order within a class: keep each class's rows in "
        "increasing index order (a stable sort, e.g. np.argsort(y, kind='stable'))",
    )


@check
def check_class_sorted_rows(class_sorted_rows):
    """class_sorted_rows(y) lists class-0 rows then class-1 rows, each group in original order."""
    rng = np.random.default_rng(7)
    cases = [
        ("y = np.array([1, 0, 1, 0, 0])", np.array([1, 0, 1, 0, 0])),
        ("y with only class 0", np.zeros(4, dtype=int)),
        ("y with only class 1", np.ones(3, dtype=int)),
        ("a random y of length 50", rng.integers(0, 2, size=50)),
        ("ng_y", ref.lecture().y),
    ]
    for what, y in cases:
        call_text = f"class_sorted_rows(y) for {what}"
        result = call(class_sorted_rows, y.copy(), what=call_text)
        try:
            got = np.asarray(result)
        except Exception:  # noqa: BLE001
            raise AnswerError(f"{call_text} returned {describe(result)}; return an array of row indices.", "wrong_type") from None
        expect(
            got.ndim == 1 and got.shape[0] == len(y),
            f"{call_text} returned {describe(result)}; expected {len(y)} row indices.",
            "wrong_shape",
        )
        expect(
            got.size == 0 or np.issubdtype(got.dtype, np.integer),
            f"{call_text} should return integer row indices, got dtype {got.dtype}.",
            "wrong_type",
        )
        expected = ref.class_sorted_rows(y)
        if not np.array_equal(got, expected):
            mistake = _row_index_mistake(got, y) or _order_mistake(got, y, expected)
            raise mistake.error(f"{call_text} is wrong: ", ".")
    return f"class_sorted_rows passes {len(cases)} label vectors"


@check
def check_ng_distances(ng_distances, ng_tfidf=None):
    """ng_distances are euclidean distances of the ng_tfidf rows sorted by class."""
    from sklearn.metrics.pairwise import euclidean_distances

    lecture = ref.lecture()
    n = lecture.tfidf.shape[0]
    expect(
        isinstance(ng_distances, (np.ndarray, pd.DataFrame)) and np.shape(ng_distances) == (n, n),
        f"ng_distances should be an {n} x {n} array, got {describe(ng_distances)}.",
        "wrong_shape",
    )
    got = np.asarray(ng_distances, dtype=float)
    candidates = [lecture.distances]
    if ng_tfidf is not None and sp.issparse(ng_tfidf) and ng_tfidf.shape[0] == n:
        candidates.append(ref.sorted_distances(sp.csr_matrix(ng_tfidf), lecture.y))  # follow-through from your ng_tfidf
    if any(close(got, candidate, rtol=1e-6, atol=1e-9) for candidate in candidates):
        return "ng_distances match"
    if close(got, euclidean_distances(lecture.tfidf), rtol=1e-6, atol=1e-9):
        raise AnswerError(
            "ng_distances are in the original row order: index ng_tfidf with class_sorted_rows(ng_y) first.", "distances_unsorted"
        )
    if close(got, lecture.distances**2, rtol=1e-6, atol=1e-9):
        raise AnswerError("ng_distances look squared: use euclidean distances, not squared ones.", "distances_squared")
    raise AnswerError("ng_distances have the wrong values: euclidean_distances(ng_tfidf[class_sorted_rows(ng_y)]).")


@check
def check_block_means(within_first_mean, within_second_mean, between_mean, ng_distances=None):
    """The three block means of the sorted distances, diagonal excluded within a category."""
    lecture = ref.lecture()
    n_first = int(np.sum(lecture.y == 0))
    answers = {"within_first_mean": within_first_mean, "within_second_mean": within_second_mean, "between_mean": between_mean}
    for name, value in answers.items():
        expect(is_number(value), f"{name} should be a float, got {describe(value)}.", "wrong_type")
    got = np.array([float(v) for v in answers.values()])
    candidates = [np.array([*lecture.within_means, lecture.between_mean])]
    n = lecture.tfidf.shape[0]
    if isinstance(ng_distances, np.ndarray) and ng_distances.shape == (n, n):
        candidates.append(np.array(ref.block_means(ng_distances, n_first)))  # follow-through from your ng_distances
    if any(close(got, candidate, rtol=1e-7, atol=1e-12) for candidate in candidates):
        return "all three block means match"
    reference = candidates[0]
    blocks = (lecture.distances[:n_first, :n_first], lecture.distances[n_first:, n_first:])
    with_diagonal = [float(block.mean()) for block in blocks]
    if close(got[:2], with_diagonal, rtol=1e-7):
        raise AnswerError(
            "the within-category means include the diagonal (each document's distance 0 to itself): "
            "average over pairs of distinct documents, dividing by n * (n - 1).",
            "diagonal_counted",
        )
    if close(got[:2], reference[1::-1], rtol=1e-7):
        raise AnswerError(
            f"within_first_mean and within_second_mean look swapped: within_first_mean is class 0 "
            f"({lecture.categories[0]}, the top-left block), within_second_mean class 1 ({lecture.categories[1]}).",
            "means_swapped",
        )
    for index, name in enumerate(answers):
        expect_float(name, got[index], reference[index], "average the matching block of ng_distances")
    raise AnswerError("the block means do not match.")  # pragma: no cover - one of the above fails first
