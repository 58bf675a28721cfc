"""Item statistics on a small class written out here, every expected number worked out by hand.

Pure: no gradebook. Tasks A (2 points) and B (3 points) are autograded, W (2 points) is written and
graded by hand. Students s1..s4 count; s5 (flagged), s6 (failed) and s7 (no submission) do not.

          A  B  W      total   total-A  total-B  total-W
    s1    2  3  2        7        5        4        5
    s2    2  0  -        2        0        2        -    (W awaiting grading)
    s3    0  3  2        5        5        2        3
    s4    0  0  0        0        0        0        0
"""

import math
import statistics

import pytest

from autograder.report.item_stats import LOW_DISCRIMINATION, item_statistics, pearson
from autograder.storage.outcomes import Outcome
from autograder.report.results import AssignmentResults, StudentResult, Task

A, B, W = Task("A", "nb", 2.0, False, "1. First"), Task("B", "nb", 3.0, False, "2. Second"), Task("W", "nb", 2.0, True)


def _fail(task, code, points=0.0):
    return Outcome("nb", task.grade_id, points, task.max_score, False, code, f"{code} in {task.grade_id}")


def _pass(task):
    return Outcome("nb", task.grade_id, task.max_score, task.max_score, True)


def student(sid, cells, outcomes=(), status="graded", withheld=False, submitted=True):
    return StudentResult(student=sid, submitted=submitted, cells=dict(cells), status=status, withheld=withheld,
                         outcomes=list(outcomes), score=sum(v for v in cells.values() if v is not None))


CLASS = AssignmentResults(
    assignment="a", course_id="c", db_url="", duedate=None, max_score=7.0, tasks=[A, B, W],
    students=[
        student("s1", {"A": 2, "B": 3, "W": 2}, [_pass(A), _pass(B)]),
        student("s2", {"A": 2, "B": 0, "W": None}, [_pass(A), _fail(B, "not_normalized")]),
        student("s3", {"A": 0, "B": 3, "W": 2}, [_fail(A, "wrong_order"), _pass(B)]),
        student("s4", {"A": 0, "B": 0, "W": 0}, [_fail(A, "wrong_order"), _fail(B, "not_normalized")]),
        # would change every number if counted: all of A lost with another mistake, B full marks
        student("s5", {"A": 0, "B": 3, "W": 2}, [_fail(A, "other"), _pass(B)], status="flagged", withheld=True),
        student("s6", {"A": 0, "B": 0, "W": 0}, [_fail(A, "error:NameError")], status="failed"),
        student("s7", {}, submitted=False, status="missing"),
    ],
)


@pytest.fixture(scope="module")
def report():
    return item_statistics(CLASS)


def test_counts_leave_out_flagged_and_failed(report):
    assert (report.counted, report.flagged, report.failed) == (4, 1, 1)


def test_task_a_mean_full_marks_and_zero_discrimination(report):
    a = report.tasks[0]
    assert a.label == "1. First: A"
    assert a.counted == 4 and a.mean == pytest.approx(1.0) and a.full_marks == pytest.approx(0.5)
    # x = A - mean = (1, 1, -1, -1); y = total-A - 2.5 = (2.5, -2.5, 2.5, -2.5): sum of products 0
    assert a.discrimination == pytest.approx(0.0, abs=1e-12)
    assert a.suspicious, "a test that strong and weak students lose alike is pointed out"


def test_task_b_discrimination(report):
    b = report.tasks[1]
    assert b.mean == pytest.approx(1.5) and b.full_marks == pytest.approx(0.5)
    # x = (1.5, -1.5, 1.5, -1.5), y = total-B - 2 = (2, 0, 0, -2): sum xy = 6, sxx = 9, syy = 8
    assert b.discrimination == pytest.approx(6 / math.sqrt(9 * 8))
    assert not b.suspicious


def test_manual_task_counts_only_graded_answers(report):
    w = report.tasks[2]
    assert (w.counted, w.awaiting) == (3, 1)
    assert w.mean == pytest.approx(4 / 3) and w.full_marks == pytest.approx(2 / 3)
    # x = (2, 2, 0) - 4/3, y = (5, 3, 0) - 8/3: sum xy = 48/9, sxx = 24/9, syy = 114/9
    assert w.discrimination == pytest.approx(48 / math.sqrt(24 * 114))
    assert w.discrimination == pytest.approx(statistics.correlation([2, 2, 0], [5, 3, 0]))


def test_mistakes_ranked_with_share_and_examples(report):
    a, b, _ = report.tasks
    assert [(m.code, m.students, m.share, m.examples) for m in a.mistakes] == [("wrong_order", 2, 0.5, ("s3", "s4"))]
    assert [(m.code, m.students, m.examples) for m in b.mistakes] == [("not_normalized", 2, ("s2", "s4"))]
    assert a.mistakes[0].message == "wrong_order in A"


def test_mistakes_ranked_by_students_then_code():
    outcomes = {"s1": "typo", "s2": "off_by_one", "s3": "off_by_one", "s4": "off_by_one", "s5": "typo", "s6": "absent"}
    results = AssignmentResults("a", "c", "", None, 2.0, [A], [
        student(sid, {"A": 0}, [_fail(A, code)]) for sid, code in outcomes.items()])
    ranked = item_statistics(results).tasks[0].mistakes
    assert [(m.code, m.students) for m in ranked] == [("off_by_one", 3), ("typo", 2), ("absent", 1)]
    assert ranked[0].examples == ("s2", "s3", "s4") and ranked[0].share == pytest.approx(3 / 6)


def test_pearson_undefined_without_variance():
    assert pearson([1, 1, 1], [0, 1, 2]) is None
    assert pearson([0, 1], [0, 1]) is None
    assert pearson([0, 1, 2], [2, 1, 0]) == pytest.approx(-1.0)
    assert LOW_DISCRIMINATION > 0
