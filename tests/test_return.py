"""`autograder return` through the real commands: students fetch and submit with nbgrader's own student commands,
the instructor collects, grades and returns, and each student's `nbgrader fetch_feedback` brings back their own
page. Beside two honest students, one submits an empty notebook and one a file that is not JSON: each gets a
page (where nbgrader's would be) that says what was wrong with the file and what to do."""

import os
import subprocess
import sys

import pytest

from autograder import course
from autograder.storage import records
from autograder.report.results import course_database

from .conftest import REPO
from .test_grading_cli import GRADED, _solution, autograder

pytestmark = pytest.mark.nbgrader

NOT_JSON = b'<script>alert("owned")</script> my answers'
SUBMISSIONS = {  # student -> the notebook they hand in (None: the release copy they fetched, untouched)
    "alice": "solution",
    "bob": None,
    "empty": b"",
    "notjson": NOT_JSON,
}


def student(home, name, *args):
    """A student's own nbgrader command, in their own folder (their own submission cache)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["HOME"] = str(home)
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.student_id={name}",
                             f"--Exchange.cache={home / 'cache'}"], cwd=home, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{name}: nbgrader {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """Release, fetch and submit (four students), collect, grade; `return` and fetch_feedback are run by the tests."""
    base = tmp_path_factory.mktemp("return")
    root = course.copy_course(REPO, base / "course")
    exchange = base / "exchange"
    exchange.mkdir()
    course_id = course.load_config(root).CourseDirectory.course_id
    exchange_args = ("--course", course_id, f"--Exchange.root={exchange}")
    released = autograder(root, "release", GRADED, "--exchange", str(exchange), "--no-build")
    assert released.returncode == 0, released.stderr
    homes = {}
    for name, content in SUBMISSIONS.items():
        homes[name] = base / "students" / name
        homes[name].mkdir(parents=True)
        student(homes[name], name, "fetch_assignment", GRADED, *exchange_args)
        notebook = homes[name] / GRADED / f"{GRADED}.ipynb"
        if content is not None:
            notebook.write_bytes(_solution() if content == "solution" else content)
        student(homes[name], name, "submit", GRADED, *exchange_args)
    collected = autograder(root, "collect", GRADED, "--exchange", str(exchange))
    assert collected.returncode == 0, collected.stderr
    graded = autograder(root, "grade", GRADED, "--workers", "1")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    return {"root": root, "exchange": exchange, "homes": homes, "args": exchange_args, "base": base}


def _score(root, name):
    record = next(r for r in records.load(*course_database(root), GRADED) if r.student == name)
    return "%g / %g" % (round(record.score, 2), round(record.max_score, 2))


def test_unreadable_notebooks_get_a_page_that_says_why(term):
    root = term["root"]
    pages = {name: root / "feedback" / name / GRADED / f"{GRADED}.html" for name in ("empty", "notjson")}
    for name, path in pages.items():
        assert path.is_file(), f"{name}: no feedback page"
        record = next(r for r in records.load(*course_database(root), GRADED) if r.student == name)
        assert record.status == "failed" and record.score == 0
        html = path.read_text()
        assert f"{GRADED}.ipynb is not a readable notebook:" in html
        assert "Every cell of" in html and "scored 0" in html and "Submit again before the deadline" in html
        assert "course staff" in html
        assert "Traceback" not in html and str(root) not in html and str(term["base"]) not in html
        assert "<script" not in html and "http" not in html  # escaped, self-contained
    assert "it is empty (0 bytes)" in pages["empty"].read_text()
    notjson = pages["notjson"].read_text()
    assert "it is not JSON (Expecting value: line 1 column 1 (char 0))" in notjson
    honest = (root / "feedback" / "alice" / GRADED / f"{GRADED}.html").read_text()
    assert "could not be graded" not in honest


def test_return_then_each_student_fetches_their_own_feedback(term):
    root, homes = term["root"], term["homes"]
    returned = autograder(root, "return", GRADED, "--exchange", str(term["exchange"]))
    assert returned.returncode == 0, returned.stdout + returned.stderr
    assert f"{GRADED}: released the feedback of 4 students (4 pages) to {term['exchange']}" in returned.stdout
    scores = {name: _score(root, name) for name in homes}
    assert scores["alice"] != scores["bob"]  # the test tells the two pages apart
    for name, home in homes.items():
        student(home, name, "fetch_feedback", GRADED, *term["args"])
        fetched = list((home / GRADED / "feedback").glob(f"*/{GRADED}.html"))
        assert len(fetched) == 1, f"{name}: {fetched}"
        html = fetched[0].read_text()
        if name in ("alice", "bob"):
            assert f"{GRADED}: {scores[name]}" in html, name
        else:
            assert f"<code>{name}</code>" in html and "is not a readable notebook" in html


def test_return_refuses_without_an_exchange_or_grades(term, tmp_path):
    missing = autograder(term["root"], "return", GRADED, "--exchange", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "exchange folder" in missing.stderr and "does not exist" in missing.stderr
    fresh = course.copy_course(REPO, tmp_path / "course")
    nothing = autograder(fresh, "return", GRADED, "--exchange", str(term["exchange"]))
    assert nothing.returncode == 2 and f"run `autograder grade {GRADED}` first" in nothing.stderr
    unknown = autograder(term["root"], "return", GRADED, "--exchange", str(term["exchange"]), "--student", "zed")
    assert unknown.returncode == 2 and "zed (not graded)" in unknown.stderr and "Nothing was released" in unknown.stderr


def test_return_names_a_page_students_cannot_fetch_and_refuses_it_by_name(term):
    """A page without nbgrader's submission_secret.txt (a submission that did not come through the exchange)."""
    root = term["root"]
    (root / "feedback" / "bob" / GRADED / "submission_secret.txt").unlink()
    named = autograder(root, "return", GRADED, "--exchange", str(term["exchange"]), "--student", "bob")
    assert named.returncode == 2 and "bob (its submission did not come through nbgrader's exchange" in named.stderr
    assert "Nothing was released" in named.stderr
    rest = autograder(root, "return", GRADED, "--exchange", str(term["exchange"]))
    assert rest.returncode == 0, rest.stderr
    assert "released the feedback of 3 students (3 pages)" in rest.stdout
    assert "no feedback for bob: its submission did not come through nbgrader's exchange" in rest.stderr
    assert f"hand out {root / 'feedback' / 'bob' / GRADED}/*.html another way" in rest.stderr
