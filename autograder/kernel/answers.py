"""Helpers every check uses: silence, safe calls into student code, typed comparisons.

nbgrader scores a test cell 0 as soon as anything reaches its stderr, so every check runs inside
``quiet()``: warnings are recorded rather than printed, and both ``sys.stderr`` and file descriptor 2
are muted. Student values are never compared with their own ``==``: they are converted to plain
numbers or arrays first, and floats are compared with tolerances.
"""

import contextlib
import functools
import io
import numbers
import os
import sys
import warnings
from dataclasses import dataclass

from builtins import abs, bool, callable, float, int, isinstance, len, str, type  # noqa: A004 - originals, see below

import numpy as np

from .errors import AnswerError

# This module is imported by the grading kernel's extension before any student cell runs: the builtins
# above and the NumPy functions below are bound here as they were then, so patching numpy or builtins
# in a submission does not change how answers are compared (autograder.integrity also reports it).
_TRUSTED = {"asarray": np.asarray, "allclose": np.allclose, "ndarray": np.ndarray, "errstate": np.errstate}
_NOT_NUMBERS = (bool, np.bool_)
_REALS = (numbers.Real, np.integer, np.floating)
_INTEGERS = (numbers.Integral, np.integer)

__all__ = [
    "AnswerError",
    "Mistake",
    "quiet",
    "check",
    "call",
    "expect",
    "expect_int",
    "expect_float",
    "expect_str",
    "close",
    "describe",
    "find_mistake",
    "is_integer",
    "is_number",
]


@contextlib.contextmanager
def _mute_fd2():
    """Point file descriptor 2 at /dev/null for the block (C code and subprocesses write there)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def quiet():
    """Run a block with nothing reaching stderr; yields the list of warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stderr(io.StringIO()), _mute_fd2():
            yield caught


def check(func):
    """Make ``func`` a check: it runs quietly and prints one line when the answer passes."""

    @functools.wraps(func)
    def run_check(*args, **kwargs):
        _refuse_if_tampered()
        with quiet():
            passed = func(*args, **kwargs)
        if passed:
            print(f"✓ {passed}")

    return run_check


def _refuse_if_tampered() -> None:
    """In a grading kernel, fail the check when the kernel shows signs of tampering (see autograder.integrity)."""
    from . import integrity as runtime

    if not runtime._SNAPSHOT:
        return
    findings = runtime.runtime_findings()
    if findings:
        import json

        # the report ends its line: integrity.findings_from_outputs reads the JSON line, the tag follows on the next
        raise AnswerError(runtime.RUNTIME_MARKER + json.dumps([f.as_dict() for f in findings]) + "\n", "tampered")


def describe(value) -> str:
    """A short description of a value's type and shape, for messages."""
    kind = type(value).__name__
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"{kind} of shape {tuple(shape)}"
    if isinstance(value, (list, tuple)):
        return f"{kind} of length {len(value)}"
    return kind


def call(func, *args, what: str):
    """Call student code; an exception becomes an ``AnswerError`` that says which call failed (``error:<Name>``)."""
    if not callable(func):
        raise AnswerError(f"{what}: expected a function, got {describe(func)}.", "not_a_function")
    try:
        return func(*args)
    except AnswerError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of student code is the student's to see
        name = type(error).__name__
        raise AnswerError(f"{what} raised {name}: {error}", f"error:{name}") from None


def is_number(value) -> bool:
    """A real number, Python or NumPy, int or float, and not a bool."""
    return not isinstance(value, _NOT_NUMBERS) and isinstance(value, _REALS)


def is_integer(value) -> bool:
    """An integer, Python or NumPy, and not a bool."""
    return not isinstance(value, _NOT_NUMBERS) and isinstance(value, _INTEGERS)


def expect(condition: bool, message: str, mistake: str | None = None) -> None:
    """Raise ``AnswerError(message, mistake)`` unless ``condition`` holds."""
    if not condition:
        raise AnswerError(message, mistake)


def _with_hint(text: str, hint: str) -> str:
    return f"{text}: {hint}" if hint else f"{text}."


def expect_int(name: str, value, expected: int, hint: str = "", mistake: str | None = None) -> None:
    """``value`` must be an integer (Python or NumPy) equal to ``expected``; ``mistake`` names a wrong value."""
    if not is_integer(value):
        raise AnswerError(_with_hint(f"{name} should be an int, got {describe(value)}", hint), "wrong_type")
    if int(value) != int(expected):
        raise AnswerError(_with_hint(f"{name} is {int(value)}, expected {int(expected)}", hint), mistake)


def expect_float(
    name: str, value, expected: float, hint: str = "", rtol: float = 1e-7, atol: float = 1e-12, mistake: str | None = None
) -> None:
    """``value`` must be a real number (int or float, Python or NumPy) close to ``expected``."""
    if not is_number(value):
        raise AnswerError(f"{name} should be a float, got {describe(value)}.", "wrong_type")
    if not close(float(value), expected, rtol=rtol, atol=atol):
        raise AnswerError(_with_hint(f"{name} is {float(value):.6g}, which is not the expected value", hint), mistake)


def expect_str(name: str, value, choices) -> str:
    """``value`` must be a string (``str`` or ``numpy.str_``) among ``choices``; returns it as ``str``."""
    if not isinstance(value, (str, np.str_)):
        raise AnswerError(
            f"{name} should be a category name (a str), got {describe(value)}; choose from {list(choices)}.", "wrong_type"
        )
    text = str(value)
    if text not in choices:
        raise AnswerError(f"{name} is {text!r}, which is not one of {list(choices)}.", "not_a_category")
    return text


@dataclass(frozen=True)
class Mistake:
    """A known mistake: its stable code (``autograder.mistakes.MISTAKES``), what it computes, the fix.

    ``variant(*case)`` returns what an answer with this mistake gives on a case's inputs (None for a mistake
    recognised another way); ``message`` names the mistake and says what to do instead.
    """

    code: str
    variant: object
    message: str

    def error(self, prefix: str = "", suffix: str = "", **fields) -> AnswerError:
        """The ``AnswerError`` of this mistake: ``prefix``, the message (``str.format``-ed with ``fields``), ``suffix``."""
        message = self.message.format(**fields) if fields else self.message
        return AnswerError(f"{prefix}{message}{suffix}", self.code)


def find_mistake(mistakes, got, *case, rtol: float = 1e-6, atol: float = 1e-9):
    """The first of ``mistakes`` whose variant on ``case`` gives ``got`` within tolerances, else None.

    A variant that cannot be computed on the case (shapes that do not fit...) does not match.
    """
    for mistake in mistakes:
        try:
            with _TRUSTED["errstate"](all="ignore"):
                value = mistake.variant(*case)
        except (ValueError, TypeError, ArithmeticError, IndexError):
            continue
        if close(got, value, rtol=rtol, atol=atol):
            return mistake
    return None


def close(actual, expected, rtol: float = 1e-7, atol: float = 1e-12) -> bool:
    """True when two numbers or arrays of the same shape agree within tolerances (NaN never agrees)."""
    asarray, allclose = _TRUSTED["asarray"], _TRUSTED["allclose"]
    actual = asarray(actual, dtype=float)
    expected = asarray(expected, dtype=float)
    if type(actual) is not _TRUSTED["ndarray"] or actual.shape != expected.shape:
        return False
    return bool(allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=False))
