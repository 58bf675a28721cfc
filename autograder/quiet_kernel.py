"""IPython extension loaded into every grading kernel (see ``Execute.extra_arguments`` in nbgrader_config.py).

nbgrader scores a test cell 0 as soon as anything reaches its stderr stream, so a ConvergenceWarning or
a RuntimeWarning from a correct answer would cost full marks. In a grading kernel, Python-level stderr
(warnings included) is routed to stdout, where it stays visible but counts as ordinary output; the kernel
is started with ``--IPKernelApp.capture_fd_output=False`` so that C-level writes to file descriptor 2
stay out of the notebook too. Errors are reported as error outputs and still fail a test.

Before any student cell runs, the extension also installs the reference answers the grading worker
computed once for the whole batch (``autograder.reference.cache``), imports ``autograder.checks.common``
(whose comparisons keep the original NumPy functions and builtins from then on) and takes the
tamper-detection snapshot of ``autograder.integrity.runtime`` (original functions, IPython hooks, an audit hook).

If any of that fails, the kernel cannot grade fairly (no trusted comparisons, no tamper detection): every
cell then raises ``GradingInfrastructureError`` naming the failure, which the course's autograde pipeline
reports as the grader's fault (``autograder.preprocessors.grader_fault``) instead of scoring the tests.
"""

import sys


def load_ipython_extension(ipython) -> None:
    """Send ``sys.stderr`` writes to the notebook's stdout stream; prepare the kernel for grading."""
    sys.stderr = sys.stdout
    try:
        _prepare(ipython)
    except Exception as error:  # noqa: BLE001 - whatever failed, the tests must not run as if it had not
        refuse_to_grade(ipython, f"grading infrastructure: the grading kernel's extension autograder.quiet_kernel "
                                 f"failed ({type(error).__name__}: {error}); check that the course package and its "
                                 "dependencies import in the grading environment, then grade again")


def _prepare(ipython) -> None:
    from autograder.integrity import runtime
    from autograder.checks import common  # noqa: F401 - imported now, before student code can patch NumPy
    from autograder.reference import cache

    cache.preload()

    runtime.take_snapshot(ipython)


def refuse_to_grade(ipython, reason: str) -> None:
    """Make every cell of this kernel raise ``GradingInfrastructureError(reason)`` instead of running."""
    raising = f"raise __import__('autograder.errors', fromlist=['errors']).GradingInfrastructureError({reason!r})\n"
    ipython.input_transformers_post.append(lambda lines: [raising])
