"""The one rule that names a kernel's fate (``decide_fate``), per combination of observed facts, and its two callers."""

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.sandbox.fate import KernelFacts, classify_kernel_fate, decide_fate, submission_fate

F = KernelFacts
# facts -> (fate, words the reason must contain, words it must not contain)
TABLE = [
    (F(), "ok", [], []),
    (F(cell_timeout=True), "timeout", ["per-cell timeout", "Execute.timeout"], ["wall clock", "killed"]),
    (F(cell_timeout=True, died=True), "died", ["after a cell had run out of time"], ["wall clock", "CPU"]),
    (F(cell_timeout=True, died=True, exit_signal="SIGSEGV"), "died", ["SIGSEGV", "after a cell"], ["wall clock"]),
    (F(died=True), "died", ["on its own"], ["memory", "time"]),
    (F(died=True, exit_signal="SIGKILL"), "died", ["SIGKILL", "not by the sandbox's wall clock or memory cgroup"], []),
    (F(died=True, exit_signal="SIGXCPU"), "timeout", ["CPU time", "Sandbox.cpu_seconds"], []),
    (F(cell_timeout=True, died=True, exit_signal="SIGXCPU"), "timeout", ["CPU time"], ["per-cell"]),
    (F(died=True, exit_signal="SIGKILL", wall_clock_expired=True), "timeout", ["wall clock", "wall_clock_seconds"], []),
    (F(cell_timeout=True, died=True, exit_signal="SIGKILL", wall_clock_expired=True), "timeout", ["wall clock"], ["per-cell"]),
    (F(died=True, exit_signal="SIGKILL", oom_kills=1), "out of memory", ["memory cgroup", "killed the kernel"], []),
    (F(oom_kills=2), "out of memory", ["killed a process of the kernel", "2"], []),
    (F(cell_timeout=True, died=True, exit_signal="SIGKILL", oom_kills=1), "out of memory", ["memory cgroup"], ["time"]),
    (F(memory_error=True), "out of memory", ["MemoryError", "Sandbox.memory_bytes"], []),
    (F(memory_error=True, cell_timeout=True), "out of memory", ["MemoryError"], []),
    (F(memory_error=True, died=True, exit_signal="SIGABRT"), "out of memory", ["MemoryError", "SIGABRT"], []),
    (F(memory_error=True, died=True, wall_clock_expired=True), "timeout", ["wall clock"], []),
]


@pytest.mark.parametrize("facts, fate, says, never", TABLE, ids=[repr(t[0])[11:-1] or "nothing" for t in TABLE])
def test_the_rule_names_the_true_cause(facts, fate, says, never):
    got, reason = decide_fate(facts)
    assert got == fate, reason
    assert (reason == "") == (fate == "ok")
    for word in says:
        assert word in reason, reason
    for word in never:
        assert word not in reason, reason


def _notebook(*outputs):
    return new_notebook(cells=[new_code_cell("x", outputs=[new_output("error", ename=e, evalue=v, traceback=[])])
                               for e, v in outputs])


def test_classify_kernel_fate_reads_outputs_errors_and_reports():
    timeout_then_death = _notebook(("CellTimeoutError", "t"), ("KernelDied", "the kernel died (exit status 1)"))
    assert classify_kernel_fate(timeout_then_death) == "died"
    assert classify_kernel_fate(_notebook(("CellTimeoutError", "t"))) == "timeout"
    assert classify_kernel_fate(_notebook(("KernelDied", "not run: the kernel died in an earlier cell"))) == "ok"
    assert classify_kernel_fate(None, RuntimeError()) == "ok"
    assert classify_kernel_fate(None, type("DeadKernelError", (Exception,), {})()) == "died"
    assert classify_kernel_fate(None, None, [{"died": True, "signal": "SIGXCPU"}]) == "timeout"
    assert classify_kernel_fate(None, None, [{"died": True, "signal": "SIGKILL", "oom_kills": 1}]) == "out of memory"


def test_submission_fate_uses_the_same_rule_and_says_where_and_why(tmp_path):
    nb = _notebook(("CellTimeoutError", "t"), ("KernelDied", "the kernel died while running this cell"))
    nb.cells[0].metadata["nbgrader"] = {"grade_id": "slow"}
    fate, reasons = submission_fate({"a.ipynb": nb}, tmp_path)  # no kernel report
    assert fate == "died"
    assert any(r.startswith("a.ipynb: slow ran out of time") for r in reasons)
    assert reasons[-1].startswith("kernel fate: died: the kernel process ended") and "after a cell" in reasons[-1]
    assert not any("sandbox's time limit" in r or "wall clock" in r for r in reasons)
    (tmp_path / "kernels.jsonl").write_text('{"died": true, "signal": "SIGKILL", "wall_clock_expired": true}\n')
    fate, reasons = submission_fate({"a.ipynb": nb}, tmp_path)
    assert fate == "timeout" and "wall clock" in reasons[-1]
    fate, reasons = submission_fate({"a.ipynb": new_notebook(cells=[new_code_cell("1")])}, tmp_path / "none")
    assert (fate, reasons) == ("ok", [])
