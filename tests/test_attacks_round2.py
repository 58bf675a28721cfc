"""Red-team round 2: files a submission ships beside its notebook to act before the grading kernel is ready.

The import guard of the kernel's extension (``autograder.quiet_kernel``) and ``workfolder.drop_shadowing`` cover
modules that are installed. A module the kernel or the extension imports WITHOUT having it installed (IPython's
default ``storemagic`` extension is looked up as a top-level module first; pandas probes ``numexpr``,
``bottleneck``, ``pyarrow``...) used to be imported from the working folder while the kernel started: before the
tamper snapshot (a patch of NumPy went unseen and lying comparisons passed a wrong answer), or killing the kernel
before its first reply (the submission's own fault reported as the grader's, no grade, regraded forever).
The kernel now starts with ``PYTHONSAFEPATH``; the working folder joins ``sys.path`` after the snapshot.
"""

import os

import pytest

from .sandbox_helpers import execute, output_text
from .test_hostile_files import _sandboxed

pytestmark = pytest.mark.nbgrader

# what the kernel's start (ipykernel, IPython, the extension, pandas/scikit-learn) looks up and does not find
# installed here (measured with a logging sys.meta_path finder around `python -m ipykernel_launcher`)
PROBED_AT_START = ("storemagic", "numexpr", "bottleneck", "pyarrow", "argcomplete", "colorama", "cython", "django",
                   "java", "org", "orjson", "pytz", "thread", "_pydevd_bundle_ext")

PATCHING_STOREMAGIC = "import numpy\nnumpy.allclose = lambda *args, **kwargs: True\n"
KILLING = "import os\nos._exit(3)\n"


@pytest.fixture
def autograding(monkeypatch):
    _sandboxed()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


def test_a_shipped_storemagic_never_patches_numpy_before_the_snapshot(tmp_path, autograding):
    (tmp_path / "storemagic.py").write_text(PATCHING_STOREMAGIC)
    cells = ["import numpy\nprint('ALLCLOSE', numpy.allclose(1, 2))",
             "from autograder.integrity import runtime\nprint('FINDINGS', [str(f) for f in runtime.runtime_findings()])"]
    notebook, error, _, fate = execute(cells, tmp_path)
    text = output_text(notebook)
    assert error is None and fate == "ok", (error, fate)
    # the shipped file never ran: numpy is NumPy and nothing was patched
    assert "ALLCLOSE False" in text and "FINDINGS []" in text, text


def test_modules_probed_at_start_cannot_kill_the_kernel_before_its_first_reply(tmp_path, autograding):
    """Each name the kernel's start looks up, shipped as a module that ends the kernel: it starts and grades."""
    for name in PROBED_AT_START:
        (tmp_path / f"{name}.py").write_text(KILLING)
    (tmp_path / "my_helper.py").write_text("VALUE = 42\n")
    cells = ["import my_helper, os\nprint('HELPER', my_helper.VALUE, os.environ.get('PYTHONSAFEPATH'))"]
    notebook, error, reports, fate = execute(cells, tmp_path)
    assert error is None and fate == "ok", (error, fate)
    # the student's own modules still import from the first cell; processes it starts get Python's usual path
    assert "HELPER 42 None" in output_text(notebook), output_text(notebook)
    assert reports and not reports[0]["died"]


def test_a_module_the_first_cell_imports_still_runs_and_its_kill_is_the_submissions(tmp_path, autograding):
    """The same file imported by the student's own cell: the kernel was ready, so its death is the submission's."""
    (tmp_path / "storemagic.py").write_text(KILLING)
    notebook, error, reports, fate = execute(["import storemagic"], tmp_path)
    assert fate == "died" and "grading infrastructure" not in str(error), (error, fate)
    assert reports and reports[0]["died"]
