"""How much faster `autograder grade` is than serial `nbgrader autograde`, and how close to bare execution.

A class of ``--copies`` times the assignment's quick sample submissions is graded three ways, each in a
fresh copy of the course:

1. serial: ``nbgrader autograde ASSIGNMENT`` (after ``nbgrader generate_assignment``, not timed);
2. parallel: ``autograder.grading.grade_assignment`` with one worker per core, feedback off;
3. execution only: every submission executed with nbclient (same kernel arguments, no nbgrader), one
   after the other; divided by the number of cores this is the best any parallel grader could do.

Printed: the three times and the ratios serial/parallel (goal >= 1.8 on 2+ cores) and
parallel/(execution/cores) (goal <= 1.3).

    python bench/grade_speed.py --copies 2
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
from autograder.samples import samples_for, submit_class

REPO = Path(__file__).resolve().parents[1]
SLOW_SAMPLES = ("dense_loops",)  # pure-Python loops: much slower than the rest


def make_class(root: Path, assignment: str, copies: int) -> list:
    """Copy the course to ``root`` and submit ``copies`` times each quick sample; returns the notebook paths."""
    course.copy_course(REPO, root)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="tfidf_distances")
    parser.add_argument("--copies", type=int, default=1, help="copies of each quick sample submission")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as scratch:
        scratch = Path(scratch)
        serial_root, parallel_root, exec_root = scratch / "serial", scratch / "parallel", scratch / "exec"
        n = len(make_class(serial_root, args.assignment, args.copies))
        make_class(parallel_root, args.assignment, args.copies)
        paths = make_class(exec_root, args.assignment, args.copies)
        print(f"{n} submissions of {args.assignment}, {args.workers} workers, {os.cpu_count()} cores", flush=True)

        nbgrader(serial_root, "generate_assignment", args.assignment, "--force")
        nbgrader(parallel_root, "generate_assignment", args.assignment, "--force")
        started = time.monotonic()
        nbgrader(serial_root, "autograde", args.assignment, "--force")
        serial = time.monotonic() - started
        print(f"serial nbgrader autograde: {serial:.1f} s", flush=True)

        started = time.monotonic()
        grade_assignment(parallel_root, args.assignment, workers=args.workers, progress=True, feedback=False)
        parallel = time.monotonic() - started
        print(f"autograder grade:          {parallel:.1f} s", flush=True)

        executed = execute_only(paths, exec_root)
        ideal = executed / args.workers
        print(f"execution only (nbclient): {executed:.1f} s serial, {ideal:.1f} s per {args.workers} workers")
        print(f"speed-up over serial nbgrader: {serial / parallel:.2f}x (goal >= 1.8)")
        print(f"parallel / ideal execution:   {parallel / ideal:.2f} (goal <= 1.3)")


if __name__ == "__main__":
    main()
