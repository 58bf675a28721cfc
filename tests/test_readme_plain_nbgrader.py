"""The README's "same steps with plain nbgrader" and the student's side, run as it writes them, in a course copy.

The plain nbgrader term of tests/readme_term.py (tfidf_distances, the assignment the student's side names): the
instructor's nbgrader commands on the course folder, the student's fetch, validate, submit and fetch_feedback in a
folder of their own. Each command's exit status and the file or row it makes are checked; tests/test_readme_commands.py
checks that the README shows no command that neither term runs.
"""

import pytest
from nbgrader.api import Gradebook

from .readme_term import KEYS, PLAIN, Term, ok, plain_nbgrader_term
from .test_readme_commands import assert_every_command_ran

pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> Term:
    return plain_nbgrader_term(tmp_path_factory.mktemp("readme-plain"))


def test_every_plain_nbgrader_command_the_readme_shows_was_run(term):
    assert_every_command_ran(term, KEYS["plain"])


def test_the_instructors_steps_enter_release_and_collect(term):
    root, exchange = term.root, term.exchange / term.course_id
    ok(term, "generate_assignment")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=term.course_id) as gb:
        assert [n.name for n in gb.find_assignment(PLAIN).notebooks] == [PLAIN]  # autograde needs it there
    assert ok(term, "release_assignment") and (exchange / "outbound" / PLAIN / f"{PLAIN}.ipynb").is_file()
    assert ok(term, "collect") and (root / "submitted" / "jdoe" / PLAIN / "timestamp.txt").is_file()


def test_the_students_side(term):
    jdoe, exchange = term.base / "students" / "jdoe", term.exchange / term.course_id
    assert ok(term, "fetch_assignment") and (jdoe / PLAIN / f"{PLAIN}.ipynb").is_file()
    assert "Success! Your notebook passes all the tests." in ok(term, "validate").output
    assert ok(term, "submit") and list((exchange / "inbound").glob(f"jdoe+{PLAIN}+*"))
    assert ok(term, "fetch_feedback") and list((jdoe / PLAIN / "feedback").glob(f"*/{PLAIN}.html"))


def test_autograde_and_feedback(term):
    root = term.root
    assert ok(term, "autograde") and (root / "autograded" / "jdoe" / PLAIN / f"{PLAIN}.ipynb").is_file()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=term.course_id) as gb:
        submission = gb.find_submission(PLAIN, "jdoe")
        # the solution: every autograded point (the written answer waits for a person)
        assert submission.score == pytest.approx(gb.find_assignment(PLAIN).max_code_score)
    assert ok(term, "generate_feedback") and (root / "feedback" / "jdoe" / PLAIN / f"{PLAIN}.html").is_file()
    assert ok(term, "release_feedback") and len(term.seen["release_feedback"]) == 1
