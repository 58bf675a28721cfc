"""What one ``autograder grade`` run did, as data and as the few lines the command prints.

Its first lines are about this run (graded, skipped, why); its ``mean score`` line is about the whole class as the
gradebook holds it after the run (hand grades included), by ``autograder.report.class_numbers``'s rule, so it shows the
numbers the report shows.
"""

from dataclasses import dataclass, field

from ..report.class_numbers import class_numbers
from ..errors import NoGradesError
from ..nbgrader_log import reason
from ..preprocessors.grader_fault import REASON_PREFIX
from ..sandbox.probe import UNSANDBOXED
from ..report.text_table import text_table
from .fingerprint import why_summary


UNTIMED_NAMED = 10  # students named on the "no hand-in time" line (the exports name every one)


@dataclass
class GradingSummary:
    """What one ``grade`` run did; ``records`` hold every submission of the assignment afterwards."""

    assignment: str
    graded: list = field(default_factory=list)  # students graded in this run (any status)
    skipped: list = field(default_factory=list)  # unchanged since their last grading
    records: list = field(default_factory=list)
    feedback_failures: dict = field(default_factory=dict)
    feedback_remade: list = field(default_factory=list)  # not graded again: feedback remade after hand grading
    with_feedback: set = field(default_factory=set)  # students whose feedback the worker made
    similarity: str = ""  # one line on the similarity check run after grading
    unenforced_limits: list = field(default_factory=list)  # sandbox limits not in force (sandbox.limits)
    timings: list = field(default_factory=list)  # per result: GradeResult.timings + "coordinator write", "worker total"
    why: dict = field(default_factory=dict)  # student graded -> why ("new", "source changed", "forced"...)
    untimed: list = field(default_factory=list)  # submissions without a hand-in time while a late policy applies
    fresh_kernels: dict = field(default_factory=dict)  # student -> why the kernel was started fresh, not forked
    numbers: object = None  # the whole class's ``class_numbers.ClassNumbers`` after the run (None: nothing in the gradebook)

    @property
    def infrastructure_failures(self) -> list:
        """Records of this run's submissions that failed on the grading side (their earlier grade kept)."""
        return [r for r in self.records if r.student in self.graded and r.status == "failed"
                and any(reason.startswith(REASON_PREFIX) for reason in r.reasons)]

    @property
    def unsandboxed(self) -> list:
        """Records of this run's submissions whose kernels ran without bubblewrap (``c.Sandbox.require = False``)."""
        return [r for r in self.records if r.student in self.graded
                and any(reason.startswith(UNSANDBOXED) for reason in r.reasons)]

    @property
    def exit_status(self) -> int:
        """0, or 1 when a submission failed on the grading side: the batch did not do its job."""
        return 1 if self.infrastructure_failures else 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r.student in self.graded and r.status == status)

    def table(self) -> str:
        """A short plain-text summary for the command line."""
        lines = [
            f"{self.assignment}: {len(self.graded)} graded ({self.count('graded')} ok, {self.count('flagged')} flagged, "
            f"{self.count('failed')} failed), {len(self.skipped)} skipped (unchanged)",
            "why: " + why_summary({s: self.why.get(s, "graded") for s in self.graded}, len(self.skipped)),
            *([f"feedback remade after hand grading: {len(self.feedback_remade)}"] if self.feedback_remade else []),
            self.numbers.line() if self.numbers is not None else "mean score: - (nothing of it in the gradebook)",
        ]
        lines += [f"LIMIT NOT APPLIED: {limit}" for limit in self.unenforced_limits]
        unsandboxed = self.unsandboxed
        if unsandboxed:
            lines.append(f"{UNSANDBOXED}: {len(unsandboxed)} submission(s) (c.Sandbox.require = False): their code could "
                         "read the hidden tests, the solutions and the gradebook")
        if self.fresh_kernels:
            why = sorted(set(self.fresh_kernels.values()))
            lines.append(f"fresh kernels for {len(self.fresh_kernels)} submission(s), c.Sandbox.forked_kernels could not be "
                         f"used (slower, graded the same): {why[0]}" + (f" (and {len(why) - 1} other reason(s))" if len(why) > 1 else ""))
        if self.untimed:
            names = ", ".join(self.untimed[:UNTIMED_NAMED]) + (", ..." if len(self.untimed) > UNTIMED_NAMED else "")
            lines.append(f"no hand-in time: late policy not applied: {len(self.untimed)} submission"
                         f"{'s' if len(self.untimed) != 1 else ''} ({names}); give their times with "
                         f"`autograder collect {self.assignment} --zip DIR --times CSV` and grade again")
        infrastructure = self.infrastructure_failures
        if infrastructure:
            lines.append(f"GRADING INFRASTRUCTURE FAILED for {len(infrastructure)} submission(s): no grade was written for "
                         "them (an earlier grade is kept); fix the cause named below and run the same command again")
        problems = [r for r in self.records if r.status in ("flagged", "failed")]
        if problems:
            rows = [[r.student, r.status, f"{r.score:.2f}", "; ".join(r.reasons)] for r in problems]
            lines += ["", text_table(["student", "status", "score", "reasons"], rows, right=("score",))]
        for student, error in self.feedback_failures.items():
            lines.append(f"feedback failed for {student}: {reason(error)}")
        if self.similarity:
            lines.append(self.similarity)
        return "\n".join(lines)


def class_figures(root, assignment: str, db_url: str):
    """The class's ``ClassNumbers`` read from the gradebook (``autograder.report.results``, as the report reads it); None when
    nothing of ``assignment`` is in it (every submission failed on the grading side before any grade)."""
    from ..report.results import load

    try:
        results = load(root, assignment, db_url)
    except NoGradesError:
        return None
    return class_numbers(results.students, results.max_score)
