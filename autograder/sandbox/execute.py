"""nbgrader's ``Execute`` with sandboxed kernels, and the autograde pipeline that uses it."""

import os
import time
from contextlib import contextmanager

from nbgrader.preprocessors import Execute

from . import prepared, workfolder
from ..errors import GradingInfrastructureError
from ..kernel.variant import STUDENT_ENV
from ..variants import Variants, cell_course_mismatch, cell_version_mismatch, kernel_environment
from .fate import did_not_start
from .forked import ForkedKernelManager
from .kernel_manager import SandboxedKernelManager
from .settings import Sandbox


class SandboxedExecute(Execute):
    """nbgrader's Execute whose kernels are started by ``SandboxedKernelManager``.

    nbgrader's ``Execute.__init__`` forces ``kernel_manager_class``, so ``c.Execute.kernel_manager_class``
    cannot be set from configuration; this subclass picks the sandboxed manager instead (and every
    ``c.Execute.*`` setting still applies to it).

    With ``c.Sandbox.prepared_kernels`` > 0, the notebook gets a kernel started ahead by this process's
    pool (``prepared.py``) when one was launched with the same settings, and the pool starts the next one
    once this notebook is done. Each kernel's report notes how long the notebook waited for a ready kernel.

    A kernel that never becomes ready (it cannot start, dies or stays silent before its first reply) raises
    ``GradingInfrastructureError`` naming the cause (``fate.did_not_start``): no cell of the submission ran,
    so it is the grading side's failure and nbgrader saves no grade. A kernel that was ready and then died
    is the submission's (``grading_execute``).
    Every kernel it starts is told whom it grades (``autograder.variants.kernel_environment``: the student id of
    nbgrader's ``resources``, whether variants are on, the course id); with variants on, a notebook of a known
    student never takes a prepared kernel (started before its student was known).
    In nbgrader's autograde step (``NBGRADER_EXECUTION=autograde``) the notebook's folder holds what the student
    submitted beside it: before the kernel starts, what would shadow a module of the grading environment is
    removed (``workfolder.drop_shadowing``, logged); once the kernel is gone its manager sweeps the folder the
    kernel wrote (links, fifos... removed unread and reported), before nbgrader writes the autograded notebook there.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def _forked(self) -> bool:
        return self.kernel_manager_class in (SandboxedKernelManager, ForkedKernelManager) and \
            Sandbox(config=self.config).forked_kernels

    def _pool(self):
        if self.kernel_manager_class is not SandboxedKernelManager or Sandbox(config=self.config).prepared_kernels <= 0 \
                or self._forked():
            return None
        return prepared.POOL

    def _student(self) -> str | None:
        """The gradebook id of the student whose notebook this is (nbgrader's ``resources``), or None."""
        return ((getattr(self, "resources", None) or {}).get("nbgrader") or {}).get("student") or None

    def _grading_environment(self) -> dict:
        """What the kernel is told of whom it grades (``autograder.variants``)."""
        assignment = ((getattr(self, "resources", None) or {}).get("nbgrader") or {}).get("assignment")
        return kernel_environment(self.config, self._student(), assignment)

    def _has_variants(self) -> bool:
        """True when variants are on and the notebook's assignment has them (an unknown assignment: assumed so)."""
        if not Variants(config=self.config).enabled:
            return False
        assignment = ((getattr(self, "resources", None) or {}).get("nbgrader") or {}).get("assignment")
        if not assignment:
            return True
        from ..assignments import get

        return get(assignment).module("variant") is not None

    def _autograding(self) -> bool:
        return os.environ.get("NBGRADER_EXECUTION") == "autograde"

    def create_kernel_manager(self):
        self._manager = None
        manager = self._create_kernel_manager()
        if isinstance(manager, SandboxedKernelManager) and manager._prepared is None:
            manager.grading_environment = self._grading_environment()
        if self._autograding() and issubclass(self.kernel_manager_class, SandboxedKernelManager):
            manager.sweep_folder = True
        self._manager = manager
        return manager

    def _create_kernel_manager(self):
        if self._forked():
            self.kernel_manager_class = ForkedKernelManager
        pool = self._pool()
        if pool is not None and self._grading_environment().get(STUDENT_ENV) and self._has_variants():
            pool = None  # a prepared kernel was started before its student was known: it cannot grade a variant
        if pool is not None:
            if not self.kernel_name:
                self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or ""
            settings = Sandbox(config=self.config)
            manager = pool.take(self.config, self.kernel_name, prepared.kernel_arguments(self), settings)
            if manager is not None:
                manager.hand_over(self.resources.get("metadata", {}).get("path") or None, settings)
                self.km = manager
                return manager
        return super().create_kernel_manager()

    @contextmanager
    def setup_kernel(self, **kwargs):
        started = time.monotonic()
        self._manager = self.km
        ready = False
        try:
            with super().setup_kernel(**kwargs):
                ready = True
                report = getattr(self.km, "_report", None)
                if report is not None:
                    report["ready_seconds"] = round(time.monotonic() - started, 3)  # what the notebook waited
                pool = self._pool()
                if pool is not None and Sandbox(config=self.config).prepare_while_running:
                    pool.refill()  # the next kernel boots while this notebook runs
                yield
        except Exception as error:
            if ready:
                raise
            raise GradingInfrastructureError(self._did_not_start(error)) from error

    def _did_not_start(self, error: BaseException) -> str:
        """The reason of a kernel that never became ready; its manager is cleaned up (nbclient may not have)."""
        manager = getattr(self, "_manager", None)
        if isinstance(manager, SandboxedKernelManager) and manager.last_report is None:
            prepared._shutdown(manager)  # the kernel's log is read and its folders removed
        report = getattr(manager, "last_report", None)
        reason = did_not_start(error, report, Sandbox(config=self.config).memory_bytes)
        self.log.error("%s", reason)
        return reason

    def preprocess(self, nb, resources=None, km=None):
        folder = ((resources or {}).get("metadata") or {}).get("path")
        assignment = ((resources or {}).get("nbgrader") or {}).get("assignment")
        mismatch = (cell_course_mismatch(self.config, nb, assignment)
                    or cell_version_mismatch(self.config, nb, assignment)) if assignment else ""
        if mismatch:  # before any kernel starts: no grade is saved, the course is told what to fix
            self.log.error("%s", mismatch)
            raise GradingInfrastructureError(mismatch)
        if folder and self._autograding():
            for name, module in workfolder.drop_shadowing(folder).items():
                self.log.warning("%s: '%s' beside the notebook would be imported instead of the module '%s' of the grading "
                                 "environment; it was removed before the kernel started", folder, name, module)
        try:
            return super().preprocess(nb, resources, km)
        finally:
            pool = self._pool()
            if pool is not None:
                pool.refill()


def autograde_preprocessors(steps=None, keep_grading: bool = False) -> list:
    """An ``Autograde.autograde_preprocessors`` pipeline whose kernels are always sandboxed.

    ``steps``: a pipeline (default: nbgrader's own); nbgrader's plain ``Execute`` in it becomes
    ``SandboxedExecute``. ``keep_grading``: every ``Execute`` step also grades on after a kernel death
    (``autograder.preprocessors.grading_execute``), as the grading engine does.
    """
    if steps is None:
        from nbgrader.converters import Autograde

        steps = Autograde.class_traits()["autograde_preprocessors"].default()
    steps = [SandboxedExecute if step is Execute else step for step in steps]
    if keep_grading:
        from ..preprocessors.grading_execute import with_kept_grading

        steps = [with_kept_grading(step) if isinstance(step, type) and issubclass(step, Execute) else step
                 for step in steps]
    return steps
