"""Stop grading a submission when the grading side failed, so that the failure never becomes a score.

A hidden test that cannot import ``autograder`` (the grading kernel runs another environment), cannot
read the data, or whose reference computation broke, fails exactly like a wrong answer: nbgrader would
score it 0 and record it as the student's grade. ``StopOnGraderFault`` runs right after the autograde
pipeline's ``Execute`` and before ``SaveAutoGrades``: when a test cell's error is the grader's
(``grader_fault``), it raises ``GradingInfrastructureError``. nbgrader then saves no grade for the
submission (an earlier grade stays as it was), deletes its autograded copy, logs the reason and
``nbgrader autograde`` exits non-zero. The grading engine runs the same pipeline and reads the reason
from nbgrader's log (``REASON_PREFIX``).

What counts as the grader's fault, in a test cell (a graded cell that is not a solution cell):
``GradingInfrastructureError`` (raised by the reference computations, ``autograder.kernel.reference``), and an
``ImportError`` of the ``autograder`` package itself or raised inside it (the kernel's extension could not
load either). A student's own code that fails is not: the checks turn its errors into ``AnswerError``.
"""

import re

from nbgrader.preprocessors import NbGraderPreprocessor

from ..errors import GradingInfrastructureError

REASON_PREFIX = "grading infrastructure:"
INFRASTRUCTURE_ERROR = GradingInfrastructureError.__name__
_AUTOGRADER_IMPORT = re.compile(r"No module named '(autograder)(\.[\w.]+)?'|cannot import name .* from '(autograder)[\w.]*'")

IMPORT_FIX = (
    "the grading kernel cannot import the autograder package ({detail}). The kernel must import the same "
    "autograder package as the grading process: run `nbgrader autograde`/`autograder grade` with the Python "
    "environment in which the course package is installed (`pip install -e <course checkout>`), from the "
    "course folder, and grade again."
)


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def grader_fault(cell) -> str:
    """Why ``cell``'s error is the grader's fault (a reason starting with ``REASON_PREFIX``), or ""."""
    if not _is_test_cell(cell):
        return ""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        ename, evalue = output.get("ename", ""), str(output.get("evalue", ""))
        if ename == INFRASTRUCTURE_ERROR:
            return evalue if evalue.startswith(REASON_PREFIX) else f"{REASON_PREFIX} {evalue}"
        # an import that fails in autograder's own code (its checks, their dependencies), not in the student's
        inside = any("/autograder/" in line for line in output.get("traceback", []))
        if ename in ("ModuleNotFoundError", "ImportError") and (_AUTOGRADER_IMPORT.search(evalue) or inside):
            return f"{REASON_PREFIX} " + IMPORT_FIX.format(detail=f"{ename}: {evalue}")
    return ""


def grader_faults(nb) -> list:
    """``cell 'grade_id': reason`` of every test cell of ``nb`` that failed on the grader's side."""
    faults = []
    for index, cell in enumerate(nb.cells):
        reason = grader_fault(cell)
        if reason:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"#{index}")
            faults.append((grade_id, reason))
    return faults


class StopOnGraderFault(NbGraderPreprocessor):
    """Raise ``GradingInfrastructureError`` when an executed test cell failed on the grader's side."""

    def preprocess(self, nb, resources):
        faults = grader_faults(nb)
        if faults:
            first = faults[0][1]
            cells = ", ".join(grade_id for grade_id, _ in faults)
            self.log.error("%s (test cells %s); no grade is saved for this submission", first, cells)
            raise GradingInfrastructureError(
                f"{first} [test cells: {cells}; no grade was saved for this submission, an earlier grade is kept]")
        return nb, resources


def with_stop_on_grader_fault(steps: list) -> list:
    """``steps`` (an autograde pipeline) with ``StopOnGraderFault`` right after its (first) ``Execute``."""
    from nbgrader.preprocessors import Execute

    steps = [step for step in steps if step is not StopOnGraderFault]
    at = next((i for i, step in enumerate(steps) if isinstance(step, type) and issubclass(step, Execute)), None)
    if at is None:
        return steps
    return steps[: at + 1] + [StopOnGraderFault] + steps[at + 1:]


def reason_in_log(log: str) -> str:
    """The reason ``StopOnGraderFault`` gave in an nbgrader log (``grading infrastructure: ...``), or ""."""
    lines = [line for line in log.splitlines() if REASON_PREFIX in line]
    raised = [line for line in lines if INFRASTRUCTURE_ERROR in line] or lines
    return raised[0][raised[0].index(REASON_PREFIX):].strip() if raised else ""
