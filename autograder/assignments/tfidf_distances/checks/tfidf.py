"""Checks of TF-IDF: ``tfidf_from_counts`` written by hand (against scikit-learn's default
``TfidfTransformer``, sparse or dense counts) and ``ng_tfidf`` from ``TfidfVectorizer()`` with its shape
and stored elements.
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
    expect_int,
    find_mistake,
    is_integer,
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
