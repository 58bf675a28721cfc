"""The executor interface: ``run(fn, jobs)`` yields an ``Outcome`` per job; a ``with`` block owns its workers.

Jobs and results are plain picklable data carrying their files as bytes, so an executor needs no shared
file system. ``close()`` (called on leaving the ``with`` block) must cancel queued jobs and stop running
ones within seconds: the coordinator leaves the block early only when it cannot record results (the
gradebook went away), and then nothing more should be graded and thrown away.
"""

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator


class WorkerLost(RuntimeError):
    """The process grading a job ended without a result (killed, crashed in native code, out of memory)."""


@dataclass
class Outcome:
    """One finished job: its result, or the exception that stopped the worker running it."""

    job: Any
    result: Any = None
    error: BaseException | None = None


class Executor:
    """Base class: the lifecycle every executor shares. Subclasses implement ``run`` and ``workers``."""

    workers: int = 1

    def check_workers(self, require_sandbox: bool = False, assignment: str | None = None) -> dict:
        """Check that every worker can grade ``assignment`` (every registered one when None; raise naming the fix);
        local workers are this machine: nothing to do."""
        return {}

    def run(self, fn: Callable, jobs: Iterable) -> Iterator[Outcome]:
        """Run ``fn(job)`` for every job, yielding an ``Outcome`` per job in completion order."""
        raise NotImplementedError

    def close(self) -> None:
        """Cancel what has not run and release the workers."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
