"""Named mistakes: the stable code of every failed test cell, and how to read it back from a graded notebook.

A check that fails raises ``AnswerError(message, mistake="code")``; its text is the message followed by
``[mistake: code]`` (``tagged``), so the code survives plain ``nbgrader autograde``, which keeps only
``ename``, ``evalue`` and the traceback of an error. ``cell_mistake(outputs)`` turns a graded cell's
outputs back into ``(code, message)``; ``display_message(evalue)`` is the message without its tag.
``GENERAL`` lists the codes of any assignment, each assignment's ``mistakes.py`` its own (``codes``), with a
one-line description, for reports.

Host side (the kernel raises tagged errors with ``autograder.kernel.mistake_tag``); pure Python, no nbgrader.
The names ``CELL_TIMEOUT``, ``KERNEL_DIED`` and ``NOT_RUN`` are those of
``autograder.preprocessors.grading_execute`` (a test keeps them equal).
"""

from .kernel.mistake_tag import is_code, split_tag, tagged  # noqa: F401 - the tag's format, shared with the kernel

UNRECOGNIZED = "unrecognized"
WITHHELD = "withheld"
ERROR_PREFIX = "error:"  # error:<ExceptionName>: the student's code raised it

CELL_TIMEOUT = "CellTimeoutError"  # nbgrader's Execute.error_on_timeout
KERNEL_DIED = "KernelDied"  # autograder.preprocessors.grading_execute
NOT_RUN = "not run"  # how KernelDied's message starts in the cells after the one that killed the kernel

_ASSERTIONS = ("AnswerError", "AssertionError")

# Any assignment: failures that are not about one question's content.
GENERAL = {
    UNRECOGNIZED: "a wrong answer that no check recognises as a known mistake (the message still says what is expected)",
    "error:<ExceptionName>": "the student's code raised this exception",
    "wrong_type": "the answer has the wrong type (a float for an int, a list for an array, a dense matrix for CSR...)",
    "wrong_shape": "the answer has the wrong shape, length or size",
    "not_a_function": "a function was expected and something else was given",
    "not_a_category": "a string that is not one of the names to choose from",
    "timeout": "the cell ran past nbgrader's per-cell time limit (Execute.timeout)",
    "kernel_died": "the kernel died (or stopped responding) while running this cell",
    "not_run": "the cell was not run: the kernel died in an earlier cell",
    "stderr": "the cell wrote to stderr, which nbgrader scores 0",
    "tampered": "the grading kernel showed signs of tampering (AUTOGRADER-INTEGRITY report)",
    "withheld": "the score is withheld for review (an integrity finding): the gradebook holds 0 until a person grades it",
}

def display_message(evalue: str) -> str:
    """The message of an error value without its ``[mistake: code]`` tag, for people to read."""
    return split_tag(evalue)[0].rstrip()


def codes(assignment: str) -> dict:
    """Every code an assignment's cells can get, code -> description (the general ones included)."""
    from .assignments import get

    return {**GENERAL, **get(assignment).mistakes}


def describe(code: str, assignment: str | None = None) -> str:
    """A one-line description of ``code`` (of any assignment when ``assignment`` is None)."""
    if code.startswith(ERROR_PREFIX):
        return f"the student's code raised {code[len(ERROR_PREFIX):]}"
    if assignment:
        known = codes(assignment)
    else:
        from .assignments import registered

        known = {**GENERAL, **{k: v for spec in registered() for k, v in spec.mistakes.items()}}
    return known.get(code, "a code that no check declares")


def public_test_code(message: str) -> str | None:
    """The code a public test's own message names (an assignment's ``PUBLIC_TEST_MISTAKES``), None if none does.

    Public tests are released to students, so their messages carry no tag: the code is looked up here."""
    from .assignments import registered

    for spec in registered():
        code = spec.public_test_mistakes.get(message.strip())
        if code:
            return code
    return None


def error_mistake(ename: str, evalue: str) -> tuple:
    """``(code, message)`` of one error output (its ``ename`` and ``evalue``)."""
    message = display_message(evalue)
    if ename == CELL_TIMEOUT:
        return "timeout", message
    if ename == KERNEL_DIED:
        return ("not_run" if evalue.startswith(NOT_RUN) else "kernel_died"), message
    if ename in _ASSERTIONS:
        return split_tag(evalue)[1] or public_test_code(message) or UNRECOGNIZED, message
    return f"{ERROR_PREFIX}{ename}", message


def cell_mistake(outputs) -> tuple | None:
    """``(code, message)`` of a graded cell from its outputs (nbformat output dicts), None when it did not fail.

    The last error output decides (the one that ended the cell); a cell without error that wrote to
    stderr failed too (nbgrader scores it 0): ``("stderr", text)``.
    """
    errors = [output for output in outputs or [] if output.get("output_type") == "error"]
    if errors:
        return error_mistake(errors[-1].get("ename", ""), errors[-1].get("evalue", ""))
    for output in outputs or []:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text", "")
            return "stderr", "".join(text) if isinstance(text, list) else text
    return None


def notebook_mistakes(notebook) -> dict:
    """``grade_id -> (code, message)`` for every graded code cell of an autograded notebook that failed.

    ``notebook``: an nbformat notebook or its dict (as read from the .ipynb JSON).
    """
    found = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and meta.get("grade_id"):
            outcome = cell_mistake(cell.get("outputs", []))
            if outcome is not None:
                found[meta["grade_id"]] = outcome
    return found
