"""One row per graded submission, beside nbgrader's own tables in the same gradebook database.

nbgrader's schema has per-cell scores but nowhere to say *how* a submission was graded. This table
holds it: the content hash that makes regrading idempotent (student, assignment, submission content),
the outcome with its reasons (a flagged submission says why), the kernel's fate and the time taken.
It lives in the same database as the gradebook (SQLite or PostgreSQL, any SQLAlchemy URL), and only
the grading coordinator writes it.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

STATUSES = ("graded", "flagged", "failed", "missing")
KERNEL_FATES = ("ok", "timeout", "died", "out of memory", "not run")

_metadata = sa.MetaData()
_table = sa.Table(
    "autograder_submissions",
    _metadata,
    sa.Column("course_id", sa.String(128), primary_key=True),
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("kernel", sa.String(16), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("withheld", sa.Boolean, nullable=False),
    sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass
class SubmissionRecord:
    """How one student's submission of one assignment was graded.

    status: ``graded`` (normal), ``flagged`` (graded as far as possible, but look at ``reasons``),
    ``failed`` (could not be graded at all: score 0, ``reasons`` says why), ``missing`` (no submission).
    ``withheld``: the autograde score is not to be used until a person reviews it (tampering suspected).
    """

    assignment: str
    student: str
    content_hash: str = ""
    status: str = "graded"
    reasons: list = field(default_factory=list)
    kernel: str = "ok"
    seconds: float = 0.0
    score: float = 0.0
    max_score: float = 0.0
    withheld: bool = False
    graded_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {STATUSES}")
        if self.kernel not in KERNEL_FATES:
            raise ValueError(f"kernel {self.kernel!r} is not one of {KERNEL_FATES}")


def _engine(db_url: str) -> sa.Engine:
    engine = sa.create_engine(db_url)
    _metadata.create_all(engine)
    return engine


def save(db_url: str, course_id: str, record: SubmissionRecord) -> None:
    """Insert or replace the record of (course, assignment, student)."""
    row = asdict(record)
    row["reasons"] = json.dumps(list(record.reasons))
    row["course_id"] = course_id
    engine = _engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                _table.delete().where(
                    (_table.c.course_id == course_id)
                    & (_table.c.assignment == record.assignment)
                    & (_table.c.student == record.student)
                )
            )
            connection.execute(_table.insert().values(**row))
    finally:
        engine.dispose()


def load(db_url: str, course_id: str, assignment: str | None = None) -> list[SubmissionRecord]:
    """Every record of the course (of one assignment if given), ordered by assignment and student."""
    engine = _engine(db_url)
    try:
        query = sa.select(_table).where(_table.c.course_id == course_id)
        if assignment is not None:
            query = query.where(_table.c.assignment == assignment)
        with engine.connect() as connection:
            rows = connection.execute(query.order_by(_table.c.assignment, _table.c.student)).mappings().all()
    finally:
        engine.dispose()
    records = []
    for row in rows:
        values = {key: row[key] for key in SubmissionRecord.__dataclass_fields__}
        values["reasons"] = json.loads(values["reasons"])
        records.append(SubmissionRecord(**values))
    return records


def find(db_url: str, course_id: str, assignment: str, student: str) -> SubmissionRecord | None:
    """The record of one submission, or None."""
    return next((r for r in load(db_url, course_id, assignment) if r.student == student), None)
