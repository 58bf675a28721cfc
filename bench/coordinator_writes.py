"""How many results a second the coordinator can write: the part of grading that more workers do not shrink.

Every result a worker returns is written by the one coordinator (``autograder.storage.writer.write_result``:
the gradebook's grades and comments, autograded/, the worker's feedback, the grading record). Two real
results (the solution and a typical mistake, graded by ``grade_one`` in a sandboxed kernel) are
written ``--results`` times as different students into a fresh course, one after the other, and
timed. Printed: results/s, and how many workers of ``--seconds-per-submission`` that rate keeps busy.

    python bench/coordinator_writes.py --results 200
    python bench/coordinator_writes.py --db postgresql+psycopg2://user:pw@host/bench   # an empty database
"""

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path


from autograder import course
from autograder.grading.executors.local import Inline
from autograder.grading import grade_assignment, template
from autograder.storage import writer as store
from autograder.assignments.samples import submit_class

REPO = Path(__file__).resolve().parents[1]
SAMPLES = ("solution", "unsmoothed_idf")


class Recording(Inline):
    """Grade in this process and keep every result."""

    def __init__(self):
        self.results = []

    def run(self, fn, jobs):
        for outcome in super().run(fn, jobs):
            self.results.append((outcome.job, outcome.result))
            yield outcome


def graded_results(scratch: Path, assignment: str) -> list:
    """``(job, result)`` of the chosen samples, graded for real (feedback included)."""
    root = course.copy_course(REPO, scratch / "graded")
    submit_class(root, assignment, {sample: sample for sample in SAMPLES})
    recording = Recording()
    grade_assignment(root, assignment, executor=recording, progress=False)
    return recording.results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=200, help="results to write (default 200)")
    parser.add_argument("--assignment", default="tfidf_distances")
    parser.add_argument("--db", help="gradebook URL to write into (default: a new SQLite gradebook.db)")
    parser.add_argument("--seconds-per-submission", type=float, default=6.0,
                        help="a worker's time per submission, for the workers-kept-busy estimate (default 6)")
    args = parser.parse_args(argv)
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

    with tempfile.TemporaryDirectory(prefix="coordinator-writes-") as scratch:
        scratch = Path(scratch)
        graded = graded_results(scratch, args.assignment)
        root = course.copy_course(REPO, scratch / "written")
        api = course.nbgrader_api(root, **({"CourseDirectory.db_url": args.db} if args.db else {}))
        coursedir = api.coursedir
        template.ensure_assignment(root, args.assignment, coursedir.db_url, coursedir.course_id)
        sizes = [sum(map(len, r.autograded.values())) + sum(map(len, r.feedback.values())) for _, r in graded]
        started = time.monotonic()
        kept = 0
        for index in range(args.results):
            job, result = graded[index % len(graded)]
            copy = dataclasses.replace(result, student=f"student{index:05d}", reasons=list(result.reasons))
            kept += store.write_result(coursedir, coursedir.db_url, copy, job.timestamp, f"hash{index}", True)
        seconds = time.monotonic() - started

    rate = args.results / seconds
    backend = coursedir.db_url.split(":", 1)[0]
    print(f"{args.results} results of {args.assignment} written to {backend} in {seconds:.1f} s: "
          f"{rate:.1f} results/s, {1000 / rate:.0f} ms per result "
          f"({sum(sizes) / len(sizes) / 1e3:.0f} kB of notebooks and feedback each; worker feedback kept for "
          f"{kept}/{args.results})")
    print(f"at {args.seconds_per_submission:g} s per submission that keeps {rate * args.seconds_per_submission:.0f} "
          f"workers busy before the coordinator becomes the bottleneck")
    return 0


if __name__ == "__main__":
    sys.exit(main())
