"""How a grading kernel ended: the reports kernels leave, and the one rule that names a kernel's fate."""

import json
import threading
from dataclasses import dataclass
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


def keep_report(report: dict, report_dir: str = "") -> None:
    """Keep a finished kernel's report for ``kernel_reports`` and, if given, in ``report_dir``/kernels.jsonl."""
    with _REPORTS_LOCK:
        _REPORTS.append(dict(report))
    if report_dir:
        try:
            Path(report_dir).mkdir(exist_ok=True)  # not its parents: a submission already cleaned up reads no report
            with open(Path(report_dir) / "kernels.jsonl", "a") as out:
                out.write(json.dumps(report) + "\n")
        except FileNotFoundError:
            pass


def read_report_dir(report_dir) -> list:
    """Reports written by kernels configured with ``Sandbox.report_dir`` (possibly in other processes)."""
    path = Path(report_dir) / "kernels.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass(frozen=True)
class KernelFacts:
    """What was observed about how a kernel (or a submission's kernels) ended: the only input of ``decide_fate``."""

    cell_timeout: bool = False  # a cell ran past Execute.timeout and was interrupted
    died: bool = False  # the kernel process ended while the notebook ran
    exit_signal: str | None = None  # the signal that ended it ("SIGKILL"...), if known
    oom_kills: int = 0  # OOM kills counted by the kernel's memory cgroup
    wall_clock_expired: bool = False  # the sandbox's whole-notebook timer killed the live kernel
    memory_error: bool = False  # a cell raised MemoryError (RLIMIT_AS)

    def __or__(self, other: "KernelFacts") -> "KernelFacts":
        return KernelFacts(self.cell_timeout or other.cell_timeout, self.died or other.died,
                           self.exit_signal or other.exit_signal, self.oom_kills + other.oom_kills,
                           self.wall_clock_expired or other.wall_clock_expired, self.memory_error or other.memory_error)


def decide_fate(facts: KernelFacts) -> tuple:
    """``(fate, reason)``: THE rule naming how a kernel ended and its true cause (reason "" for "ok").

    The sandbox's own kills come first, each named by the limit that fired: the wall clock (it kills only
    a live kernel), SIGXCPU (RLIMIT_CPU), an OOM kill of the memory cgroup. A kernel that died of anything
    else "died", whatever happened before (a per-cell timeout followed by a crash is a crash, not a time
    limit), unless a cell had raised MemoryError first (RLIMIT_AS: a kernel that cannot allocate dies
    next). A kernel alive at the end: MemoryError ("out of memory") before a per-cell timeout ("timeout").
    """
    if facts.wall_clock_expired:
        return "timeout", "the sandbox's whole-notebook wall clock (Sandbox.wall_clock_seconds) ran out and killed the kernel"
    if facts.exit_signal == "SIGXCPU":
        return "timeout", "the kernel used up its CPU time (Sandbox.cpu_seconds) and was killed (SIGXCPU)"
    if facts.oom_kills > 0:
        what = "killed the kernel" if facts.died else "killed a process of the kernel"
        return "out of memory", f"the memory cgroup (Sandbox.cgroup_memory_bytes) {what} (OOM kills: {facts.oom_kills})"
    how = f"by {facts.exit_signal}" if facts.exit_signal else "on its own"
    if facts.died and facts.memory_error:
        return "out of memory", f"a cell ran out of memory (MemoryError: Sandbox.memory_bytes, RLIMIT_AS), then the kernel ended {how}"
    if facts.died:
        after = " after a cell had run out of time" if facts.cell_timeout else ""
        extra = "" if facts.exit_signal != "SIGKILL" else (
            ": not by the sandbox's wall clock or memory cgroup (the system's OOM killer, the hard CPU limit or another process)")
        return "died", f"the kernel process ended {how}{after}{extra}"
    if facts.memory_error:
        return "out of memory", "a cell ran out of memory (MemoryError: Sandbox.memory_bytes, RLIMIT_AS)"
    if facts.cell_timeout:
        return "timeout", "a cell ran past the per-cell timeout (Execute.timeout) and was interrupted"
    return "ok", ""


def facts_from_reports(reports) -> KernelFacts:
    """The facts the sandbox's kernel reports (``kernel_reports``/``read_report_dir``) hold."""
    facts = KernelFacts()
    for r in reports:
        facts = facts | KernelFacts(died=bool(r.get("died")), exit_signal=r.get("signal"),
                                    oom_kills=int(r.get("oom_kills") or 0),
                                    wall_clock_expired=bool(r.get("wall_clock_expired")))
    return facts


def _error_outputs(notebook):
    for index, cell in enumerate(getattr(notebook, "cells", None) or (notebook or {}).get("cells", [])):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                yield index, cell, output


def facts_from_outputs(notebook) -> KernelFacts:
    """The facts an executed notebook's error outputs hold (timeouts, MemoryError, a kernel death)."""
    from ..preprocessors.grading_execute import CELL_TIMEOUT, KERNEL_DIED

    facts = KernelFacts()
    for _, _, output in _error_outputs(notebook):
        ename, evalue = output.get("ename", ""), output.get("evalue", "")
        facts = facts | KernelFacts(cell_timeout=ename == CELL_TIMEOUT, memory_error=ename == "MemoryError",
                                    died=ename == KERNEL_DIED and not evalue.startswith("not run"))
    return facts


def facts_from_error(error: BaseException | None) -> KernelFacts:
    """The facts an exception of execution holds (nbclient's DeadKernelError, CellTimeoutError...)."""
    name = type(error).__name__ if error is not None else ""
    return KernelFacts(cell_timeout=name in ("CellTimeoutError", "TimeoutError"), died=name == "DeadKernelError",
                       memory_error=name == "MemoryError")


def classify_kernel_fate(notebook=None, error: BaseException | None = None, reports=()) -> str:
    """``"ok"``, ``"timeout"``, ``"died"`` or ``"out of memory"`` (see ``autograder.storage.records.KERNEL_FATES``).

    ``notebook``: the executed notebook, ``error``: the exception execution raised, if any, ``reports``:
    ``kernel_reports(...)`` of the kernels that ran it. Decided by ``decide_fate``.
    """
    facts = facts_from_outputs(notebook) | facts_from_error(error) | facts_from_reports(reports)
    return decide_fate(facts)[0]


# --- the fate of a graded submission: error outputs of its notebooks and its kernels' reports -------


def _located_reasons(notebooks: dict) -> list:
    """Where each error that counts for the fate happened: ``notebook: cell ...`` lines."""
    from ..preprocessors.grading_execute import CELL_TIMEOUT, KERNEL_DIED

    reasons = []
    for name, nb in notebooks.items():
        for index, cell, output in _error_outputs(nb):
            label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
            ename, evalue = output.get("ename"), output.get("evalue", "")
            if ename == CELL_TIMEOUT:
                reasons.append(f"{name}: {label} ran out of time (Execute.timeout) and was interrupted")
            elif ename == KERNEL_DIED and not evalue.startswith("not run"):
                reasons.append(f"{name}: {label}: {evalue}; the cells after it were not run and score 0")
            elif ename == "MemoryError":
                reasons.append(f"{name}: {label} ran out of memory (MemoryError)")
    return reasons


def submission_fate(notebooks: dict, report_dir) -> tuple:
    """``(fate, reasons)`` of a graded submission: ``decide_fate`` on its notebooks' error outputs and the
    sandbox's kernel reports written to ``report_dir``; the reasons say where, then the cause."""
    facts = facts_from_reports(read_report_dir(report_dir))
    for nb in notebooks.values():
        facts = facts | facts_from_outputs(nb)
    fate, cause = decide_fate(facts)
    reasons = _located_reasons(notebooks)
    return fate, reasons + ([f"kernel fate: {fate}: {cause}"] if cause else [])


# --- a kernel that never became ready: the grading side's failure, not a fate of the submission ----------

START_LOG_LINES = 3
START_LOG_CHARS = 600


def did_not_start(error: BaseException, report: dict | None, memory_bytes: int) -> str:
    """Why a grading kernel never became ready (no cell of the notebook ran), as one line starting with the
    grader-fault prefix: nbclient's error, the end of the kernel's own log, what to check in the config.

    A kernel that cannot start is the grading side's doing (limits too small for Python, a broken
    environment, a sandbox that cannot be set up), never a fate of the submission: no grade is written.
    """
    from ..errors import SandboxUnavailable
    from ..preprocessors.grader_fault import REASON_PREFIX

    if isinstance(error, SandboxUnavailable):  # refused before any kernel ran: the message names the fix
        return f"{REASON_PREFIX} {' '.join(str(error).split())}"
    report = report or {}
    lines = [line.strip() for line in (report.get("log_tail") or "").splitlines() if line.strip()]
    tail = " | ".join(lines[-START_LOG_LINES:])[-START_LOG_CHARS:]
    how = ""
    if report.get("died"):
        how = f", its process ended {'by ' + report['signal'] if report.get('signal') else 'with status ' + str(report.get('returncode'))}"
    said = f"; the kernel's log ends: {tail}" if tail else ""
    return (f"{REASON_PREFIX} the grading kernel did not start ({type(error).__name__}: {error}{how}){said}. "
            f"No cell of the submission ran. Check the sandbox settings in nbgrader_config.py "
            f"(c.Sandbox.memory_bytes = {memory_bytes} bytes of address space: a kernel with the course's imports "
            "needs about 1 GiB; c.Sandbox.max_processes, c.Sandbox.environment) and that a kernel starts in this "
            "Python environment, then grade again")
