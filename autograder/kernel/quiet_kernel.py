"""IPython extension loaded into every grading kernel (see ``Execute.extra_arguments`` in nbgrader_config.py).

nbgrader scores a test cell 0 as soon as anything reaches its stderr stream, so a ConvergenceWarning or
a RuntimeWarning from a correct answer would cost full marks. In a grading kernel, Python-level stderr
(warnings included) is routed to stdout, where it stays visible but counts as ordinary output; the kernel
is started with ``--IPKernelApp.capture_fd_output=False`` so that C-level writes to file descriptor 2
stay out of the notebook too. Errors are reported as error outputs and still fail a test.

Before any student cell runs, the extension also installs the reference answers the grading worker
computed once for the whole batch (``autograder.grading.reference_cache``), imports ``autograder.kernel.answers``
(whose comparisons keep the original NumPy functions and builtins from then on) and takes the
tamper-detection snapshot of ``autograder.kernel.integrity`` (original functions, IPython hooks, an audit hook).

If any of that fails, the kernel cannot grade fairly (no trusted comparisons, no tamper detection): every
cell then raises ``GradingInfrastructureError`` naming the failure, which the course's autograde pipeline
reports as the grader's fault (``autograder.preprocessors.grader_fault``) instead of scoring the tests.

A prepared kernel (``autograder.sandbox.prepared``: started before its notebook is known) first imports
the course's common modules named in ``$AUTOGRADER_PREIMPORT`` (``c.Sandbox.preimports``), so that they
are loaded while it waits; the snapshot comes after them, so a student's patch of a pre-imported module
is seen exactly as it would be had the student imported it.
"""

import importlib
import importlib.machinery
import os
import sys
from pathlib import Path

PREIMPORT_ENV = "AUTOGRADER_PREIMPORT"  # comma-separated modules (set by the sandbox for prepared kernels only)
SAFE_PATH_ENV = "PYTHONSAFEPATH"  # set by the sandbox: the working folder is kept off sys.path while the kernel starts


def _preimport() -> None:
    for name in filter(None, os.environ.pop(PREIMPORT_ENV, "").split(",")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the student's own import will say what is wrong
            pass


class EnvironmentFirst:
    """A ``sys.meta_path`` finder: top-level modules are looked up in ``path`` (the environment) first."""

    def __init__(self, path):
        self.path = list(path)

    def find_spec(self, name, path=None, target=None):
        if path is not None:  # a submodule: its package's __path__ decides
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, self.path)
        # a namespace portion would win over a regular package later on sys.path: let the usual search decide
        return spec if spec is not None and spec.loader is not None else None

    def invalidate_caches(self):
        pass


def environment_path(paths, folder) -> list:
    """``paths`` (``sys.path``) less ``""`` and every entry that is ``folder`` (the working folder) or lies inside it."""
    folder = Path(folder).resolve()
    kept = []
    for entry in paths:
        if not entry or not isinstance(entry, str):
            continue
        resolved = Path(entry).resolve()
        if resolved != folder and folder not in resolved.parents:
            kept.append(entry)
    return kept


def guard_imports() -> EnvironmentFirst:
    """Put ``EnvironmentFirst`` (this environment's ``sys.path`` without the working folder) before the path finder."""
    guard = EnvironmentFirst(environment_path(sys.path, os.getcwd()))
    at = next((i for i, finder in enumerate(sys.meta_path) if finder is importlib.machinery.PathFinder), len(sys.meta_path))
    sys.meta_path.insert(at, guard)
    return guard


def add_working_folder() -> None:
    """Put the working folder (``""``) on ``sys.path`` where IPython would have, once nothing is left to protect.

    The sandbox starts the kernel with ``PYTHONSAFEPATH``: a file the student shipped beside the notebook, named
    like a module the kernel or this extension imports without having it installed (IPython's ``storemagic``
    extension, an optional dependency of pandas...), would otherwise run before the snapshot, unseen, or kill
    the kernel before its first reply (a failure then blamed on the grader). The student's own modules are
    importable from the first cell on; processes the student starts get Python's usual path again.
    """
    if os.environ.pop(SAFE_PATH_ENV, None) is None or "" in sys.path:
        return
    at = next((i for i, entry in enumerate(sys.path) if os.path.basename(entry) in {"site-packages", "dist-packages"}),
              0)
    sys.path.insert(at, "")


def load_ipython_extension(ipython) -> None:
    """Send ``sys.stderr`` writes to the notebook's stdout stream; prepare the kernel for grading."""
    sys.stderr = sys.stdout
    try:
        _prepare(ipython)
    except Exception as error:  # noqa: BLE001 - whatever failed, the tests must not run as if it had not
        refuse_to_grade(ipython, f"grading infrastructure: the grading kernel's extension autograder.kernel.quiet_kernel "
                                 f"failed ({type(error).__name__}: {error}); check that the course package and its "
                                 "dependencies import in the grading environment, then grade again")


def _prepare(ipython) -> None:
    guard_imports()
    _preimport()
    from autograder.kernel import integrity as runtime
    from autograder.kernel import answers as common  # noqa: F401 - imported now, before student code can patch NumPy
    from autograder.kernel import reference
    from autograder.kernel import variant  # noqa: F401 - reads whom the kernel grades before any student cell runs

    reference.preload()

    runtime.take_snapshot(ipython)
    add_working_folder()


def refuse_to_grade(ipython, reason: str) -> None:
    """Make every cell of this kernel raise ``GradingInfrastructureError(reason)`` instead of running."""
    raising = f"raise __import__('autograder.kernel.errors', fromlist=['errors']).GradingInfrastructureError({reason!r})\n"
    ipython.input_transformers_post.append(lambda lines: [raising])
