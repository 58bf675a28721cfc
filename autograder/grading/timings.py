"""Where a grading worker's time went, per phase: read from the kernels' reports and nbclient's cell timing."""

from pathlib import Path

PHASES = ("kernel start", "imports", "student cells", "hidden tests", "nbgrader's own work", "feedback")


def finish(result) -> None:
    """Every phase of ``PHASES`` in ``result.timings``; nbgrader's own work is what the others leave."""
    known = {phase: round(result.timings.get(phase, 0.0), 3) for phase in PHASES if phase != "nbgrader's own work"}
    known["nbgrader's own work"] = round(max(0.0, result.seconds - sum(known.values())), 3)
    result.timings = {phase: known[phase] for phase in PHASES}


def _seconds(cell) -> float:
    """How long nbclient saw ``cell`` run (its ``record_timing`` metadata), 0 if unknown."""
    from datetime import datetime

    timing = cell.get("metadata", {}).get("execution", {})
    try:
        begin, end = timing["iopub.execute_input"], timing["shell.execute_reply"]
        return max(0.0, (datetime.fromisoformat(end.replace("Z", "+00:00"))
                         - datetime.fromisoformat(begin.replace("Z", "+00:00"))).total_seconds())
    except (KeyError, TypeError, ValueError):
        return 0.0


def _is_imports(source: str) -> bool:
    lines = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and all(line.startswith(("import ", "from ")) for line in lines)


def execution_timings(notebooks: dict, report_dir: Path) -> tuple:
    """``(phase -> seconds, kernels)`` of the executed notebooks: the wait for a ready kernel (kernel reports),
    the import cells, the other student cells and the test cells (nbclient's cell timing)."""
    from ..sandbox import read_report_dir

    timings = {"kernel start": 0.0, "imports": 0.0, "student cells": 0.0, "hidden tests": 0.0}
    kernels = []
    for report in read_report_dir(report_dir):
        timings["kernel start"] += float(report.get("ready_seconds") or 0.0)
        kernels.append({key: report.get(key) for key in ("pid", "kernel_id", "prepared", "forked", "fork_fallback")})
    for nb in notebooks.values():
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                phase = "hidden tests"
            elif _is_imports(cell.source):
                phase = "imports"
            else:
                phase = "student cells"
            timings[phase] += _seconds(cell)
    return timings, kernels
