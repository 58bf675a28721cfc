"""Hidden-test checks for the assignment ``tfidf_distances``.

Each ``check_*`` takes the student's answers (and, where an answer builds on an earlier one, that
earlier answer), compares with ``autograder.reference.tfidf_distances`` computed from the real data,
and raises ``AnswerError`` naming the likely mistake.
"""

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..reference import tfidf_distances as ref
from .common import (
    AnswerError,
    Mistake,
    call,
    check,
    close,
    describe,
    expect,
    expect_float,
    expect_int,
    expect_str,
    find_mistake,
    is_integer,
    is_number,
)


def _small_count_matrices():
    """Count matrices that catch the usual mistakes: empty rows, a term in every document, one document."""
    rng = np.random.default_rng(2024)
    every = np.array([[3, 0, 1, 0], [1, 2, 0, 0], [0, 0, 0, 0], [2, 1, 0, 4], [1, 0, 0, 1]])
    random_counts = rng.poisson(0.3, size=(40, 60))
    random_counts[:, 7] += 1  # a term present in every document
    random_counts[5] = 0  # an empty document
    return [
        ("a 5x4 count array with an all-zero row and a term in every document", every),
        ("the same 5x4 counts as a scipy CSR matrix", sp.csr_matrix(every)),
        ("a single document", np.array([[1, 0, 2, 5]])),
        ("a 40x60 random CSR count matrix", sp.csr_matrix(random_counts)),
        ("a 40x60 random COO count matrix", sp.coo_matrix(random_counts)),
    ]


def _dense(matrix) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix, dtype=float)


def _tfidf_variant(counts, tf="raw", idf="smooth", norm="l2") -> np.ndarray:
    """TF-IDF of dense ``counts`` computed one way or another: what a known mistake returns."""
    counts = _dense(counts).astype(float)
    n = counts.shape[0]
    df = (counts > 0).sum(axis=0)
    idf_of = {
        "smooth": lambda: np.log((1 + n) / (1 + df)) + 1,
        "unsmoothed": lambda: np.log(n / df) + 1,
        "no_plus_one": lambda: np.log((1 + n) / (1 + df)),
        "log10": lambda: np.log10((1 + n) / (1 + df)) + 1,
    }
    rows = np.nan_to_num(((counts > 0) if tf == "binary" else counts) * idf_of[idf]())
    if norm is None:
        return rows
    norms = np.abs(rows).sum(axis=1, keepdims=True) if norm == "l1" else np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


TFIDF_MISTAKES = [
    Mistake("not_normalized", lambda c: _tfidf_variant(c, norm=None), "the rows are not normalized: scale each row to unit L2 norm"),
    Mistake(
        "l1_normalized",
        lambda c: _tfidf_variant(c, norm="l1"),
        "the rows are scaled to unit L1 norm (sum 1): use the L2 norm, sqrt of the sum of squares",
    ),
    Mistake(
        "unsmoothed_idf",
        lambda c: _tfidf_variant(c, idf="unsmoothed"),
        "idf looks unsmoothed: use idf = ln((1 + n) / (1 + df)) + 1, adding 1 to n and to df",
    ),
    Mistake(
        "idf_missing_plus_one",
        lambda c: _tfidf_variant(c, idf="no_plus_one"),
        "idf is missing its '+ 1': use idf = ln((1 + n) / (1 + df)) + 1, so terms in every document keep some weight",
    ),
    Mistake("idf_log10", lambda c: _tfidf_variant(c, idf="log10"), "idf uses log10: use the natural logarithm (np.log)"),
    Mistake("binary_tf", lambda c: _tfidf_variant(c, tf="binary"), "tf looks binary: use the raw counts as tf"),
]


@check
def check_tfidf_from_counts(tfidf_from_counts):
    """tfidf_from_counts matches scikit-learn's default TfidfTransformer, sparse or dense input."""
    cases = _small_count_matrices()
    for what, counts in cases:
        call_text = f"tfidf_from_counts(counts) on {what}"
        result = call(tfidf_from_counts, counts.copy(), what=call_text)
        expected = ref.tfidf_from_counts(counts)
        expect(
            sp.issparse(result) and result.format == "csr",
            f"{call_text} returned {describe(result)}; return a scipy CSR matrix (scipy.sparse.csr_matrix(...)).",
            "wrong_type",
        )
        expect(result.shape == expected.shape, f"{call_text} has shape {result.shape}, expected {expected.shape}.", "wrong_shape")
        got = _dense(result)
        expect(
            not np.isnan(got).any(),
            f"{call_text} has NaN values: an all-zero row divided by its norm 0; leave zero rows at zero.",
            "zero_row_nan",
        )
        if not close(got, expected.toarray(), rtol=1e-6, atol=1e-9):
            mistake = find_mistake(TFIDF_MISTAKES, got, counts)
            if mistake is not None:
                raise mistake.error(f"{call_text} gives wrong values: ", ".")
            raise AnswerError(f"{call_text} gives wrong values: compare with TfidfTransformer().fit_transform(counts) on a small example.")
    return f"tfidf_from_counts matches TfidfTransformer on {len(cases)} count matrices"


def _as_csr(name: str, value) -> sp.csr_matrix:
    if sp.issparse(value):
        return sp.csr_matrix(value)
    if isinstance(value, (np.ndarray, pd.DataFrame)) and np.ndim(value) == 2:
        return sp.csr_matrix(np.asarray(value, dtype=float))
    raise AnswerError(
        f"{name} should be the matrix returned by TfidfVectorizer().fit_transform(ng_X), got {describe(value)}.", "wrong_type"
    )


@check
def check_tfidf_features(ng_tfidf, n_documents, n_terms, n_stored):
    """ng_tfidf is TfidfVectorizer() with defaults fit on ng_X; its shape and stored elements as ints."""
    lecture = ref.lecture()
    expected = lecture.tfidf
    got = _as_csr("ng_tfidf", ng_tfidf)
    expect(
        got.shape[0] == expected.shape[0],
        f"ng_tfidf has {got.shape[0]} rows, expected one per document of ng_X ({expected.shape[0]}).",
        "wrong_shape",
    )
    expect(
        got.shape[1] == expected.shape[1],
        f"ng_tfidf has {got.shape[1]} columns, expected {expected.shape[1]}: use TfidfVectorizer() with its defaults "
        "(no stop words, no max_features, no min_df).",
        "tfidf_not_defaults",
    )
    difference = abs(got - expected)
    expect(
        difference.nnz == 0 or difference.max() < 1e-9,
        "ng_tfidf has the right shape but other values: fit TfidfVectorizer() with its defaults on ng_X.",
        "tfidf_not_defaults",
    )
    expect_int("n_documents", n_documents, expected.shape[0], "the number of rows of ng_tfidf (ng_tfidf.shape[0])")
    expect_int("n_terms", n_terms, expected.shape[1], "the number of columns of ng_tfidf (ng_tfidf.shape[1])")
    all_cells = is_integer(n_stored) and int(n_stored) == expected.shape[0] * expected.shape[1]
    expect_int(
        "n_stored",
        n_stored,
        expected.nnz,
        "n_documents * n_terms counts every cell; count the stored (nonzero) elements, ng_tfidf.nnz"
        if all_cells
        else "the number of stored (nonzero) elements, ng_tfidf.nnz",
        "counted_all_cells" if all_cells else None,
    )
    return f"ng_tfidf is {expected.shape[0]} x {expected.shape[1]} with {expected.nnz} stored elements"


@check
def check_classifier_scores(mnb_score, svc_score):
    """mnb_score and svc_score are test accuracies of MultinomialNB() and SVC(kernel='rbf')."""
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import SVC

    lecture = ref.lecture()
    for name, value, expected, model in [
        ("mnb_score", mnb_score, lecture.mnb_score, MultinomialNB()),
        ("svc_score", svc_score, lecture.svc_score, SVC(kernel="rbf")),
    ]:
        on_training = False
        if is_number(value) and not close(float(value), expected):  # refit for a diagnosis only when the answer is wrong
            train_score = model.fit(lecture.X_train, lecture.y_train).score(lecture.X_train, lecture.y_train)
            on_training = close(float(value), train_score)
        expect_float(
            name,
            value,
            expected,
            "this is the accuracy on the training part; score on ng_vec_test, ng_y_test"
            if on_training
            else "fit on ng_vec_train, ng_y_train and score on ng_vec_test, ng_y_test",
            mistake="training_accuracy" if on_training else None,
        )
    return "both test accuracies match"


@check
def check_confusion_table(confusion_df):
    """confusion_df holds the SVC's test confusion counts, predicted classes as rows, actual as columns."""
    lecture = ref.lecture()
    expected = lecture.confusion
    categories = list(lecture.categories)
    expect(
        isinstance(confusion_df, pd.DataFrame), f"confusion_df should be a pandas DataFrame, got {describe(confusion_df)}.", "wrong_type"
    )
    expect(
        confusion_df.shape == expected.shape, f"confusion_df has shape {confusion_df.shape}, expected {expected.shape}.", "wrong_shape"
    )
    rows = [tuple(label) if isinstance(label, tuple) else (label,) for label in confusion_df.index]
    columns = [tuple(label) if isinstance(label, tuple) else (label,) for label in confusion_df.columns]
    expected_rows = [("predicted class", category) for category in categories]
    expected_columns = [("actual class", category) for category in categories]
    if rows == expected_columns and columns == expected_rows:
        raise AnswerError(
            "confusion_df has actual classes as rows: put ('predicted class', category) on the rows and "
            "('actual class', category) on the columns.",
            "confusion_labels_swapped",
        )
    expect(rows == expected_rows, f"confusion_df rows should be a MultiIndex {expected_rows}, got {rows}.", "confusion_labels")
    expect(
        columns == expected_columns,
        f"confusion_df columns should be a MultiIndex {expected_columns}, got {columns}.",
        "confusion_labels",
    )
    try:
        got = confusion_df.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise AnswerError("confusion_df should hold counts (numbers).", "wrong_type") from None
    want = expected.to_numpy(dtype=float)
    if np.array_equal(got, want):
        return "confusion_df matches the SVC's test confusion counts"
    if np.array_equal(got, want.T):
        raise AnswerError(
            "confusion_df looks transposed: sklearn's confusion_matrix(y_true, y_pred) has actual classes as rows; "
            "this table wants predicted classes as rows (take its .T).",
            "confusion_transposed",
        )
    if got.sum() != want.sum():
        raise AnswerError(
            f"confusion_df counts {int(got.sum())} documents, expected the {int(want.sum())} documents of the test part.",
            "confusion_wrong_total",
        )
    raise AnswerError("confusion_df has the wrong counts: use the SVC's predictions on ng_vec_test against ng_y_test.")


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
def check_block_means(within_graphics_mean, within_crypt_mean, between_mean, ng_distances=None):
    """The three block means of the sorted distances, diagonal excluded within a category."""
    lecture = ref.lecture()
    n_first = int(np.sum(lecture.y == 0))
    answers = {"within_graphics_mean": within_graphics_mean, "within_crypt_mean": within_crypt_mean, "between_mean": between_mean}
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
            "within_graphics_mean and within_crypt_mean look swapped: class 0 is comp.graphics, class 1 sci.crypt.", "means_swapped"
        )
    for index, name in enumerate(answers):
        expect_float(name, got[index], reference[index], "average the matching block of ng_distances")
    raise AnswerError("the block means do not match.")  # pragma: no cover - one of the above fails first


def _own_reading(confusion_df, within_graphics_mean, within_crypt_mean, categories):
    """The readings that follow from a student's own confusion_df and means (None where they cannot be read)."""
    diverse = error = None
    means = (within_graphics_mean, within_crypt_mean)
    if all(is_number(m) for m in means):
        diverse = ref.more_diverse_category([float(m) for m in means], categories)
    if isinstance(confusion_df, pd.DataFrame) and confusion_df.shape == (2, 2):
        try:
            labelled = pd.DataFrame(
                confusion_df.to_numpy(dtype=float),
                index=pd.MultiIndex.from_product([["predicted class"], categories]),
                columns=pd.MultiIndex.from_product([["actual class"], categories]),
            )
            error = ref.more_common_error(labelled)
        except (TypeError, ValueError):
            error = None
    return diverse, error


@check
def check_heatmap_reading(
    more_diverse_category, more_common_error, confusion_df=None, within_graphics_mean=None, within_crypt_mean=None
):
    """The category whose documents lie farther apart, and the SVC's more frequent (actual, predicted) mistake.

    A reading that follows correctly from the student's own ``confusion_df`` and means also counts, so a
    mistake in those loses points there only.
    """
    lecture = ref.lecture()
    categories = list(lecture.categories)
    own_diverse, own_error = _own_reading(confusion_df, within_graphics_mean, within_crypt_mean, categories)
    diverse = expect_str("more_diverse_category", more_diverse_category, categories)
    expect(
        diverse in (lecture.more_diverse_category, own_diverse),
        f"more_diverse_category is {diverse!r}: compare the within-category mean distances; the category with the "
        "larger one has documents farther apart from one another.",
        "less_diverse_category",
    )
    expect(
        isinstance(more_common_error, (tuple, list)) and len(more_common_error) == 2,
        f"more_common_error should be a tuple (actual, predicted) of two category names, got {describe(more_common_error)}.",
        "wrong_type",
    )
    actual = expect_str("more_common_error[0] (the actual category)", more_common_error[0], categories)
    predicted = expect_str("more_common_error[1] (the predicted category)", more_common_error[1], categories)
    answer = (actual, predicted)
    if answer in (lecture.more_common_error, own_error):
        return "both readings match"
    if answer[::-1] == lecture.more_common_error:
        raise AnswerError(
            "more_common_error is in the wrong order: give (actual, predicted), the true category first.", "error_order_reversed"
        )
    raise AnswerError(
        "more_common_error is not the SVC's more frequent mistake: find the larger off-diagonal count of confusion_df."
    )
