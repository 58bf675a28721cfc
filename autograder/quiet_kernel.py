"""IPython extension loaded into every grading kernel (see ``Execute.extra_arguments`` in nbgrader_config.py).

nbgrader scores a test cell 0 as soon as anything reaches its stderr stream, so a ConvergenceWarning or
a RuntimeWarning from a correct answer would cost full marks. In a grading kernel, Python-level stderr
(warnings included) is routed to stdout, where it stays visible but counts as ordinary output; the kernel
is started with ``--IPKernelApp.capture_fd_output=False`` so that C-level writes to file descriptor 2
stay out of the notebook too. Errors are reported as error outputs and still fail a test.
"""

import sys


def load_ipython_extension(ipython) -> None:
    """Send ``sys.stderr`` writes to the notebook's stdout stream."""
    sys.stderr = sys.stdout
