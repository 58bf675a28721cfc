"""Grading as root where no cgroup can be used (a container): the process limit still holds.

The grader runs in a private mount namespace whose /sys/fs/cgroup is an empty tmpfs (as in a Docker
container). A batch with a fork bomb and an honest solution is graded by ``grade_assignment`` with the
sandbox required: the bomb is stopped below ``c.Sandbox.max_processes`` (each kernel runs under a
dedicated uid, so ``RLIMIT_NPROC`` binds), and the solution in the same batch keeps full marks.
Run as ``python -m tests.test_limits_nocgroup COURSE`` inside the namespace; pytest starts it.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .conftest import REPO, checkout_env, checkout_python

TFIDF = "tfidf_distances"
MAX_PROCESSES = 64

pytestmark = pytest.mark.nbgrader


def _grade_without_cgroups(root: Path) -> dict:
    """(In the namespace) grade the batch; what the test needs to see, as a dict."""
    from autograder import course
    from autograder.storage.gradebook import cell_scores
    from autograder.grading import grade_assignment
    from autograder.assignments.samples import make_submission, samples_for
    from autograder.integrity import redteam
    from autograder.sandbox import Sandbox, limits_in_force
    from autograder.sandbox.cgroups import find_hierarchy

    copy = course.copy_course(REPO, root)
    with open(copy / course.CONFIG_FILE, "a") as config:
        config.write(f"\nc.Sandbox.max_processes = {MAX_PROCESSES}\nc.Execute.timeout = 60\n")
    source = nbformat.read(REPO / "source" / TFIDF / f"{TFIDF}.ipynb", 4)
    release = nbformat.read(REPO / "release" / TFIDF / f"{TFIDF}.ipynb", 4)
    solution = next(s for s in samples_for(TFIDF) if s.name == "solution")
    bomb = next(a for a in redteam.attacks_for(TFIDF) if a.name == "fork_bomb")
    for student, nb in (("honest", make_submission(source, release, solution)),
                        ("forker", redteam.make_attack(release, bomb))):
        folder = copy / "submitted" / student / TFIDF
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{TFIDF}.ipynb")
    summary = grade_assignment(copy, TFIDF, workers=2, progress=False, require_sandbox=True, feedback=False)
    print(summary.table(), flush=True)  # in the test's failure message if what follows fails
    forker = nbformat.read(copy / "autograded" / "forker" / TFIDF / f"{TFIDF}.ipynb", 4)
    text = "\n".join(o.get("text", "") for c in forker.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return {
        "hierarchy": repr(find_hierarchy()[0]),
        "limits": limits_in_force(Sandbox(max_processes=MAX_PROCESSES)),
        "table": summary.table(),
        "records": {r.student: [r.status, r.score, r.max_score, r.kernel, r.reasons] for r in summary.records},
        "forker_output": text,
        "honest_cells": {g: [c.score, c.max_score] for g, c in cell_scores(
            f"sqlite:///{copy / 'gradebook.db'}", course.load_config(copy).CourseDirectory.course_id, TFIDF,
            "honest").items() if c.autograded},
    }


@pytest.mark.skipif(os.geteuid() != 0, reason="a private mount namespace with an empty /sys/fs/cgroup needs root")
def test_fork_bomb_is_bounded_and_honest_keeps_full_marks_without_cgroups(tmp_path):
    assert shutil.which("unshare"), "util-linux unshare is needed (apt-get install -y util-linux)"
    script = (f"mount -t tmpfs none /sys/fs/cgroup && exec {shlex.join(checkout_python())} -m tests.test_limits_nocgroup "
              f"{tmp_path / 'course'} {tmp_path / 'result.json'}")
    run = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], cwd=REPO, env=checkout_env(),
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    seen = json.loads((tmp_path / "result.json").read_text())
    assert seen["hierarchy"] == "None", "the grader still saw a cgroup hierarchy"
    processes = next(how for limit, how, ok in seen["limits"] if limit == "processes")
    assert "dedicated uid" in processes, seen["limits"]
    assert "LIMIT NOT APPLIED" not in seen["table"], seen["table"]
    text = seen["forker_output"]
    assert "fork refused after" in text and "Resource temporarily unavailable" in text, text
    assert int(text.split("fork refused after ")[1].split()[0]) < MAX_PROCESSES, text
    status, score, max_score, kernel, reasons = seen["records"]["honest"]
    assert status == "graded" and kernel == "ok" and not reasons, seen["records"]["honest"]
    cells = seen["honest_cells"]  # full marks on every autograded cell (the written answers are graded by hand)
    assert cells and all(score == best > 0 for score, best in cells.values()), cells
    assert seen["records"]["forker"][0] != "failed", seen["records"]["forker"]


if __name__ == "__main__":
    result = _grade_without_cgroups(Path(sys.argv[1]))
    Path(sys.argv[2]).write_text(json.dumps(result))
