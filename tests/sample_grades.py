"""Print every sample submission's per-cell grades as JSON, to show a refactor moved no grade.

    python tests/sample_grades.py . > before.json   # on the old commit
    python tests/sample_grades.py . > after.json    # on the new one; the two files must be identical
    python tests/sample_grades.py . --prepared 0 > plain.json   # c.Sandbox.prepared_kernels = 0 in the copy
    python tests/sample_grades.py . --forked > forked.json      # c.Sandbox.forked_kernels = True in the copy

Grades every sample of every assignment with ``autograder grade`` (2 workers) on a throwaway copy of the
course at the given path. A tool, not a test (pytest does not collect it): the suite's own
``test_autograde_samples.py`` checks each sample's outcome.
"""
import json
import sys
import tempfile
from pathlib import Path


from autograder import course
from autograder.grading import grade_assignment
from autograder.assignments.samples import samples_for, submit_class
from autograder.storage.gradebook import cell_scores


def main():
    repo = Path(sys.argv[1]).resolve()
    prepared = sys.argv[sys.argv.index("--prepared") + 1] if "--prepared" in sys.argv else None
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = course.copy_course(repo, Path(tmp) / "course")
        if prepared is not None:
            with open(root / course.CONFIG_FILE, "a") as config:
                config.write(f"\nc.Sandbox.prepared_kernels = {int(prepared)}\n")
        if "--forked" in sys.argv:
            with open(root / course.CONFIG_FILE, "a") as config:
                config.write("\nc.Sandbox.forked_kernels = True\n")
        course_id = course.load_config(root).CourseDirectory.course_id
        for name in course.assignments(root):
            submit_class(root, name, {s.name: s for s in samples_for(name)})
            summary = grade_assignment(root, name, workers=2, progress=False, feedback=False)
            db = f"sqlite:///{root / 'gradebook.db'}"
            out[name] = {r.student: {"status": r.status, "kernel": r.kernel, "score": r.score,
                                     "cells": {g: [c.score, c.max_score] for g, c in sorted(cell_scores(db, course_id, name, r.student).items())}}
                         for r in summary.records}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
