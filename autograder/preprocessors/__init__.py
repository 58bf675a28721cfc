"""nbgrader preprocessors of the course: one class per module.

``grading_execute.KeepGradingAfterDeath`` lets a grading ``Execute`` survive a kernel that dies (the
engine puts it on top of the sandbox's ``SandboxedExecute``); ``HideHiddenTests`` keeps hidden test code
out of the feedback students receive, ``ScrubPaths`` the grading machine's paths, and ``FeedbackSummary``
puts the summary of tasks at the top of the feedback page; ``grader_fault.StopOnGraderFault`` stops a
submission whose tests failed on the grading side (never a score).
"""

from .feedback_summary import FeedbackSummary
from .grader_fault import StopOnGraderFault
from .grading_execute import KeepGradingAfterDeath
from .hide_hidden_tests import HideHiddenTests
from .scrub_paths import ScrubPaths

__all__ = ["FeedbackSummary", "HideHiddenTests", "KeepGradingAfterDeath", "ScrubPaths", "StopOnGraderFault"]
