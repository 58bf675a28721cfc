"""A grading kernel that cannot start is the grading side's failure, never a student's 0.

A real course copy: an honest student and one whose submission kills its own kernel mid-run are graded by
the real `autograder grade`; then the course's config gives kernels too little memory to start
(``c.Sandbox.memory_bytes = 1 MiB``) and both commands, `autograder grade` and plain `nbgrader autograde`,
must fail loudly with the cause and keep every earlier grade; once the config is repaired, both submissions
are graded again. The kernel that kills itself after it was ready stays the student's ``died``.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import course, sandbox
from autograder.storage import records
from autograder.errors import GradingInfrastructureError
from autograder.storage.gradebook import cell_scores
from autograder.preprocessors.grader_fault import REASON_PREFIX
from autograder.assignments.samples import make_submission, samples_for
from autograder.integrity import redteam

from .conftest import REPO, course_id, db_url, nbgrader
from .sandbox_helpers import execute, output_text

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
TOO_LITTLE = "\nc.Sandbox.memory_bytes = 1024 * 1024\n"  # 1 MiB of address space: the interpreter cannot load
DID_NOT_START = f"{REASON_PREFIX} the grading kernel did not start"
FORKED_BELOW = "is below the address space the prepared process's imports already take"  # a forked kernel

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox.sandbox_available()[0] and os.environ.get("CI", "").lower() != "true",
                       reason=f"bubblewrap unusable (limits need it): {sandbox.sandbox_available()[1]}"),
]


def autograder(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=root, capture_output=True, text=True,
                          timeout=1200)


@dataclass
class Step:
    run: subprocess.CompletedProcess
    records: dict  # student -> SubmissionRecord
    scores: dict  # student -> {grade_id: (score, max_score)}


def _state(root: Path, run) -> Step:
    url, cid = db_url(root), course_id(root)
    recs = {r.student: r for r in records.load(url, cid, ASSIGNMENT)}
    scores = {s: {k: (v.score, v.max_score) for k, v in cell_scores(url, cid, ASSIGNMENT, s).items()} for s in recs}
    return Step(run, recs, scores)


@pytest.fixture(scope="module")
def steps(tmp_path_factory) -> dict:
    root = course.copy_course(REPO, tmp_path_factory.mktemp("kernel-start") / "course")
    source = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4)
    solution = next(s for s in samples_for(ASSIGNMENT) if s.name == "solution")
    killer = next(a for a in redteam.attacks_for(ASSIGNMENT) if a.name == "os_exit")
    for student, nb in (("ada", make_submission(source, release, solution)), ("kim", redteam.make_attack(release, killer))):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NOTEBOOK)
    config = root / course.CONFIG_FILE
    kept = config.read_text()
    found = {"first": _state(root, autograder(root, "grade", ASSIGNMENT, "--workers", "2"))}
    config.write_text(kept + TOO_LITTLE)
    found["broken"] = _state(root, autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    found["broken again"] = _state(root, autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    found["broken nbgrader"] = _state(root, nbgrader(root, "autograde", ASSIGNMENT, "--force", check=False))
    config.write_text(kept)
    found["repaired"] = _state(root, autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    return found


def _full_marks(step: Step) -> None:
    auto = {k: v for k, v in step.scores["ada"].items() if not k.startswith("param_interpretation")}
    assert auto and all(score == maximum for score, maximum in auto.values()), auto
    assert step.records["ada"].status == "graded", step.records["ada"].reasons


def test_first_the_honest_student_has_full_marks_and_the_kernel_killer_died(steps):
    step = steps["first"]
    assert step.run.returncode == 0, step.run.stdout + step.run.stderr
    _full_marks(step)
    kim = step.records["kim"]
    assert kim.kernel == "died", kim.reasons  # ready, then killed by the submission: the student's, not the grader's
    assert not any(reason.startswith(REASON_PREFIX) for reason in kim.reasons), kim.reasons


def test_a_kernel_that_cannot_start_fails_loudly_and_keeps_every_earlier_grade(steps):
    before, step = steps["first"], steps["broken"]
    assert step.run.returncode == 1, step.run.stdout + step.run.stderr
    assert "GRADING INFRASTRUCTURE FAILED for 2 submission(s)" in step.run.stdout
    assert "failed on the grading side" in step.run.stderr and DID_NOT_START in step.run.stderr
    assert step.scores == before.scores  # not a single zero written
    for student, record in step.records.items():
        assert record.status == "failed" and record.kernel == "not run", record.reasons
        assert record.reasons[0].startswith(DID_NOT_START), record.reasons
        # the cause: the kernel's own last words and the setting to check
        assert "c.Sandbox.memory_bytes = 1048576" in record.reasons[0], record.reasons[0]
        # a fresh kernel cannot load libpython; a forked one is refused the limit below its imports' address space
        assert "the kernel's log ends:" in record.reasons[0] and ("libpython" in record.reasons[0] or (
            FORKED_BELOW in record.reasons[0])), record.reasons[0]
        assert record.score == before.records[student].score
        assert record.content_hash == "" and record.fingerprint == {}


def test_a_failed_start_is_graded_again_on_the_next_run(steps):
    step = steps["broken again"]
    assert step.run.returncode == 1, step.run.stdout + step.run.stderr
    assert "2 graded" in step.run.stdout and "0 skipped" in step.run.stdout, step.run.stdout
    assert step.scores == steps["first"].scores


def test_plain_nbgrader_autograde_stops_loudly_and_records_no_zero(steps):
    step = steps["broken nbgrader"]
    assert step.run.returncode != 0
    log = step.run.stdout + step.run.stderr
    assert "GradingInfrastructureError" in log and DID_NOT_START in log and "c.Sandbox.memory_bytes" in log, log[-3000:]
    assert step.scores == steps["first"].scores


def test_once_repaired_both_are_graded_again(steps):
    step = steps["repaired"]
    assert step.run.returncode == 0, step.run.stdout + step.run.stderr
    assert "2 regraded" in step.run.stdout and "0 skipped" in step.run.stdout, step.run.stdout
    _full_marks(step)
    assert step.records["kim"].kernel == "died"
    assert step.scores == steps["first"].scores


def test_the_sandboxed_execute_tells_a_kernel_that_never_started_from_one_killed_by_its_notebook(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    notebook, error, reports, fate = execute(["print('never runs')"], scratch, memory_bytes=1024 * 1024)
    assert isinstance(error, GradingInfrastructureError), repr(error)
    assert str(error).startswith(DID_NOT_START) and ("libpython" in str(error) or FORKED_BELOW in str(error)), str(error)
    assert "never runs" not in output_text(notebook)
    assert reports and reports[0]["died"], reports  # the kernel was cleaned up and reported
    notebook, error, reports, fate = execute(["import os\nos._exit(1)", "print('after')"], scratch)
    assert not isinstance(error, GradingInfrastructureError), repr(error)
    assert fate == "died"
