"""Real `nbgrader autograde` on every sample submission: scores read from the gradebook.

Every honest sample gets full marks on every autograded cell, every mistake loses points on the cells it
names and on no other, and the untouched release scores 0 everywhere without crashing the batch. The
autograded notebooks nbgrader wrote name each lost cell's mistake (``autograder.mistakes``): the code the
sample declares, and no failed cell at all for an honest sample.
"""

import nbformat
import pytest

from autograder import course, mistakes
from autograder.storage.gradebook import cell_scores
from autograder.assignments.samples import samples_for, submit_class

from .conftest import REPO, nbgrader, nbgrader_start

pytestmark = pytest.mark.nbgrader

CASES = [(name, sample) for name in course.assignments(REPO) for sample in samples_for(name)]


@pytest.fixture(scope="module")
def autograded(repo, tmp_path_factory):
    """Submit every sample as its own student; one real `nbgrader autograde` per assignment, run side by side.

    Each assignment gets its own course copy and gradebook so the two serial autogrades can use both cores.
    """
    courses, runs = {}, []
    for name in course.assignments(repo):
        root = course.copy_course(repo, tmp_path_factory.mktemp(name) / "course")
        nbgrader(root, "generate_assignment", name, "--force")
        submit_class(root, name, {sample.name: sample for sample in samples_for(name)})
        courses[name] = root
        runs.append((name, nbgrader_start(root, "autograde", name, "--force")))
    for name, process in runs:
        out, err = process.communicate()
        assert process.returncode == 0, f"nbgrader autograde {name} exited {process.returncode}:\n{out}\n{err}"
    return courses


@pytest.fixture(scope="module")
def graded(repo, autograded):
    """``scores(assignment, sample)``: the sample's cell scores, read from the gradebook."""
    courses = autograded
    course_id = course.load_config(repo).CourseDirectory.course_id

    def scores(name, sample):
        return cell_scores(f"sqlite:///{courses[name] / 'gradebook.db'}", course_id, name, sample.name)

    return scores


@pytest.mark.parametrize("name,sample", CASES, ids=[f"{n}-{s.kind}-{s.name}" for n, s in CASES])
def test_sample_scores(graded, name, sample):
    scores = {cell.grade_id: cell for cell in graded(name, sample).values() if cell.autograded}
    assert scores, f"no grades recorded for {sample.name}"
    unknown = set(sample.expect_lost) - set(scores)
    assert not unknown, f"expect_lost names cells that are not graded: {unknown}"
    for grade_id, cell in scores.items():
        if sample.kind == "blank":
            assert cell.score == 0, f"{grade_id}: the blank release scored {cell.score}"
        elif grade_id in sample.expect_lost:
            assert cell.score < cell.max_score, f"{sample.name} ({sample.why}) kept full marks on {grade_id}"
        else:
            assert cell.score == cell.max_score, (
                f"{sample.name} ({sample.why}) lost points on {grade_id}: {cell.score}/{cell.max_score}"
            )


def failed_cells(root, name, sample) -> dict:
    """grade_id -> (mistake code, message) of every failed graded cell of the notebooks nbgrader autograded."""
    notebooks = sorted((root / "autograded" / sample.name / name).glob("*.ipynb"))
    assert notebooks, f"nbgrader wrote no autograded notebook for {sample.name}"
    failed = {}
    for path in notebooks:
        failed.update(mistakes.notebook_mistakes(nbformat.read(path, 4)))
    return failed


@pytest.mark.parametrize("name,sample", CASES, ids=[f"{n}-{s.kind}-{s.name}" for n, s in CASES])
def test_sample_mistakes(autograded, name, sample):
    failed = failed_cells(autograded[name], name, sample)
    if sample.kind == "honest":
        assert failed == {}, f"{sample.name} ({sample.why}) failed cells: {failed}"
    elif sample.kind == "mistake":
        assert set(sample.expect_mistakes) == set(sample.expect_lost), f"{sample.name}: one mistake code per lost cell"
        got = {grade_id: code for grade_id, (code, _) in failed.items()}
        assert got == sample.expect_mistakes, f"{sample.name} ({sample.why}): {failed}"
