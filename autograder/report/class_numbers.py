"""The class's headline numbers, computed by one rule for every place that shows them. Pure.

``autograder grade`` (its ``mean score`` line), the report (``reports/<a>/index.html`` and ``summary.json``) and the
item statistics all take their counts and their mean from ``class_numbers``; the exports carry, per student, the
``status`` and ``withheld`` columns it reads, so the same numbers follow from them. The rule:

- every student of the assignment is in exactly one group, tested in this order: **failed** (the submission could
  not be graded: the grading side failed, or the notebook could not be read), **no submission**, **withheld** (the
  score waits for a person to review integrity findings; the gradebook holds 0 until then), **flagged** (graded as
  far as it could be: a timeout, a dead kernel, deleted or retyped graded cells; look at the reasons), **counted**
  (graded without a problem);
- the mean and the median are those of the counted submissions only, over their gradebook scores before any late
  penalty, hand grades included; every other group is counted apart and never enters them (a failed submission's 0
  is the grader's, not a measure of the work; a withheld score is not the student's until someone has reviewed it;
  a flagged one is to be looked at first).

``class_numbers`` reads ``submitted``, ``status``, ``withheld`` and ``score`` of each row (an
``autograder.report.results.StudentResult``, or anything with those attributes: a row of the questions CSV).
"""

import statistics
from dataclasses import asdict, dataclass

GROUPS = ("counted", "flagged", "withheld", "failed", "missing")


def group(student) -> str:
    """Which of ``GROUPS`` a student's result belongs to (the rule above)."""
    if student.status == "failed":
        return "failed"
    if not student.submitted:
        return "missing"
    if student.withheld:
        return "withheld"
    if student.status == "flagged":
        return "flagged"
    return "counted"


def counted_students(students) -> list:
    """The results that count in every statistic (group ``counted``), in their order."""
    return [s for s in students if group(s) == "counted"]


@dataclass(frozen=True)
class ClassNumbers:
    """How many students are in each group, and the mean and median of the counted scores (None: nothing counted)."""

    students: int
    submitted: int  # every student but those without a submission
    counted: int
    flagged: int
    withheld: int
    failed: int
    missing: int
    max_score: float
    mean: float | None
    median: float | None

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """The command line's sentence: the mean, over what, and what was left out."""
        mean = "-" if self.mean is None else f"{self.mean:.2f} / {self.max_score:g}"
        apart = [f"{n} {what}" for n, what in ((self.flagged, "flagged"), (self.withheld, "withheld for review"),
                                               (self.failed, "failed")) if n]
        text = (f"mean score: {mean} over {self.counted} counted submission{'s' if self.counted != 1 else ''} "
                f"of {self.submitted}")
        if apart:
            text += f" (left out, counted apart: {', '.join(apart)})"
        if self.missing:
            text += f"; {self.missing} student{'s' if self.missing != 1 else ''} without a submission"
        return text


def class_numbers(students, max_score: float) -> ClassNumbers:
    """The groups' sizes and the counted scores' mean and median of ``students`` (every student of one assignment)."""
    students = list(students)
    sizes = {name: 0 for name in GROUPS}
    for student in students:
        sizes[group(student)] += 1
    scores = [float(s.score) for s in students if group(s) == "counted"]
    return ClassNumbers(
        students=len(students),
        submitted=len(students) - sizes["missing"],
        max_score=float(max_score),
        mean=statistics.fmean(scores) if scores else None,
        median=statistics.median(scores) if scores else None,
        **sizes,
    )
