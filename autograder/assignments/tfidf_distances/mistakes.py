"""The mistake codes of ``tfidf_distances``: code -> one line saying what the student computed.

A check raises ``AnswerError(message, mistake=code)`` with one of these codes; the report and the class's
mistake table read them back. Codes common to every assignment are in ``autograder.mistakes.GENERAL``.
"""

MISTAKES = {
    "not_normalized": "tf-idf rows not scaled to unit L2 norm",
    "l1_normalized": "tf-idf rows scaled to unit L1 norm (sum 1) instead of L2",
    "unsmoothed_idf": "idf = ln(n / df) + 1, without adding 1 to n and df",
    "idf_missing_plus_one": "idf = ln((1 + n) / (1 + df)), without the final + 1",
    "idf_log10": "idf computed with log10 instead of the natural logarithm",
    "binary_tf": "tf taken as 0/1 presence instead of the raw counts",
    "zero_row_nan": "an all-zero row divided by its zero norm gives NaN",
    "tfidf_not_defaults": "ng_tfidf not TfidfVectorizer() with its defaults on ng_X",
    "counted_all_cells": "n_stored counts every cell of the matrix instead of its stored elements (nnz)",
    "training_accuracy": "accuracy measured on the training part instead of the test part",
    "confusion_labels_swapped": "confusion_df labelled with actual classes on the rows",
    "confusion_labels": "confusion_df rows or columns not the ('predicted class' / 'actual class', category) MultiIndex",
    "confusion_transposed": "sklearn's confusion_matrix (actual classes as rows) used without .T",
    "confusion_wrong_total": "confusion_df counts other documents than the test part",
    "one_based_indices": "row indices counted from 1 instead of 0",
    "indices_out_of_range": "row indices outside 0 .. len(y) - 1 (labels or counts instead of positions)",
    "rows_not_permutation": "row indices missing or repeated",
    "class_order_reversed": "class-1 rows listed before class-0 rows",
    "classes_mixed": "rows of both classes interleaved instead of grouped by class",
    "class_order_lost": "rows grouped by class but not in their original order within a class",
    "distances_unsorted": "distances in the original row order, not sorted by class",
    "distances_squared": "squared euclidean distances",
    "diagonal_counted": "the zero diagonal counted in the within-category means",
    "means_swapped": "within_first_mean and within_second_mean swapped (class 0 is the first category)",
    "less_diverse_category": "the category with the smaller within-category mean distance named",
    "error_order_reversed": "more_common_error given as (predicted, actual) instead of (actual, predicted)",
}

# The public tests' own messages (in the released notebook, which carries no mistake tag): the code each names.
# A failed public assert whose message is one of these gets that code in the report (autograder.mistakes).
PUBLIC_TEST_MISTAKES = {
    "the all-zero row became NaN: its norm is 0, so leave zero rows at zero instead of dividing by their norm":
        "zero_row_nan",
    "the rows sum to 1 (unit L1 norm): divide each row by its L2 norm, the square root of its sum of squares":
        "l1_normalized",
    "tfidf rows should have unit L2 norm and all-zero rows stay zero; did you normalize? Divide each nonzero row by its L2 norm":
        "not_normalized",
}
