"""Checks of the classifiers' results: the test accuracies of MultinomialNB and SVC, and the SVC's
confusion table (predicted classes as rows, actual classes as columns).
"""

import numpy as np
import pandas as pd

from .. import reference as ref
from ....kernel.answers import (
    AnswerError,
    check,
    close,
    describe,
    expect,
    expect_float,
    is_number,
)


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
