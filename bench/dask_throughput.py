"""Throughput of the grading engine on the local process pool and on a Dask cluster, per worker.

A synthetic class (``--submissions`` students, each submitting one of the assignment's sample
submissions in turn) is graded twice from scratch, in two fresh copies of the course: once with
``ProcessPool(workers)`` and once with ``DaskExecutor`` on a ``LocalCluster`` of ``workers`` single-threaded
worker processes (or on a running cluster with ``--scheduler tcp://HOST:8786``). The grading phase is
timed from the first job submitted to the last result written (workers make the feedback as they
grade; ``total`` adds the coordinator's set-up and any feedback it had to make itself). Printed: submissions/s, submissions/s/worker, the
mean seconds a worker spent on one submission (``s/sub/worker``, from the grading records), ``busy`` (the
share of the workers' time spent inside ``grade_one``: what scheduling and transfers leave; it is far less
sensitive than throughput to other load slowing every submission down), and the Dask/local ratio of
per-worker throughput.

    python bench/dask_throughput.py --submissions 40          # quick run on a laptop
    python bench/dask_throughput.py --submissions 300         # the full synthetic class
    python bench/dask_throughput.py --only dask --scheduler tcp://10.0.0.5:8786 --submissions 5000
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import course
from autograder.grading.executors.local import ProcessPool
from autograder.grading import grade_assignment
from autograder.assignments.samples import make_submission, samples_for

REPO = Path(__file__).resolve().parents[1]
SLOW_SAMPLES = ("dense_loops",)  # pure-Python loops: minutes each on a small machine


def make_class(root: Path, assignment: str, submissions: int, sample_names) -> Path:
    """Copy the course to ``root`` and submit ``submissions`` students cycling over ``sample_names``."""
    course.copy_course(REPO, root)
    samples = {s.name: s for s in samples_for(assignment)}
    for notebook in sorted((root / "source" / assignment).glob("*.ipynb")):
        source_nb = nbformat.read(notebook, 4)
        release_nb = nbformat.read(root / "release" / assignment / notebook.name, 4)
        built = {name: make_submission(source_nb, release_nb, samples[name]) for name in sample_names}
        for index in range(submissions):
            folder = root / "submitted" / f"student{index:05d}" / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(built[sample_names[index % len(sample_names)]], folder / notebook.name)
    return root


class Timed:
    """An executor wrapper timing ``run`` from its first submission to its last outcome."""

    def __init__(self, executor):
        self.executor = executor
        self.started = self.finished = None

    @property
    def workers(self):
        return self.executor.workers

    def run(self, fn, jobs):
        self.started = time.monotonic()
        for outcome in self.executor.run(fn, jobs):
            yield outcome
        self.finished = time.monotonic()


def measure(label: str, root: Path, assignment: str, executor) -> dict:
    timed = Timed(executor)
    started = time.monotonic()
    summary = grade_assignment(root, assignment, executor=timed, progress=True)
    total = time.monotonic() - started
    graded = len(summary.graded)
    seconds = timed.finished - timed.started
    statuses = {s: summary.count(s) for s in ("graded", "flagged", "failed")}
    per_submission = [r.seconds for r in summary.records if r.student in summary.graded]
    return {
        "label": label,
        "workers": timed.workers,
        "graded": graded,
        "seconds": seconds,
        "total": total,
        "rate": graded / seconds,
        "per_worker": graded / seconds / timed.workers,
        "mean_task": sum(per_submission) / len(per_submission),
        "busy": sum(per_submission) / (seconds * timed.workers),
        "statuses": statuses,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300, help="students in the synthetic class (default 300)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="worker processes (default: one per core)")
    parser.add_argument("--assignment", default="tfidf_distances")
    parser.add_argument("--samples", default="",
                        help=f"comma-separated sample names to cycle over (default: all but {', '.join(SLOW_SAMPLES)}; "
                             f"'all' for every sample)")
    parser.add_argument("--only", choices=("local", "dask"), help="measure one executor only")
    parser.add_argument("--scheduler", help="grade on this running Dask scheduler instead of a LocalCluster")
    parser.add_argument("--keep", action="store_true", help="keep the graded course copies (path printed)")
    args = parser.parse_args(argv)

    names = [s.name for s in samples_for(args.assignment)]
    if args.samples == "all":
        chosen = names
    elif args.samples:
        chosen = args.samples.split(",")
    else:
        chosen = [n for n in names if n not in SLOW_SAMPLES]
    scratch = Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    results = []
    try:
        if args.only in (None, "local"):
            root = make_class(scratch / "local", args.assignment, args.submissions, chosen)
            results.append(measure("local ProcessPool", root, args.assignment, ProcessPool(args.workers)))
        if args.only in (None, "dask"):
            from distributed import Client, LocalCluster

            from autograder.grading.executors.dask_cluster import DaskExecutor

            root = make_class(scratch / "dask", args.assignment, args.submissions, chosen)
            if args.scheduler:
                with DaskExecutor(args.scheduler) as executor:
                    results.append(measure(f"Dask {args.scheduler}", root, args.assignment, executor))
            else:
                with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, Client(cluster) as client:
                    results.append(measure("Dask LocalCluster", root, args.assignment, DaskExecutor(client)))
    finally:
        if args.keep:
            print(f"graded course copies kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n{args.submissions} submissions of {args.assignment} (samples: {', '.join(chosen)}), "
          f"{os.cpu_count()} cores here, load average now {os.getloadavg()[0]:.1f}")
    print(f"{'executor':<20} {'workers':>7} {'graded':>6} {'grading s':>9} {'subs/s':>7} {'subs/s/worker':>13} "
          f"{'s/sub/worker':>12} {'busy':>5} {'with feedback s':>15}  statuses")
    for r in results:
        print(f"{r['label']:<20} {r['workers']:>7} {r['graded']:>6} {r['seconds']:>9.1f} {r['rate']:>7.3f} "
              f"{r['per_worker']:>13.4f} {r['mean_task']:>12.1f} {r['busy']:>5.0%} {r['total']:>15.1f}  {r['statuses']}")
    if len(results) == 2:
        print(f"Dask / local throughput per worker: {results[1]['per_worker'] / results[0]['per_worker']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
