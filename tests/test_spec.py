"""A grading worker refuses a job whose engine (package files, environment, data) is not its own.

Through the real coordinator (``batch.plan``, ``run``, ``finish``) and a real worker process of the local
process pool: the job carries the coordinator's engine with one part altered, as if the coordinator ran other
code, packages or data than the worker. The worker computes its own engine from what it runs and refuses.
"""

import dataclasses

import pytest

from autograder import course, records
from autograder.gradebook import cell_scores
from autograder.grading import batch
from autograder.grading.executors.local import ProcessPool
from autograder.grading.fingerprint import ENGINE_PARTS
from autograder.preprocessors.grader_fault import REASON_PREFIX
from autograder.samples import submit_class

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
