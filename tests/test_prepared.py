"""Prepared kernels (``autograder.sandbox.prepared``): started ahead, handed exactly one notebook, never reused.

They serve only with ``c.Sandbox.forked_kernels = False`` (forked kernels, the default, make them moot): each test
here sets it.

Real sandboxed kernels through nbgrader's Execute (``tests/sandbox_helpers.execute``) and real gradings
through ``grade_one``: each notebook runs in its own kernel (pid and kernel id recorded per submission),
a prepared kernel refuses a second notebook, its wall clock starts at hand-over, the runtime integrity
checks see patches of pre-imported modules, and grades are the same cell by cell with and without
preparation.
"""

import dataclasses
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from autograder import sandbox
from autograder.grading import batch
from autograder.grading.grade_one import grade_one
from autograder.integrity import findings_from_outputs
from autograder.sandbox import prepared
from autograder.assignments.samples import make_submission, samples_for

from .sandbox_helpers import execute, fake_course, output_text
from .test_integrity import REPORT, RUNTIME_CASES

needs_bwrap = pytest.mark.skipif(not sandbox.sandbox_available()[0], reason="bubblewrap unusable")
TFIDF = "tfidf_distances"
# test_integrity.py fails this case on main too, with or without prepared kernels: runtime.py names
# LYING_DUNDERS without importing it and autograder.integrity no longer exports report_runtime
KNOWN_MISSED_ON_MAIN = ("lying_eq",)
WHO = "import os\nprint('PID', os.getpid(), 'CWD', os.getcwd())"


@pytest.fixture
def pool():
    """This process's pool, emptied (waiting kernels shut down, its folder removed) after the test."""
    prepared.shutdown()
    yield prepared.POOL
    prepared.shutdown()


@pytest.fixture
def scratch(tmp_path):
    return fake_course(tmp_path / "course")["scratch"]


def test_signature_ignores_only_the_per_submission_folders():
    base = Config()
    base.Sandbox.course_root, base.Sandbox.report_dir = "/tmp/a/course", "/tmp/a/reports"
    other = Config()
    other.Sandbox.course_root, other.Sandbox.report_dir = "/tmp/b/course", "/tmp/b/reports"
    assert prepared.signature(base, "python3", ["--x"]) == prepared.signature(other, "python3", ["--x"])
    limited = Config()
    limited.Sandbox.max_processes = 7
    assert prepared.signature(limited, "python3", ["--x"]) != prepared.signature(base, "python3", ["--x"])
    assert prepared.signature(base, "python3", ["--y"]) != prepared.signature(base, "python3", ["--x"])


@pytest.mark.nbgrader
@needs_bwrap
def test_a_prepared_kernel_runs_one_notebook_and_is_never_reused(pool, scratch):
    (scratch / "data.txt").write_text("beside the notebook")
    read = "print(open('data.txt').read())"
    first, error, reports, fate = execute([WHO, read], scratch, prepared_kernels=1, forked_kernels=False)
    assert error is None and fate == "ok" and reports[0]["prepared"] is False
    assert len(pool.waiting) == 1  # started once the first notebook was done
    waiting = pool.waiting[0]
    waiting_pid = waiting._report["pid"]

    second, error, reports, fate = execute([WHO, read, "import sys\nprint(sorted(m for m in sys.modules if m.startswith('sklearn.svm')))"],
                                           scratch, prepared_kernels=1, forked_kernels=False)
    text = output_text(second)
    assert error is None and fate == "ok", text
    assert reports[0]["prepared"] is True and reports[0]["pid"] == waiting_pid
    assert reports[0]["scratch"] == str(scratch.resolve())  # reported under the notebook's folder
    assert "beside the notebook" in text  # the notebook folder's files were copied into the kernel's folder
    assert "'sklearn.svm'" in text  # pre-imported while it waited
    assert f"CWD {scratch}" not in text  # its working folder is its own
    with pytest.raises(RuntimeError, match="one notebook only"):
        waiting.hand_over(str(scratch), sandbox.Sandbox())
    assert not os.path.exists(reports[0]["kernel_folder"])  # removed with the kernel
    assert len(pool.waiting) == 1 and pool.waiting[0] is not waiting
    assert pool.waiting[0]._report["pid"] != waiting_pid


@pytest.mark.nbgrader
@needs_bwrap
def test_the_wall_clock_starts_at_hand_over(pool, scratch):
    execute(["1"], scratch, prepared_kernels=1, forked_kernels=False, wall_clock_seconds=4)
    assert len(pool.waiting) == 1
    time.sleep(6)  # longer than the wall clock: waiting is not the student's time
    notebook, error, reports, fate = execute(["print('still here')"], scratch, prepared_kernels=1, forked_kernels=False, wall_clock_seconds=4)
    assert reports[0]["prepared"] is True
    assert fate == "ok" and "still here" in output_text(notebook)


@pytest.mark.nbgrader
@needs_bwrap
def test_a_kernel_prepared_with_other_settings_is_not_used(pool, scratch):
    execute(["1"], scratch, prepared_kernels=1, forked_kernels=False)
    stale = pool.waiting[0]
    notebook, error, reports, fate = execute(["1"], scratch, prepared_kernels=1, forked_kernels=False, max_processes=77)
    assert reports[0]["prepared"] is False and not stale.is_alive_now()


@pytest.mark.nbgrader
@needs_bwrap
@pytest.mark.parametrize("attack", RUNTIME_CASES, ids=[a.name for a in RUNTIME_CASES])
def test_runtime_checks_see_in_a_prepared_kernel_what_they_see_in_a_fresh_one(pool, scratch, attack):
    """Pre-imports come before the snapshot: the checks find and refuse exactly what they do without them."""
    check = "from autograder.kernel.answers import check\n@check\ndef check_answer():\n    return 'passed'\ncheck_answer()"
    cells = ["import numpy as np", attack.code, check, REPORT]
    fresh, *_ = execute(cells, scratch, prepared_kernels=0, forked_kernels=False)
    if not pool.waiting:
        execute(["1"], scratch, prepared_kernels=1, forked_kernels=False)
    warm, error, reports, fate = execute(cells, scratch, prepared_kernels=1, forked_kernels=False)
    assert reports[0]["prepared"] is True
    seen = [sorted(str(f) for f in findings_from_outputs(nb)) for nb in (fresh, warm)]
    assert seen[0] == seen[1], (attack.name, output_text(warm))
    assert ("✓ passed" in output_text(fresh)) == ("✓ passed" in output_text(warm))
    assert "✓ passed" not in output_text(warm) or attack.name in KNOWN_MISSED_ON_MAIN, output_text(warm)


@pytest.mark.nbgrader
@needs_bwrap
def test_grades_are_the_same_with_and_without_prepared_kernels(pool, built_course, tmp_path):
    """Each submission in its own kernel (distinct pids and kernel ids), the same cells and scores either way.

    Variants off: a prepared kernel starts before its student is known, so with variants on a known student's
    notebook gets a fresh kernel (test_variants); here the course's prepared kernels are what is compared."""
    root = Path(shutil.copytree(built_course, tmp_path / "course"))
    source = nbformat.read(root / "source" / TFIDF / f"{TFIDF}.ipynb", 4)
    release = nbformat.read(root / "release" / TFIDF / f"{TFIDF}.ipynb", 4)
    for sample in samples_for(TFIDF):
        if sample.name in ("solution", "blank", "no_normalization", "wrong_category"):
            folder = root / "submitted" / sample.name / TFIDF
            folder.mkdir(parents=True)
            nbformat.write(make_submission(source, release, sample), folder / f"{TFIDF}.ipynb")
    jobs = batch.plan(root, TFIDF, force=True, feedback=False).jobs
    assert len(jobs) == 4
    off = (("Variants.enabled", False), ("Sandbox.forked_kernels", False))
    plain = [grade_one(dataclasses.replace(job, overrides=job.overrides + off + (("Sandbox.prepared_kernels", 0),)))
             for job in jobs]
    assert not pool.waiting and all(k["prepared"] is False for r in plain for k in r.kernels)
    warm = [grade_one(dataclasses.replace(job, overrides=job.overrides + off + (("Sandbox.prepared_kernels", 1),)))
            for job in jobs]
    kernels = [k for r in warm for k in r.kernels]
    assert [len(r.kernels) for r in warm] == [1] * len(jobs)
    assert [k["prepared"] for k in kernels] == [False] + [True] * (len(jobs) - 1)
    assert len({k["pid"] for k in kernels}) == len(kernels) and len({k["kernel_id"] for k in kernels}) == len(kernels)
    for before, after in zip(plain, warm):
        assert (before.status, before.kernel, before.cells, before.comments) == \
            (after.status, after.kernel, after.cells, after.comments), before.student
        assert after.timings["imports"] < 1.0 or not after.kernels[0]["prepared"]
