"""Hidden-test checks for the assignment ``tfidf_distances``, one module per part of the notebook.

Each ``check_*`` takes the student's answers (and, where an answer builds on an earlier one, that
earlier answer), compares with ``autograder.assignments.tfidf_distances.reference`` computed from the real data,
and raises ``AnswerError`` naming the likely mistake.

Hidden-test cells import the checks from here (``from autograder.assignments.tfidf_distances.checks import
check_tfidf_from_counts``): every ``check_*`` of the submodules is re-exported.
"""

from .classifiers import check_classifier_scores, check_confusion_table
from .distances import check_block_means, check_class_sorted_rows, check_ng_distances
from .reading import check_heatmap_reading
from .tfidf import check_tfidf_features, check_tfidf_from_counts

__all__ = [
    "check_block_means",
    "check_class_sorted_rows",
    "check_classifier_scores",
    "check_confusion_table",
    "check_heatmap_reading",
    "check_ng_distances",
    "check_tfidf_features",
    "check_tfidf_from_counts",
]
