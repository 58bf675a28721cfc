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
"""

import sys


def load_ipython_extension(ipython) -> None:
    """Send ``sys.stderr`` writes to the notebook's stdout stream."""
    sys.stderr = sys.stdout
    from autograder.integrity import runtime
    from autograder.checks import common  # noqa: F401 - imported now, before student code can patch NumPy
    from autograder.reference import cache

    cache.preload()

    runtime.take_snapshot(ipython)
