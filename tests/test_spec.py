"""A grading worker refuses a job whose engine (package files, environment, data) is not its own.

Through the real coordinator (``batch.plan``, ``run``, ``finish``) and a real worker process of the local
process pool: the job carries the coordinator's engine with one part altered, as if the coordinator ran other
code, packages or data than the worker. The worker computes its own engine from what it runs and refuses.
"""

import dataclasses

import pytest

from autograder import course
from autograder.storage import records
from autograder.storage.gradebook import cell_scores
from autograder.grading import batch
from autograder.grading.executors.local import ProcessPool
from autograder.grading.fingerprint import ENGINE_PARTS
from autograder.preprocessors.grader_fault import REASON_PREFIX
from autograder.assignments.samples import submit_class

from .conftest import REPO

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"


def _state(root):
    course_id = course.load_config(root).CourseDirectory.course_id
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    [record] = records.load(db_url, course_id, ASSIGNMENT)
    scores = {k: (v.score, v.max_score) for k, v in cell_scores(db_url, course_id, ASSIGNMENT, "ada").items()}
    return record, scores


def test_a_worker_whose_engine_differs_refuses_and_the_earlier_grade_stands(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    submit_class(root, ASSIGNMENT, {"ada": "solution"})
    first = batch.grade_assignment(root, ASSIGNMENT, workers=0, progress=False, feedback=False)
    assert first.exit_status == 0
    before, before_scores = _state(root)
    assert before.status == "graded" and before.score > 0

    for part in ENGINE_PARTS:
        plan = batch.plan(root, ASSIGNMENT, force=True, feedback=False)
        [job] = plan.jobs
        assert set(job.engine) == set(ENGINE_PARTS)  # every job carries the coordinator's engine
        plan.jobs = [dataclasses.replace(job, engine={**job.engine, part: "0" * 64})]
        with ProcessPool(1) as pool:  # a worker process: it computes its own engine from what it runs
            batch.run(plan, pool, progress=False)
        summary = batch.finish(plan)

        assert summary.exit_status == 1, part  # the batch did not do its job: non-zero
        after, after_scores = _state(root)
        reason = after.reasons[0]
        assert after.status == "failed" and reason.startswith(REASON_PREFIX), after.reasons
        assert f"this worker's {part} differs from the coordinator's" in reason and "restart the workers" in reason
        assert after_scores == before_scores and after.score == before.score  # the earlier grade stands


def test_source_and_the_gradebook_copy_are_compared_cell_by_cell(tmp_path):
    """What autograde takes from the gradebook (points, test and locked cells) is compared; solutions are not."""
    import nbformat

    from autograder.grading import template
    from autograder.grading.files import read_tree

    root = course.copy_course(REPO, tmp_path / "course")
    db_url, course_id = f"sqlite:///{root / 'gradebook.db'}", course.load_config(root).CourseDirectory.course_id
    template.ensure_assignment(root, ASSIGNMENT, db_url, course_id)
    copy = template.assignment_structure(db_url, course_id, ASSIGNMENT)
    source = read_tree(root / "source" / ASSIGNMENT)
    assert template.source_disagreements(source, copy) == []
    template.require_built(source, copy, ASSIGNMENT)

    def edited(change) -> dict:
        nb = nbformat.reads(source[f"{ASSIGNMENT}.ipynb"].decode(), as_version=4)
        change({c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")}, nb)
        return {**source, f"{ASSIGNMENT}.ipynb": nbformat.writes(nb).encode()}

    def points(cells, nb):
        cells["test_mlp_forward"].metadata["nbgrader"]["points"] += 1

    def hidden(cells, nb):
        cells["test_mlp_forward"].source += "\n# one more hidden line"

    def removed(cells, nb):
        nb.cells.remove(cells["test_mlp_forward"])

    def solution(cells, nb):
        solution_id = next(g for g, c in cells.items() if c.metadata["nbgrader"].get("solution"))
        cells[solution_id].source += "\n# the instructor's solution, reworded"

    [line] = template.source_disagreements(edited(points), copy)
    assert line.startswith(f"{ASSIGNMENT}: graded cell test_mlp_forward: ") and "points in source/" in line, line
    assert template.source_disagreements(edited(hidden), copy) == [
        f"{ASSIGNMENT}: cell test_mlp_forward: its text (hidden tests included) differs from the gradebook's"]
    assert template.source_disagreements(edited(removed), copy) == [
        f"{ASSIGNMENT}: graded cell test_mlp_forward: in the gradebook only"]
    assert template.source_disagreements(edited(solution), copy) == []
    with pytest.raises(template.GradebookCopyStale, match=f"run `autograder build {ASSIGNMENT}`"):
        template.require_built(edited(hidden), copy, ASSIGNMENT)
