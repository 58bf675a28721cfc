"""Item analysis per variant (``autograder.report.variant_stats``) on classes written out here. Pure: no gradebook.

The p-values the rule compares are recomputed here from the hypergeometric distribution (``math.comb``), not taken
from scipy; a planted hard variant must be pointed out, and variants that are not harder (random noise, small groups,
a small difference in a large class) must not be.
"""

import math
import random

import pytest

from autograder.report.results import AssignmentResults, StudentResult, Task
from autograder.report.variant_stats import (ALPHA, MIN_GAP, MIN_GROUP, message, of_results, variant_statistics)

TASKS = [("clf_4d_2", "Counting: clf_4d_2", 2.0), ("forward", "Forward pass: forward", 1.0)]


def p_less(full: int, n: int, rest_full: int, rest_n: int) -> float:
    """P(X <= full) for X the group's full marks when the class's full marks fall at random (Fisher, one-sided)."""
    total, marks = n + rest_n, full + rest_full
    return sum(math.comb(marks, k) * math.comb(total - marks, n - k) for k in range(0, full + 1)) / math.comb(total, n)


def planted_class():
    """40 students, hidden_4d_2 = 3..6 (10, 10, 11, 9 students); on clf_4d_2 the 9 of value 6 get 2 full marks,
    the 31 others all but one; ``forward`` is full marks for all but every fifth student, whatever the variant."""
    scores, params = {}, {}
    sizes = {3: 10, 4: 10, 5: 11, 6: 9}
    i = 0
    for hidden, size in sizes.items():
        for k in range(size):
            student = f"s{i:02d}"
            lost = (k >= 2) if hidden == 6 else (hidden == 3 and k == 0)
            scores[student] = {"clf_4d_2": 0.0 if lost else 2.0, "forward": 0.0 if i % 5 == 0 else 1.0}
            params[student] = {"hidden_4d_2": hidden, "pt": [[-1, -2], [1, 2]][i % 2], "seed": i}
            i += 1
    return scores, params


def test_a_planted_hard_variant_is_pointed_out():
    scores, params = planted_class()
    report = variant_statistics(TASKS, scores, params)
    assert report.parameters == ["hidden_4d_2", "pt", "seed"]
    hard = report.hard
    assert [(t.grade_id, t.parameter, v.value) for t, v in hard] == [("clf_4d_2", "hidden_4d_2", 6)]
    table, value = hard[0]
    assert (value.n, value.full, value.rest_n, value.rest_full) == (9, 2, 31, 30)
    assert value.p_value == pytest.approx(p_less(2, 9, 30, 31))
    assert value.p_value < report.threshold == ALPHA / report.comparisons
    # compared: hidden_4d_2's four values and pt's two, on both tasks; seed's groups of one never
    assert report.comparisons == 2 * (4 + 2)
    assert message(table, value) == ("hidden_4d_2 = 6: 2 of 9 full marks on Counting: clf_4d_2, the rest 30 of 31: "
                                     "look at this variant")
    rows = {v.label: v for v in next(t for t in report.tables if (t.grade_id, t.parameter) == ("clf_4d_2", "hidden_4d_2")).values}
    assert list(rows) == ["3", "4", "5", "6"]
    assert rows["3"].mean_fraction == pytest.approx(0.9) and rows["6"].mean_fraction == pytest.approx(2 / 9)
    assert report.as_dict()["hard"][0]["message"] == message(table, value)


def test_random_noise_in_small_groups_is_not_pointed_out():
    """300 classes of 40 where every variant is as hard as the others (each student gets full marks with the same
    chance): a warning on fewer than ALPHA of them, and none on most, though small groups often differ a lot."""
    rng = random.Random(19)
    warned, wide_gaps, uncorrected = 0, 0, 0
    for _ in range(300):
        scores, params = {}, {}
        for i in range(40):
            student = f"s{i}"
            params[student] = {"hidden_4d_2": rng.choice((3, 4, 5, 6)), "pt": [rng.choice((-2, -1, 1, 2)), 1],
                               "seed": rng.choice(range(64))}
            scores[student] = {g: (m if rng.random() < 0.75 else 0.0) for g, _, m in TASKS}
        report = variant_statistics(TASKS, scores, params)
        warned += bool(report.hard)
        uncorrected += any(v.p_value is not None and v.p_value < ALPHA for t in report.tables for v in t.values)
        wide_gaps += any(v.rest_n and v.n and v.rest_full / v.rest_n - v.full / v.n >= MIN_GAP
                         for t in report.tables for v in t.values)
    assert wide_gaps > 250, "the noise should make small groups differ a lot: else this test proves nothing"
    assert uncorrected > 60, "p < 0.05 on each comparison alone would cry wolf on many classes"
    assert warned <= ALPHA * 300, (warned, uncorrected)


def test_a_small_group_is_never_compared():
    """Four students of value 6 all lose the task, everyone else has full marks: striking, but four are too few."""
    scores = {f"s{i}": {"clf_4d_2": 0.0 if i < MIN_GROUP - 1 else 2.0} for i in range(40)}
    params = {s: {"hidden_4d_2": 6 if i < MIN_GROUP - 1 else 4} for i, s in enumerate(scores)}
    report = variant_statistics(TASKS[:1], scores, params)
    assert not report.hard and report.comparisons == 0
    assert p_less(0, MIN_GROUP - 1, 36, 36) < ALPHA  # what a test without the minimum group size would have said
    five = {s: {"hidden_4d_2": 6 if i < MIN_GROUP else 4} for i, s in enumerate(scores)}
    scores5 = {s: {"clf_4d_2": 0.0 if i < MIN_GROUP else 2.0} for i, s in enumerate(scores)}
    assert [v.value for _, v in variant_statistics(TASKS[:1], scores5, five).hard] == [6]


def test_a_small_difference_in_a_large_class_is_not_pointed_out():
    """2000 students: 80% full marks with value 6, 90% with the others; sure (p tiny) but too small to act on."""
    scores, params = {}, {}
    for i in range(2000):
        hidden = 6 if i < 1000 else 4
        scores[f"s{i}"] = {"clf_4d_2": 0.0 if (i % 10 < (2 if hidden == 6 else 1)) else 2.0}
        params[f"s{i}"] = {"hidden_4d_2": hidden}
    report = variant_statistics(TASKS[:1], scores, params)
    six = next(v for v in report.tables[0].values if v.value == 6)
    assert six.p_value < report.threshold and not six.hard and not report.hard


def test_only_counted_students_and_graded_scores_enter():
    task = Task("clf_4d_2", "nb", 2.0, False, "Counting")
    students = [StudentResult(f"s{i}", submitted=True, status="graded", cells={"clf_4d_2": 2.0}) for i in range(6)]
    students += [StudentResult(f"x{i}", submitted=True, status="flagged", cells={"clf_4d_2": 0.0}) for i in range(6)]
    students += [StudentResult("w", submitted=True, status="graded", withheld=True, cells={"clf_4d_2": 0.0}),
                 StudentResult("m", submitted=False, status="missing")]
    results = AssignmentResults("a", "c", "", None, 2.0, [task], students)
    params = {s.student: {"hidden_4d_2": 3 + i % 2} for i, s in enumerate(students)}
    report = of_results(results, params)
    values = report.tables[0].values
    assert [(v.value, v.n, v.full) for v in values] == [(3, 3, 3), (4, 3, 3)]
    assert report.tables[0].label == "Counting: clf_4d_2"


def test_no_variants_no_table():
    scores, _ = planted_class()
    assert variant_statistics(TASKS, scores, {}).tables == []
    same = {s: {"hidden_4d_2": 4} for s in scores}  # variants off: one value, nothing to compare
    report = variant_statistics(TASKS, scores, same)
    assert report.parameters == [] and report.tables == [] and report.threshold is None
