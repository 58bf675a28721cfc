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

A prepared kernel (``autograder.sandbox.prepared``: started before its notebook is known) first imports
the course's common modules named in ``$AUTOGRADER_PREIMPORT`` (``c.Sandbox.preimports``), so that they
are loaded while it waits; the snapshot comes after them, so a student's patch of a pre-imported module
is seen exactly as it would be had the student imported it.
"""

import importlib
import os
import sys

PREIMPORT_ENV = "AUTOGRADER_PREIMPORT"  # comma-separated modules (set by the sandbox for prepared kernels only)


def _preimport() -> None:
    for name in filter(None, os.environ.pop(PREIMPORT_ENV, "").split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the student's own import will say what is wrong
            pass


def load_ipython_extension(ipython) -> None:
    """Send ``sys.stderr`` writes to the notebook's stdout stream."""
    sys.stderr = sys.stdout
    _preimport()
    from autograder.integrity import runtime
    from autograder.checks import common  # noqa: F401 - imported now, before student code can patch NumPy
    from autograder.reference import cache

    cache.preload()

    runtime.take_snapshot(ipython)
