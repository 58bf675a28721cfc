"""nbgrader's ``Execute`` with sandboxed kernels, and the autograde pipeline that uses it."""

from nbgrader.preprocessors import Execute

from .kernel_manager import SandboxedKernelManager


class SandboxedExecute(Execute):
    """nbgrader's Execute whose kernels are started by ``SandboxedKernelManager``.

    nbgrader's ``Execute.__init__`` forces ``kernel_manager_class``, so ``c.Execute.kernel_manager_class``
    cannot be set from configuration; this subclass picks the sandboxed manager instead (and every
    ``c.Execute.*`` setting still applies to it).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)


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
