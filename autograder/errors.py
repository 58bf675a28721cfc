"""The named exceptions of the package.

``AutograderError`` and its subclasses are for instructors (a command failed; the message says how to
fix it). The exceptions raised inside the grading kernel (``AnswerError`` for students,
``GradingInfrastructureError``, ``DataNotFound``) live in ``autograder.kernel.errors`` and are re-exported here.
"""

from .kernel.errors import AnswerError, AutograderError, DataNotFound, GradingInfrastructureError

__all__ = ["AnswerError", "AutograderError", "CourseLayoutError", "DataNotFound", "DemoError", "ExchangeError",
           "GradebookWriteError", "GradingInfrastructureError", "NoGradesError", "NoSubmissionsError",
           "SandboxUnavailable"]


class CourseLayoutError(AutograderError):
    """The course folder is not laid out as expected (missing source/, unknown assignment...)."""


class NoGradesError(AutograderError):
    """The gradebook holds no grades for what was asked (nothing graded yet, or the wrong database)."""


class SandboxUnavailable(AutograderError):
    """Grading must run sandboxed (``--require-sandbox`` / ``c.Sandbox.require``) but bubblewrap cannot be used."""


class NoSubmissionsError(AutograderError):
    """``grade`` found nothing to grade: no submission was collected for the assignment."""


class ExchangeError(AutograderError):
    """Releasing or collecting through nbgrader's exchange failed."""


class DemoError(AutograderError):
    """A step of ``autograder demo`` failed; the message names the step and shows nbgrader's log."""


class GradebookWriteError(AutograderError):
    """The coordinator could not record a result (database gone, disk full): the batch stopped; rerun resumes."""
