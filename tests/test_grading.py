"""The grading engine (`autograder.grading.grade_assignment`) against real nbgrader, kernels and gradebooks.

One course copy is graded in parallel with good and bad submissions; another copy grades the good ones
with plain serial `nbgrader autograde`. Per-cell scores must be identical; every bad submission must end
as a flagged or failed row with its reason while the rest of the class is graded; reruns skip unchanged
submissions; feedback shows test messages but no hidden test code.
"""

import copy
import html
import re
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import course
from autograder.storage import records
from autograder.storage.gradebook import cell_scores
from autograder.grading import grade_assignment
from autograder.assignments.samples import make_submission, samples_for
from autograder.mistakes import display_message

from .conftest import REPO, nbgrader

ASSIGNMENT = "tfidf_distances"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
GOOD = ("solution", "unsmoothed_idf", "blank")
BAD = ("broken_json", "bad_metadata", "mangled", "kernel_killer", "infinite_loop")
TIMEOUT = 20  # Execute.timeout of the test courses: above any honest cell, short for the infinite loop
pytestmark = pytest.mark.nbgrader


def _cell(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _bad_submissions(solution_nb) -> dict:
    """Submissions that break or abort plain nbgrader, built from the honest solution: name -> bytes."""
    def variant(change):
        nb = copy.deepcopy(solution_nb)
        change(nb)
        return nbformat.writes(nb).encode()

    def mangle(nb):
        """A test cell pasted twice, one deleted, one retyped to raw: each aborts or misgrades plain nbgrader."""
        at = _cell(nb, "test_tfidf_from_counts")
        nb.cells.insert(at + 1, copy.deepcopy(nb.cells[at]))
        del nb.cells[_cell(nb, "test_confusion_table")]
        cell = nb.cells[_cell(nb, "test_class_sorted_rows")]
        nb.cells[_cell(nb, "test_class_sorted_rows")] = nbformat.v4.new_raw_cell(cell.source, metadata=cell.metadata)

    def kill(nb):
        # a crash in native code (os._exit would be flagged as tampering, and its score withheld)
        nb.cells[_cell(nb, "classifier_scores")].source = "import faulthandler\nfaulthandler._sigsegv()"

    def loop(nb):
        nb.cells[_cell(nb, "tfidf_features")].source = "while True:\n    pass"

    def corrupt(nb):
        """Points that are not a number: nbgrader itself fails on it (no repair here), before any kernel runs."""
        nb.cells[_cell(nb, "test_tfidf_features")].metadata["nbgrader"]["points"] = "lots"

    return {
        "bad_metadata": variant(corrupt),
        "broken_json": b'{"cells": [ {"cell_type": "code", this is not JSON',
        "mangled": variant(mangle),
        "kernel_killer": variant(kill),
        "infinite_loop": variant(loop),
    }


def _course_copy(tmp_path_factory, name):
    root = course.copy_course(REPO, tmp_path_factory.mktemp(name) / "course")
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write(f"\nc.Execute.timeout = {TIMEOUT}\n")
    return root


def _submit(root, student, data: bytes):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NOTEBOOK).write_bytes(data)


def _grades(root, student):
    """``grade_id -> (auto_score, needs_manual_grade)`` and ``grade_id -> auto_comment`` from the gradebook."""
    config = course.load_config(root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=config.CourseDirectory.course_id) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        grades = {g.name: (g.auto_score, g.needs_manual_grade) for nb in submission.notebooks for g in nb.grades}
        comments = {c.name: c.auto_comment for nb in submission.notebooks for c in nb.comments}
    return grades, comments


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    """(parallel course, serial course, summary of the parallel run, seconds of each run)."""
    parallel = _course_copy(tmp_path_factory, "parallel")
    serial = _course_copy(tmp_path_factory, "serial")
    source_nb = nbformat.read(REPO / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release_nb = nbformat.read(REPO / "release" / ASSIGNMENT / NOTEBOOK, 4)
    samples = {s.name: s for s in samples_for(ASSIGNMENT)}
    for name in GOOD:
        data = nbformat.writes(make_submission(source_nb, release_nb, samples[name])).encode()
        _submit(parallel, name, data)
        _submit(serial, name, data)
    bad = _bad_submissions(make_submission(source_nb, release_nb, samples["solution"]))
    assert sorted(bad) == sorted(BAD)
    for name, data in bad.items():
        _submit(parallel, name, data)

    started = time.monotonic()
    nbgrader(serial, "generate_assignment", ASSIGNMENT, "--force")
    nbgrader(serial, "autograde", ASSIGNMENT, "--force")
    serial_seconds = time.monotonic() - started
    started = time.monotonic()
    summary = grade_assignment(parallel, ASSIGNMENT, workers=2, progress=False)
    parallel_seconds = time.monotonic() - started
    print(f"serial nbgrader autograde ({len(GOOD)} submissions): {serial_seconds:.1f} s; "
          f"grade_assignment ({len(GOOD) + len(BAD)} submissions, 2 workers, feedback included): {parallel_seconds:.1f} s")
    return parallel, serial, summary


def _scores(root, student):
    config = course.load_config(root)
    return {k: (v.score, v.max_score) for k, v in
            cell_scores(f"sqlite:///{root / 'gradebook.db'}", config.CourseDirectory.course_id, ASSIGNMENT, student).items()}


def test_nbgrader_failure_is_a_failed_row_with_its_error(classes):
    parallel, _, _ = classes
    record = _record(parallel, "bad_metadata")
    assert record.status == "failed" and record.kernel == "not run", record
    assert any("nbgrader could not grade" in r and "ValueError" in r for r in record.reasons), record.reasons
    scores = _scores(parallel, "bad_metadata")
    assert scores.keys() == _scores(parallel, "solution").keys() and all(s == 0 for s, _ in scores.values())
    assert not (parallel / "autograded" / "bad_metadata" / ASSIGNMENT).exists()
    assert not (parallel / "feedback" / "bad_metadata" / ASSIGNMENT).exists()


@pytest.mark.parametrize("student", GOOD)
def test_parallel_scores_equal_serial_nbgrader(classes, student):
    parallel, serial, _ = classes
    expected = _scores(serial, student)
    assert expected, f"serial nbgrader recorded nothing for {student}"
    if student == "solution":  # not a vacuous comparison: the solution earns every autograded point
        config = course.load_config(serial)
        cells = cell_scores(f"sqlite:///{serial / 'gradebook.db'}", config.CourseDirectory.course_id, ASSIGNMENT, student)
        assert all(c.score == c.max_score for c in cells.values() if c.autograded), cells
    assert _scores(parallel, student) == expected
    assert _grades(parallel, student) == _grades(serial, student)  # needs_manual_grade and comments too
    config = course.load_config(parallel)
    record = records.find(f"sqlite:///{parallel / 'gradebook.db'}", config.CourseDirectory.course_id, ASSIGNMENT, student)
    assert record.status == "graded" and record.kernel == "ok" and record.reasons == []
    assert record.score == pytest.approx(sum(score for score, _ in expected.values()))
    assert (parallel / "autograded" / student / ASSIGNMENT / NOTEBOOK).is_file()


def _record(root, student):
    config = course.load_config(root)
    return records.find(f"sqlite:///{root / 'gradebook.db'}", config.CourseDirectory.course_id, ASSIGNMENT, student)


def test_summary_counts(classes):
    _, _, summary = classes
    assert sorted(summary.graded) == sorted([*GOOD, *BAD])
    assert (summary.count("graded"), summary.count("flagged"), summary.count("failed")) == (3, 3, 2)
    assert not summary.feedback_failures
    assert "flagged" in summary.table()


def test_unreadable_notebook_is_a_failed_row_with_zeros(classes):
    parallel, _, _ = classes
    record = _record(parallel, "broken_json")
    assert record.status == "failed" and record.kernel == "not run"
    assert any("not a readable notebook" in reason for reason in record.reasons), record.reasons
    scores = _scores(parallel, "broken_json")
    assert scores and all(score == 0 for score, _ in scores.values())
    assert scores.keys() == _scores(parallel, "solution").keys()
    assert record.max_score == pytest.approx(sum(m for _, m in scores.values()))


def test_repaired_notebook_is_flagged_with_each_reason_and_graded(classes):
    parallel, _, _ = classes
    record = _record(parallel, "mangled")
    assert record.status == "flagged" and record.kernel == "ok", record
    for reason in ("'test_tfidf_from_counts' appears more than once", "'test_confusion_table' was deleted",
                   "'test_class_sorted_rows' was changed from code to raw"):
        assert any(reason in r for r in record.reasons), (reason, record.reasons)
    lost = {"test_confusion_table"}  # put back, but no credit
    solution, scores = _scores(parallel, "solution"), _scores(parallel, "mangled")
    assert scores.keys() == solution.keys()
    for grade_id, (score, max_score) in scores.items():
        if grade_id in lost:
            assert score == 0, f"{grade_id} was deleted but scored {score}"
        else:
            assert (score, max_score) == solution[grade_id], grade_id


def test_dead_kernel_keeps_the_grades_of_earlier_cells(classes):
    parallel, _, _ = classes
    record = _record(parallel, "kernel_killer")
    assert record.status == "flagged" and record.kernel == "died", record
    assert any("kernel died" in r and "classifier_scores" in r for r in record.reasons), record.reasons
    solution, scores = _scores(parallel, "solution"), _scores(parallel, "kernel_killer")
    for grade_id in ("test_tfidf_from_counts", "test_tfidf_features"):  # ran before the kernel died
        assert scores[grade_id] == solution[grade_id] and solution[grade_id][0] > 0
    for grade_id in ("test_classifier_scores", "test_confusion_table", "test_block_means"):
        assert scores[grade_id][0] == 0


def test_infinite_loop_times_out_and_is_flagged(classes):
    parallel, _, _ = classes
    record = _record(parallel, "infinite_loop")
    assert record.status == "flagged" and record.kernel == "timeout", record
    assert any("tfidf_features ran out of time" in r for r in record.reasons), record.reasons
    scores, solution = _scores(parallel, "infinite_loop"), _scores(parallel, "solution")
    assert scores["test_tfidf_features"][0] == 0
    assert scores["test_tfidf_from_counts"] == solution["test_tfidf_from_counts"]  # before the loop


def _hidden_lines(source_nb) -> set:
    lines, inside = set(), False
    for cell in source_nb.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 12:
                lines.add(line.strip())
    return lines


def test_feedback_shows_messages_but_no_hidden_tests(classes):
    parallel, _, _ = classes
    autograded = nbformat.read(parallel / "autograded" / "unsmoothed_idf" / ASSIGNMENT / NOTEBOOK, 4)
    errors = [o for o in autograded.cells[_cell(autograded, "test_tfidf_from_counts")].outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "AnswerError", "the mistake should fail the hidden check with an AnswerError"
    hidden = _hidden_lines(nbformat.read(REPO / "source" / ASSIGNMENT / NOTEBOOK, 4))
    assert any("check_tfidf_from_counts" in line for line in hidden)

    feedback = parallel / "feedback" / "unsmoothed_idf" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    made_by_worker = parallel / "worker_feedback.html"
    made_by_worker.write_bytes(feedback.read_bytes())
    # plain `nbgrader generate_feedback` uses the same preprocessor (registered in nbgrader_config.py)
    nbgrader(parallel, "generate_feedback", ASSIGNMENT, "--student", "unsmoothed_idf", "--force")
    plain = parallel / "plain_feedback.html"
    plain.write_bytes(feedback.read_bytes())
    assert made_by_worker.read_text() == plain.read_text(), "the worker's feedback is what nbgrader makes from the gradebook"
    for path in (made_by_worker, plain):
        text = html.unescape(path.read_text())
        message = display_message(errors[0].evalue)  # the student reads the message, not the reports' tag
        assert message and message in text and errors[0].evalue not in text, f"{path.name} lacks the AnswerError message"
        assert "BEGIN HIDDEN TESTS" not in text and "check_tfidf_from_counts" not in text
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{path.name} shows hidden test lines: {leaked}"
    assert "check_tfidf_features" in autograded.cells[_cell(autograded, "test_tfidf_features")].source  # the instructor copy keeps them


def test_feedback_of_every_graded_student_shows_its_gradebook_score(classes):
    """Workers make the feedback; where the gradebook differs from the worker's (the preflight zeroed the
    pasted-over cells of ``mangled``) the coordinator makes it from the gradebook instead."""
    parallel, _, summary = classes
    shown = {}
    for student in summary.graded:
        path = parallel / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        if (parallel / "autograded" / student / ASSIGNMENT / NOTEBOOK).exists():
            # the page's own total, at the top of its summary ("<notebook>: score / max")
            header = re.search(r'id="course-summary">\s*<h4>[^<:]*: ([0-9.]+) / ([0-9.]+)', path.read_text())
            shown[student] = (float(header[1]), float(header[2]))
        elif student == "broken_json":  # not JSON: a page that says so (autograder.grading.unreadable)
            assert f"{NOTEBOOK} is not a readable notebook: it is not JSON" in path.read_text()
        else:
            assert not path.exists(), f"{student} has no graded notebook, so no feedback"
    expected = {student: (sum(s for s, _ in _scores(parallel, student).values()),
                          sum(m for _, m in _scores(parallel, student).values())) for student in shown}
    assert shown == expected
    assert {"solution", "unsmoothed_idf", "mangled", "kernel_killer"} <= set(shown)
    assert expected["mangled"][0] < expected["solution"][0]


def test_rerun_skips_unchanged_and_force_regrades(classes):
    parallel, _, first = classes
    before = {r.student: r.graded_at for r in first.records}
    again = grade_assignment(parallel, ASSIGNMENT, workers=2, progress=False)
    assert again.graded == [] and sorted(again.skipped) == sorted(before)
    assert {r.student: r.graded_at for r in again.records} == before

    _submit(parallel, "broken_json", b"still not a notebook")  # changed content: graded again without --force
    changed = grade_assignment(parallel, ASSIGNMENT, workers=2, progress=False)
    assert changed.graded == ["broken_json"]

    forced = grade_assignment(parallel, ASSIGNMENT, workers=2, force=True, progress=False, students=["blank"])
    assert forced.graded == ["blank"]
    after = {r.student: r.graded_at for r in forced.records}
    assert after["blank"] > before["blank"]
    assert _record(parallel, "blank").status == "graded" and _scores(parallel, "blank") == _scores(classes[1], "blank")


def test_similarity_runs_after_grading_unless_disabled(classes):
    """The class is compared at the end of every grade run (evidence, never a grade); c.Similarity.enabled turns it off."""
    parallel, _, first = classes
    report = parallel / "reports" / ASSIGNMENT
    assert (report / "similarity.csv").is_file() and (report / "similarity.html").is_file()
    assert f"reports/{ASSIGNMENT}/similarity.html" in first.similarity and first.similarity in first.table()
    config = parallel / course.CONFIG_FILE
    original = config.read_text()
    try:
        config.write_text(original + "\nc.Similarity.enabled = False\n")
        (report / "similarity.csv").unlink()
        again = grade_assignment(parallel, ASSIGNMENT, workers=2, progress=False, students=["blank"])
        assert again.similarity == "" and not (report / "similarity.csv").exists()
    finally:
        config.write_text(original)
        grade_assignment(parallel, ASSIGNMENT, workers=2, progress=False, students=["blank"])  # the report back


def test_worker_feedback_is_kept_only_when_it_shows_the_gradebook_scores(tmp_path):
    from autograder.storage import writer as store
    from autograder.grading.jobs import GradeResult

    result = GradeResult(ASSIGNMENT, "ann", feedback={"tfidf_distances.html": b"<html>3 / 3</html>"},
                         feedback_scores={"test_a": 3.0, "test_b": 0.0})
    folder = tmp_path / "feedback" / "ann" / ASSIGNMENT
    assert not store.write_feedback(folder, result, {"test_a": 0.0, "test_b": 0.0}), "withheld or zeroed: made again"
    assert not store.write_feedback(folder, result, {"test_a": 3.0}), "different cells: made again"
    assert not folder.exists()
    assert store.write_feedback(folder, result, {"test_a": 3.0, "test_b": 0.0})
    assert (folder / "tfidf_distances.html").read_bytes() == b"<html>3 / 3</html>"
    assert not store.write_feedback(folder, GradeResult(ASSIGNMENT, "ann"), {}), "no worker feedback: made here"
