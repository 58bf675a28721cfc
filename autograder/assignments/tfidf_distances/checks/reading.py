"""Check of the heatmap's reading: the more diverse category and the SVC's more frequent mistake.

A reading that follows correctly from the student's own ``confusion_df`` and means also counts.
"""

import pandas as pd

from .. import reference as ref
from ....kernel.answers import (
    AnswerError,
    check,
    describe,
    expect,
    expect_str,
    is_number,
)


def _own_reading(confusion_df, within_first_mean, within_second_mean, categories):
    """The readings that follow from a student's own confusion_df and means (None where they cannot be read)."""
    diverse = error = None
    means = (within_first_mean, within_second_mean)
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
    more_diverse_category, more_common_error, confusion_df=None, within_first_mean=None, within_second_mean=None
):
    """The category whose documents lie farther apart, and the SVC's more frequent (actual, predicted) mistake.

    A reading that follows correctly from the student's own ``confusion_df`` and means also counts, so a
    mistake in those loses points there only.
    """
    lecture = ref.lecture()
    categories = list(lecture.categories)
    own_diverse, own_error = _own_reading(confusion_df, within_first_mean, within_second_mean, categories)
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
