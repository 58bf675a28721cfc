"""nbgrader preprocessors of the course: one class per module.

``grading_execute.KeepGradingAfterDeath`` lets a grading ``Execute`` survive a kernel that dies (the
engine puts it on top of the sandbox's ``SandboxedExecute``); ``HideHiddenTests`` keeps hidden test code
out of the feedback students receive.
"""

from .grading_execute import KeepGradingAfterDeath
from .hide_hidden_tests import HideHiddenTests

__all__ = ["HideHiddenTests", "KeepGradingAfterDeath"]
