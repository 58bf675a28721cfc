"""Red team, forked kernels (#20), round 2: what an honest notebook observes differently in a forked kernel than in a
fresh one, such that its grade differs.

Each test runs the same notebook in a fresh sandboxed kernel (``forked_kernels`` off) and in a forked one, through
nbgrader's Execute (``SandboxedExecute``), and asks that the forked kernel give what the fresh one gives.
"""

import os
import re
import signal
import subprocess
import threading

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder import sandbox
from autograder.course import load_config
from autograder.sandbox import forkserver

from .sandbox_helpers import REPO, fake_course, output_text

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(not sandbox.sandbox_available()[0], reason="bubblewrap unusable")]


@pytest.fixture
def scratch(tmp_path):
    return fake_course(tmp_path / "course")["scratch"]


def run(cells, scratch, forked: bool, student: str | None = None, execute=None, **settings):
    """Execute ``cells`` as `nbgrader autograde` does, in a forked or a fresh sandboxed kernel: text output, report."""
    course_config = load_config(REPO)
    config = Config()
    config.Execute.extra_arguments = list(course_config.Execute.extra_arguments)
    config.Execute.timeout = 60
    config.Sandbox.require = True
    config.Sandbox.forked_kernels = forked
    config.Variants.enabled = student is not None
    for key, value in settings.items():
        setattr(config.Sandbox, key, value)
    notebook = new_notebook(cells=[new_code_cell(code) for code in cells])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sandbox.kernel_reports(scratch, clear=True)
    resources = {"metadata": {"path": str(scratch)}}
    if student is not None:  # whom nbgrader's autograde grades
        resources["nbgrader"] = {"student": student}
    notebook, _ = (execute or sandbox.SandboxedExecute)(config=config).preprocess(notebook, resources)
    reports = sandbox.kernel_reports(scratch, clear=True)
    assert reports and bool(reports[0].get("forked")) is forked, reports
    return output_text(notebook), reports[0]


# --- 1. RLIMIT_AS: the address space the prepared process's imports already take --------------------------------------

VMSIZE = ("print('VMSIZE', next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') "
          "if l.startswith('VmSize:')))")
ALLOCATE = "import numpy as np\nblock = np.empty({size}, dtype=np.uint8)\nprint('ALLOCATED', block.nbytes)"


def test_a_forked_kernel_can_allocate_what_a_fresh_kernel_can(server_reset, scratch):
    """RLIMIT_AS bounds the kernel's whole address space. A fresh kernel starts with what its own imports take; a forked
    one with everything the prepared process imported (scikit-learn, matplotlib, seaborn... about 150 MiB more here,
    whether the notebook uses them or not). A notebook whose arrays fit under the limit in a fresh kernel fails with
    MemoryError in a forked one: the same submission, another grade, by the luck of the grading mode."""
    limit = 2 << 30
    cells = ["import numpy as np, pandas as pd", VMSIZE]
    fresh, _ = run(cells, scratch, forked=False, memory_bytes=limit)
    used = int(re.search(r"VMSIZE (\d+)", fresh).group(1))  # what the fresh kernel takes after the notebook's imports
    size = limit - used - (64 << 20)  # 64 MiB of headroom in the fresh kernel
    cells = ["import numpy as np, pandas as pd", ALLOCATE.format(size=size)]
    fresh, _ = run(cells, scratch, forked=False, memory_bytes=limit)
    assert f"ALLOCATED {size}" in fresh, fresh
    forked, _ = run(cells, scratch, forked=True, memory_bytes=limit)
    assert f"ALLOCATED {size}" in forked, forked


# --- 2. /proc/<n>/oom_score_adj of the prepared process: raised by one kernel, inherited by every later one ----------

RAISE_OOM = r"""
import os
raised = []
for name in os.listdir("/proc"):
    if name.isdigit():
        try:
            with open(f"/proc/{name}/oom_score_adj", "w") as handle:  # raising needs no capability, lowering does
                handle.write("1000")
            raised.append(int(name))
        except OSError:
            pass
print("RAISED", sorted(raised))
"""
OWN_OOM = "print('OOM', open('/proc/self/oom_score_adj').read().strip())"


def test_a_kernel_cannot_make_the_next_kernels_the_oom_killer_s_first_victims(server_reset, scratch):
    """The sandbox's /proc shows the prepared process (its pid, its parent bubblewrap's init being masked) and it has
    the kernel's uid: its ``oom_score_adj`` is writable upward by any fork. Every later fork inherits 1000: on a
    grading machine short of memory, the kernels of the next students on this worker are killed first (their grade:
    a dead kernel), chosen by the submission graded before them. A fresh kernel starts with the host's value."""
    fresh, _ = run([OWN_OOM], scratch, forked=False)
    baseline = re.search(r"OOM (-?\d+)", fresh).group(1)
    run(["print('warm')"], scratch, forked=True)
    pid = forkserver._current().pid
    raised, _ = run([RAISE_OOM], scratch, forked=True)
    after, _ = run([OWN_OOM], scratch, forked=True)
    assert forkserver._current().pid == pid  # the same prepared process forked all three
    assert f"OOM {baseline}" in after, (raised, after)


# --- 3. the host's copy of the notebook folder (``copy_folder``) recurses once per level ------------------------------

def _nest(folder, levels: int) -> None:
    """``levels`` folders one in another under ``folder``, made by descriptor (no path grows past PATH_MAX)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(levels):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)


def test_a_deeply_nested_folder_in_a_submission_is_graded_as_in_a_fresh_kernel(server_reset, scratch):
    """A fresh kernel binds the notebook's folder; a forked one runs in a copy made by the grading process
    (``forked.copy_folder``, one Python call per level). A submission with 1,100 nested folders beside its notebook (a
    student's own, or an archive's) raises RecursionError in the grading process: the kernel 'did not start', the
    reason blames the sandbox settings (``GradingInfrastructureError``), nbgrader saves no grade and the earlier grade
    of this student stays: a student chooses not to be graded. The same submission is graded in a fresh kernel."""
    _nest(scratch, 1100)
    try:
        fresh, _ = run(["print('GRADED', 6 * 7)"], scratch, forked=False)
        assert "GRADED 42" in fresh, fresh
        try:
            forked, report = run(["print('GRADED', 6 * 7)"], scratch, forked=True)
        except Exception as error:  # noqa: BLE001 - what nbgrader meets for this submission
            forked = f"{type(error).__name__}: {str(error)[:300]}"
        assert "GRADED 42" in forked, forked
    finally:  # rm removes the tree without recursing (pytest's own cleanup would not)
        subprocess.run(["rm", "-rf", str(scratch / "d")], cwd=scratch, check=False)


# --- 4. what a preimported module read from the environment at import: the prepared process's, never the student's ---

WHOM = "from autograder.kernel import variant\nprint('GRADES', variant.current_student(), variant.variants_on())"


def test_a_forked_kernel_grades_the_variant_of_its_student_whatever_the_course_preimports(server_reset, scratch):
    """``autograder.kernel.variant`` reads whom the kernel grades once, at its import (``_STARTED_WITH``); the assignments'
    ``reference`` modules (and so their checks) import it. A course that lists its assignment's reference or checks in
    its ``preimports`` (``AssignmentSpec.preimports``: 'modules its notebooks import first', as the notebooks do) has
    them imported in the prepared process, before any student is known: every fork then grades the default variant,
    not the student's (variants off, no student), while the notebook was written for the student's own variant."""
    preimports = [*sandbox.Sandbox().preimports, "autograder.assignments.tfidf_distances.reference"]
    fresh, _ = run([WHOM], scratch, forked=False, student="alice", preimports=preimports)
    assert "GRADES alice True" in fresh, fresh
    forked, _ = run([WHOM], scratch, forked=True, student="alice", preimports=preimports)
    assert "GRADES alice True" in forked, forked


# --- 5. the prepared process dies while a kernel it forked runs: whose fault --------------------------------------

def test_the_death_of_the_prepared_process_is_never_scored_as_the_running_student_s(server_reset, scratch):
    """The prepared process holds the sandbox every fork lives in: when it dies (the machine's OOM killer picks it: a
    large process, and its ``oom_score_adj`` is writable by any earlier fork, test 2), bubblewrap's init ends and the
    honest kernel running with it dies too. The host knows (its reader saw the prepared process go and ends every
    fork with -SIGKILL), yet grading goes on as for a kernel that died of its own doing: the student's later cells
    score 0 with 'killed (SIGKILL) ... it probably used too much memory'. Expected: a grader-side failure
    (``GradingInfrastructureError``, no grade saved) or the notebook rerun in a fresh kernel."""
    from autograder.preprocessors.grading_execute import with_kept_grading

    execute = with_kept_grading(sandbox.SandboxedExecute)
    run(["print('warm')"], scratch, forked=True, execute=execute)
    pid = forkserver._current().pid
    killer = threading.Timer(4, os.kill, (pid, signal.SIGKILL))  # the OOM killer, say, while the second cell runs
    killer.start()
    try:
        text, _ = run(["print('FIRST')", "import time\ntime.sleep(10)\nprint('SECOND')", "print('THIRD')"], scratch,
                      forked=True, execute=execute)
    except Exception as error:  # noqa: BLE001 - a loud, grader-side failure is what is expected
        text = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        killer.cancel()
    assert "GradingInfrastructureError" in text or "THIRD" in text, text
