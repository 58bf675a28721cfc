"""Which id's variant a student is graded with, when it is not their own: one row per override, beside nbgrader's
tables in the gradebook database (``autograder variant ASSIGNMENT STUDENT --as ID | --reissue | --clear``).

A student without a row is graded with the variant of their gradebook id. ``--as ID`` grades them with the variant
of ``ID`` (an LMS id that is not the hub login their notebook ran under); ``--reissue`` gives them a new variant,
the one of the id ``STUDENT~N`` (N = 2, 3, ...: no hub login has a ``~``), which they see in their notebook by
running ``%env AUTOGRADER_STUDENT=STUDENT~N`` before its variant cell (README, Variants). The override is part of
the submission's grading fingerprint (``grading.fingerprint``: a changed one regrades that student).
"""

from datetime import datetime, timezone

import sqlalchemy as sa

KINDS = ("as", "reissue")
REISSUE_MARK = "~"

_metadata = sa.MetaData()
_table = sa.Table(
    "autograder_variant_ids",
    _metadata,
    sa.Column("course_id", sa.String(128), primary_key=True),
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("variant_id", sa.String(256), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)


def _engine(db_url: str, create: bool) -> sa.Engine | None:
    engine = sa.create_engine(db_url)
    if create:
        with engine.begin() as connection:
            _metadata.create_all(connection)
    elif not sa.inspect(engine).has_table(_table.name):  # a reader never creates the table (a worker's gradebook)
        engine.dispose()
        return None
    return engine


def _key(course_id: str, assignment: str, student: str):
    return (_table.c.course_id == course_id) & (_table.c.assignment == assignment) & (_table.c.student == str(student))


def load(db_url: str, course_id: str, assignment: str) -> dict:
    """``student -> (variant id, kind)`` of every override of ``assignment``."""
    engine = _engine(db_url, create=False)
    if engine is None:
        return {}
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(_table).where(
                (_table.c.course_id == course_id) & (_table.c.assignment == assignment))).mappings().all()
    finally:
        engine.dispose()
    return {row["student"]: (row["variant_id"], row["kind"]) for row in rows}


def find(db_url: str, course_id: str, assignment: str, student: str) -> tuple | None:
    """``(variant id, kind)`` of ``student``'s override, or None."""
    return load(db_url, course_id, assignment).get(str(student))


def save(db_url: str, course_id: str, assignment: str, student: str, variant_id: str, kind: str) -> None:
    """Grade ``student`` with the variant of ``variant_id`` from now on (``kind``: ``as`` or ``reissue``)."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {KINDS}")
    engine = _engine(db_url, create=True)
    try:
        with engine.begin() as connection:
            connection.execute(_table.delete().where(_key(course_id, assignment, student)))
            connection.execute(_table.insert().values(
                course_id=course_id, assignment=assignment, student=str(student), variant_id=str(variant_id),
                kind=kind, set_at=datetime.now(timezone.utc)))
    finally:
        engine.dispose()


def clear(db_url: str, course_id: str, assignment: str, student: str) -> bool:
    """Remove ``student``'s override (True if there was one)."""
    engine = _engine(db_url, create=True)
    try:
        with engine.begin() as connection:
            return connection.execute(_table.delete().where(_key(course_id, assignment, student))).rowcount > 0
    finally:
        engine.dispose()


def next_reissue(student: str, current: str | None) -> str:
    """The id of ``student``'s next reissued variant: ``STUDENT~2``, then ``~3``... after the current one."""
    prefix = f"{student}{REISSUE_MARK}"
    number = int(current[len(prefix):]) if current and current.startswith(prefix) and current[len(prefix):].isdigit() else 1
    return f"{prefix}{number + 1}"
