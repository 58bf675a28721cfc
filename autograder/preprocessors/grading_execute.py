"""nbgrader's ``Execute`` that grades as far as it can when the kernel dies.

Plain nbgrader aborts the whole submission when the kernel dies (``os._exit(1)`` in a cell, a killed
kernel...): no grade is saved and the autograded notebook is deleted. Here the cell that killed the
kernel and every later cell get an error output instead (so their tests score 0), and the cells that
ran before keep their results. The error name tells the coordinator what happened (``KERNEL_DIED``);
timeouts keep nbgrader's ``CellTimeoutError``. A kernel that replies but stops sending output (nbclient's
IOPub timeout, e.g. after student code broke the kernel's own machinery) is treated like a dead one.

The behaviour is a mixin (``KeepGradingAfterDeath``) so that it goes on top of whichever ``Execute``
class the course configures (``Autograde.autograde_preprocessors``, e.g. the sandbox's
``SandboxedExecute``): ``with_kept_grading(cls)`` builds the combination. The configured class stays the
one place where grading kernels are started.
"""

import signal

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode

KERNEL_DIED = "KernelDied"
CELL_TIMEOUT = "CellTimeoutError"  # nbgrader's Execute.error_on_timeout
NOT_RUN = "not run: the kernel died in an earlier cell"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class KeepGradingAfterDeath:
    """Mixin for an ``Execute`` class: after a kernel death, mark the remaining cells as not run."""

    def preprocess(self, nb, resources=None, km=None):
        self._death = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_death", None) is not None:
            if cell.cell_type == "code":
                cell.outputs = [_error(KERNEL_DIED, NOT_RUN)]
                cell.execution_count = None
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:  # raised only for the IOPub timeout: per-cell timeouts become error outputs
            self._death = (f"the kernel stopped responding while running this cell (no output for "
                           f"{self.iopub_timeout} s, Execute.iopub_timeout)")
            cell.outputs = list(cell.get("outputs", [])) + [_error(KERNEL_DIED, self._death)]
            self.log.error("kernel unresponsive in cell %s", index)
            return cell, resources
        except DeadKernelError:
            lost = getattr(getattr(getattr(self.km, "provisioner", None), "process", None), "lost", "")
            if lost:  # the grader's side took the kernel down: never a score of the student's
                from ..errors import GradingInfrastructureError

                raise GradingInfrastructureError(lost) from None
            self._death = self._describe_death()
            cell.outputs = list(cell.get("outputs", [])) + [_error(KERNEL_DIED, self._death)]
            self.log.error("kernel died in cell %s: %s", index, self._death)
            return cell, resources

    def _describe_death(self) -> str:
        """What killed the kernel, from the kernel process's exit status when it is known."""
        code = None
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            try:
                code = process.wait(timeout=5)
            except Exception:  # noqa: BLE001 - still running or already reaped: unknown status
                code = None
        if code in (-signal.SIGKILL, 128 + signal.SIGKILL):
            return ("the kernel was killed (SIGKILL) while running this cell: "
                    "it probably used too much memory or ran past a time limit")
        status = f" (exit status {code})" if code is not None else ""
        return f"the kernel died while running this cell{status}"


def with_kept_grading(execute_class: type) -> type:
    """``execute_class`` (an nbgrader ``Execute`` subclass) with ``KeepGradingAfterDeath`` on top."""
    if issubclass(execute_class, KeepGradingAfterDeath):
        return execute_class
    return type(f"Grading{execute_class.__name__}", (KeepGradingAfterDeath, execute_class), {"__module__": __name__})
