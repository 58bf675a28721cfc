"""One row per graded submission, beside nbgrader's own tables in the same gradebook database.

nbgrader's schema has per-cell scores but nowhere to say *how* a submission was graded. This table
holds it: the content hash that makes regrading idempotent (student, assignment, submission content),
the outcome with its reasons (a flagged submission says why), the kernel's fate and the time taken,
and the fingerprint of everything else that decided the grade (``fingerprint``: one hash per part, see
``autograder.grading.batch.fingerprint``), so that a changed hidden test, check or configuration regrades.
It lives in the same database as the gradebook (SQLite or PostgreSQL, any SQLAlchemy URL), and only
the grading coordinator writes it. A table made before a column existed gets it on first use
(``ensure_schema``), so an existing course gradebook keeps working.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
import sqlalchemy.dialects.sqlite

STATUSES = ("graded", "flagged", "failed")
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
    sa.Column("fingerprint", sa.Text, nullable=False, server_default="{}"),
    sa.Column("variant", sa.Text, nullable=False, server_default="{}"),
)
# columns added after the table first shipped: (name, SQL type and default) for ALTER TABLE
_ADDED_COLUMNS = {"fingerprint": "TEXT NOT NULL DEFAULT '{}'", "variant": "TEXT NOT NULL DEFAULT '{}'"}


@dataclass
class SubmissionRecord:
    """How one student's submission of one assignment was graded.

    status: ``graded`` (normal), ``flagged`` (graded as far as possible, but look at ``reasons``),
    ``failed`` (could not be graded at all: score 0, ``reasons`` says why).
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
    fingerprint: dict = field(default_factory=dict)  # part ("submission", "source", ...) -> hash or version
    variant: dict = field(default_factory=dict)  # the variant graded: {"id", "version", "params"} ({}: none)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {STATUSES}")
        if self.kernel not in KERNEL_FATES:
            raise ValueError(f"kernel {self.kernel!r} is not one of {KERNEL_FATES}")


_ENGINES: dict = {}


def engine(db_url: str) -> sa.Engine:
    """The one engine of ``db_url`` in this process, with the records table created on first use."""
    if db_url not in _ENGINES:
        created = sa.create_engine(db_url)
        with created.begin() as connection:
            ensure_schema(connection)
        _ENGINES[db_url] = created
    return _ENGINES[db_url]


def ensure_schema(connection) -> None:
    """Create the records table, or add the columns an older version of it lacks (inside the caller's transaction)."""
    _metadata.create_all(connection)
    have = {column["name"] for column in sa.inspect(connection).get_columns(_table.name)}
    for name, declaration in _ADDED_COLUMNS.items():
        if name not in have:
            connection.execute(sa.text(f"ALTER TABLE {_table.name} ADD COLUMN {name} {declaration}"))


def upsert(connection, course_id: str, record: SubmissionRecord) -> None:
    """Insert or replace the record of (course, assignment, student) on ``connection`` (inside its transaction)."""
    row = asdict(record)
    row["reasons"] = json.dumps(list(record.reasons))
    row["fingerprint"] = json.dumps(dict(record.fingerprint), sort_keys=True)
    row["variant"] = json.dumps(dict(record.variant), sort_keys=True)
    row["course_id"] = course_id
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = (sa.dialects.sqlite.insert if dialect == "sqlite" else sa.dialects.postgresql.insert)(_table).values(**row)
        keys = [c.name for c in _table.primary_key.columns]
        connection.execute(insert.on_conflict_do_update(
            index_elements=keys, set_={k: v for k, v in row.items() if k not in keys}))
        return
    key = (_table.c.course_id == course_id) & (_table.c.assignment == record.assignment) & (_table.c.student == record.student)
    if connection.execute(_table.update().where(key).values(**row)).rowcount == 0:
        connection.execute(_table.insert().values(**row))


def save(db_url: str, course_id: str, record: SubmissionRecord) -> None:
    """Insert or replace the record of (course, assignment, student)."""
    with engine(db_url).begin() as connection:
        upsert(connection, course_id, record)


def _query(db_url: str, query) -> list[SubmissionRecord]:
    with engine(db_url).connect() as connection:
        rows = connection.execute(query.order_by(_table.c.assignment, _table.c.student)).mappings().all()
    records = []
    for row in rows:
        values = {key: row[key] for key in SubmissionRecord.__dataclass_fields__}
        values["reasons"] = json.loads(values["reasons"])
        values["fingerprint"] = json.loads(values["fingerprint"] or "{}")
        values["variant"] = json.loads(values["variant"] or "{}")
        records.append(SubmissionRecord(**values))
    return records


def load(db_url: str, course_id: str, assignment: str | None = None) -> list[SubmissionRecord]:
    """Every record of the course (of one assignment if given), ordered by assignment and student."""
    query = sa.select(_table).where(_table.c.course_id == course_id)
    if assignment is not None:
        query = query.where(_table.c.assignment == assignment)
    return _query(db_url, query)


def find(db_url: str, course_id: str, assignment: str, student: str) -> SubmissionRecord | None:
    """The record of one submission, or None."""
    query = sa.select(_table).where((_table.c.course_id == course_id) & (_table.c.assignment == assignment)
                                    & (_table.c.student == student))
    return next(iter(_query(db_url, query)), None)
