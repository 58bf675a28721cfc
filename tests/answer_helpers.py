"""What check tests share: a check must fail with a given mistake code and a message that says what to fix."""

import pytest

from autograder.errors import AnswerError
from autograder.mistakes import UNRECOGNIZED


def fails_with(code, check, *args, words=()):
    """Run ``check``: it must raise AnswerError with mistake ``code`` and every one of ``words`` in its message."""
    with pytest.raises(AnswerError) as error:
        check(*args)
    got = error.value.mistake or UNRECOGNIZED  # an AnswerError without a code is a mistake no check recognises
    assert got == code, f"expected mistake {code!r}, got {got!r}: {error.value.message}"
    for word in words:
        assert word in error.value.message, f"{word!r} not in: {error.value.message}"
    return error.value.message
