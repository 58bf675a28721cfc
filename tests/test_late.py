"""The late policy (autograder/policy/late.py) and extensions (autograder/policy/extensions.py, `autograder extend`).

Pure tests of the arithmetic first (fast tier). Then the policy through the real tools: one course copy
graded by `autograder grade`, another by plain `nbgrader autograde`, each with the same five late cases
(on time, inside the grace, 1.5 days late, past max_days_late, late but inside an extension), due date
set with `nbgrader db assignment add`, the extension given with `autograder extend` before the student
submitted; penalties are read from the gradebook and compared with the policy's definition.
"""

import subprocess
import sys
from datetime import datetime, timedelta

import nbformat
import pytest
from nbgrader.api import Gradebook
from traitlets import TraitError
from traitlets.config import Config

from autograder import course
from autograder.report import results
from autograder.policy.late import SECONDS_PER_DAY, LatePolicy, days_started, penalty
from autograder.assignments.samples import make_submission, samples_for

from .conftest import REPO, nbgrader

DAY, HOUR, MINUTE = SECONDS_PER_DAY, 3600, 60


# --- the arithmetic --------------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, days", [
    (-5, 0), (0, 0), (1, 1), (DAY - 1, 1), (DAY, 1), (DAY + 1, 2), (1.5 * DAY, 2), (3 * DAY, 3), (3 * DAY + 0.5, 4),
])
def test_days_started(seconds, days):
    assert days_started(seconds) == days


def test_each_started_day_costs_the_percent():
    assert penalty(20, 1, percent_per_day=10) == pytest.approx(2.0)  # one second late: one started day
    assert penalty(20, 1.5 * DAY, percent_per_day=10) == pytest.approx(20 * 0.10 * 2)
    assert penalty(7.5, 2 * DAY, percent_per_day=25) == pytest.approx(7.5 * 0.25 * 2)
    assert penalty(20, 0, percent_per_day=10) == 0.0


def test_default_policy_takes_nothing():
    assert penalty(20, 10 * DAY) == 0.0
    assert LatePolicy().late_submission_penalty("s", 20.0, 10 * DAY) is None  # nbgrader's own "none"


def test_grace_counts_as_on_time_and_beyond_it_lateness_counts_from_the_due_date():
    assert penalty(20, 15 * MINUTE, percent_per_day=10, grace_minutes=15) == 0.0
    assert penalty(20, 15 * MINUTE + 1, percent_per_day=10, grace_minutes=15) == pytest.approx(2.0)
    assert penalty(20, DAY + 10 * MINUTE, percent_per_day=10, grace_minutes=15) == pytest.approx(20 * 0.10 * 2)


def test_past_max_days_late_the_score_is_zero():
    assert penalty(20, 3 * DAY, percent_per_day=10, max_days_late=3) == pytest.approx(20 * 0.10 * 3)
    assert penalty(20, 3 * DAY + 1, percent_per_day=10, max_days_late=3) == 20.0
    assert penalty(20, 3 * DAY + 1, percent_per_day=0, max_days_late=3) == 20.0  # a deadline without a daily rate
    assert penalty(20, 2 * DAY, percent_per_day=0, max_days_late=3) == 0.0
    assert penalty(20, 1, percent_per_day=10, max_days_late=0) == 20.0  # no late submission accepted


def test_a_penalty_never_exceeds_the_score_nor_goes_negative():
    assert penalty(20, 30 * DAY, percent_per_day=10) == 20.0  # 300% of the score: the whole score, no more
    assert penalty(0, 5 * DAY, percent_per_day=10) == 0.0
    assert penalty(-3, 5 * DAY, percent_per_day=10, max_days_late=1) == 0.0  # never a bonus
    for seconds in (1, DAY, 9 * DAY, 11 * DAY):
        assert 0.0 <= penalty(13, seconds, percent_per_day=40) <= 13


def test_the_plugin_returns_plain_floats():
    import numpy as np

    policy = LatePolicy(config=Config({"LatePolicy": {"percent_per_day": 10, "grace_minutes": 30, "max_days_late": 3}}))
    value = policy.late_submission_penalty("s", np.float64(20.0), np.float64(1.5 * DAY))
    assert type(value) is float and value == pytest.approx(20 * 0.10 * 2)
    assert type(policy.late_submission_penalty("s", np.float64(20.0), 10 * MINUTE)) is float
    assert policy.late_submission_penalty("s", 20.0, 4 * DAY) == 20.0


@pytest.mark.parametrize("setting", [{"percent_per_day": -1}, {"percent_per_day": 101}, {"grace_minutes": -5},
                                     {"max_days_late": -1}])
def test_bad_settings_are_refused_with_their_name(setting):
    (name, value), = setting.items()
    with pytest.raises(TraitError, match=f"LatePolicy.{name}"):
        LatePolicy(config=Config({"LatePolicy": {name: value}}))


# --- due dates in a time zone ------------------------------------------------------------------------

@pytest.mark.parametrize("text, utc", [
    ("2026-11-20 12:00:00 America/Los_Angeles", datetime(2026, 11, 20, 20, 0)),  # PST (UTC-8) in November
    ("2026-06-20 12:00:00 America/Los_Angeles", datetime(2026, 6, 20, 19, 0)),  # PDT (UTC-7) in June
    ("2026-11-20 12:00:00 Europe/Paris", datetime(2026, 11, 20, 11, 0)),
    ("2026-07-01 23:59 Europe/Paris", datetime(2026, 7, 1, 21, 59)),
    ("2026-11-20 12:00:00 -0800", datetime(2026, 11, 20, 20, 0)),
    ("2026-11-20T12:00:00+05:30", datetime(2026, 11, 20, 6, 30)),
    ("2026-11-20T12:00:00Z", datetime(2026, 11, 20, 12, 0)),
    ("2026-11-20 12:00:00 UTC", datetime(2026, 11, 20, 12, 0)),
    ("2026-11-20 12:00:00", datetime(2026, 11, 20, 12, 0)),  # no zone: UTC, as nbgrader
])
def test_a_due_date_is_read_in_its_own_zone(text, utc):
    from autograder.policy.extensions import parse_duedate

    assert parse_duedate(text) == utc


@pytest.mark.parametrize("text, teaches", [
    ("2026-11-20 12:00:00 PST", ["'PST' is an abbreviation", "2026-11-20 12:00:00 America/Los_Angeles", "-0800"]),
    ("2026-11-20 12:00:00 CET", ["'CET' is an abbreviation", "Europe/Paris", "+0100"]),
    ("2026-11-20 12:00:00 EST", ["'EST' is an abbreviation", "America/New_York", "-0500"]),
    ("2026-11-20 12:00 PM PST", ["'PST' is an abbreviation", "America/Los_Angeles"]),
    ("2026-11-20 12:00 Europe/Pariss", ["no time zone is called 'Europe/Pariss'", "Europe/Paris"]),
    ("2026-11-01 01:30 America/Los_Angeles", ["ambiguous", "-0700", "-0800"]),  # the hour that happens twice
    ("2026-03-08 02:30 America/Los_Angeles", ["does not exist"]),  # the hour the clocks skip
    ("2026-11-20 12:00:00+01:00 Europe/Paris", ["both an offset and a time zone"]),
])
def test_a_due_date_in_an_abbreviation_or_an_unclear_hour_is_refused_with_how_to_write_it(text, teaches):
    from autograder.policy.extensions import DueDateError, parse_duedate

    with pytest.raises(DueDateError) as refused:
        parse_duedate(text)
    for words in teaches:
        assert words in str(refused.value)


def test_the_course_config_installs_the_policy_for_nbgrader():
    config = course.load_config(REPO)
    assert config.AssignLatePenalties.plugin_class is LatePolicy


@pytest.mark.nbgrader  # two real gradebooks: a few seconds
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own session handling
def test_a_workers_gradebook_gets_the_extension_and_nbgrader_keeps_it(tmp_path):
    """What the grading engine needs: the student's extension, carried into a gradebook with no students,
    survives Autograde's own update of the submission and moves the student's due date."""
    from autograder.policy.extensions import apply_extension, extensions_by_student

    course_db = f"sqlite:///{tmp_path / 'course.db'}"
    worker_db = f"sqlite:///{tmp_path / 'worker.db'}"
    for url in (course_db, worker_db):
        with Gradebook(url, course_id="c") as gb:
            gb.add_assignment("a", duedate=datetime(2026, 3, 1, 12))
            gb.add_assignment("b", duedate=datetime(2026, 3, 1, 12))
    with Gradebook(course_db, course_id="c") as gb:
        for student, days in (("x", 2), ("y", 0.5), ("z", 0)):
            gb.update_or_create_student(student)
            gb.update_or_create_submission("a", student, extension=timedelta(days=days) if days else None)
        gb.update_or_create_submission("b", "x", extension=timedelta(days=9))
    extended = extensions_by_student(course_db, "c", "a")
    assert extended == {"x": 2 * DAY, "y": 0.5 * DAY}

    apply_extension(worker_db, "c", "a", "x", extended["x"])
    apply_extension(worker_db, "c", "a", "z", 0)  # no extension: nothing written
    with Gradebook(worker_db, course_id="c") as gb:
        # Autograde's own call when it reads timestamp.txt
        gb.update_or_create_submission("a", "x", timestamp="2026-03-03 11:00:00.000000 UTC")
        submission = gb.find_submission("a", "x")
        assert submission.duedate == datetime(2026, 3, 3, 12) and submission.total_seconds_late == 0
        assert [s.id for s in gb.students] == ["x"]


# --- the command line without kernels --------------------------------------------------------------

def autograder(cwd, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)


def _gradebook(root):
    return Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=course.load_config(root).CourseDirectory.course_id)


@pytest.mark.nbgrader  # each command starts nbgrader and its gradebook (a few seconds)
def test_extend_names_the_fix_for_a_missing_due_date_or_assignment(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    no_date = autograder(root, "extend", "artificial_neurons", "ada", "--days", "2")
    assert no_date.returncode == 2
    assert "artificial_neurons has no due date" in no_date.stderr
    assert "nbgrader db assignment add artificial_neurons --duedate=" in no_date.stderr
    unknown = autograder(root, "extend", "homework9", "ada", "--days", "2")
    assert unknown.returncode == 2 and "unknown assignment homework9" in unknown.stderr
    negative = autograder(root, "extend", "artificial_neurons", "ada", "--days", "-1")
    assert negative.returncode == 2 and "cannot be negative" in negative.stderr


@pytest.mark.nbgrader
def test_release_sets_the_due_date_and_extend_creates_the_student(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    (tmp_path / "exchange").mkdir()  # release never makes a missing exchange
    released = autograder(root, "release", "artificial_neurons", "--exchange", str(tmp_path / "exchange"),
                          "--no-build", "--duedate", "2026-03-01 13:00:00 +0100")
    assert released.returncode == 0, released.stderr
    extended = autograder(root, "extend", "artificial_neurons", "newcomer", "--days", "1", "--hours", "6")
    assert extended.returncode == 0, extended.stderr
    assert "due 2026-03-02 18:00:00 UTC" in extended.stdout
    with _gradebook(root) as gb:
        assert gb.find_assignment("artificial_neurons").duedate == datetime(2026, 3, 1, 12, 0)  # stored in UTC
        submission = gb.find_submission("artificial_neurons", "newcomer")
        assert submission.extension == timedelta(days=1, hours=6)
        assert submission.duedate == datetime(2026, 3, 2, 18, 0)
    bad = autograder(root, "release", "artificial_neurons", "--no-build", "--duedate", "next tuesday-ish")
    assert bad.returncode == 2 and "cannot read the due date" in bad.stderr
    removed = autograder(root, "extend", "artificial_neurons", "newcomer", "--days", "0")
    assert removed.returncode == 0, removed.stderr
    with _gradebook(root) as gb:
        assert gb.find_submission("artificial_neurons", "newcomer").extension is None


# --- through the real tools --------------------------------------------------------------------------

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
DUE = datetime(2026, 3, 1, 12, 0)  # UTC
PERCENT, GRACE_MINUTES, MAX_DAYS = 10.0, 30.0, 3.0
EXTENSION_DAYS = 2
# student -> (handed in at, seconds late by the student's due date, started days charged; None: the whole score)
CASES = {
    "ontime": (DUE - timedelta(hours=1), 0, 0),
    "grace": (DUE + timedelta(minutes=10), 10 * MINUTE, 0),
    "late": (DUE + timedelta(days=1.5), 1.5 * DAY, 2),
    "toolate": (DUE + timedelta(days=4), 4 * DAY, None),
    "extended": (DUE + timedelta(days=1.5), 0, 0),  # inside its 2-day extension
}
TOOLS = ("autograder grade", "nbgrader autograde")


def _nbgrader_timestamp(when: datetime) -> str:
    """timestamp.txt as nbgrader's exchange writes it (Exchange.timestamp_format, timezone UTC)."""
    return when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def _late_course(tmp_path_factory, name: str, solution: bytes):
    root = course.copy_course(REPO, tmp_path_factory.mktemp(name) / "course")
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write(f"\nc.LatePolicy.percent_per_day = {PERCENT}\nc.LatePolicy.grace_minutes = {GRACE_MINUTES}\n"
                     f"c.LatePolicy.max_days_late = {MAX_DAYS}\n")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    nbgrader(root, "db", "assignment", "add", ASSIGNMENT, f"--duedate={DUE:%Y-%m-%d %H:%M:%S} UTC")
    # granted before the deadline, before anything was submitted (and to one who never submits)
    for student, flags in (("extended", ()), ("absent", ("--new-student",))):  # the second: the roster exists
        extended = autograder(root, "extend", ASSIGNMENT, student, "--days", str(EXTENSION_DAYS), *flags)
        assert extended.returncode == 0, extended.stderr
    for student, (when, _, _) in CASES.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NOTEBOOK).write_bytes(solution)
        (folder / "timestamp.txt").write_text(_nbgrader_timestamp(when))
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """tool -> the course copy it graded (every late case in one run per tool)."""
    from autograder.grading import grade_assignment

    source_nb = nbformat.read(REPO / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release_nb = nbformat.read(REPO / "release" / ASSIGNMENT / NOTEBOOK, 4)
    sample = next(s for s in samples_for(ASSIGNMENT) if s.name == "solution")
    solution = nbformat.writes(make_submission(source_nb, release_nb, sample)).encode()
    parallel = _late_course(tmp_path_factory, "late-parallel", solution)
    serial = _late_course(tmp_path_factory, "late-serial", solution)
    summary = grade_assignment(parallel, ASSIGNMENT, workers=2, progress=False)
    assert sorted(summary.graded) == sorted(CASES)
    nbgrader(serial, "autograde", ASSIGNMENT, "--force")
    return {"autograder grade": parallel, "nbgrader autograde": serial}


@pytest.mark.nbgrader
@pytest.mark.parametrize("tool, student", [(t, s) for t in TOOLS for s in CASES])
def test_penalty_in_the_gradebook(graded, tool, student):
    _, seconds_late, days = CASES[student]
    with _gradebook(graded[tool]) as gb:
        full_marks = float(gb.find_assignment(ASSIGNMENT).max_code_score)
        submission = gb.find_submission(ASSIGNMENT, student)
        score = float(submission.score)
        penalty_points = float(submission.late_submission_penalty or 0.0)
        assert submission.total_seconds_late == pytest.approx(seconds_late, abs=1)
        assert submission.extension == (timedelta(days=EXTENSION_DAYS) if student == "extended" else None)
    assert full_marks > 0 and score == pytest.approx(full_marks)  # the solution: every autograded point
    expected = score if days is None else score * PERCENT / 100 * days
    assert penalty_points == pytest.approx(expected)
    assert score - penalty_points >= 0


@pytest.mark.nbgrader
def test_results_show_time_late_extension_and_penalty(graded):
    loaded = {s.student: s for s in results.load(graded["nbgrader autograde"], ASSIGNMENT).students}
    late, extended, absent = loaded["late"], loaded["extended"], loaded["absent"]
    assert late.submitted and late.seconds_late == pytest.approx(1.5 * DAY, abs=1) and late.days_late == 2
    assert late.late_penalty == pytest.approx(late.score * PERCENT / 100 * 2)
    assert late.final == pytest.approx(late.score * (1 - PERCENT / 100 * 2))
    assert late.extension_seconds == 0 and late.duedate == DUE and late.timestamp == CASES["late"][0]
    assert loaded["toolate"].final == 0.0
    assert extended.extension == timedelta(days=EXTENSION_DAYS) and extended.duedate == DUE + timedelta(days=EXTENSION_DAYS)
    assert extended.seconds_late == 0 and extended.late_penalty == 0
    # an extension given to a student who never submitted is not a submission
    assert not absent.submitted and absent.reasons == [results.NO_SUBMISSION] and absent.score == 0
    assert absent.extension_seconds == EXTENSION_DAYS * DAY


@pytest.mark.nbgrader
def test_release_stores_a_zoned_due_date_in_utc_says_so_and_stores_nothing_when_it_fails(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    (tmp_path / "exchange").mkdir()  # release never makes a missing exchange
    exchange = ["--exchange", str(tmp_path / "exchange"), "--no-build"]

    def stored():
        with _gradebook(root) as gb:
            return gb.find_assignment("artificial_neurons").duedate

    released = autograder(root, "release", "artificial_neurons", *exchange, "--duedate", "2026-11-20 12:00:00 America/Los_Angeles")
    assert released.returncode == 0, released.stderr
    assert "stored due date 2026-11-20 20:00:00 UTC" in released.stdout
    assert stored() == datetime(2026, 11, 20, 20, 0)
    # released before, no --force: the release fails, and the new date is not stored either
    again = autograder(root, "release", "artificial_neurons", *exchange, "--duedate", "2026-12-24 12:00:00 UTC")
    assert again.returncode == 2 and "--force" in again.stderr and "nothing was built, released or stored" in again.stderr
    assert stored() == datetime(2026, 11, 20, 20, 0)
    # an abbreviation is refused before anything is done, saying what to write
    abbreviated = autograder(root, "release", "artificial_neurons", *exchange, "--force", "--duedate", "2026-11-20 12:00:00 PST")
    assert abbreviated.returncode == 2 and "America/Los_Angeles" in abbreviated.stderr and "-0800" in abbreviated.stderr
    assert stored() == datetime(2026, 11, 20, 20, 0)
    forced = autograder(root, "release", "artificial_neurons", *exchange, "--force", "--duedate", "2026-11-20 12:00:00 -0800")
    assert forced.returncode == 0 and "stored due date 2026-11-20 20:00:00 UTC" in forced.stdout


@pytest.mark.nbgrader
def test_extend_refuses_an_id_the_roster_does_not_know_and_names_close_ones(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    nbgrader(root, "db", "assignment", "add", ASSIGNMENT, "--duedate=2026-03-01 12:00:00 UTC")
    first = autograder(root, "extend", ASSIGNMENT, "alice", "--days", "1")  # no roster yet: created, as documented
    assert first.returncode == 0, first.stderr
    assert "created student alice" in first.stdout
    (root / "submitted" / "bob" / ASSIGNMENT).mkdir(parents=True)  # collected, not in the gradebook yet
    typo = autograder(root, "extend", ASSIGNMENT, "alcie", "--days", "2")
    assert typo.returncode == 2
    assert "no student 'alcie'" in typo.stderr and "'alice'" in typo.stderr and "--new-student" in typo.stderr
    with _gradebook(root) as gb:
        assert sorted(s.id for s in gb.students) == ["alice"]  # nothing stored
        assert gb.find_submission(ASSIGNMENT, "alice").extension == timedelta(days=1)
    collected = autograder(root, "extend", ASSIGNMENT, "bob", "--days", "2")  # known from submitted/
    assert collected.returncode == 0, collected.stderr
    on_purpose = autograder(root, "extend", ASSIGNMENT, "alcie", "--days", "2", "--new-student")
    assert on_purpose.returncode == 0 and "created student alcie" in on_purpose.stdout
    with _gradebook(root) as gb:
        assert sorted(s.id for s in gb.students) == ["alcie", "alice", "bob"]
