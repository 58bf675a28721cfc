"""Every command line README.md shows, run in a course copy, does what the README says it does.

The commands are read from the README itself (tests/readme_commands.py: code blocks, the instructor's table,
``autograder``/``nbgrader`` commands in the text). The fast tests fail when the README shows a command this test
does not know, or an ``autograder`` option the command line does not have. The term (tests/readme_term.py) then
runs them with the real ``autograder`` and ``nbgrader`` programs: synopses filled in (ASSIGNMENT, DIR...), lines
run as written; each one's exit status and the files or rows it says it makes are checked here.
"""

import csv
import subprocess
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from nbgrader.api import Gradebook

from autograder import cli, course
from autograder.storage import records

from .conftest import REPO, checkout_env
from .readme_commands import shown
from .readme_term import BIN, ELSEWHERE, KEYS, SETUP, TERM, Term, autograder_term, fresh, handin_csv, ok

def test_the_readme_shows_commands_from_every_place():
    commands = shown(REPO / "README.md")
    assert {c.where for c in commands} == {"code", "table", "text"}
    assert any(c.key == "autograder grade" and c.where == "table" and c.synopsis for c in commands)


def test_every_command_the_readme_shows_is_one_this_test_knows():
    known = KEYS["autograder"] | KEYS["plain"] | SETUP | ELSEWHERE.keys()
    unknown = [str(c) for c in shown(REPO / "README.md") if c.key not in known]
    assert not unknown, ("README.md shows commands tests/test_readme_commands.py does not run nor name where they are "
                         "tested: add each to a term (tests/readme_term.py, KEYS) or to ELSEWHERE:\n" + "\n".join(unknown))


def test_what_is_tested_elsewhere_is_there():
    for what, (path, holds) in ELSEWHERE.items():
        assert holds in (REPO / path).read_text(), f"{what}: {path} does not hold {holds!r}"


def test_every_autograder_option_the_readme_shows_exists():
    for command in shown(REPO / "README.md"):
        if command.tokens[0] == "autograder":
            verb = cli.main.commands.get(command.tokens[1])
            assert verb is not None, f"{command}: no command {command.tokens[1]!r}"
            options = {o for p in verb.params for o in p.opts}
            assert command.flags <= options, f"{command}: {sorted(command.flags - options)} is no option of it"


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> Term:
    return autograder_term(tmp_path_factory.mktemp("readme"))


def _utc(text: str) -> datetime:
    """A README date ``YYYY-MM-DD HH:MM:SS Zone/Name`` (or ``UTC``) in naive UTC, as nbgrader stores it."""
    stamp, zone = text.rsplit(" ", 1)
    local = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _option(words: list, name: str) -> str:
    for i, word in enumerate(words):
        if word == name:
            return words[i + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    raise KeyError(name)


@pytest.mark.nbgrader
def test_every_command_the_readme_shows_was_run_with_every_option(term):
    assert_every_command_ran(term, KEYS["autograder"])


def assert_every_command_ran(term: Term, keys: set) -> None:
    """Every README command of ``keys`` was run by ``term``, with every option it shows (but those run ELSEWHERE)."""
    ran = {}
    for key, flags in term.ran:
        ran.setdefault(key, set()).update(flags)
    for command in term.commands:
        if command.key in keys:
            assert command.key in ran, f"{command} was never run"
            missing = {f for f in command.flags - ran[command.key] if (command.key, f) not in ELSEWHERE}
            assert not missing, f"{command}: {sorted(missing)} never run"


@pytest.mark.nbgrader
def test_build_makes_release_and_solutions_as_committed(term):
    assert f"built release/ and solutions/ for {TERM}" in ok(term, "build").stdout
    for folder in ("release", "solutions"):
        path = f"{folder}/{TERM}/{TERM}.ipynb"
        assert (term.root / path).read_bytes() == (REPO / path).read_bytes(), path


@pytest.mark.nbgrader
def test_release_stores_the_due_date_once_and_all_or_nothing(term):
    released = ok(term, "release")
    stored = _utc(_option(released.words, "--duedate"))
    assert f"released {TERM} to {term.exchange / term.course_id / 'outbound' / TERM}" in released.stdout
    assert f"stored due date {stored:%Y-%m-%d %H:%M:%S} UTC" in released.stdout and term.seen["release"] == stored
    again = term.steps["release again"]
    assert again.returncode == 2 and "--force" in again.stderr and "nothing was built, released or stored" in again.stderr
    assert term.seen["release again"] == stored
    nowhere = term.steps["release nowhere"]
    missing = _option(nowhere.words, "--exchange")
    assert nowhere.returncode == 2 and f"exchange folder {missing} does not exist" in nowhere.stderr
    assert "c.Exchange.root" in nowhere.stderr and "Nothing was built, released or stored" in nowhere.stderr
    assert not (term.base / "nowhere").exists() and term.seen["release nowhere"] == stored
    added = ok(term, "db assignment add")
    assert term.seen["db assignment add"] == _utc(_option(added.words, "--duedate").replace("'", ""))


@pytest.mark.nbgrader
def test_extend_stores_the_extension_and_advises_the_command_that_regrades(term):
    assert "created student newcomer" in ok(term, "extend new").stdout
    extended = ok(term, "extend graded")
    days, hours = float(_option(extended.words, "--days")), float(_option(extended.words, "--hours"))
    assert term.seen["extend graded"] == timedelta(days=days, hours=hours)
    due = term.seen["db assignment add"] + timedelta(days=days, hours=hours)
    assert f"jdoe: {TERM} due {due:%Y-%m-%d %H:%M:%S} UTC" in extended.stdout
    assert f"`autograder grade {TERM}`" in extended.stderr and "--force" not in extended.stderr
    regraded = ok(term, "grade again")  # what the advice says: a plain grade
    assert "extension changed: 1 regraded; unchanged: 1 skipped" in regraded.stdout


@pytest.mark.nbgrader
def test_collect_from_the_exchange_and_from_lms_downloads_with_times(term):
    assert f"{TERM}: 1 submissions in submitted/" in ok(term, "collect").stdout
    assert (term.root / "submitted" / "jdoe" / TERM / "timestamp.txt").is_file()
    zipped = ok(term, "collect zip")
    assert "hand-in times written (timestamp.txt, UTC) for 1 submissions" in zipped.stdout
    student, when = handin_csv(REPO / "README.md").splitlines()[1].split(",", 1)
    stamp = (term.root / "submitted" / student / TERM / "timestamp.txt").read_text()
    assert stamp == f"{_utc(when):%Y-%m-%d %H:%M:%S}.000000 UTC"


@pytest.mark.nbgrader
def test_grade_return_and_the_students_page(term):
    graded = ok(term, "grade")
    assert f"{TERM}: 2 graded (2 ok, 0 flagged, 0 failed)" in graded.stdout
    statuses = {r.student: r.status for r in records.load(f"sqlite:///{term.root / 'gradebook.db'}", term.course_id, TERM)}
    assert statuses == {"1001": "graded", "jdoe": "graded"}
    for name in statuses:
        assert (term.root / "feedback" / name / TERM / f"{TERM}.html").is_file(), name
    returned = ok(term, "return")
    assert f"{TERM}: released the feedback of 1 students (1 pages) to {term.exchange / term.course_id / 'feedback'}" \
        in returned.stdout
    ok(term, "fetch_feedback term")
    assert list((term.base / "students" / "jdoe" / TERM / "feedback").glob(f"*/{TERM}.html"))


@pytest.mark.nbgrader
def test_export_report_and_similarity_write_what_they_say(term):
    exported = ok(term, "export")
    written = [line.split("wrote ", 1)[1].split(": ", 1)[0] for line in exported.stdout.splitlines() if line.startswith("wrote ")]
    assert written and all(fresh(term.root / w, exported) for w in written), exported.stdout
    questions = next(w for w in written if w.endswith(f"{TERM}-questions.csv"))
    with open(term.root / questions, newline="") as handle:
        statuses = {r["student"]: r["status"] for r in csv.DictReader(handle)}
    assert {s: statuses[s] for s in ("jdoe", "1001")} == {"jdoe": "graded", "1001": "graded"}
    for exporter in ("QuestionsExport", "MistakesExport", "CanvasExport"):
        ran = ok(term, exporter)
        note = next(c.note for c in term.commands if c.where == "code" and exporter in c.text)
        for assignment in (TERM,):  # every graded assignment by default: the term grades one
            path = term.root / note.replace("<a>", assignment)
            assert fresh(path, ran), f"{' '.join(ran.words)}: README says it writes {note}; {path} is not new"
    plain = ok(term, "nbgrader export")  # nbgrader's own CSV: grades.csv in the course folder
    assert fresh(term.root / "grades.csv", plain)
    with open(term.root / "grades.csv", newline="") as handle:
        rows = {(r["assignment"], r["student_id"]) for r in csv.DictReader(handle)}
    assert {(TERM, "jdoe"), (TERM, "1001")} <= rows
    reported = ok(term, "report")
    page = term.root / "reports" / TERM / "index.html"
    assert f"wrote {page}" in reported.stdout and fresh(page, reported)
    assert fresh(page.parent / "summary.json", reported)
    similar = ok(term, "similarity")
    for name in ("similarity.csv", "similarity.html"):
        assert fresh(page.parent / name, similar) and f"wrote {page.parent / name}" in similar.stdout


@pytest.mark.nbgrader
def test_release_never_makes_the_exchange_the_config_names(tmp_path):
    """nbgrader's release_assignment would create a missing exchange (as root: /usr/local/share/nbgrader/exchange by
    default); the README says a missing exchange stops release, collect and return: nothing made, nothing stored."""
    root = course.copy_course(REPO, tmp_path / "course")
    missing = tmp_path / "shared" / "exchange"
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write(f"\nc.Exchange.root = {str(missing)!r}\n")
    line = next(c for c in shown(REPO / "README.md") if c.key == "autograder release" and c.where == "code")
    for words in (list(line.tokens), ["autograder", "collect", TERM], ["autograder", "return", TERM]):
        done = subprocess.run([str(BIN / "autograder"), *words[1:]], cwd=root, env=checkout_env(), capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 2, f"{' '.join(words)}: {done.stdout}{done.stderr}"
        assert f"the exchange folder {missing} does not exist" in done.stderr and "c.Exchange.root" in done.stderr
        assert not missing.exists() and not missing.parent.exists(), f"{' '.join(words)} made {missing}"
        assert words[1] != "release" or "Nothing was built, released or stored" in done.stderr
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=course.load_config(root).CourseDirectory.course_id) as gb:
        assert all(a.duedate is None for a in gb.assignments), "a due date was stored"
