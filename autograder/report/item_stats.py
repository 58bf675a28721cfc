"""Item analysis of one assignment: per task, how the class did and which mistakes it made. Pure.

Computed from ``autograder.report.results.AssignmentResults`` (no database here). Only the submissions that
``autograder.report.class_numbers`` counts (graded normally) are in the statistics: flagged and failed ones and
withheld scores are left out and counted separately (by that module's rule), as are hand-graded cells
still waiting for a person. Per task:

- ``mean`` score and ``full_marks`` (share of the counted students with the task's maximum);
- ``discrimination``: the corrected item–total correlation (PrairieLearn's *discrimination*): Pearson's
  r between the task's score and the student's total on the *other* tasks; None when either does not
  vary or fewer than three students count. Near zero or negative (below ``LOW_DISCRIMINATION``) means
  strong students lose the task as often as weak ones: a test that may be wrong;
- ``mistakes``: the named mistakes (``autograder.storage.outcomes``) ranked by how many students made them,
  with the share of the counted class and a few example students.
"""

import math
from dataclasses import dataclass, field

from .class_numbers import class_numbers, counted_students

LOW_DISCRIMINATION = 0.1
EXAMPLES = 3
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Mistake:
    code: str
    students: int
    share: float  # of the counted class
    examples: tuple  # a few student ids
    message: str  # the message one of them got


@dataclass
class TaskStats:
    grade_id: str
    label: str
    max_score: float
    manual: bool
    counted: int = 0  # students whose score on this task counts
    awaiting: int = 0  # hand-graded and not graded yet
    mean: float | None = None
    full_marks: float | None = None  # share of counted students
    discrimination: float | None = None
    mistakes: list = field(default_factory=list)

    @property
    def suspicious(self) -> bool:
        """Discrimination near zero or negative: the test may be wrong."""
        return self.discrimination is not None and self.discrimination < LOW_DISCRIMINATION


@dataclass
class ItemReport:
    counted: int  # submissions in the statistics
    flagged: int  # left out: flagged (includes withheld)
    failed: int  # left out: grading failed
    tasks: list  # TaskStats in notebook order


def pearson(xs: list, ys: list) -> float | None:
    """Pearson's r, or None when fewer than three pairs or either side has no variance."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= TOLERANCE or syy <= TOLERANCE:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def item_statistics(results) -> ItemReport:
    """Per-task statistics of ``results`` (an ``AssignmentResults``)."""
    counted = counted_students(results.students)
    numbers = class_numbers(results.students, results.max_score)
    totals = {s.student: sum(v for v in s.cells.values() if v is not None) for s in counted}
    report = ItemReport(counted=numbers.counted, flagged=numbers.flagged + numbers.withheld, failed=numbers.failed,
                        tasks=[])
    for task in results.tasks:
        stats = TaskStats(task.grade_id, task.label, task.max_score, task.manual)
        scored = [(s, s.cells.get(task.grade_id)) for s in counted]
        stats.awaiting = sum(1 for s, v in scored if v is None and task.manual)
        scored = [(s, v) for s, v in scored if v is not None]
        stats.counted = len(scored)
        if scored:
            values = [v for _, v in scored]
            stats.mean = sum(values) / len(values)
            stats.full_marks = sum(v >= task.max_score - TOLERANCE for v in values) / len(values)
            stats.discrimination = pearson(values, [totals[s.student] - v for s, v in scored])
        stats.mistakes = _mistakes(task, counted)
        report.tasks.append(stats)
    return report


def _mistakes(task, counted: list) -> list:
    by_code: dict = {}
    for s in counted:
        for o in s.outcomes or ():
            if o.grade_id == task.grade_id and o.notebook == task.notebook and not o.passed:
                by_code.setdefault(o.mistake or "unrecognized", []).append((s.student, o.message))
    ranked = sorted(by_code.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        Mistake(code, len(hits), len(hits) / len(counted), tuple(sid for sid, _ in hits[:EXAMPLES]), hits[0][1])
        for code, hits in ranked
    ]
