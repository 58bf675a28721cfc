"""Executors on this machine: ``Inline`` (one job after the other, in this process) and ``ProcessPool``.

``ProcessPool`` runs jobs on a ``concurrent.futures.ProcessPoolExecutor`` (forkserver or spawn, one worker
per core by default). When a worker process dies (a submission that crashes its grading process in native
code, the kernel's OOM killer picking the worker), ``concurrent.futures`` breaks the whole pool and cannot
say which job did it. Every job that was in flight (each leaves a mark while it runs) is then run again, each alone in a process of its
own: a job that kills that process too is the culprit and fails alone (``WorkerLost``); the others are
graded normally. Jobs that had not started yet go back to an ordinary pool.
A pool that breaks twice in a row before any job started (the workers cannot start at all) fails the
remaining jobs with ``WorkerLost`` instead of retrying forever.
"""

import multiprocessing
import os
import tempfile
from pathlib import Path
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool

from .base import Executor, Outcome, WorkerLost


class Inline(Executor):
    """Run the jobs one after the other in this process."""

    workers = 1

    def run(self, fn, jobs):
        for job in jobs:
            try:
                yield Outcome(job, fn(job))
            except Exception as error:  # noqa: BLE001 - reported per job, like the process pool does
                yield Outcome(job, error=error)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the queue and end the running workers now (``shutdown`` alone would wait for them).

    The worker processes are taken before ``shutdown``, which forgets them (``_processes``: no public API
    before Python 3.14); each is killed outright if SIGTERM has not ended it within a few seconds.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=3)
        if process.is_alive():
            process.kill()
            process.join(timeout=3)


def _tracked(fn, marks: str, index: int, job, shared: str = ""):
    """Run ``fn(job)`` in a worker, leaving ``marks/<index>`` while it runs (what was in flight if the pool breaks);
    ``shared``: the batch's folder of reference answers (``reference_cache.SHARED``)."""
    if shared:
        from ..reference_cache import SHARED

        SHARED["folder"] = shared
    mark = Path(marks) / str(index)
    mark.touch()
    result = fn(job)
    mark.unlink()
    return result


class ProcessPool(Executor):
    """A local process pool; a job that kills its worker process fails alone (see the module docstring)."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self._pools: list = []

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=self.context)
        self._pools.append(pool)
        return pool

    def _release(self, pool: ProcessPoolExecutor) -> None:
        pool.shutdown(wait=True)
        self._pools.remove(pool)

    def run(self, fn, jobs):
        with tempfile.TemporaryDirectory(prefix="autograder-references-") as shared:
            yield from self._run(fn, jobs, shared)

    def _run(self, fn, jobs, shared: str):
        pending = list(enumerate(jobs))
        fruitless = 0  # rounds in a row whose pool broke before any job finished or even started
        while pending:
            finished = 0
            with tempfile.TemporaryDirectory(prefix="autograder-pool-") as marks:
                pool = self._pool(min(self.workers, len(pending)))
                futures = {pool.submit(_tracked, fn, marks, index, job, shared): (index, job) for index, job in pending}
                pending = []
                for future in as_completed(futures):
                    index, job = futures[future]
                    try:
                        outcome = Outcome(job, future.result())
                    except BrokenProcessPool:
                        pending.append((index, job))
                        continue
                    except Exception as error:  # noqa: BLE001 - reported per job
                        outcome = Outcome(job, error=error)
                    finished += 1
                    yield outcome
                self._release(pool)
                started = {int(name) for name in os.listdir(marks)}
            # in flight when the pool broke: suspects, each run alone; never started: back in a pool
            suspects = [job for index, job in pending if index in started]
            pending = [(index, job) for index, job in pending if index not in started]
            fruitless = 0 if finished or suspects else fruitless + 1
            if fruitless >= 2:  # the workers die before running anything: no job is to blame, none would run
                for _, job in pending:
                    yield Outcome(job, error=WorkerLost(
                        "the grading worker processes died before running any submission, twice (the machine is "
                        "out of memory or processes, or the worker cannot start): nothing was graded"))
                return
            yield from self._isolated(fn, suspects)

    def _isolated(self, fn, jobs):
        """Run each job in a process of its own, ``workers`` at a time; a job whose process dies fails alone."""
        queue, running = list(jobs), {}
        while queue or running:
            while queue and len(running) < self.workers:
                job = queue.pop(0)
                pool = self._pool(1)
                running[pool.submit(fn, job)] = (job, pool)
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job, pool = running.pop(future)
                try:
                    yield Outcome(job, future.result())
                except BrokenProcessPool:
                    yield Outcome(job, error=WorkerLost(
                        "the grading process died while grading this submission alone (it crashed in native code, "
                        "was killed, or ran out of memory)"))
                except Exception as error:  # noqa: BLE001
                    yield Outcome(job, error=error)
                finally:
                    self._release(pool)

    def close(self) -> None:
        for pool in list(self._pools):
            _stop(pool)
        self._pools.clear()
