"""Grading jobs on a Dask cluster: the ``Executor`` interface (``base.py``) on ``dask.distributed``.

``DaskExecutor(address)`` connects a ``distributed.Client`` to a running scheduler (``dask scheduler``;
workers started with ``dask worker tcp://HOST:8786 --nthreads 1``) and submits one task per job.
Scheduling, retries and progress are Dask's own: a task whose worker dies is rescheduled on another
worker by the scheduler, a task that raises is retried ``retries`` times, the dashboard shows the batch
(tasks are named ``grade_one-<batch>-<student>``), and results are yielded in completion order with
``distributed.as_completed``. There is no queue here.

Jobs travel whole (files as bytes, no shared filesystem). The parts every job of a batch shares (the
assignment's source, release, configuration and template gradebook: the very same objects in each job)
are sent once as a task of their own that every grading task depends on, instead of once per
submission; the scheduler can recompute it if the worker holding it dies.

Before the first batch, every worker is checked (``check_workers``): the package importable, the worker's
grading engine the coordinator's (``fingerprint.engine_spec``: every file of the package, Python and every
installed distribution's version, the data's checksum; a worker whose files changed since it started is
refused too), the data the graded assignment declares where ``SCIKIT_LEARN_DATA`` says (an assignment without
data needs none), bubblewrap usable (required with ``c.Sandbox.require``, else warned about once), and one
thread per worker process (nbgrader changes the working directory while it grades, so two grading threads in one process would
trip over each other). A worker that fails the check stops the batch with a message naming the fix,
before any submission is graded.
"""

import dataclasses
import pickle
import sys
import uuid
import warnings
from typing import Callable, Iterable, Iterator

from ...errors import AutograderError
from .base import Executor, Outcome

SHARE_AT_LEAST = 4096  # bytes: a field identical in every job and at least this big is sent once


class ClusterError(AutograderError):
    """The Dask cluster cannot grade: unreachable scheduler, no workers, or a worker set up wrongly."""


def _worker_report(assignment: str | None = None) -> dict:
    """What a worker can grade ``assignment`` with (every registered assignment when None; run on every worker
    by ``check_workers``)."""
    import os
    import shutil
    import sys
    from importlib import metadata

    from ..fingerprint import engine_mismatch, engine_spec

    engine = engine_spec(assignment)
    # "" unless the worker's package files changed since it first checked: it runs older code than its kernels would
    report = {"python": sys.version.split()[0], "pid": os.getpid(), "engine": engine,
              "stale": engine_mismatch(engine, assignment)}
    for package in ("course-autograder", "nbgrader"):
        try:
            report[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            report[package] = None
    try:
        from ... import assignments

        specs = [assignments.get(assignment)] if assignment is not None else assignments.registered()
        report["data"] = [str(path) for spec in specs for path in spec.require_data()]
    except AutograderError as error:
        report["data"] = None
        report["data_error"] = str(error)
    from ...sandbox import sandbox_available

    sandboxed, why = sandbox_available()
    report["bwrap"] = shutil.which("bwrap")
    report["sandbox"] = "" if sandboxed else why
    return report


def _local_report(assignment: str | None = None) -> dict:
    import sys

    from ..fingerprint import engine_spec

    return {"python": sys.version.split()[0], "engine": engine_spec(assignment)}


def _problems(address: str, report, local: dict, nthreads: int, require_sandbox: bool = False) -> list:
    """Why the worker at ``address`` cannot grade (empty if it can)."""
    if isinstance(report, BaseException):
        if isinstance(report, (ModuleNotFoundError, ImportError)) or "autograder" in str(report):
            return [f"{address}: cannot import the autograder package ({report}): "
                    f"`pip install` this course package in the workers' environment"]
        return [f"{address}: the worker check failed: {type(report).__name__}: {report}"]
    problems = []
    if nthreads != 1:
        problems.append(f"{address}: {nthreads} threads in one worker process; nbgrader changes the "
                        f"working directory while grading: start workers with `--nthreads 1` "
                        f"(and `--nworkers N` for N processes)")
    from ..fingerprint import ENGINE_PARTS

    engine = report.get("engine") or {}
    for part in ENGINE_PARTS:
        if engine.get(part) != local["engine"][part]:
            problems.append(f"{address}: its {part} differs from the coordinator's ({str(engine.get(part))[:12]} vs "
                            f"{local['engine'][part][:12]}): install the same autograder package, packages and data "
                            f"on every worker (`pip install` the same course package and requirements), then restart it")
    if report.get("stale"):
        problems.append(f"{address}: {report['stale']}")
    if report["python"].split(".")[:2] != local["python"].split(".")[:2]:
        problems.append(f"{address}: Python {report['python']} but the coordinator runs {local['python']}: "
                        f"use the same Python minor version (task payloads are pickled)")
    if report.get("data_error"):
        problems.append(f"{address}: {report['data_error']} "
                        f"(set SCIKIT_LEARN_DATA in the environment the worker is started from)")
    if require_sandbox and report.get("sandbox"):
        problems.append(f"{address}: grading needs the sandbox (c.Sandbox.require, on by default / --require-sandbox), "
                        f"but {report['sandbox']}: install bubblewrap on the worker, or set c.Sandbox.require = False "
                        "to grade without it")
    return problems


def _constant(value):
    """A task that only holds ``value`` (the batch's shared files), so that grading tasks can depend on it."""
    return value


def _run_with(fn: Callable, job, shared: dict):
    """Put the shared fields back into ``job`` and run ``fn`` on it (on the worker)."""
    return fn(dataclasses.replace(job, **shared))


def _shared_fields(jobs: list) -> dict:
    """Fields holding the very same (large) object in every job: sent once per batch, not once per job."""
    if len(jobs) < 2 or not all(dataclasses.is_dataclass(job) for job in jobs):
        return {}
    first = jobs[0]
    shared = {}
    for f in dataclasses.fields(first):
        if not f.init:
            continue
        value = getattr(first, f.name)
        if all(getattr(job, f.name) is value for job in jobs[1:]) and len(pickle.dumps(value)) >= SHARE_AT_LEAST:
            shared[f.name] = value
    return shared


class DaskExecutor(Executor):
    """Run grading jobs as tasks of a Dask cluster (``scheduler``: its address, or a ``distributed.Client``)."""

    def __init__(self, scheduler, retries: int = 2, connect_timeout: float = 10, wait_for_workers: float = 60,
                 check: bool = True):
        from distributed import Client

        if isinstance(scheduler, Client):
            self.client, self._owns_client = scheduler, False
        else:
            try:
                self.client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
            except (OSError, TimeoutError) as error:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {scheduler} ({error}): start one with `dask scheduler` "
                    f"on that host (default port 8786) or fix the address (--scheduler / c.Grading.scheduler)"
                ) from error
            self._owns_client = True
        self.retries = retries
        self.wait_for_workers = wait_for_workers
        self._checked = not check
        self._futures: set = set()

    @property
    def workers(self) -> int:
        """Worker threads the scheduler reports (one per worker process with ``--nthreads 1``)."""
        return sum(self.client.nthreads().values())

    @property
    def dashboard_link(self) -> str:
        return self.client.dashboard_link

    def check_workers(self, require_sandbox: bool = False, assignment: str | None = None) -> dict:
        """``address -> report`` of every worker; ``ClusterError`` naming the fix if one cannot grade.

        A worker that cannot start the sandbox is refused when ``require_sandbox``; otherwise it is
        warned about once here (its kernels would run unsandboxed), not once per submission.
        """
        try:
            self.client.wait_for_workers(1, timeout=self.wait_for_workers)
        except TimeoutError as error:
            raise ClusterError(
                f"no Dask worker joined the scheduler {self.client.scheduler.address} within "
                f"{self.wait_for_workers:g} s: start workers with "
                f"`dask worker {self.client.scheduler.address} --nworkers N --nthreads 1`"
            ) from error
        reports = self.client.run(_worker_report, assignment, on_error="return")
        local, nthreads = _local_report(assignment), self.client.nthreads()
        problems = [
            problem
            for address, report in sorted(reports.items())
            for problem in _problems(address, report, local, nthreads.get(address, 1), require_sandbox)
        ]
        if problems:
            raise ClusterError("the Dask workers cannot grade:\n" + "\n".join(problems))
        unsandboxed = sorted(a for a, r in reports.items() if isinstance(r, dict) and r.get("sandbox"))
        if unsandboxed:
            message = (f"GRADING WITHOUT SANDBOX on {len(unsandboxed)} Dask worker(s) ({', '.join(unsandboxed)}): "
                       f"{reports[unsandboxed[0]]['sandbox']}")
            warnings.warn(message, RuntimeWarning, stacklevel=2)
            print(f"WARNING: {message}", file=sys.stderr)
        self._checked = True
        return reports

    def run(self, fn: Callable, jobs: Iterable) -> Iterator[Outcome]:
        """Submit ``fn(job)`` for every job; yield an ``Outcome`` per job as tasks finish."""
        from distributed import as_completed

        jobs = list(jobs)
        if not jobs:
            return
        if not self._checked:
            self.check_workers()
        batch = uuid.uuid4().hex
        name = getattr(fn, "__name__", "task")
        shared = _shared_fields(jobs)
        shared_future = None
        if shared:
            shared_future = self.client.submit(_constant, shared, key=f"{name}-files-{batch}", pure=False)
        futures, keys = {}, set()
        for index, job in enumerate(jobs):
            label = str(getattr(job, "student", index))
            key = f"{name}-{batch}-{label}" if label not in keys else f"{name}-{batch}-{label}-{index}"
            keys.add(label)
            if shared_future is not None:
                stripped = dataclasses.replace(job, **{field: None for field in shared})
                future = self.client.submit(_run_with, fn, stripped, shared_future, key=key, pure=False,
                                            retries=self.retries)
            else:
                future = self.client.submit(fn, job, key=key, pure=False, retries=self.retries)
            futures[future] = job
        self._futures.update(futures)
        try:
            for future in as_completed(futures, loop=self.client.loop):
                job = futures.pop(future)
                try:
                    yield Outcome(job, future.result())
                except Exception as error:  # noqa: BLE001 - reported per job, like the process pool does
                    yield Outcome(job, error=error)
                finally:
                    self._futures.discard(future)
                    future.release()
        finally:
            if shared_future is not None:
                shared_future.release()

    def close(self) -> None:
        """Cancel the tasks that have not finished, then close the client this executor opened."""
        for future in list(self._futures):
            future.cancel()
        self._futures.clear()
        if self._owns_client:
            self.client.close()
