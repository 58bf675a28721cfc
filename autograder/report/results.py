"""The grades of one assignment, student by student, as the exports and the report present them.

Read from nbgrader's gradebook (scores, late penalties, due dates and extensions, students) and from the autograder's
``SubmissionRecord`` table beside it (status, reasons, kernel fate, time, withheld). Every student of the
gradebook gets a row, those without a submission included (score 0, reason "no submission"), and so does a
student whose submission failed on the grading side before any grade of theirs was written (a record only:
status ``failed``, not submitted). The gradebook is the authority on numbers: a record never changes a score,
only says how it came about. Who counts in the class's statistics is ``autograder.report.class_numbers``'s rule.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import nbformat
import sqlalchemy.engine.url as sa_url
from nbgrader.api import Gradebook

from .. import course
from ..policy import late
from ..storage import outcomes, records
from . import tasks as tasks_module
from ..errors import NoGradesError

NO_SUBMISSION = "no submission"


@dataclass(frozen=True)
class Task:
    """One graded cell of the assignment (a column of the per-question export)."""

    grade_id: str
    notebook: str
    max_score: float
    manual: bool  # graded by hand (markdown answer or task); blank until someone grades it
    heading: str = ""  # the notebook heading above the cell ("3. Two classifiers")
    title: str = ""  # a test cell's docstring line

    @property
    def header(self) -> str:
        return f"{self.grade_id} ({self.max_score:g})"

    @property
    def label(self) -> str:
        """How the report names the task: its heading, then its grade_id."""
        return f"{self.heading}: {self.grade_id}" if self.heading else self.grade_id


@dataclass
class StudentResult:
    """One student's result on one assignment."""

    student: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    submitted: bool = False
    cells: dict = field(default_factory=dict)  # grade_id -> score, or None for a hand-graded cell without a score yet
    score: float = 0.0  # raw gradebook score
    max_score: float = 0.0
    late_penalty: float = 0.0  # points nbgrader's late policy took off (autograder.policy.late), 0 if on time
    seconds_late: float = 0.0  # after the student's due date (the assignment's plus the extension), 0 if on time
    extension_seconds: float = 0.0  # the student's extension (nbgrader's SubmittedAssignment.extension), 0 if none
    duedate: object = None  # the student's own due date (UTC, extension included), None if the assignment has none
    timestamp: object = None  # when the submission was handed in (UTC; nbgrader's timestamp.txt), None if unknown
    status: str = "missing"
    withheld: bool = False
    reasons: list = field(default_factory=list)
    kernel: str = ""
    seconds: float | None = None  # grading time from the record, if any
    outcomes: list | None = None  # autograder.storage.outcomes.Outcome of each autograded test cell (submitted only)

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
        """Started days late (what ``autograder.policy.late`` charges for), 0 if on time."""
        from ..policy.late import days_started

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

    def student(self, student_id: str) -> "StudentResult | None":
        """The result of ``student_id`` (a dict lookup, built once)."""
        if getattr(self, "_by_id", None) is None:
            self._by_id = {s.student: s for s in self.students}
        return self._by_id.get(student_id)


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


def _source_labels(root: Path, assignment: str, notebook: str) -> tuple[list, dict]:
    """grade_ids in the order of the source notebook and their ``tasks.Label`` (empty if no source)."""
    path = course.folder(root, "source_directory") / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return [], {}
    nb = nbformat.read(path, 4)
    order = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")]
    return order, tasks_module.labels(nb)


def _tasks(root: Path, assignment: str, db_assignment) -> list:
    tasks = []
    for notebook in db_assignment.notebooks:
        order, labels = _source_labels(root, assignment, notebook.name)
        rank = {name: i for i, name in enumerate(order)}
        cells = sorted([*notebook.grade_cells, *notebook.task_cells], key=lambda c: (rank.get(c.name, len(order)), c.name))
        for cell in cells:
            manual = cell.type == "TaskCell" or cell.cell_type == "markdown"
            label = labels.get(cell.name, tasks_module.Label("", ""))
            tasks.append(Task(cell.name, notebook.name, float(cell.max_score), manual, label.heading, label.title))
    return tasks


def _grades(gb, assignment: str) -> list:
    """``(student, notebook, grade_id, score, unscored)`` of every grade of ``assignment`` (one query); ``unscored``:
    neither a manual nor an automatic score (nbgrader's ``needs_manual_grade`` also marks a hand grade to look at again)."""
    from nbgrader.api import Assignment, BaseCell, Grade, Notebook, SubmittedAssignment, SubmittedNotebook

    unscored = Grade.manual_score.is_(None) & Grade.auto_score.is_(None)
    return (gb.db.query(SubmittedAssignment.student_id, Notebook.name, BaseCell.name, Grade.score, unscored)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
            .join(BaseCell, Grade.cell_id == BaseCell.id)
            .filter(Assignment.name == assignment)
            .all())


def _handed_in(submission) -> bool:
    """False for the submission row nbgrader keeps for an extension granted before anything was handed in
    (no timestamp, not a single score): it is not a submission."""
    return submission.timestamp is not None or any(
        grade.auto_score is not None or grade.manual_score is not None
        for notebook in submission.notebooks for grade in notebook.grades
    )


def load(root: Path, assignment: str, db_url: str | None = None) -> AssignmentResults:
    """Every student's result on ``assignment``; ``NoGradesError`` if nothing of it was graded.

    A handful of queries whatever the class size (students, submissions, grades, records, outcomes),
    joined in memory by student id.
    """
    from nbgrader.api import Assignment, SubmittedAssignment

    db_url, course_id = course_database(root, db_url)
    if assignment not in graded_assignments(db_url, course_id):
        raise NoGradesError(f"no grades for {assignment} in {db_url}: run autograder grade {assignment} first")
    by_student = {r.student: r for r in records.load(db_url, course_id, assignment)}
    stored_outcomes = outcomes.load(db_url, course_id, assignment)
    autograded = _autograded_folders(root, assignment)
    with Gradebook(db_url, course_id=course_id) as gb:
        db_assignment = gb.find_assignment(assignment)
        tasks = _tasks(root, assignment, db_assignment)
        by_task = {(t.notebook, t.grade_id): t for t in tasks}
        submissions = {
            sub.student_id: sub
            for sub in gb.db.query(SubmittedAssignment).join(Assignment).filter(Assignment.name == assignment)
        }
        # a submission without a hand-in time is never late for nbgrader: say so where a late policy would apply
        untimed_reason = db_assignment.duedate is not None and late.policy_applies(course.load_config(Path(root).resolve()))
        cells: dict = {}
        for student, notebook, grade_id, score, unscored in _grades(gb, assignment):
            task = by_task.get((notebook, grade_id))
            waiting = task is not None and task.manual and bool(unscored)
            cells.setdefault(student, {})[grade_id] = None if waiting else float(score or 0.0)
        results = []
        # a submission that failed on the grading side before any grade was written has a record only
        roster = {s.id: s for s in gb.students}
        for sid in sorted(roster.keys() | by_student.keys()):
            student = roster.get(sid)
            result = StudentResult(
                student=sid,
                first_name=getattr(student, "first_name", None) or "",
                last_name=getattr(student, "last_name", None) or "",
                email=getattr(student, "email", None) or "",
                lms_user_id=getattr(student, "lms_user_id", None) or "",
                max_score=float(db_assignment.max_score),
            )
            submission = submissions.get(sid)
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
                if untimed_reason and submission.timestamp is None:
                    result.reasons.append(late.NO_HANDIN_TIME)
                result.cells = cells.get(sid, {})
                result.outcomes = stored_outcomes.get(sid)
                if result.outcomes is None:  # graded by plain `nbgrader autograde`: read the autograded notebooks
                    result.outcomes = _recovered_outcomes(autograded(sid), result.cells, by_task)
            else:
                result.reasons = [NO_SUBMISSION]
            record = by_student.get(sid)
            if record is not None:
                if submission is None and record.status == "failed":  # handed in, but not graded: not "no submission"
                    result.reasons = []
                if submission is not None or record.status in ("missing", "failed"):
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


def _autograded_folders(root: Path, assignment: str):
    """``student -> autograded/<student>/<assignment>`` as the course's nbgrader config lays it out."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=course.load_config(Path(root).resolve()))
    coursedir.root = str(Path(root).resolve())
    return lambda student: Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))


def _recovered_outcomes(folder: Path, cells: dict, by_task: dict) -> list:
    """Outcomes parsed from the autograded notebooks in ``folder``, with the gradebook's scores."""
    scores = {key: (cells[key[1]], task.max_score) for key, task in by_task.items()
              if not task.manual and cells.get(key[1]) is not None}
    return outcomes.from_notebooks(outcomes.read_notebooks(folder), scores)
