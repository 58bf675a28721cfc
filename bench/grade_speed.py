"""How much faster `autograder grade` is than serial `nbgrader autograde`, and where a submission's time goes.

A class of ``--copies`` times the assignment's quick sample submissions is graded in one run, each way in a
fresh copy of the course:

1. serial: ``nbgrader autograde ASSIGNMENT`` (after ``nbgrader generate_assignment``, not timed), sandboxed
   by the course's configuration with ``c.Sandbox.forked_kernels = False``: one kernel started per notebook,
   as nbgrader itself does;
2. before: ``autograder.grading.grade_assignment``, one worker per core, feedback included, each kernel started
   fresh (``c.Sandbox.forked_kernels = False``, ``prepared_kernels = 0``);
3. after: the same with forked kernels (``autograder.sandbox.forked``, the course's default);
4. execution only (unless ``--no-execution-bound``): every submission executed with nbclient in a fresh kernel
   (same kernel arguments, no nbgrader, no sandbox, no hidden tests), one after the other: what merely running
   the notebooks costs.

Printed: the times, the ratios, the CPU the whole machine spent per submission each way (kernels in their
sandboxes included), the mean seconds a submission costs a worker per phase (``GradeResult.timings`` + the
coordinator's write), the memory of a prepared process and of a kernel forked from it, and the load average
before and after (a loaded machine inflates every time; the ratios are measured in one run).

    python bench/grade_speed.py --copies 4
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import course
from autograder.grading import grade_assignment
from autograder.grading.timings import PHASES
from autograder.assignments.samples import samples_for, submit_class

REPO = Path(__file__).resolve().parents[1]
SLOW_SAMPLES = ("dense_loops",)  # pure-Python loops: much slower than the rest


def make_class(root: Path, assignment: str, copies: int, config_lines: str = "") -> list:
    """Copy the course to ``root`` and submit ``copies`` times each quick sample; returns the notebook paths."""
    course.copy_course(REPO, root)
    if config_lines:
        with open(root / course.CONFIG_FILE, "a") as config:
            config.write("\n" + config_lines + "\n")
    roster = {f"{sample.name}_{copy}": sample for copy in range(copies) for sample in samples_for(assignment)
              if sample.name not in SLOW_SAMPLES}
    folders = submit_class(root, assignment, roster)
    return [path for folder in folders.values() for path in sorted(folder.glob("*.ipynb"))]


def nbgrader(root: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, check=True, capture_output=True)


def execute_only(paths, root: Path) -> float:
    """Seconds to execute every notebook with nbclient, serially, with the course's kernel arguments."""
    from nbclient import NotebookClient

    config = course.load_config(root)
    extra = list(config.Execute.get("extra_arguments", []))
    started = time.monotonic()
    for path in paths:
        nb = nbformat.read(path, 4)
        NotebookClient(nb, timeout=600, allow_errors=True, extra_arguments=extra,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.monotonic() - started


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat: everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall time of a block, and the CPU the machine spent during it (``busy``: every process, kernels in
    bubblewrap's pid namespaces included; only meaningful when nothing else runs, so the load is printed)."""

    def __enter__(self):
        self.wall, self.busy = time.monotonic(), busy_cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall, self.busy = time.monotonic() - self.wall, busy_cpu_seconds() - self.busy

    def cpu_text(self, n: int) -> str:
        cores = os.cpu_count()
        return f"CPU {self.busy / n:.2f} s per submission, cores {100 * self.busy / (self.wall * cores):.0f}% busy"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def grade(root: Path, assignment: str, workers: int):
    with Clock() as clock:
        summary = grade_assignment(root, assignment, workers=workers, progress=False, feedback=True)
    statuses = {s: summary.count(s) for s in ("graded", "flagged", "failed")}
    return clock, summary, statuses


def phase_table(before, after) -> str:
    """Mean seconds per submission and phase, before and after, as a Markdown table."""
    phases = [*PHASES, "coordinator write"]

    def mean(timings, phase):
        return sum(t.get(phase, 0.0) for t in timings) / max(1, len(timings))

    rows = ["| phase | before (s) | after (s) |", "|---|---|---|"]
    for phase in phases:
        rows.append(f"| {phase} | {mean(before, phase):.2f} | {mean(after, phase):.2f} |")
    rows.append(f"| **a worker's time per submission** | **{mean(before, 'worker total'):.2f}** | "
                f"**{mean(after, 'worker total'):.2f}** |")
    return "\n".join(rows)


def _memory_kib(pids) -> tuple:
    """(RSS, PSS) in KiB of the processes ``pids``."""
    rss = pss = 0
    for member in pids:
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def forked_kernel_memory(root: Path) -> str:
    """Memory of a prepared process as a worker starts it (course config), and of one kernel forked from it
    while it waits (PSS: the pages it shares with the prepared process are counted half)."""
    from jupyter_core.utils import run_sync

    from autograder.sandbox import forkserver
    from autograder.sandbox.forked import ForkedKernelManager

    config = course.load_config(root)
    arguments = list(config.Execute.get("extra_arguments", [])) + ["--HistoryManager.hist_file=:memory:"]
    manager = ForkedKernelManager(config=config)
    with tempfile.TemporaryDirectory(prefix="grade-speed-kernel-") as folder:
        run_sync(manager.start_kernel)(extra_arguments=arguments, cwd=folder)
        client = manager.client()
        client.start_channels()
        try:
            run_sync(client._async_wait_for_ready)(timeout=120)
            time.sleep(1)
            server = forkserver._current()
            zygote = _memory_kib([server.pid])
            kernel = _memory_kib(list(forkserver.descendants(server.pid)))
        finally:
            client.stop_channels()
            run_sync(manager._async_shutdown_kernel)(now=True)
            forkserver.shutdown()
    return (f"prepared process: RSS {zygote[0] / 1024:.0f} MiB, PSS {zygote[1] / 1024:.0f} MiB; a kernel forked from "
            f"it (with its keeper and init): RSS {kernel[0] / 1024:.0f} MiB, PSS {kernel[1] / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="tfidf_distances")
    parser.add_argument("--copies", type=int, default=1, help="copies of each quick sample submission")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--no-execution-bound", action="store_true", help="skip the execution-only run")
    args = parser.parse_args()
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    cores = os.cpu_count()
    fresh = "c.Sandbox.forked_kernels = False\nc.Sandbox.prepared_kernels = 0"
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as scratch:
        scratch = Path(scratch)
        roots = {"serial": scratch / "serial", "before": scratch / "before", "after": scratch / "after"}
        n = len(make_class(roots["serial"], args.assignment, args.copies, fresh))
        make_class(roots["before"], args.assignment, args.copies, fresh)
        make_class(roots["after"], args.assignment, args.copies, "c.Sandbox.forked_kernels = True")
        paths = [] if args.no_execution_bound else make_class(scratch / "exec", args.assignment, args.copies)
        for root in roots.values():
            nbgrader(root, "generate_assignment", args.assignment, "--force")
        print(f"{n} submissions of {args.assignment}, {args.workers} workers, {cores} cores; {load()}", flush=True)

        with Clock() as serial:
            nbgrader(roots["serial"], "autograde", args.assignment, "--force")
        print(f"serial nbgrader autograde, fresh kernels:   {serial.wall:6.1f} s ({serial.wall / n:.2f} s per submission; "
              f"{serial.cpu_text(n)}; {load()})", flush=True)
        before, before_summary, before_status = grade(roots["before"], args.assignment, args.workers)
        print(f"autograder grade, fresh kernels:            {before.wall:6.1f} s ({before.wall / n:.2f} s per submission) "
              f"{before_status}; {before.cpu_text(n)}; {load()}", flush=True)
        after, after_summary, after_status = grade(roots["after"], args.assignment, args.workers)
        print(f"autograder grade, forked kernels:           {after.wall:6.1f} s ({after.wall / n:.2f} s per submission) "
              f"{after_status}; {after.cpu_text(n)}; {load()}", flush=True)
        if paths:
            with Clock() as executed:
                execute_only(paths, scratch / "exec")
            print(f"execution only (nbclient, fresh kernels):   {executed.wall:6.1f} s serial "
                  f"({executed.wall / n:.2f} s per submission); {executed.cpu_text(n)}; {load()}", flush=True)
        memory = forked_kernel_memory(roots["after"])

    print()
    print(f"speed-up over serial nbgrader, fresh kernels:  {serial.wall / before.wall:.2f}x")
    print(f"speed-up over serial nbgrader, forked kernels: {serial.wall / after.wall:.2f}x (goal on 2 cores: >= 3)")
    print(f"forked / fresh kernels:                        {before.wall / after.wall:.2f}x")
    print(f"CPU per submission: grading with forked kernels {after.busy / n:.2f} s, with fresh kernels "
          f"{before.busy / n:.2f} s" + (f", merely executing the notebook in a fresh kernel {executed.busy / n:.2f} s "
                                       f"(forked grading / bare execution: {after.busy / executed.busy:.2f})" if paths else ""))
    print(f"memory: {memory}")
    print()
    print("Mean seconds a submission costs a worker, per phase (before: fresh kernels; after: forked kernels):")
    print(phase_table(before_summary.timings, after_summary.timings))
    print()
    print(load())


if __name__ == "__main__":
    main()
