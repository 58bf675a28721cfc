"""What a failed test cell's outputs say: ``(mistake code, message)``. Pure, runs on the grading host.

Written against the contract of the checks' mistake codes (issue #13): an ``AnswerError`` message
ends with a tag `` [mistake: <code>]``; a failure without a tag is ``unrecognized``; any other
exception is ``error:<ExceptionName>``. The message is the error's text without the tag.
(A stand-in: the checks' own module replaces this file when the branches meet; the API is the same.)
"""

import re

_TAG = re.compile(r"\s*\[mistake:\s*([\w.:-]+)\]\s*$")
_FAILED_CHECKS = ("AnswerError", "AssertionError")


def cell_mistake(outputs: list) -> tuple[str, str] | None:
    """``(mistake_code, message)`` of the last error among a cell's ``outputs``; None if none is an error."""
    errors = [o for o in outputs or () if o.get("output_type") == "error"]
    if not errors:
        return None
    name, text = errors[-1].get("ename", "Error"), str(errors[-1].get("evalue", "")).strip()
    tag = _TAG.search(text)
    if tag:
        return tag.group(1), text[: tag.start()].strip()
    if name.rsplit(".", 1)[-1] in _FAILED_CHECKS:
        return "unrecognized", text
    return f"error:{name.rsplit('.', 1)[-1]}", text
