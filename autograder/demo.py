"""``autograder demo``: a whole term on a throwaway copy of the course, in a few minutes.

The instructor releases every assignment to a temporary nbgrader exchange (nbgrader's real
``release_assignment``); simulated students, each in their own home folder, run the real
``nbgrader fetch_assignment`` and ``nbgrader submit`` as separate processes and hand in sample
submissions (the solution, typical mistakes, the blank release, a notebook that is not even JSON); one
student of the roster never submits. The instructor collects (nbgrader's ``collect``, through ``autograder.grading.exchange``), grades
(``autograder.grading.grade_assignment``, which also writes feedback), returns the feedback
(``exchange.return_feedback``, as ``autograder return`` does), exports and
reports. Nothing touches the real course folder.
"""

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from . import course
from .errors import DemoError
from .exports import export
from .report import report
from .report.results import course_database, load
from .assignments.samples import Sample, make_submission, samples_for
from .report.text_table import text_table

BROKEN = "broken_json"
BROKEN_TEXT = '{"cells": [{"cell_type": "code", "source": "x = '  # a notebook cut off mid-write
# student -> (first name, last name); the last one never submits
ROSTER = {
    "ada": ("Ada", "Lovelace"),
    "ben": ("Ben", "Franklin"),
    "cleo": ("Cleo", "Patra"),
    "dina": ("Dina", "Saur"),
    "emil": ("Emil", "Zola"),
    "finn": ("Finn", "Absent"),
}


@dataclass
class DemoResult:
    root: Path  # the throwaway course
    exchange: Path
    plan: dict  # assignment -> {student: sample name}
    files: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # (assignment, student, sample, status, score, max, reasons)
    feedback: dict = field(default_factory=dict)  # assignment -> (feedback/ folder, exchange folder it was released to)

    def table(self) -> str:
        """The outcome of every roster student, columns aligned whatever the length of a name."""
        rows = [(a, student, sample, status, f"{score:.1f} / {max_score:g}", "; ".join(reasons))
                for a, student, sample, status, score, max_score, reasons in self.rows]
        return text_table(["assignment", "student", "submission", "status", "score", "reasons"], rows, right=("score",))

    def feedback_lines(self) -> list:
        """Where each assignment's feedback went: the course's feedback/ and the exchange students fetch it from."""
        return [f"feedback for {name}: {folder}/<student>/{name}/*.html, released to {released} "
                f"(students: nbgrader fetch_feedback {name})" for name, (folder, released) in self.feedback.items()]


def plan(assignments: list[str]) -> dict:
    """``assignment -> {student: sample}``: solution, two mistakes, blank, broken JSON; the last student none."""
    students = list(ROSTER)[:-1]
    result = {}
    for name in assignments:
        try:
            samples = samples_for(name)
        except ModuleNotFoundError:
            samples = [Sample("solution", "honest"), Sample("blank", "blank")]
        honest = [s for s in samples if s.kind == "honest"][:1]
        mistakes = [s for s in samples if s.kind == "mistake"][:2]
        blank = [s for s in samples if s.kind == "blank"][:1]
        chosen = [s.name for s in honest + mistakes + blank] + [BROKEN]
        result[name] = dict(zip(students, chosen))
    return result


def student_home(base: Path, student: str, exchange: Path, course_id: str) -> Path:
    """A student's own folder (their HOME and working directory) with an nbgrader_config.py for the exchange."""
    home = base / student
    home.mkdir(parents=True, exist_ok=True)
    (home / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        f"c.CourseDirectory.student_id = {student!r}  # who submits (a JupyterHub login in real life)\n"
    )
    return home


def _nbgrader(home: Path, student: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(HOME=str(home), USER=student, LOGNAME=student)
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=home, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise DemoError(f"student {student}: nbgrader {' '.join(args)} exited {result.returncode}:\n"
                        f"{result.stdout}\n{result.stderr}")


def student_turn(root: Path, home: Path, student: str, assignment: str, sample_name: str) -> None:
    """Fetch ``assignment``, replace its notebooks by the sample submission, submit."""
    _nbgrader(home, student, "fetch_assignment", assignment)
    samples = {s.name: s for s in (samples_for(assignment) if sample_name != BROKEN else [])}
    for fetched in sorted((home / assignment).glob("*.ipynb")):
        if sample_name == BROKEN:
            fetched.write_text(BROKEN_TEXT)
            continue
        sample = samples.get(sample_name) or Sample(sample_name, "blank" if sample_name == "blank" else "honest")
        source_nb = nbformat.read(course.folder(root, "source_directory") / assignment / fetched.name, 4)
        nbformat.write(make_submission(source_nb, nbformat.read(fetched, 4), sample), fetched)
    _nbgrader(home, student, "submit", assignment)


def demo(source_root, directory=None, workers: int = 2, progress: bool = False, echo=None) -> DemoResult:
    """Run the demo on a copy of the course at ``source_root``; everything is written under ``directory``."""
    from . import assignments as registry
    from .grading import grade_assignment
    from .grading.exchange import collect as exchange_collect
    from .grading.exchange import release as exchange_release
    from .grading.exchange import return_feedback

    for name in course.assignments(Path(source_root)):  # before anything is made: grading would stop on it
        registry.get(name).require_data()
    say = echo or (lambda text: None)
    base = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="autograder-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    root = course.copy_course(Path(source_root), base / "course")
    exchange = base / "exchange"
    exchange.mkdir(exist_ok=True)
    assignments = course.assignments(root)
    config = course.load_config(root)
    course_id = config.CourseDirectory.course_id
    result = DemoResult(root, exchange, plan(assignments))

    say(f"course copy: {root}; exchange: {exchange}")
    db_url, _ = course_database(root)
    with Gradebook(db_url, course_id=course_id) as gb:  # the roster, as `nbgrader db student add` would
        for student, (first, last) in ROSTER.items():
            gb.update_or_create_student(student, first_name=first, last_name=last)
    exchange_release(root, assignments, exchange_root=exchange, build=False)  # release/ is committed and fresh
    say(f"released {', '.join(assignments)}")

    homes = {s: student_home(base / "students", s, exchange, course_id) for s in ROSTER}
    turns = [(student, name, sample) for name in assignments for student, sample in result.plan[name].items()]

    def run_student(student):
        for who, name, sample in turns:
            if who == student:
                student_turn(root, homes[student], student, name, sample)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(run_student, sorted({t[0] for t in turns})))
    say(f"{len(turns)} submissions by {len({t[0] for t in turns})} students; {list(ROSTER)[-1]} never submitted")

    for name in assignments:
        exchange_collect(root, name, exchange_root=exchange)
        summary = grade_assignment(root, name, workers=workers, progress=progress)
        say(summary.table())
        returned = return_feedback(root, name, exchange_root=exchange)  # what `autograder return` does
        result.feedback[name] = (course.folder(root, "feedback_directory"), returned.folder)
        say(result.feedback_lines()[-1])
        result.files.append(report(root, name))
    result.files[:0] = export(root)

    for name in assignments:
        graded = load(root, name)
        for s in graded.students:
            sample = result.plan[name].get(s.student, "(none)")
            result.rows.append((name, s.student, sample, s.status, s.score, s.max_score, s.reasons))
    return result
