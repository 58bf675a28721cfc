"""The named exceptions of the package.

``AutograderError`` and its subclasses are for instructors (a command failed; the message says how to
fix it). ``AnswerError`` is for students: a hidden or public test found a wrong answer, and the message
names the likely mistake.
"""


class AutograderError(Exception):
    """A course command cannot go on; the message names the fix."""


class DataNotFound(AutograderError):
    """The 20 Newsgroups cache is not where scikit-learn will look for it."""


class CourseLayoutError(AutograderError):
    """The course folder is not laid out as expected (missing source/, unknown assignment...)."""


class AnswerError(AssertionError):
    """A student's answer is wrong; the message says what was expected and the likely mistake.

    It subclasses AssertionError so that nbgrader and readers treat it as a failed test.
    """
