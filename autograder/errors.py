"""The named exceptions of the package.

``AutograderError`` and its subclasses are for instructors (a command failed; the message says how to
fix it). ``AnswerError`` is for students: a hidden or public test found a wrong answer, and the message
names the likely mistake.
"""

from .mistakes import tagged


class AutograderError(Exception):
    """A course command cannot go on; the message names the fix."""


class DataNotFound(AutograderError):
    """The 20 Newsgroups cache is not where scikit-learn will look for it."""


class CourseLayoutError(AutograderError):
    """The course folder is not laid out as expected (missing source/, unknown assignment...)."""


class AnswerError(AssertionError):
    """A student's answer is wrong; the message says what was expected and the likely mistake.

    It subclasses AssertionError so that nbgrader and readers treat it as a failed test. ``mistake`` is the
    stable code of the mistake (``autograder.mistakes.MISTAKES``); ``str()`` ends with it as
    ``[mistake: code]`` so that it survives in the autograded notebook's error output, where
    ``autograder.mistakes.cell_mistake`` reads it back. Without a code the failure is ``unrecognized``.
    """

    def __init__(self, message: str = "", mistake: str | None = None):
        super().__init__(message, mistake)
        self.message = message
        self.mistake = mistake

    def __str__(self) -> str:
        return tagged(self.message, self.mistake)


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


class GradingInfrastructureError(RuntimeError):
    """The grading side failed (the checks cannot be imported, the data cannot be read, a reference
    computation broke): never the student's mistake. Raised inside a grading kernel; the course's
    autograde pipeline (``autograder.preprocessors.grader_fault``) turns it into a failed submission
    whose earlier grade is kept, never into a score. The message names the fix."""
