"""Where grading jobs run, behind one tiny interface: ``executor.run(fn, jobs)`` yields outcomes as they finish.

``ProcessPool`` is a local ``concurrent.futures.ProcessPoolExecutor`` (forkserver or spawn context, one
worker per core by default); ``Inline`` runs jobs one by one in this process (debugging). Another
executor (Dask, say) only has to implement ``run`` and ``workers``: jobs and results are picklable and
carry their files as bytes, so no shared filesystem is needed.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol


@dataclass
class Outcome:
    """One finished job: its result, or the exception that stopped the worker running it."""

    job: Any
    result: Any = None
    error: BaseException | None = None


class Executor(Protocol):
    workers: int

    def run(self, fn: Callable, jobs: Iterable) -> Iterator[Outcome]:
        """Run ``fn(job)`` for every job, yielding an ``Outcome`` per job in completion order."""


class Inline:
    """Run the jobs one after the other in this process."""

    workers = 1

    def run(self, fn, jobs):
        for job in jobs:
            try:
                yield Outcome(job, fn(job))
            except Exception as error:  # noqa: BLE001 - reported per job, like the process pool does
                yield Outcome(job, error=error)


class ProcessPool:
    """A local process pool; a worker that dies fails its job only (the pool is rebuilt for the rest)."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")

    def run(self, fn, jobs):
        pending = list(jobs)
        while pending:
            with ProcessPoolExecutor(max_workers=min(self.workers, len(pending)), mp_context=self.context) as pool:
                futures = {pool.submit(fn, job): job for job in pending}
                pending = []
                broken = False
                for future in as_completed(futures):
                    job = futures[future]
                    try:
                        yield Outcome(job, future.result())
                    except Exception as error:  # noqa: BLE001
                        from concurrent.futures.process import BrokenProcessPool

                        if isinstance(error, BrokenProcessPool) and not broken:
                            broken = True  # the job that broke the pool is unknown: fail this one, retry the rest
                            yield Outcome(job, error=error)
                        elif isinstance(error, BrokenProcessPool):
                            pending.append(job)
                        else:
                            yield Outcome(job, error=error)


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A ``DaskExecutor`` on the Dask ``scheduler`` address if given; else ``Inline`` for ``workers == 0``,
    else a ``ProcessPool`` of ``workers`` processes (default: one per core)."""
    if scheduler:
        from .dask_executor import DaskExecutor

        return DaskExecutor(scheduler)
    return Inline() if workers == 0 else ProcessPool(workers)
