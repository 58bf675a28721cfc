"""Where grading jobs run: one small interface, three implementations.

``make_executor(workers, scheduler)`` returns an ``Executor`` (``base.py``) to use with ``with``:
``Inline`` (this process, for debugging) and ``ProcessPool`` (local processes, the default) in
``local.py``; ``DaskExecutor`` (a Dask cluster) in ``dask_cluster.py``. Every executor yields one
``Outcome`` per job as jobs finish, checks its workers before the first job (``check_workers``), and on
leaving the ``with`` block (normally or because the coordinator failed) cancels whatever has not run.
"""

from .base import Executor, Outcome, WorkerLost


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A ``DaskExecutor`` on the Dask ``scheduler`` address if given; else ``Inline`` for ``workers == 0``,
    else a ``ProcessPool`` of ``workers`` processes (default: one per core)."""
    if scheduler:
        from .dask_cluster import DaskExecutor

        return DaskExecutor(scheduler)
    from .local import Inline, ProcessPool

    return Inline() if workers == 0 else ProcessPool(workers)


__all__ = ["Executor", "Outcome", "WorkerLost", "make_executor"]
