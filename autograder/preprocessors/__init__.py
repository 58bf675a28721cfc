"""nbgrader preprocessors of the course: one class per module.

``grading_execute.KeepGradingAfterDeath`` lets a grading ``Execute`` survive a kernel that dies (the
engine puts it on top of the sandbox's ``SandboxedExecute``); ``HideHiddenTests`` keeps hidden test code
out of the feedback students receive; ``grader_fault.StopOnGraderFault`` stops a submission whose
tests failed on the grading side (never a score).
"""

from .grader_fault import StopOnGraderFault
from .grading_execute import KeepGradingAfterDeath
from .hide_hidden_tests import HideHiddenTests

__all__ = ["HideHiddenTests", "KeepGradingAfterDeath", "StopOnGraderFault"]
