"""Per test cell outcomes (named mistakes as data), one row per graded test cell of every submission.

nbgrader stores a test cell's score; the *why* of a lost point sits only in the cell's error output.
This table keeps it as data beside the gradebook (same database, SQLite or PostgreSQL): for every
autograded test cell of every submission, its points, whether it passed, and for a failed cell the
mistake code and message that ``autograder.mistakes.cell_mistake`` reads from its outputs. The
grading worker reads them from the notebooks it autograded (``for_result``, carried in ``GradeResult.outcomes``)
and the coordinator writes them with the submission's grades. For classes graded by plain ``nbgrader autograde`` (no rows), the
same outcomes are recovered from ``autograded/<student>/<assignment>/*.ipynb`` (``from_notebooks``).
"""

import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..grading.files import read_regular
from ..mistakes import WITHHELD, cell_mistake

TOLERANCE = 1e-9

_metadata = sa.MetaData()
_table = sa.Table(
    "autograder_cell_outcomes",
    _metadata,
    sa.Column("course_id", sa.String(128), primary_key=True),
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("notebook", sa.String(128), primary_key=True),
    sa.Column("grade_id", sa.String(128), primary_key=True),
    sa.Column("points", sa.Float, nullable=False),
    sa.Column("max_points", sa.Float, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("mistake", sa.String(128), nullable=True),  # None when passed
    sa.Column("message", sa.Text, nullable=False),  # "" when passed
)


@dataclass(frozen=True)
class Outcome:
    """How one autograded test cell of one submission ended."""

    notebook: str
    grade_id: str
    points: float
    max_points: float
    passed: bool
    mistake: str | None = None  # e.g. an assignment's code, "unrecognized", "error:KeyError"
    message: str = ""


def _is_test_cell(cell: dict) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def from_notebooks(notebooks: dict, scores: dict) -> list[Outcome]:
    """Outcomes of the test cells of autograded ``notebooks`` (``name.ipynb -> notebook as a dict``).

    ``scores``: ``(notebook, grade_id) -> (points, max_points)`` as graded; a test cell without a
    score (not graded) has no outcome. A failed cell's mistake comes from its error output; one that
    lost its points without an error (output on stderr) is ``unrecognized`` with that output.
    """
    outcomes = []
    for name, nb in sorted(notebooks.items()):
        notebook = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
        for cell in nb.get("cells", []):
            if not _is_test_cell(cell):
                continue
            grade_id = cell["metadata"]["nbgrader"]["grade_id"]
            if scores.get((notebook, grade_id)) is None:
                continue
            points, max_points = (float(v) for v in scores[notebook, grade_id])
            if points >= max_points - TOLERANCE:
                outcomes.append(Outcome(notebook, grade_id, points, max_points, True))
                continue
            outputs = cell.get("outputs", [])
            found = cell_mistake(outputs)
            if found is None:
                stderr = "".join(_text(o) for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr")
                found = ("unrecognized", stderr.strip())
            outcomes.append(Outcome(notebook, grade_id, points, max_points, False, *found))
    return outcomes


def _text(output: dict) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def read_notebooks(folder: Path) -> dict:
    """``name.ipynb -> notebook dict`` of the top-level notebooks in an autograded folder (empty if none)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    notebooks = {}
    for path in sorted(folder.glob("*.ipynb")):
        data, _ = read_regular(path)  # never through a link a kernel left (plain nbgrader autograde's folder)
        if data is not None:
            notebooks[path.name] = json.loads(data.decode("utf-8"))
    return notebooks


def for_result(notebooks: dict, cells: list, withheld_because: str = "") -> list[Outcome]:
    """Outcomes of a graded submission: its autograded ``notebooks`` (``name.ipynb -> notebook``) and ``cells``
    (``grading.jobs.CellResult``, the automatic scores nbgrader saved).

    ``withheld_because``: the submission's score is withheld for review (the gradebook holds 0), so every
    test cell is stored as the gradebook has it, 0 points with the mistake ``withheld`` and this reason,
    not what its checks would have given.
    """
    scores = {(c.notebook, c.grade_id): (c.auto_score, c.max_score) for c in cells if c.auto_score is not None}
    found = from_notebooks(notebooks, scores)
    if withheld_because:
        return [Outcome(o.notebook, o.grade_id, 0.0, o.max_points, False, WITHHELD, withheld_because) for o in found]
    return found


_ENGINES: dict = {}


def engine(db_url: str) -> sa.Engine:
    """The one engine of ``db_url`` in this process, with the outcomes table created on first use."""
    if db_url not in _ENGINES:
        created = sa.create_engine(db_url)
        _metadata.create_all(created)
        _ENGINES[db_url] = created
    return _ENGINES[db_url]


def _key(course_id: str, assignment: str, student: str | None = None):
    key = (_table.c.course_id == course_id) & (_table.c.assignment == assignment)
    return key if student is None else key & (_table.c.student == student)


def save(target, course_id: str, assignment: str, student: str, outcomes: list[Outcome]) -> None:
    """Replace the outcomes of one submission; ``target`` is a database URL or a Connection (its transaction)."""
    if isinstance(target, str):
        with engine(target).begin() as connection:
            return save(connection, course_id, assignment, student, outcomes)
    _metadata.create_all(target)  # checkfirst: a no-op once the table exists
    target.execute(_table.delete().where(_key(course_id, assignment, student)))
    if outcomes:
        rows = [{"course_id": course_id, "assignment": assignment, "student": student, **vars(o)} for o in outcomes]
        target.execute(_table.insert(), rows)


def load(db_url: str, course_id: str, assignment: str) -> dict:
    """``student -> [Outcome]`` of every submission of ``assignment`` that has rows (one query)."""
    query = sa.select(_table).where(_key(course_id, assignment)).order_by(
        _table.c.student, _table.c.notebook, _table.c.grade_id)
    with engine(db_url).connect() as connection:
        rows = connection.execute(query).mappings().all()
    by_student: dict = {}
    for row in rows:
        by_student.setdefault(row["student"], []).append(
            Outcome(row["notebook"], row["grade_id"], row["points"], row["max_points"], bool(row["passed"]),
                    row["mistake"], row["message"]))
    return by_student
