"""How a failed check names its mistake in the error it raises: ``message [mistake: code]``.

The tag survives plain ``nbgrader autograde``, which keeps only ``ename``, ``evalue`` and the traceback of
an error; the host reads it back (``autograder.mistakes``) and never shows it to students
(``autograder.preprocessors.hide_hidden_tests``). Pure Python: it runs in the grading kernel and on the host.
"""

import re

CODE = r"[a-z][a-z0-9_]*|error:[A-Za-z_][A-Za-z0-9_.]*"
_TAG = re.compile(r"\s*\[mistake: (?P<code>" + CODE + r")\]\s*\Z")


def tagged(message: str, code: str | None) -> str:
    """``message`` followed by `` [mistake: code]`` (``message`` alone without a code)."""
    return f"{message} [mistake: {code}]" if code else message


def split_tag(text: str) -> tuple:
    """``(message, code)`` from a tagged text; ``code`` is None when there is no tag."""
    match = _TAG.search(text or "")
    if match is None:
        return text or "", None
    return text[: match.start()], match.group("code")


def is_code(code: str) -> bool:
    """True when ``code`` is written as a mistake code (snake_case, or error:<ExceptionName>)."""
    return re.fullmatch(CODE, code or "") is not None
