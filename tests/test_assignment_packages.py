"""One package per assignment: the registry finds every assignment of the course, each declares what the
engine asks of it, and an assignment that reads no data grades without any."""

import os
import subprocess

import pytest

from autograder import assignments, course
from autograder.assignments.samples import submit_class
from autograder.storage.gradebook import cell_scores

from .conftest import REPO, checkout_env, checkout_python, course_id, db_url


def test_every_assignment_of_the_course_has_its_package():
    assert course.assignments(REPO) == assignments.names()
    for spec in assignments.registered():
        assert spec.registered and spec.name == spec.folder.name
        kinds = {sample.kind for sample in spec.samples()}
        assert {"honest", "mistake", "blank"} <= kinds, (spec.name, kinds)
        assert spec.mistakes and spec.check_modules() and spec.module("reference") is not None
        assert set(spec.preimports) and all(isinstance(name, str) for name in spec.preimports)


def test_an_assignment_without_a_package_gets_a_blank_spec():
    blank = assignments.get("not_an_assignment_here")
    assert not blank.registered and blank.samples() == [] and blank.data == () and blank.require_data() == []
    assert blank.module("reference") is None


@pytest.mark.nbgrader
def test_an_assignment_that_reads_no_data_grades_without_it(tmp_path):
    """artificial_neurons declares no data file: `autograder grade` grades it with SCIKIT_LEARN_DATA pointing at
    an empty folder (tfidf_distances, which does, is refused there: test_fingerprint)."""
    assert assignments.get("artificial_neurons").data == ()
    root = course.copy_course(REPO, tmp_path / "course")
    submit_class(root, "artificial_neurons", {"ada": "solution"})
    empty = tmp_path / "no-data-here"
    empty.mkdir()
    env = checkout_env(dict(os.environ, SCIKIT_LEARN_DATA=str(empty)))
    result = subprocess.run([*checkout_python(), "-m", "autograder", "grade", "artificial_neurons"], cwd=root,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout, result.stderr)
    scores = cell_scores(db_url(root), course_id(root), "artificial_neurons", "ada")
    autograded = {grade_id: cell for grade_id, cell in scores.items() if cell.autograded}
    assert autograded and all(cell.score == cell.max_score for cell in autograded.values()), scores
    assert not list(empty.iterdir()), "nothing was downloaded or written into the data folder"
