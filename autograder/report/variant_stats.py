"""Item analysis per variant: per task, how the students of each value of each variant parameter did. Pure but
for ``student_params``.

With thousands of variants every student is unique, so the students are grouped by the value of one parameter at a
time (``hidden_4d_2`` = 3, 4, 5, 6; ``pt``; ``seed``; ``selected_categories``). Per task and value: how many counted
students (``autograder.report.class_numbers``) have a score on the task, how many of them got full marks, and their
mean fraction of the task's points.

**The rule that points out a hard value** (``hard``): on a task, the students of a value are compared with all the
other counted students of that task (the rest), on full marks or not. A value is pointed out when all of

- both groups hold at least ``MIN_GROUP`` students (smaller groups say nothing either way);
- the group's share of full marks is at least ``MIN_GAP`` (30 percentage points) below the rest's (a difference
  too small to act on is not worth a warning, however sure);
- Fisher's exact test (one-sided: the group does worse) gives p below ``ALPHA`` / m, where m is the number of
  comparisons the whole report made (every task, parameter and value whose groups were large enough): Bonferroni's
  correction, so that the chance of one false warning on a class where no variant is harder stays under ``ALPHA``
  (5%) however many tasks and values there are.

"2 of 9 full marks, the rest 30 of 31" passes (p = 1.5e-5); "3 of 5, the rest 30 of 35" does not (p = 0.2).
``student_params`` is the one place that says which parameters a student had: the ones kept with their grading
record (what the kernel graded with), else as the course would grade them now.
"""

import json
from pathlib import Path
from dataclasses import asdict, dataclass, field

from .item_stats import TOLERANCE

MIN_GROUP = 5  # students, in the value's group and in the rest, before anything is compared
MIN_GAP = 0.3  # the group's share of full marks at least this much below the rest's
ALPHA = 0.05  # family-wise: the chance of any false warning in a report


@dataclass
class ValueStats:
    value: object  # the parameter's value (as the generator gives it: an int, a list)
    label: str  # the value as shown ("6", "[-1, -2]")
    n: int  # counted students with this value and a score on the task
    full: int  # of them with full marks
    mean_fraction: float | None  # their mean fraction of the task's points
    rest_n: int = 0  # the other counted students with a score on the task
    rest_full: int = 0
    p_value: float | None = None  # Fisher's exact test, one-sided; None: a group below MIN_GROUP
    hard: bool = False


@dataclass
class ParameterStats:
    grade_id: str
    label: str  # the task as the report names it
    parameter: str
    values: list = field(default_factory=list)  # ValueStats, sorted by value


@dataclass
class VariantReport:
    parameters: list  # names of the parameters that take more than one value among the counted students
    tables: list  # ParameterStats, per task then per parameter
    comparisons: int  # m of the rule: the comparisons made
    threshold: float | None  # ALPHA / m, the p a value must be below (None: nothing compared)

    @property
    def hard(self) -> list:
        """``(ParameterStats, ValueStats)`` of every value pointed out."""
        return [(table, value) for table in self.tables for value in table.values if value.hard]

    def as_dict(self) -> dict:
        return {
            "rule": {"min_group": MIN_GROUP, "min_gap": MIN_GAP, "alpha": ALPHA, "comparisons": self.comparisons,
                     "p_threshold": self.threshold, "test": "Fisher's exact test, one-sided, full marks or not, "
                                                            "the value's students against the rest, Bonferroni"},
            "parameters": self.parameters,
            "tasks": [asdict(table) for table in self.tables],
            "hard": [{"grade_id": t.grade_id, "parameter": t.parameter, "value": v.value, "n": v.n, "full": v.full,
                      "rest_n": v.rest_n, "rest_full": v.rest_full, "p_value": v.p_value, "message": message(t, v)}
                     for t, v in self.hard],
        }


def value_label(value) -> str:
    """A parameter's value as the page shows it (lists as JSON, strings plain)."""
    return value if isinstance(value, str) else json.dumps(value)


def message(table: ParameterStats, value: ValueStats) -> str:
    """The sentence that points out a hard value."""
    return (f"{table.parameter} = {value.label}: {value.full} of {value.n} full marks on {table.label}, "
            f"the rest {value.rest_full} of {value.rest_n}: look at this variant")


def variant_statistics(tasks, scores: dict, params: dict) -> VariantReport:
    """Per task, parameter and value, the statistics and the rule above.

    ``tasks``: ``(grade_id, label, max_score)`` in report order (hand-graded tasks may be among them);
    ``scores``: student -> grade_id -> score (None: not graded yet), the counted students only;
    ``params``: student -> parameter name -> value (a student missing from it is left out)."""
    from scipy.stats import fisher_exact

    students = [s for s in scores if params.get(s)]
    names = sorted({name for s in students for name in params[s]})
    names = [n for n in names if len({value_label(params[s].get(n)) for s in students}) > 1]
    tables = []
    for grade_id, label, max_score in tasks:
        scored = {s: scores[s][grade_id] for s in students if scores[s].get(grade_id) is not None}
        if not scored or not max_score:
            continue
        full_marks = {s: v >= max_score - TOLERANCE for s, v in scored.items()}
        for name in names:
            groups: dict = {}
            for s in scored:
                groups.setdefault(value_label(params[s].get(name)), (params[s].get(name), []))[1].append(s)
            table = ParameterStats(grade_id, label, name)
            for shown, (value, members) in sorted(groups.items(), key=lambda item: _order(item[1][0])):
                full = sum(full_marks[s] for s in members)
                table.values.append(ValueStats(
                    value, shown, len(members), full, sum(scored[s] for s in members) / len(members) / max_score,
                    rest_n=len(scored) - len(members), rest_full=sum(full_marks.values()) - full))
            tables.append(table)
    compared = [v for t in tables for v in t.values if v.n >= MIN_GROUP and v.rest_n >= MIN_GROUP]
    threshold = ALPHA / len(compared) if compared else None
    for v in compared:
        table = [[v.full, v.n - v.full], [v.rest_full, v.rest_n - v.rest_full]]
        v.p_value = float(fisher_exact(table, alternative="less").pvalue)
        gap = v.rest_full / v.rest_n - v.full / v.n
        v.hard = gap >= MIN_GAP - TOLERANCE and v.p_value < threshold
    return VariantReport(names, tables, len(compared), threshold)


def _order(value):
    """Values sort as numbers where they are numbers, else as their text."""
    return (0, value, "") if isinstance(value, (int, float)) and not isinstance(value, bool) else (1, 0, value_label(value))


def of_results(results, params: dict) -> VariantReport:
    """``variant_statistics`` of an ``AssignmentResults``: its counted students, every task."""
    from .class_numbers import counted_students

    counted = counted_students(results.students)
    return variant_statistics([(t.grade_id, t.label, t.max_score) for t in results.tasks],
                              {s.student: dict(s.cells) for s in counted}, params)


def warnings(summary_path) -> list:
    """The lines ``autograder report`` prints for the hard values its ``summary.json`` points out."""
    found = json.loads(Path(summary_path).read_text()).get("variants") or {}
    return [f"hard variant: {h['message']} (Fisher's exact test p = {h['p_value']:.1g})" for h in found.get("hard", [])]


def student_params(root, assignment: str, students, db_url: str | None = None) -> dict:
    """student -> the parameters of their variant of ``assignment``, as the course graded them: the ones kept with
    their grading record (``storage.records``: what the kernel graded with), else as the course would grade them
    now (``autograder.variants.lookup``: an override kept for them, the defaults when ``c.Variants.enabled`` is
    False); ``{}`` when the assignment has no variants. The one place the report reads them."""
    from .. import variants
    from ..storage import records
    from .results import course_database

    db_url, course_id = course_database(root, db_url)
    kept = {r.student: (r.variant or {}).get("params") for r in records.load(db_url, course_id, assignment)}
    found = {}
    for student in students:
        if kept.get(student) is not None:
            found[student] = kept[student]
            continue
        got = variants.params(assignment, student, course_id, True)
        if got is None:
            return {}
        found[student] = variants.lookup(root, assignment, student, db_url)["params"]
    return found
