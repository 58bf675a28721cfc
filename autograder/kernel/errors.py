"""The exceptions that cross the trust boundary: raised inside the grading kernel, read on the host.

``AnswerError`` is for students: a hidden or public test found a wrong answer, and the message names the
likely mistake. ``GradingInfrastructureError`` is the grading side failing (never the student's mistake).
``AutograderError`` is the base of every error meant for instructors (``autograder.errors`` holds the rest);
``DataNotFound`` is one of them that an assignment's reference also raises inside the kernel.
"""

from .mistake_tag import tagged


class AutograderError(Exception):
    """A course command cannot go on; the message names the fix."""


class DataNotFound(AutograderError):
    """Data an assignment needs is not where its notebooks will look for it."""


class AnswerError(AssertionError):
    """A student's answer is wrong; the message says what was expected and the likely mistake.

    It subclasses AssertionError so that nbgrader and readers treat it as a failed test. ``mistake`` is the
    stable code of the mistake (declared in the assignment's ``mistakes.py``); ``str()`` ends with it as
    ``[mistake: code]`` so that it survives in the autograded notebook's error output, where
    ``autograder.mistakes.cell_mistake`` reads it back. Without a code the failure is ``unrecognized``.
    """

    def __init__(self, message: str = "", mistake: str | None = None):
        super().__init__(message, mistake)
        self.message = message
        self.mistake = mistake

    def __str__(self) -> str:
        return tagged(self.message, self.mistake)


class GradingInfrastructureError(RuntimeError):
    """The grading side failed (the checks cannot be imported, the data cannot be read, a reference
    computation broke): never the student's mistake. Raised inside a grading kernel; the course's
    autograde pipeline (``autograder.preprocessors.grader_fault``) turns it into a failed submission
    whose earlier grade is kept, never into a score. The message names the fix."""
