"""How a grading kernel ended: the reports kernels leave, and the one rule that names a kernel's fate."""

import json
import threading
from pathlib import Path

_REPORTS: list = []
_REPORTS_LOCK = threading.Lock()


def kernel_reports(scratch_dir=None, clear: bool = False) -> list:
    """Reports of the kernels this process ran (of the ones whose working dir is ``scratch_dir``)."""
    with _REPORTS_LOCK:
        wanted = None if scratch_dir is None else str(Path(scratch_dir).resolve())
        found = [r for r in _REPORTS if wanted is None or r.get("scratch") == wanted]
        if clear:
            _REPORTS[:] = [r for r in _REPORTS if r not in found]
        return [dict(r) for r in found]


def read_report_dir(report_dir) -> list:
    """Reports written by kernels configured with ``Sandbox.report_dir`` (possibly in other processes)."""
    path = Path(report_dir) / "kernels.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _error_names(notebook) -> list:
    names = []
    for cell in getattr(notebook, "cells", None) or (notebook or {}).get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                names.append(output.get("ename", ""))
    return names


def classify_kernel_fate(notebook=None, error: BaseException | None = None, reports=()) -> str:
    """``"ok"``, ``"timeout"``, ``"died"`` or ``"out of memory"`` (see ``autograder.records.KERNEL_FATES``).

    ``notebook``: the executed notebook (outputs are read for MemoryError / CellTimeoutError),
    ``error``: the exception execution raised, if any (nbclient's DeadKernelError, CellTimeoutError...),
    ``reports``: ``kernel_reports(...)`` of the kernels that ran it.
    """
    reports = list(reports)
    names = _error_names(notebook) if notebook is not None else []
    error_name = type(error).__name__ if error is not None else ""
    if any(r.get("oom_kills", 0) > 0 for r in reports) or "MemoryError" in names or error_name == "MemoryError":
        return "out of memory"
    if any(r.get("wall_clock_expired") for r in reports) or any(r.get("signal") == "SIGXCPU" for r in reports):
        return "timeout"
    if error_name in ("CellTimeoutError", "TimeoutError") or "CellTimeoutError" in names:
        return "timeout"
    if error_name == "DeadKernelError" or any(r.get("died") for r in reports):
        return "died"
    return "ok"


# --- the fate of a graded submission: error outputs of its notebooks and its kernels' reports -------

_SANDBOX_REASONS = {
    "out of memory": "the kernel ran out of memory (the sandbox's limits Sandbox.memory_bytes / cgroup_memory_bytes)",
    "timeout": "the kernel ran past the sandbox's time limit (Sandbox.wall_clock_seconds / cpu_seconds) and was killed",
    "died": "the kernel process exited while the notebook was running",
}


def _outputs_fate(notebooks: dict) -> tuple:
    """``(fate, reasons)`` from the error outputs of autograded notebooks (``name -> nbformat notebook``)."""
    from ..preprocessors.grading_execute import CELL_TIMEOUT, KERNEL_DIED

    fate, reasons = "ok", []
    for name, nb in notebooks.items():
        for index, cell in enumerate(nb.cells):
            label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                ename, evalue = output.get("ename"), output.get("evalue", "")
                if ename == CELL_TIMEOUT:
                    reasons.append(f"{name}: {label} ran out of time (Execute.timeout) and was interrupted")
                    fate = "timeout" if fate == "ok" else fate
                elif ename == KERNEL_DIED and not evalue.startswith("not run"):
                    reasons.append(f"{name}: {label}: {evalue}; the cells after it were not run and score 0")
                    fate = "died"
                elif ename == "MemoryError":
                    reasons.append(f"{name}: {label} ran out of memory (MemoryError)")
                    fate = "out of memory" if fate in ("ok", "timeout") else fate
    return fate, reasons


def submission_fate(notebooks: dict, report_dir) -> tuple:
    """``(fate, reasons)`` of a graded submission: its notebooks' error outputs, refined with the sandbox's
    kernel reports (an OOM kill, the wall clock) written to ``report_dir``."""
    fate, reasons = _outputs_fate(notebooks)
    reports = read_report_dir(report_dir)
    if not reports:
        return fate, reasons
    fates = [classify_kernel_fate(nb, None, reports) for nb in notebooks.values()] or [classify_kernel_fate(None, None, reports)]
    order = ("out of memory", "timeout", "died")  # classify_kernel_fate's precedence
    reported = next((f for f in order if f in fates), "ok")
    if reported in ("ok", fate):
        return fate, reasons
    return reported, reasons + [_SANDBOX_REASONS[reported]]
