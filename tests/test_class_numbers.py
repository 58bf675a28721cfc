"""The class's numbers (autograder/report/class_numbers.py): one rule, worked out by hand on a small class. Pure.

Max 10. Every group once, and the combinations whose group the rule decides by its order:

    student  submitted  status   withheld  score   group
    ann      yes        graded   no        8       counted
    bo       yes        graded   no        5       counted
    cy       yes        graded   no        2       counted
    dee      yes        flagged  no        1       flagged    (a timeout: look first)
    eve      yes        flagged  yes       0       withheld   (integrity findings; the gradebook holds 0)
    fay      yes        failed   no        0       failed     (an unreadable notebook)
    gus      no         failed   no        0       failed     (the grading side failed before any grade)
    hal      yes        failed   yes       7       failed     (an earlier withheld grade kept through a failure)
    ivy      no         missing  no        0       missing

Counted: 8, 5, 2: mean 5, median 5.
"""

import csv
from types import SimpleNamespace

import pytest

from autograder.report.class_numbers import GROUPS, class_numbers, counted_students, group
from autograder.exports.csv_files import canvas_csv, questions_csv
from autograder.report.item_stats import item_statistics
from autograder.report.results import AssignmentResults, StudentResult, Task

ROWS = [  # student, submitted, status, withheld, score, group
    ("ann", True, "graded", False, 8.0, "counted"),
    ("bo", True, "graded", False, 5.0, "counted"),
    ("cy", True, "graded", False, 2.0, "counted"),
    ("dee", True, "flagged", False, 1.0, "flagged"),
    ("eve", True, "flagged", True, 0.0, "withheld"),
    ("fay", True, "failed", False, 0.0, "failed"),
    ("gus", False, "failed", False, 0.0, "failed"),
    ("hal", True, "failed", True, 7.0, "failed"),
    ("ivy", False, "missing", False, 0.0, "missing"),
]
TASK = Task("q1", "nb", 10.0, False, "1. The only task")


def _results() -> AssignmentResults:
    students = [StudentResult(student=sid, submitted=submitted, status=status, withheld=withheld, score=score,
                              max_score=10.0, cells={"q1": score} if submitted else {})
                for sid, submitted, status, withheld, score, _ in ROWS]
    return AssignmentResults("a", "c", "", None, 10.0, [TASK], students)


def test_every_student_is_in_the_group_the_rule_names():
    assert {sid: group(s) for sid, s in ((s.student, s) for s in _results().students)} == {r[0]: r[5] for r in ROWS}


def test_the_mean_and_median_are_of_the_counted_scores_only():
    numbers = class_numbers(_results().students, 10.0)
    assert (numbers.students, numbers.submitted, numbers.counted) == (9, 8, 3)
    assert (numbers.flagged, numbers.withheld, numbers.failed, numbers.missing) == (1, 1, 3, 1)
    assert sum(getattr(numbers, g) for g in GROUPS) == numbers.students
    assert numbers.mean == pytest.approx(5.0) and numbers.median == pytest.approx(5.0) and numbers.max_score == 10.0
    assert [s.student for s in counted_students(_results().students)] == ["ann", "bo", "cy"]


def test_nothing_counted_has_no_mean():
    numbers = class_numbers([SimpleNamespace(submitted=True, status="failed", withheld=False, score=0.0)], 19)
    assert numbers.mean is None and numbers.median is None and numbers.failed == 1
    assert numbers.line().startswith("mean score: - over 0 counted submissions of 1 (left out, counted apart: 1 failed)")


def test_the_command_line_sentence_says_what_was_left_out():
    assert class_numbers(_results().students, 10.0).line() == (
        "mean score: 5.00 / 10 over 3 counted submissions of 8 (left out, counted apart: 1 flagged, "
        "1 withheld for review, 3 failed); 1 student without a submission")


def test_the_item_statistics_count_by_the_same_rule():
    items = item_statistics(_results())
    assert items.counted == 3 and items.failed == 3 and items.flagged == 2  # flagged or withheld
    assert items.tasks[0].mean == pytest.approx(5.0)


def test_the_questions_csv_gives_the_same_numbers(tmp_path):
    """Its status, withheld and total columns are all the rule reads: the same numbers follow from the file."""
    results = _results()
    path = questions_csv(results, tmp_path / "a-questions.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    read = [SimpleNamespace(submitted=r["status"] != "missing", status=r["status"], withheld=r["withheld"] == "withheld",
                            score=float(r["total"] or 0)) for r in rows]
    assert class_numbers(read, float(rows[0]["max"])) == class_numbers(results.students, results.max_score)
    gus = next(r for r in rows if r["student"] == "gus")  # no grade was written: blank, not 0
    assert (gus["q1 (10)"], gus["total"], gus["final"], gus["status"]) == ("", "", "", "failed")
    assert next(r for r in rows if r["student"] == "ivy")["total"] == "0"


def test_canvas_leaves_a_grade_never_written_blank(tmp_path):
    path = canvas_csv([_results()], tmp_path / "canvas.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        by_login = {row["SIS Login ID"]: row["a"] for row in csv.DictReader(handle)}
    assert by_login["gus"] == "" and by_login["eve"] == "" and by_login["ivy"] == "0" and by_login["fay"] == "0"
    assert by_login["ann"] == "8"
