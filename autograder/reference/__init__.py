"""Reference implementations of every graded answer, one module per assignment.

Plain functions of their inputs, unit-tested against scikit-learn in ``tests/``. The checks call them
at grading time, so a reference answer is never a literal written into a notebook or a test.
"""

import functools

from ..errors import GradingInfrastructureError


def grader_side(func):
    """Mark ``func`` (a reference computation that takes nothing from the student) as the grader's side:
    any failure in it becomes a ``GradingInfrastructureError`` naming the computation, so that it is
    never scored as the student's mistake."""

    @functools.wraps(func)
    def computed(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GradingInfrastructureError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever broke, it is not the student's answer
            raise GradingInfrastructureError(
                f"grading infrastructure: the reference computation {func.__module__}.{func.__qualname__} failed "
                f"({type(error).__name__}: {error}). Fix the grading environment (data, installed packages) and grade again."
            ) from error

    return computed
