"""Grading on a real Dask cluster (``distributed.LocalCluster``, two worker processes) with real kernels.

Three sample submissions of tfidf_distances are graded by the local process pool (the reference) and by
``DaskExecutor``: the gradebooks agree cell by cell; a worker killed with SIGKILL in the middle of a
batch loses nothing (its task runs again elsewhere); a coordinator killed after its first record and
started again (``autograder grade --scheduler``) grades only what was not recorded. A task that kills every
worker it runs on fails alone with ``KilledWorker`` after ``allowed-failures``. Every gradebook holds exactly one submission per
student with one grade per graded cell.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timezone
from pathlib import Path

import distributed
import pytest
import sqlalchemy as sa
from nbgrader.api import Gradebook

from autograder import course
from autograder.storage import records
from autograder.grading.executors.dask_cluster import ClusterError, DaskExecutor
from autograder.grading.fingerprint import engine_spec
from autograder.assignments.tfidf_distances import NEWSGROUPS
from autograder.grading.executors.local import ProcessPool
from autograder.storage.gradebook import cell_scores
from autograder.grading import grade_assignment
from autograder.assignments.samples import submit_class

from .conftest import REPO, course_id, db_url

pytestmark = pytest.mark.nbgrader  # workers are killed on purpose: the batch sweeps what they left (autograder.scratch)

ASSIGNMENT = "tfidf_distances"
# student -> sample: full marks, one typical mistake, the untouched release
STUDENTS = {"ada": "solution", "ben": "unsmoothed_idf", "cy": "blank"}


def make_class(folder: Path) -> Path:
    """A fresh course copy in which every student of ``STUDENTS`` has submitted their sample."""
    root = course.copy_course(REPO, folder)
    submit_class(root, ASSIGNMENT, STUDENTS)
    return root


def scores(root: Path) -> dict:
    """``student -> {grade_id: (score, max_score)}`` read from the course gradebook."""
    return {
        student: {g: (c.score, c.max_score) for g, c in cell_scores(db_url(root), course_id(root), ASSIGNMENT, student).items()}
        for student in STUDENTS
    }


def assert_exactly_once(root: Path) -> None:
    """One submission per student, one grade per graded cell of the assignment, one record per student."""
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        submissions = gb.assignment_submissions(ASSIGNMENT)
        assert sorted(s.student.id for s in submissions) == sorted(STUDENTS)
        cells = sorted(c.name for nb in gb.find_assignment(ASSIGNMENT).notebooks for c in nb.grade_cells)
        for submission in submissions:
            grades = sorted(g.name for nb in submission.notebooks for g in nb.grades)
            assert grades == cells, f"{submission.student.id}: grades {grades} != graded cells {cells}"
    engine = sa.create_engine(db_url(root))
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT student, COUNT(*) FROM autograder_submissions WHERE assignment = :a GROUP BY student"
        ), {"a": ASSIGNMENT}).all()
    engine.dispose()
    assert dict(rows) == {student: 1 for student in STUDENTS}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """The class graded on the local process pool: the scores Dask must reproduce."""
    root = make_class(tmp_path_factory.mktemp("local") / "course")
    grade_assignment(root, ASSIGNMENT, executor=ProcessPool(2), progress=False)
    graded = scores(root)
    # the reference must discriminate, or equality with it would prove nothing
    total = {student: sum(s for s, _ in cells.values()) for student, cells in graded.items()}
    assert total["ada"] > total["ben"] > total["cy"] == 0, total
    return graded


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_dask_grades_equal_local_grades(reference, client, tmp_path):
    root = make_class(tmp_path / "course")
    executor = DaskExecutor(client)
    assert executor.workers == 2
    summary = grade_assignment(root, ASSIGNMENT, executor=executor, progress=False)
    assert summary.graded == sorted(STUDENTS)
    assert {r.student: r.status for r in summary.records} == {s: "graded" for s in STUDENTS}
    assert scores(root) == reference
    assert_exactly_once(root)


def test_worker_killed_mid_batch_loses_nothing(reference, client, tmp_path):
    root = make_class(tmp_path / "course")
    outcome = {}
    thread = threading.Thread(
        target=lambda: outcome.setdefault("summary", grade_assignment(root, ASSIGNMENT, executor=DaskExecutor(client),
                                                                       progress=False)),
        daemon=True,
    )
    thread.start()
    def grading_on(worker=None) -> dict:
        """``worker -> students`` whose grading task the scheduler has given to that worker."""
        return {w: [str(k).rsplit("-", 1)[-1] for k in keys if str(k).startswith("grade_one-")]
                for w, keys in client.processing(workers=worker).items()}

    # Dask's work stealing may move a queued task to the other worker: the victim is a worker that still
    # holds grading tasks 3 s after it was seen with them (well inside a grading task: each takes 10 s or more)
    victim, students = None, []
    deadline = time.monotonic() + 120
    while not students and time.monotonic() < deadline:
        victim = next((w for w, held in grading_on().items() if held), None)
        if victim is not None:
            time.sleep(3)
            students = grading_on([victim]).get(victim, [])
        else:
            time.sleep(0.2)
    assert students, "no worker held a grading task long enough to be killed mid-task: nothing was tested"
    pid = client.run(os.getpid, workers=[victim])[victim]
    killed_at = time.time()
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive(), "the batch did not finish after a worker was killed"

    assert victim not in client.nthreads(), "the killed worker is still registered"
    summary = outcome["summary"]
    assert summary.graded == sorted(STUDENTS)
    recorded = {r.student: r for r in summary.records}
    assert {s: r.status for s, r in recorded.items()} == {s: "graded" for s in STUDENTS}
    for student in students:  # graded again after the kill, not lost with the worker
        graded_at = recorded[student].graded_at
        graded_at = graded_at if graded_at.tzinfo else graded_at.replace(tzinfo=timezone.utc)  # SQLite drops it
        assert graded_at.timestamp() > killed_at
    assert scores(root) == reference
    assert_exactly_once(root)


def _records(root: Path) -> dict:
    try:
        return {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    except sa.exc.OperationalError:  # the coordinator holds the SQLite write lock just now
        return {}


def test_restarted_coordinator_grades_only_unrecorded_submissions(reference, client, tmp_path):
    root = make_class(tmp_path / "course")
    log = tmp_path / "coordinator.log"
    with open(log, "wb") as out:
        coordinator = subprocess.Popen(  # the real command line, pointed at the cluster
            [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--scheduler", client.scheduler.address],
            cwd=root, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while not _records(root) and time.monotonic() < deadline and coordinator.poll() is None:
            time.sleep(0.1)
    finally:
        coordinator.send_signal(signal.SIGKILL)
        coordinator.wait()
    before = _records(root)
    assert 1 <= len(before) < len(STUDENTS), (
        f"the coordinator must be stopped mid-batch, not with {len(before)} records saved; its log:\n"
        + log.read_text(errors="replace")[-3000:]
    )

    summary = grade_assignment(root, ASSIGNMENT, executor=DaskExecutor(client), progress=False)
    assert sorted(summary.skipped) == sorted(before)
    assert sorted(summary.graded) == sorted(set(STUDENTS) - set(before))
    after = {r.student: r for r in summary.records}
    assert sorted(after) == sorted(STUDENTS)
    for student, record in before.items():  # not graded twice
        assert (after[student].graded_at, after[student].content_hash) == (record.graded_at, record.content_hash)
    assert scores(root) == reference
    assert_exactly_once(root)


def test_course_config_sends_grading_to_its_scheduler(tmp_path):
    """``c.Grading.scheduler`` reaches the command line's coordinator: here an address nothing listens on."""
    root = make_class(tmp_path / "course")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write('\nc.Grading.scheduler = "tcp://127.0.0.1:9"\n')
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert _records(root) == {}


def test_unreachable_scheduler_names_the_fix():
    with pytest.raises(ClusterError, match="dask scheduler"):
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout=2)


def test_misconfigured_workers_are_refused_before_grading(tmp_path):
    """Two threads in one worker process and no data: both reported, with the fix, before any job runs."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0",
                                  env={"SCIKIT_LEARN_DATA": str(tmp_path)}) as cluster:
        with distributed.Client(cluster) as client:
            with pytest.raises(ClusterError) as raised:
                DaskExecutor(client).check_workers()
    message = str(raised.value)
    assert "--nthreads 1" in message
    assert "SCIKIT_LEARN_DATA" in message and str(tmp_path) in message


def test_a_worker_without_data_is_refused_only_for_an_assignment_that_reads_data(tmp_path):
    """The data a worker must have is the graded assignment's: none for one that declares none."""
    from autograder import assignments

    without = [spec.name for spec in assignments.registered() if not spec.data]
    with_data = [spec.name for spec in assignments.registered() if spec.data]
    assert without and with_data, "the course should have an assignment with data and one without"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  env={"SCIKIT_LEARN_DATA": str(tmp_path)}) as cluster:
        with distributed.Client(cluster) as client:
            reports = DaskExecutor(client).check_workers(assignment=without[0])
            assert [report["data"] for report in reports.values()] == [[]]
            with pytest.raises(ClusterError) as raised:
                DaskExecutor(client).check_workers(assignment=with_data[0])
    assert "SCIKIT_LEARN_DATA" in str(raised.value) and str(tmp_path) in str(raised.value)


def test_workers_without_the_sandbox_are_refused_when_it_is_required(tmp_path):
    """Workers whose PATH has no bwrap: refused before grading with c.Sandbox.require, else warned about once."""
    env = {"PATH": str(tmp_path), "SCIKIT_LEARN_DATA": os.environ["SCIKIT_LEARN_DATA"]}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  env=env) as cluster:
        with distributed.Client(cluster) as client:
            with pytest.raises(ClusterError, match="bubblewrap is not installed") as raised:
                DaskExecutor(client).check_workers(require_sandbox=True)
            assert "c.Sandbox.require" in str(raised.value)
            with pytest.warns(RuntimeWarning, match="GRADING WITHOUT SANDBOX on 1 Dask worker"):
                reports = DaskExecutor(client).check_workers()
            assert all(report["sandbox"] for report in reports.values())


def _plain_job(spec: dict):
    """A plain job for the cluster: sleep, then return its name; the killer ends its worker process instead."""
    time.sleep(spec.get("seconds", 0))
    if spec.get("kill"):
        os._exit(3)
    return spec["name"]


def test_task_that_kills_every_worker_fails_alone_with_killed_worker():
    """Dask reschedules a task whose worker died; after ``distributed.scheduler.allowed-failures`` deaths it
    fails with ``KilledWorker``, for that task alone: every other task of the batch returns its result."""
    import dask

    specs = [{"name": "killer", "seconds": 1, "kill": True}] + [{"name": f"ok{i}", "seconds": 0.5} for i in range(6)]
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            with distributed.Client(cluster) as dask_client:
                with DaskExecutor(dask_client, check=False) as executor:
                    outcomes = {o.job["name"]: o for o in executor.run(_plain_job, specs)}
    assert sorted(outcomes) == sorted(s["name"] for s in specs)
    killer = outcomes.pop("killer")
    assert isinstance(killer.error, distributed.KilledWorker), repr(killer.error)
    assert {name: (o.result, o.error) for name, o in outcomes.items()} == {name: (name, None) for name in outcomes}


def test_a_worker_with_other_data_is_refused_before_grading(tmp_path):
    """The worker finds a 20 Newsgroups file, but not the coordinator's: its engine's data part differs."""
    other = tmp_path / "other-data"
    other.mkdir()
    (other / NEWSGROUPS.name).write_bytes(b"not the coordinator's 20 Newsgroups file")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  env={"SCIKIT_LEARN_DATA": str(other)}) as cluster:
        with distributed.Client(cluster) as client:
            with pytest.raises(ClusterError) as raised:
                DaskExecutor(client).check_workers()
            reports = client.run(lambda: __import__("autograder.grading.fingerprint", fromlist=["x"]).engine_spec())
    message = str(raised.value)
    assert "its data differs from the coordinator's" in message, message
    assert "grading code differs" not in message and "environment differs" not in message, message
    [report] = reports.values()
    assert {part: report[part] == value for part, value in engine_spec().items()} == {
        "grading code": True, "environment": True, "data": False}
