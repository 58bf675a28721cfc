"""The grades of one assignment, student by student, as the exports and the report present them.

Read from nbgrader's gradebook (scores, late penalties, due dates and extensions, students) and from the autograder's
``SubmissionRecord`` table beside it (status, reasons, kernel fate, time, withheld). Every student of the
gradebook gets a row, those without a submission included (score 0, reason "no submission"). The
gradebook is the authority on numbers: a record never changes a score, only says how it came about.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import nbformat
import sqlalchemy.engine.url as sa_url
from nbgrader.api import Gradebook, MissingEntry

from . import course, records
from .errors import NoGradesError

NO_SUBMISSION = "no submission"


@dataclass(frozen=True)
class Task:
    """One graded cell of the assignment (a column of the per-question export)."""

    grade_id: str
    notebook: str
    max_score: float
    manual: bool  # graded by hand (markdown answer or task); blank until someone grades it

    @property
    def header(self) -> str:
        return f"{self.grade_id} ({self.max_score:g})"


@dataclass
class StudentResult:
    """One student's result on one assignment."""

    student: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    submitted: bool = False
    cells: dict = field(default_factory=dict)  # grade_id -> score, or None for a cell still to grade by hand
    score: float = 0.0  # raw gradebook score
    max_score: float = 0.0
    late_penalty: float = 0.0  # points nbgrader's late policy took off (autograder.late), 0 if on time
    seconds_late: float = 0.0  # after the student's due date (the assignment's plus the extension), 0 if on time
    extension_seconds: float = 0.0  # the student's extension (nbgrader's SubmittedAssignment.extension), 0 if none
    duedate: object = None  # the student's own due date (UTC, extension included), None if the assignment has none
    timestamp: object = None  # when the submission was handed in (UTC; nbgrader's timestamp.txt), None if unknown
    status: str = "missing"
    withheld: bool = False
    reasons: list = field(default_factory=list)
    kernel: str = ""
    seconds: float | None = None  # grading time from the record, if any

    @property
    def final(self) -> float:
        """The score after nbgrader's late penalty (what nbgrader's own CSV export calls ``score``)."""
        return max(0.0, self.score - self.late_penalty)

    @property
    def extension(self) -> timedelta:
        """The student's extension as a ``timedelta`` (zero if none)."""
        return timedelta(seconds=self.extension_seconds)

    @property
    def days_late(self) -> int:
        """Started days late (what ``autograder.late`` charges for), 0 if on time."""
        from .late import days_started

        return days_started(self.seconds_late)

    @property
    def display_name(self) -> str:
        if self.last_name or self.first_name:
            return ", ".join(part for part in (self.last_name, self.first_name) if part)
        return self.student


@dataclass
class AssignmentResults:
    assignment: str
    course_id: str
    db_url: str
    duedate: object
    max_score: float
    tasks: list
    students: list  # StudentResult, ordered by student id

    @property
    def submitted(self) -> list:
        return [s for s in self.students if s.submitted]


def course_database(root: Path, db_url: str | None = None) -> tuple[str, str]:
    """``(db_url, course_id)`` of the course: ``db_url`` if given, else the one nbgrader's config names."""
    from nbgrader.coursedir import CourseDirectory

    overrides = {"CourseDirectory.db_url": db_url} if db_url else {}
    coursedir = CourseDirectory(config=course.load_config(Path(root).resolve(), **overrides))
    return coursedir.db_url, coursedir.course_id


def graded_assignments(db_url: str, course_id: str) -> list[str]:
    """Assignments of the gradebook that have at least one submission."""
    url = sa_url.make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        raise NoGradesError(f"no gradebook at {url.database}: run autograder grade first (or pass --db URL)")
    try:
        with Gradebook(db_url, course_id=course_id) as gb:
            return sorted(a.name for a in gb.assignments if a.num_submissions)
    except Exception as error:  # a missing file or an unreachable server
        raise NoGradesError(f"cannot read the gradebook {db_url} ({error}): run autograder grade first") from error


def _task_order(root: Path, assignment: str, notebook: str) -> list[str]:
    """grade_ids in the order of the source notebook (empty if the source is not there)."""
    from . import course

    path = course.folder(root, "source_directory") / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return []
    nb = nbformat.read(path, 4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")]


def _handed_in(submission) -> bool:
    """False for the submission row nbgrader keeps for an extension granted before anything was handed in
    (no timestamp, not a single score): it is not a submission."""
    return submission.timestamp is not None or any(
        grade.auto_score is not None or grade.manual_score is not None
        for notebook in submission.notebooks for grade in notebook.grades
    )


def load(root: Path, assignment: str, db_url: str | None = None) -> AssignmentResults:
    """Every student's result on ``assignment``; ``NoGradesError`` if nothing of it was graded."""
    db_url, course_id = course_database(root, db_url)
    if assignment not in graded_assignments(db_url, course_id):
        raise NoGradesError(f"no grades for {assignment} in {db_url}: run autograder grade {assignment} first")
    by_student = {r.student: r for r in records.load(db_url, course_id, assignment)}
    with Gradebook(db_url, course_id=course_id) as gb:
        db_assignment = gb.find_assignment(assignment)
        tasks = []
        for notebook in db_assignment.notebooks:
            order = _task_order(root, assignment, notebook.name)
            cells = [*notebook.grade_cells, *notebook.task_cells]
            cells.sort(key=lambda c: (order.index(c.name) if c.name in order else len(order), c.name))
            for cell in cells:
                manual = cell.type == "TaskCell" or cell.cell_type == "markdown"
                tasks.append(Task(cell.name, notebook.name, float(cell.max_score), manual))
        results = []
        for student in sorted(gb.students, key=lambda s: s.id):
            result = StudentResult(
                student=student.id,
                first_name=student.first_name or "",
                last_name=student.last_name or "",
                email=student.email or "",
                lms_user_id=student.lms_user_id or "",
                max_score=float(db_assignment.max_score),
            )
            try:
                submission = gb.find_submission(assignment, student.id)
            except MissingEntry:
                submission = None
            if submission is not None:  # the student's due date, even without a submission (an extension given early)
                result.extension_seconds = float(submission.extension.total_seconds()) if submission.extension else 0.0
                result.duedate = submission.duedate
                if not _handed_in(submission):
                    submission = None
            elif db_assignment.duedate is not None:
                result.duedate = db_assignment.duedate
            if submission is not None:
                result.submitted = True
                result.timestamp = submission.timestamp
                result.score = float(submission.score)
                result.late_penalty = float(submission.late_submission_penalty or 0.0)
                result.seconds_late = float(submission.total_seconds_late or 0.0)
                result.status = "graded"
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        task = next(t for t in tasks if t.grade_id == grade.name and t.notebook == notebook.name)
                        if task.manual and grade.needs_manual_grade:
                            result.cells[grade.name] = None
                        else:
                            result.cells[grade.name] = float(grade.score or 0.0)
            else:
                result.reasons = [NO_SUBMISSION]
            record = by_student.get(student.id)
            if record is not None:
                if submission is not None or record.status == "missing":
                    result.status = record.status
                result.withheld = bool(record.withheld)
                result.reasons += [r for r in record.reasons if r not in result.reasons]
                result.kernel = record.kernel
                result.seconds = float(record.seconds)
            results.append(result)
        return AssignmentResults(
            assignment=assignment,
            course_id=course_id,
            db_url=db_url,
            duedate=db_assignment.duedate,
            max_score=float(db_assignment.max_score),
            tasks=tasks,
            students=results,
        )
