"""The pure parts behind feedback and mistakes: path scrubbing, task headings, outcomes from outputs, storage.

No nbgrader run: small notebooks and outputs are written out here (the real pages are in test_feedback.py).
"""

import nbformat
import pytest

from autograder.storage import outcomes
from autograder.mistakes import cell_mistake
from autograder.preprocessors.scrub_paths import ScrubPaths, scrub
from autograder.report.tasks import labels


def test_scrub_shortens_grading_machine_paths():
    warning = ("/srv/venv/lib/python3.11/site-packages/sklearn/neural_network/_multilayer_perceptron.py:606: "
               "ConvergenceWarning: Stochastic Optimizer: Maximum iterations (5) reached")
    assert scrub(warning).startswith("sklearn/neural_network/_multilayer_perceptron.py:606: ConvergenceWarning")
    assert scrub('File "/opt/autograder-package/autograder/kernel/answers.py", line 3') == \
        'File "autograder/kernel/answers.py", line 3'
    assert scrub("wrote /tmp/autograder-grade-x1/course/submitted/ada/a/out.csv") == "wrote out.csv"
    assert scrub("/usr/lib/python3.11/json/decoder.py") == "python3.11/json/decoder.py"
    kept = "see https://scikit-learn.org/stable/modules/x.html, 3/4 of a/b"
    assert scrub(kept) == kept


def test_scrub_paths_preprocessor_touches_every_output_text():
    cell = nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="/home/grader/course/data.csv\n"),
        nbformat.v4.new_output("error", ename="OSError", evalue="no /tmp/a/b.txt", traceback=["at /tmp/a/b.py"]),
        nbformat.v4.new_output("execute_result", data={"text/plain": "'/var/x/y.txt'"}, execution_count=1),
    ])
    nb, _ = ScrubPaths()(nbformat.v4.new_notebook(cells=[cell]), {})  # as nbconvert calls it: enabled
    cell = nb.cells[0]
    texts = [cell.outputs[0].text, cell.outputs[1].evalue, cell.outputs[1].traceback[0], cell.outputs[2].data["text/plain"]]
    assert texts == ["data.csv\n", "no b.txt", "at b.py", "'y.txt'"]


def _nb(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def _graded(cell, grade_id, points=1, solution=False, grade=True):
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": grade, "solution": solution, "points": points,
                                 "locked": not solution}
    return cell


def test_labels_are_the_heading_above_without_points_and_the_docstring():
    nb = _nb(
        nbformat.v4.new_markdown_cell("# Title (10 points)\nintro"),
        nbformat.v4.new_markdown_cell("## 1. First part (3 points)\n\nText."),
        _graded(nbformat.v4.new_code_cell('"""Check f on two inputs."""\nassert f(1) == 1'), "test_f", 3),
        nbformat.v4.new_markdown_cell("No heading here, just text #notaheading"),
        _graded(nbformat.v4.new_markdown_cell("YOUR ANSWER HERE"), "written", 2, solution=True),
    )
    found = labels(nb)
    assert found["test_f"].heading == "1. First part" and found["test_f"].title == "Check f on two inputs."
    assert found["written"].heading == "1. First part" and found["written"].title == ""


def test_cell_mistake_contract():
    tagged = [{"output_type": "error", "ename": "AnswerError", "evalue": "rows not unit norm; did you normalize? [mistake: not_normalized]"}]
    assert cell_mistake(tagged) == ("not_normalized", "rows not unit norm; did you normalize?")
    assert cell_mistake([{"output_type": "error", "ename": "AnswerError", "evalue": "wrong"}]) == ("unrecognized", "wrong")
    assert cell_mistake([{"output_type": "error", "ename": "KeyError", "evalue": "'x'"}]) == ("error:KeyError", "'x'")
    assert cell_mistake([{"output_type": "stream", "name": "stdout", "text": "ok"}]) is None


def test_outcomes_one_per_scored_test_cell_and_stored_per_submission(tmp_path):
    error = nbformat.v4.new_output("error", ename="AnswerError", evalue="off by one [mistake: off_by_one]", traceback=[])
    nb = _nb(
        _graded(nbformat.v4.new_code_cell("pass"), "test_a", 2),
        _graded(nbformat.v4.new_code_cell("pass", outputs=[error]), "test_b", 3),
        _graded(nbformat.v4.new_code_cell("def f(): pass"), "answer", 0, solution=True, grade=False),
        _graded(nbformat.v4.new_code_cell("pass"), "test_unscored", 1),
    )
    found = outcomes.from_notebooks({"nb.ipynb": nb}, {("nb", "test_a"): (2, 2), ("nb", "test_b"): (0, 3)})
    assert found == [outcomes.Outcome("nb", "test_a", 2.0, 2.0, True),
                     outcomes.Outcome("nb", "test_b", 0.0, 3.0, False, "off_by_one", "off by one")]
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    outcomes.save(url, "course", "a", "ada", found)
    outcomes.save(url, "course", "a", "ben", found[:1])
    outcomes.save(url, "course", "a", "ada", found[1:])  # a regrade replaces the submission's rows
    assert outcomes.load(url, "course", "a") == {"ada": found[1:], "ben": found[:1]}
    assert outcomes.load(url, "other-course", "a") == {}


@pytest.mark.parametrize("points, passed", [(3, True), (2.5, False)])
def test_outcome_passed_means_full_marks(points, passed):
    nb = _nb(_graded(nbformat.v4.new_code_cell("pass"), "t", 3))
    (found,) = outcomes.from_notebooks({"nb.ipynb": nb}, {("nb", "t"): (points, 3)})
    assert found.passed is passed
    if not passed:
        assert found.mistake == "unrecognized"
