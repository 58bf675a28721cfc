"""The coordinator's own faults, with real nbgrader, kernels and gradebooks.

- The gradebook starts refusing writes in the middle of a batch (a SQLite trigger that fails every new
  submission after the first, as a full disk would): ``autograder grade`` stops within seconds of the
  failed write, running submissions are stopped and queued ones never graded, it names what failed and
  exits 2; once the gradebook is repaired, a rerun grades exactly the submissions not recorded.
- A submission whose grading *worker process* dies (not the kernel: that one is sandboxed and handled
  per cell) fails alone with its reason while every student in flight beside it is graded normally.
  The worker is killed by a test-only wrapper around the job function (``_kills_worker_for``): in
  production the same happens when the OOM killer picks the worker or nbgrader crashes in native code.
"""

import functools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import course
from autograder.storage import records
from autograder.storage.gradebook import cell_scores
from autograder.grading import grade_assignment
from autograder.grading.executors.local import ProcessPool
from autograder.assignments.samples import submit_class

from .conftest import REPO, course_id, db_url

pytestmark = pytest.mark.nbgrader  # workers are killed on purpose: the batch sweeps what they left (autograder.scratch)

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def make_class(folder: Path, students: dict, first_cells: dict = None) -> Path:
    """A course copy where each student submitted the sample ``students[student]``; ``first_cells[student]``
    is extra code put in a new first cell of that student's notebook."""
    root = course.copy_course(REPO, folder)
    for student, folder in submit_class(root, ASSIGNMENT, students).items():
        if student in (first_cells or {}):
            nb = nbformat.read(folder / NOTEBOOK, 4)
            nb.cells.insert(0, nbformat.v4.new_code_cell(first_cells[student]))
            nbformat.write(nb, folder / NOTEBOOK)
    return root


def recorded(root: Path) -> dict:
    return {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}


def submissions(root: Path) -> list:
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        return sorted(s.student.id for s in gb.assignment_submissions(ASSIGNMENT))


def total(root: Path, student: str) -> tuple:
    cells = cell_scores(db_url(root), course_id(root), ASSIGNMENT, student).values()
    return sum(c.score for c in cells), sum(c.max_score for c in cells)


# What the failing run is started with: the real command line, plus a spy that only notes when a write
# of a result fails (to measure how long the command takes to stop after that moment).
SPY = """
import sys, time
from autograder.storage import writer as store
real = store.write_result
def spy(*args, **kwargs):
    try:
        return real(*args, **kwargs)
    except Exception:
        with open({log!r}, "a") as out:
            out.write(repr(time.time()) + "\\n")
        raise
store.write_result = spy
sys.argv = ["autograder", "grade", {assignment!r}, "--workers", "2"]
from autograder.cli import run
run()
"""

DISK_FULL = """
CREATE TRIGGER disk_full BEFORE INSERT ON submitted_assignment
WHEN (SELECT COUNT(*) FROM submitted_assignment) >= 1
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
"""


def test_gradebook_failing_mid_batch_stops_grading_and_a_rerun_resumes(tmp_path):
    flag = tmp_path / "hold" / "sleep"
    flag.parent.mkdir()
    flag.touch()
    sleeper = "import os, time\nwhile os.path.exists(os.environ['HOLD']):\n    time.sleep(0.2)"
    # jobs go out in student order on 2 workers: ann and bob start; ann is recorded; cat starts and her
    # write fails while bob sleeps in his first cell (until the flag goes, or the cell timeout ends it)
    students = {"ann": "solution", "bob": "solution", "cat": "solution", "dan": "blank", "eve": "solution"}
    sleepers = ("bob", "dan", "eve")
    root = make_class(tmp_path / "course", students, {s: sleeper for s in sleepers})
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write(f"\nc.Sandbox.readable_paths = [{str(flag.parent)!r}]\nc.Sandbox.environment = {{'HOLD': {str(flag)!r}}}"
                     f"\nc.Execute.timeout = 300\n")
    Gradebook(db_url(root), course_id=course_id(root)).close()  # nbgrader's tables, to put the trigger on
    with sqlite3.connect(root / "gradebook.db") as db:
        db.executescript(DISK_FULL)

    failed_log = tmp_path / "write_failed_at"
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    started = time.time()
    failing = subprocess.run([sys.executable, "-c", SPY.format(log=str(failed_log), assignment=ASSIGNMENT)],
                             cwd=root, capture_output=True, text=True, env=env, timeout=600)
    ended = time.time()
    assert failing.returncode == 2, failing.stdout + failing.stderr
    write_failed = [float(line) for line in failed_log.read_text().split()]
    assert len(write_failed) == 1, "it went on writing results after the first failed write"
    stopped_in = ended - write_failed[0]
    print(f"write failed {write_failed[0] - started:.1f} s after the start; exited {stopped_in:.1f} s later")
    # bob's cell alone would keep a waiting coordinator 300 s (its timeout): "within seconds" is 10 s
    assert stopped_in < 10, f"the command took {stopped_in:.1f} s to stop after the gradebook write failed"
    assert ended - started < 250
    # the command's last word says what failed and what to do (nbgrader logs the database error above it)
    message = failing.stderr.strip().splitlines()[-1]
    assert message.startswith("autograder: could not record the result of cat"), failing.stderr[-3000:]
    assert "database or disk is full" in message
    assert "1 result(s) recorded, 4 not (cat's, and 3 submission(s) stopped or never started)" in message
    assert f"run `autograder grade {ASSIGNMENT}` again: it grades only those 4" in message
    # nothing after the failure was recorded or left in autograded/ (cat's write failed whole)
    assert sorted(recorded(root)) == ["ann"] and submissions(root) == ["ann"]
    assert sorted(p.name for p in (root / "autograded").iterdir()) == ["ann"]
    ann_before = recorded(root)["ann"]

    # the gradebook is repaired; the sleepers no longer sleep (their submissions are unchanged)
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute("DROP TRIGGER disk_full")
    flag.unlink()
    rerun = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"],
                           cwd=root, capture_output=True, text=True, env=env, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "4 graded (4 ok, 0 flagged, 0 failed), 1 skipped (unchanged)" in rerun.stdout, rerun.stdout
    after = recorded(root)
    assert sorted(after) == sorted(students) and submissions(root) == sorted(students)
    assert (after["ann"].graded_at, after["ann"].content_hash) == (ann_before.graded_at, ann_before.content_hash)
    assert {s: r.status for s, r in after.items()} == {s: "graded" for s in students}
    # the same solution scores the same whichever run graded it (the written answers wait for a person)
    scores = {student: total(root, student)[0] for student in students}
    assert scores["dan"] == 0 and scores["ann"] > 0
    assert {scores[s] for s, sample in students.items() if sample == "solution"} == {scores["ann"]}, scores


def _kills_worker_for(victim: str, marks: str, fn, job):
    """TEST INSTRUMENTATION: note that ``job`` started in this process; for ``victim``, kill this worker
    process a few seconds in (as the OOM killer would), else grade normally with ``fn``."""
    with open(Path(marks) / job.student, "a") as out:
        out.write(f"{os.getpid()}\n")
    if job.student == victim:
        deadline = time.monotonic() + 60
        while len(list(Path(marks).iterdir())) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # until two other students are grading beside this one
        time.sleep(2)  # their kernels are running by now
        os.kill(os.getpid(), signal.SIGKILL)
    return fn(job)


class KillingPool(ProcessPool):
    """A ``ProcessPool`` whose job function is wrapped by ``_kills_worker_for`` (test instrumentation)."""

    def __init__(self, workers: int, victim: str, marks: Path):
        super().__init__(workers)
        self.victim, self.marks = victim, str(marks)

    def run(self, fn, jobs):
        return super().run(functools.partial(_kills_worker_for, self.victim, self.marks, fn), jobs)


def test_submission_that_kills_its_worker_fails_alone(tmp_path):
    students = {"ann": "solution", "bea": "solution", "cat": "blank", "dan": "solution"}
    root = make_class(tmp_path / "course", students)
    marks = tmp_path / "marks"
    marks.mkdir()
    with KillingPool(3, "bea", marks) as pool:  # ann, bea and cat in flight together; dan queued
        summary = grade_assignment(root, ASSIGNMENT, executor=pool, progress=False)

    starts = {p.name: p.read_text().split() for p in marks.iterdir()}
    # not vacuous: ann and cat were grading when bea's worker died (so they were run again), and bea's
    # second run was a process of her own
    assert len(starts["ann"]) == 2 and len(starts["cat"]) == 2, starts
    assert len(starts["bea"]) == 2 and starts["bea"][1] not in starts["ann"] + starts["cat"] + starts["dan"]

    assert summary.graded == sorted(students)
    after = recorded(root)
    bea = after.pop("bea")
    assert bea.status == "failed" and bea.kernel == "not run"
    assert any("WorkerLost" in reason and "died" in reason for reason in bea.reasons), bea.reasons
    assert bea.content_hash == ""  # a lost worker never becomes a score: the next run grades her again
    assert summary.exit_status == 1 and "GRADING INFRASTRUCTURE FAILED" in summary.table()
    assert {s: r.status for s, r in after.items()} == {"ann": "graded", "cat": "graded", "dan": "graded"}
    assert total(root, "ann")[0] == total(root, "dan")[0] > 0 and total(root, "cat")[0] == 0

    # the next run grades bea alone again (here without the instrumentation: graded normally)
    again = grade_assignment(root, ASSIGNMENT, workers=2, progress=False)
    assert again.graded == ["bea"] and sorted(again.skipped) == ["ann", "cat", "dan"]
    assert recorded(root)["bea"].status == "graded"
    assert total(root, "bea")[0] == total(root, "ann")[0]
