"""nbgrader preprocessors of the course: one class per module.

``GradingExecute`` runs a submission in a grading kernel and survives a kernel that dies;
``HideHiddenTests`` keeps hidden test code out of the feedback students receive.
"""

from .grading_execute import GradingExecute
from .hide_hidden_tests import HideHiddenTests

__all__ = ["GradingExecute", "HideHiddenTests"]
