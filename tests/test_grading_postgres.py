"""The grading engine writes the same grades to PostgreSQL as to SQLite (any SQLAlchemy URL, `--db`).

Needs a reachable PostgreSQL server: set AUTOGRADER_TEST_POSTGRES_URL to a URL of a role allowed to
create databases, e.g. postgresql+psycopg2://autograder:autograder@localhost/autograder. The test
creates and drops its own database. On CI (CI=true) a missing URL is a failure, not a skip.
"""

import os
import uuid

import pytest
import sqlalchemy as sa

from autograder import course
from autograder.storage import records
from autograder.storage.gradebook import cell_scores
from autograder.grading import grade_assignment
from autograder.assignments.samples import submit_class

from .conftest import REPO

ASSIGNMENT = "tfidf_distances"
STUDENTS = ("solution", "unsmoothed_idf")
pytestmark = pytest.mark.nbgrader


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database on the server of AUTOGRADER_TEST_POSTGRES_URL (dropped afterwards)."""
    url = os.environ.get("AUTOGRADER_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("AUTOGRADER_TEST_POSTGRES_URL is not set: CI must install and start PostgreSQL and set it "
                        "to a role that may create databases (see tests/test_grading_postgres.py)")
        pytest.skip("AUTOGRADER_TEST_POSTGRES_URL is not set (no PostgreSQL server to test against)")
    server = sa.make_url(url)
    name = f"autograder_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_grades_equal_sqlite(tmp_path, postgres_url):
    root = course.copy_course(REPO, tmp_path / "course")
    submit_class(root, ASSIGNMENT, {name: name for name in STUDENTS})

    sqlite_url = f"sqlite:///{root / 'gradebook.db'}"
    course_id = course.load_config(root).CourseDirectory.course_id
    grade_assignment(root, ASSIGNMENT, workers=2, progress=False, feedback=False)
    summary = grade_assignment(root, ASSIGNMENT, workers=2, progress=False, db_url=postgres_url, feedback=False)
    assert sorted(summary.graded) == sorted(STUDENTS)  # a new database: nothing to skip

    for student in STUDENTS:
        in_sqlite = cell_scores(sqlite_url, course_id, ASSIGNMENT, student)
        in_postgres = cell_scores(postgres_url, course_id, ASSIGNMENT, student)
        assert in_sqlite and in_postgres == in_sqlite, student
        mine, theirs = (records.find(u, course_id, ASSIGNMENT, student) for u in (sqlite_url, postgres_url))
        assert (theirs.status, theirs.kernel, theirs.content_hash) == (mine.status, mine.kernel, mine.content_hash)
        assert theirs.score == pytest.approx(mine.score)
    assert {c.score for c in cell_scores(postgres_url, course_id, ASSIGNMENT, "unsmoothed_idf").values()} != {0.0}
