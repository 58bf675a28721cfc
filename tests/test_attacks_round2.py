"""Red-team round 2: files a submission ships beside its notebook to act before the grading kernel is ready.

The import guard of the kernel's extension (``autograder.kernel.quiet_kernel``) and ``workfolder.drop_shadowing`` cover
modules that are installed. A module the kernel or the extension imports WITHOUT having it installed (IPython's
default ``storemagic`` extension is looked up as a top-level module first; pandas probes ``numexpr``,
``bottleneck``, ``pyarrow``...) used to be imported from the working folder while the kernel started: before the
tamper snapshot (a patch of NumPy went unseen and lying comparisons passed a wrong answer), or killing the kernel
before its first reply (the submission's own fault reported as the grader's, no grade, regraded forever).
The kernel now starts with ``PYTHONSAFEPATH``; the working folder joins ``sys.path`` after the snapshot.
"""

import copy
import os
import subprocess
import sys
import time

import pytest

from autograder import course
from autograder.storage import records
from autograder.assignments.samples import make_submission, samples_for
from autograder.integrity import redteam

from .conftest import REPO, course_id, db_url
from .sandbox_helpers import execute, output_text
from .test_hostile_files import ASSIGNMENT, LYING_NUMPY, MISTAKE, _auto_total, _nb, _sandboxed, _state, submit

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
             "from autograder.kernel import integrity as runtime\nprint('FINDINGS', [str(f) for f in runtime.runtime_findings()])"]
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


# One real `autograder grade` batch of the same attacks (and of names and entries that were held already).

LYING_STOREMAGIC = LYING_NUMPY + "\ndef load_ipython_extension(ipython):\n    pass\n"
# folders nested deeper than Python's recursion limit, a link at the bottom: os.walk and shutil.rmtree recurse
DEEP_FOLDERS = ("import os\n_top = os.getcwd()\nfor _ in range(1500):\n    os.mkdir('d')\n    os.chdir('d')\n"
                "os.symlink('/etc/passwd', 'deep.txt')\nos.chdir(_top)\n")
SUBFOLDER_ON_PATH = "import sys\nsys.path.insert(0, 'lib')\nimport numpy\n"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("round2")
    root = course.copy_course(REPO, base / "course")
    source_nb, release_nb = _nb(root, "source"), _nb(root, "release")
    samples = {s.name: s for s in samples_for(ASSIGNMENT)}
    solution = make_submission(source_nb, release_nb, samples["solution"])
    mistake = make_submission(source_nb, release_nb, samples[MISTAKE])
    other_kernel = copy.deepcopy(solution)
    other_kernel.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "X", "language": "python"}
    subfolder = redteam.make_attack(mistake, redteam.Attack("subfolder_numpy", SUBFOLDER_ON_PATH))
    deep = redteam.make_attack(solution, redteam.Attack("deep_folders", DEEP_FOLDERS))
    students = {
        "ada": (solution, {}),
        "dee": (deep, {}),
        "bo": (mistake, {}),
        "sam": (mistake, {"storemagic.py": LYING_STOREMAGIC}),  # ran before the snapshot: full marks for a mistake
        "kim": (solution, {"storemagic.py": KILLING}),  # killed the kernel before its first reply: grader's fault
        "kit": (other_kernel, {}),  # a kernel that does not exist, named in the notebook
        "lib": (subfolder, {"lib/numpy.py": LYING_NUMPY}),  # a lying numpy the notebook puts on sys.path itself
        "nu": (mistake, {"ｎｕｍｐｙ.py": LYING_NUMPY, "Numpy.py": LYING_NUMPY, "numpy.pth": "import os; os._exit(3)\n",
                         "__pycache__/numpy.cpython-311.pyc": b"not bytecode"}),
    }
    for student, (nb, extra) in students.items():
        submit(root, student, nb, extra)
    odd = submit(root, "fia", solution)  # entries the host must refuse without reading: none may hang the batch
    os.mkfifo(odd / "pipe")
    os.symlink("/dev/zero", odd / "zeros.bin")
    with open(odd / "sparse.bin", "wb") as sparse:
        sparse.truncate(10 * 1024**3)
    nested = submit(root, "ned", solution)  # submitted folders nested past the recursion limit
    fd = os.open(nested, os.O_RDONLY)
    for _ in range(1500):
        os.mkdir("n", dir_fd=fd)
        down = os.open("n", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = down
    os.close(fd)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"], cwd=root,
                         capture_output=True, text=True, timeout=1200)
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    return {"run": run, "seconds": time.monotonic() - started, "records": recs,
            "scores": {s: _state(root, s) for s in recs}}


def test_the_batch_grades_everyone(batch):
    run = batch["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert set(batch["records"]) == {"ada", "bo", "sam", "kim", "kit", "lib", "nu", "fia", "dee", "ned"}


def test_a_mistake_keeps_its_score_whatever_numpy_look_alike_it_ships(batch):
    wrong, maximum = _auto_total(batch["scores"]["bo"])
    assert wrong < maximum
    for student in ("sam", "nu"):
        assert _auto_total(batch["scores"][student]) == (wrong, maximum), (student, batch["records"][student])
    # lib's notebook puts a folder on sys.path itself: a route to run shipped code unscanned (round 4), so it is
    # withheld for review, naming it; the would-be score it records is still the mistake's, never more
    record = batch["records"]["lib"]
    assert record.status == "flagged" and record.withheld, record
    assert any("sys.path" in reason for reason in record.reasons), record.reasons
    assert any(f"autograde score {wrong:g} withheld" in reason for reason in record.reasons), record.reasons


@pytest.mark.parametrize("student", ["kim", "kit"])  # ned: see the next test
def test_a_correct_submission_is_graded_not_blamed_on_the_grader(batch, student):
    record = batch["records"][student]
    score, maximum = _auto_total(batch["scores"][student])
    assert record.status == "graded" and score == maximum > 0, (record.status, record.withheld, record.reasons)
    assert not [r for r in record.reasons if r.startswith("grading infrastructure")], record.reasons


def test_a_fifo_a_device_link_and_a_sparse_giant_are_left_out_quickly_and_named(batch):
    record = batch["records"]["fia"]
    score, maximum = _auto_total(batch["scores"]["fia"])
    assert score == maximum > 0 and not record.withheld and record.status == "flagged", record
    text = "\n".join(record.reasons)
    for entry, why in (("pipe", "not a regular file"), ("zeros.bin", "/dev/zero"), ("sparse.bin", "10240 MiB")):
        assert f"submitted/{entry}: " in text and why in text, (entry, record.reasons)
    assert batch["seconds"] < 900  # nothing waited on the fifo or read the device (subprocess timeout 1200 s)


def test_folders_nested_past_the_recursion_limit_are_swept_and_flagged_not_a_crash(batch):
    """It used to fail the submission as the grader's fault and crash the batch (RecursionError in the sweep and in
    scratch.sweep's shutil.rmtree): test_the_batch_grades_everyone fails then too."""
    record = batch["records"]["dee"]
    _, maximum = _auto_total(batch["scores"]["dee"])
    text = "\n".join(record.reasons)
    assert record.status == "flagged" and record.withheld, text  # links were planted: a person reviews it
    assert f"autograde score {maximum:g} withheld for review" in text, text
    assert [r for r in record.reasons if r.startswith("integrity: 'd/d/d") and "nested more than 64 levels" in r], text
    assert "grading infrastructure" not in text


@pytest.mark.parametrize("name", ["a", "b" * 250])
def test_the_sweep_removes_folders_nested_past_the_recursion_limit_or_path_max(tmp_path, name):
    """1500 levels (os.walk and shutil.rmtree recurse per level; 250-character names pass PATH_MAX long before)."""
    from autograder.grading.files import read_tree
    from autograder.sandbox import workfolder

    fd = os.open(tmp_path, os.O_RDONLY)
    for _ in range(1500):
        os.mkdir(name, dir_fd=fd)
        down = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = down
    os.symlink("/etc/passwd", "deep.txt", dir_fd=fd)
    os.close(fd)
    (tmp_path / "kept.txt").write_text("kept")
    findings = workfolder.sweep_checked(tmp_path)
    assert len(findings) == 1 and "nested more than 64 levels" in findings[0] and "removed unread" in findings[0]
    assert read_tree(tmp_path) == {"kept.txt": b"kept"}
    assert not [p for p in tmp_path.rglob("*") if len(p.relative_to(tmp_path).parts) > workfolder.MAX_DEPTH + 1]
    # a folder left by a killed grading process is removed whatever its depth (it used to crash the batch)
    os.makedirs(tmp_path / "x")
    fd = os.open(tmp_path / "x", os.O_RDONLY)
    for _ in range(1500):
        os.mkdir(name, dir_fd=fd)
        down = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = down
    os.close(fd)
    workfolder.remove_deep(tmp_path / "x")
    assert not (tmp_path / "x").exists() and (tmp_path / "kept.txt").exists()


def test_submitted_folders_nested_past_the_recursion_limit_are_left_out_and_named(batch):
    """read_tree of submitted/ used to raise RecursionError: the whole batch stopped before grading anyone."""
    record = batch["records"]["ned"]
    score, maximum = _auto_total(batch["scores"]["ned"])
    text = "\n".join(record.reasons)
    assert score == maximum > 0 and not record.withheld, text
    assert "submitted/n/n/n" in text and "nested more than 64 levels" in text and "left out of grading" in text, text
