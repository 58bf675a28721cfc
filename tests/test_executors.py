"""The local executors with plain Python functions as jobs (no nbgrader, no kernel: fast).

A job that kills its worker process fails alone with ``WorkerLost`` while every other job, in flight
with it or queued, returns its result; a coordinator that stops iterating (its gradebook went away)
stops the running jobs within seconds and the queued ones never start. Every job leaves a line in a
marker file each time it starts and when it finishes, so the tests see what really ran where.
"""

import os
import signal
import time
from pathlib import Path

import pytest

from autograder.grading.executors import WorkerLost, make_executor
from autograder.grading.executors.local import Inline, ProcessPool


def job(spec: dict):
    """A test job: note the start, then sleep, die or raise as ``spec`` says, note the end, return the name."""
    marks = Path(spec["marks"])
    with open(marks / f"{spec['name']}.start", "a") as out:
        out.write(f"{os.getpid()}\n")
    time.sleep(spec.get("seconds", 0))
    how = spec.get("die")
    if how == "exit":
        os._exit(3)
    if how == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if spec.get("raise"):
        raise ValueError(f"{spec['name']} raised")
    (marks / f"{spec['name']}.end").touch()
    return spec["name"]


def starts(marks: Path, name: str) -> list:
    path = marks / f"{name}.start"
    return path.read_text().split() if path.exists() else []


def alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie, dead but not yet reaped by its parent, does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("how", ["exit", "sigkill", "segv"])
def test_job_that_kills_its_worker_fails_alone(tmp_path, how):
    """Three workers: the killer dies while two slow jobs are in flight beside it and two more wait."""
    specs = [
        {"name": "slow1", "seconds": 2},
        {"name": "killer", "seconds": 0.5, "die": how},
        {"name": "slow2", "seconds": 2},
        {"name": "queued1", "seconds": 0.2},
        {"name": "queued2", "seconds": 0.2},
    ]
    for spec in specs:
        spec["marks"] = str(tmp_path)
    with ProcessPool(3) as pool:
        outcomes = {o.job["name"]: o for o in pool.run(job, specs)}

    assert sorted(outcomes) == sorted(s["name"] for s in specs)
    killer = outcomes.pop("killer")
    assert isinstance(killer.error, WorkerLost) and killer.result is None
    assert "died" in str(killer.error)
    for name, outcome in outcomes.items():
        assert outcome.error is None, f"{name} failed for the killer: {outcome.error!r}"
        assert outcome.result == name
        assert (tmp_path / f"{name}.end").exists()
    # the killer ran twice (in the pool, then alone) and was not run a third time
    assert len(starts(tmp_path, "killer")) == 2
    # not vacuous: the slow jobs were in flight when the pool broke, and ran again to completion
    assert len(starts(tmp_path, "slow1")) == 2 and len(starts(tmp_path, "slow2")) == 2
    # the isolated rerun of the killer is a process of its own, not a worker shared with another job
    others = {pid for name in ("slow1", "slow2", "queued1", "queued2") for pid in starts(tmp_path, name)}
    assert starts(tmp_path, "killer")[1] not in others


def test_ordinary_exception_is_the_jobs_own_and_breaks_nothing(tmp_path):
    specs = [{"name": "bad", "raise": True}, {"name": "good1", "seconds": 0.3}, {"name": "good2"}]
    for spec in specs:
        spec["marks"] = str(tmp_path)
    with ProcessPool(2) as pool:
        outcomes = {o.job["name"]: o for o in pool.run(job, specs)}
    assert isinstance(outcomes["bad"].error, ValueError) and not isinstance(outcomes["bad"].error, WorkerLost)
    assert outcomes["good1"].result == "good1" and outcomes["good2"].result == "good2"
    assert all(len(starts(tmp_path, s["name"])) == 1 for s in specs)  # nothing was rerun


def test_two_killers_in_flight_each_fail_alone(tmp_path):
    specs = [{"name": "k1", "seconds": 0.3, "die": "exit"}, {"name": "k2", "seconds": 0.6, "die": "sigkill"},
             {"name": "ok1", "seconds": 1}, {"name": "ok2", "seconds": 0.1}, {"name": "ok3", "seconds": 0.1}]
    for spec in specs:
        spec["marks"] = str(tmp_path)
    with ProcessPool(3) as pool:
        outcomes = {o.job["name"]: o for o in pool.run(job, specs)}
    assert {n for n, o in outcomes.items() if isinstance(o.error, WorkerLost)} == {"k1", "k2"}
    assert {n: o.result for n, o in outcomes.items() if o.error is None} == {"ok1": "ok1", "ok2": "ok2", "ok3": "ok3"}


def test_consumer_failure_stops_running_jobs_within_seconds(tmp_path):
    """The coordinator raises at the first result (as when the gradebook write fails): ``close`` ends the two
    60-second jobs running at that moment, and the jobs still queued never start."""
    specs = [{"name": "quick", "seconds": 0.1}] + [{"name": f"long{i}", "seconds": 60} for i in range(6)]
    for spec in specs:
        spec["marks"] = str(tmp_path)
    with pytest.raises(RuntimeError, match="gradebook gone"):
        with ProcessPool(2) as pool:
            for outcome in pool.run(job, specs):
                time.sleep(1)  # every worker is busy with a long job by now
                running = {name: starts(tmp_path, name) for name in (s["name"] for s in specs[1:])}
                running = {name: pids for name, pids in running.items() if pids}
                failed_at = time.monotonic()
                raise RuntimeError("gradebook gone")
    stopped_in = time.monotonic() - failed_at
    assert stopped_in < 10, f"close() took {stopped_in:.1f} s: it waited for the running jobs"

    assert len(running) == 2, running  # not vacuous: two long jobs were running when the coordinator failed
    pids = [int(pid) for pids in running.values() for pid in pids]
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids), "a worker kept grading after close()"
    time.sleep(1.5)
    started = sorted(p.stem for p in tmp_path.glob("*.start"))
    assert started == sorted(["quick", *running]), f"queued jobs started after the failure: {started}"
    assert not list(tmp_path.glob("long*.end"))


def test_pool_that_breaks_without_a_job_in_flight_does_not_loop_forever(tmp_path, monkeypatch):
    """Workers that cannot even start (every worker dies before running anything) fail the jobs, named."""
    specs = [{"name": f"j{i}", "marks": str(tmp_path)} for i in range(3)]
    pool = ProcessPool(2)
    monkeypatch.setattr("autograder.grading.executors.local._tracked", _die_before_marking)
    started = time.monotonic()
    with pool:
        outcomes = list(pool.run(job, specs))
    assert time.monotonic() - started < 60
    assert sorted(o.job["name"] for o in outcomes) == ["j0", "j1", "j2"]
    assert all(isinstance(o.error, WorkerLost) for o in outcomes)
    assert not list(tmp_path.glob("*.start"))


def _die_before_marking(fn, marks, index, job_, shared=""):
    os._exit(1)


def test_inline_runs_in_this_process(tmp_path):
    specs = [{"name": "a", "marks": str(tmp_path)}, {"name": "b", "marks": str(tmp_path), "raise": True}]
    with Inline() as inline:
        outcomes = list(inline.run(job, specs))
    assert outcomes[0].result == "a" and isinstance(outcomes[1].error, ValueError)
    assert starts(tmp_path, "a") == [str(os.getpid())]


def test_make_executor_chooses():
    assert isinstance(make_executor(0), Inline)
    pool = make_executor(3)
    assert isinstance(pool, ProcessPool) and pool.workers == 3
