"""The term's verbs through the real command line: release to an exchange, a student fetches and submits
with real nbgrader commands, collect brings the submission into submitted/, and grade explains what to do
when nothing was collected. No kernel runs here (release uses --no-build: release/ is committed)."""

import subprocess
import sys

import pytest

from autograder import course

from .conftest import REPO, nbgrader

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "tfidf_distances"


def autograder(cwd, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)


def test_grade_without_submissions_names_the_fix(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    result = autograder(root, "grade", ASSIGNMENT)
    assert result.returncode == 2
    assert f"no submissions collected for {ASSIGNMENT}" in result.stderr
    assert f"autograder collect {ASSIGNMENT}" in result.stderr


def test_release_fetch_submit_collect(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    exchange, student = tmp_path / "exchange", tmp_path / "student"
    student.mkdir()
    exchange.mkdir()  # release never makes a missing exchange
    course_id = course.load_config(root).CourseDirectory.course_id

    released = autograder(root, "release", ASSIGNMENT, "--exchange", str(exchange), "--no-build")
    assert released.returncode == 0, released.stderr
    assert (exchange / course_id / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

    again = autograder(root, "release", ASSIGNMENT, "--exchange", str(exchange), "--no-build")
    assert again.returncode == 2 and "--force" in again.stderr  # the message names the fix

    for verb in ("fetch_assignment", "submit"):
        nbgrader(student, verb, ASSIGNMENT, "--course", course_id, f"--Exchange.root={exchange}")

    collected = autograder(root, "collect", ASSIGNMENT, "--exchange", str(exchange))
    assert collected.returncode == 0, collected.stderr
    submissions = list((root / "submitted").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"))
    assert len(submissions) == 1 and (submissions[0].parent / "timestamp.txt").is_file()
    assert "1 submissions" in collected.stdout


def test_collect_zip_takes_canvas_downloads(tmp_path):
    """Canvas names files <name>_[late_]<user id>_<submission id>_<file>[-n]; loose files and a .zip both count."""
    import zipfile

    root = course.copy_course(REPO, tmp_path / "course")
    notebook = (REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    downloads = tmp_path / "canvas"
    downloads.mkdir()
    (downloads / f"doejane_1001_9001_{ASSIGNMENT}.ipynb").write_bytes(notebook)
    (downloads / f"roejohn_late_1002_9002_{ASSIGNMENT}-1.ipynb").write_bytes(notebook + b"\n")  # a resubmission
    with zipfile.ZipFile(downloads / "submissions.zip", "w") as archive:
        archive.writestr(f"kaysam_1003_9003_{ASSIGNMENT}.ipynb", notebook)
    (downloads / f"lostfile_{ASSIGNMENT}.ipynb").write_bytes(notebook)  # no Canvas ids: cannot be attributed
    (downloads / "doejane_1001_9004_homework.ipynb").write_bytes(notebook)  # not a notebook of the assignment

    collected = autograder(root, "collect", ASSIGNMENT, "--zip", str(downloads))
    assert collected.returncode == 0, collected.stderr
    assert "3 submissions in submitted/" in collected.stdout
    for student, data in {"1001": notebook, "1002": notebook + b"\n", "1003": notebook}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        assert sorted(p.name for p in folder.iterdir() if p.name != "timestamp.txt") == [f"{ASSIGNMENT}.ipynb"]
        assert (folder / f"{ASSIGNMENT}.ipynb").read_bytes() == data
    assert f"skipped lostfile_{ASSIGNMENT}.ipynb" in collected.stderr
    assert "skipped doejane_1001_9004_homework.ipynb" in collected.stderr


# --- due dates, extensions and hand-in times through the commands ----------------------------------------

GRADED = "artificial_neurons"  # the quicker of the two to grade


def _gradebook(root):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=course.load_config(root).CourseDirectory.course_id)


def _solution() -> bytes:
    import nbformat

    from autograder.assignments.samples import make_submission, samples_for

    source_nb = nbformat.read(REPO / "source" / GRADED / f"{GRADED}.ipynb", 4)
    release_nb = nbformat.read(REPO / "release" / GRADED / f"{GRADED}.ipynb", 4)
    sample = next(s for s in samples_for(GRADED) if s.name == "solution")
    return nbformat.writes(make_submission(source_nb, release_nb, sample)).encode()


def test_the_documented_due_date_path_grades(tmp_path):
    """README: `nbgrader db assignment add A --duedate=...`, `autograder extend A S --days 1`, then grade. nbgrader
    refuses to generate an assignment that has a submission row, and the extension made one."""
    root = course.copy_course(REPO, tmp_path / "course")
    nbgrader(root, "db", "assignment", "add", GRADED, "--duedate=2026-03-01 12:00:00 UTC")
    extended = autograder(root, "extend", GRADED, "ada", "--days", "1")
    assert extended.returncode == 0, extended.stderr
    folder = root / "submitted" / "ada" / GRADED
    folder.mkdir(parents=True)
    (folder / f"{GRADED}.ipynb").write_bytes(_solution())
    (folder / "timestamp.txt").write_text("2026-03-02 11:00:00.000000 UTC")  # late, inside the extension

    graded = autograder(root, "grade", GRADED, "--workers", "1")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert f"{GRADED}: 1 graded (1 ok" in graded.stdout
    with _gradebook(root) as gb:
        assignment = gb.find_assignment(GRADED)
        assert [nb.name for nb in assignment.notebooks] == [GRADED]
        assert assignment.duedate.isoformat() == "2026-03-01T12:00:00"
        submission = gb.find_submission(GRADED, "ada")
        assert submission.extension.days == 1 and submission.total_seconds_late == 0
        assert float(submission.score) == float(assignment.max_code_score) > 0  # the solution's full marks


def test_an_nbgrader_refusal_is_shown_with_nbgraders_reason(tmp_path):
    """A notebook added to an assignment students already handed in: nbgrader refuses, and says why."""
    root = course.copy_course(REPO, tmp_path / "course")
    nbgrader(root, "generate_assignment", GRADED, "--force")
    nbgrader(root, "db", "assignment", "add", GRADED, "--duedate=2026-03-01 12:00:00 UTC")
    assert autograder(root, "extend", GRADED, "ada", "--days", "1").returncode == 0
    source = root / "source" / GRADED
    (source / "extra.ipynb").write_bytes((source / f"{GRADED}.ipynb").read_bytes())
    built = autograder(root, "build", GRADED)
    assert built.returncode == 2
    assert f"generate_assignment {GRADED} failed: Cannot modify existing assignment" in built.stderr
    assert "because there are submissions associated with it" in built.stderr
    assert "above traceback" not in built.stderr


def test_lms_submissions_without_hand_in_time_are_named_and_times_can_be_given(tmp_path):
    """Canvas downloads carry no hand-in time: under a late policy the summary and the exports say so;
    `collect --zip DIR --times CSV` writes nbgrader's timestamp.txt, and the late policy then applies."""
    import csv

    root = course.copy_course(REPO, tmp_path / "course")
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write("\nc.LatePolicy.percent_per_day = 10\n")
    nbgrader(root, "db", "assignment", "add", GRADED, "--duedate=2026-03-01 12:00:00 UTC")
    downloads = tmp_path / "canvas"
    downloads.mkdir()
    solution = _solution()
    (downloads / f"doejane_1001_9001_{GRADED}.ipynb").write_bytes(solution)
    (downloads / f"roejohn_late_1002_9002_{GRADED}.ipynb").write_bytes(solution)

    collected = autograder(root, "collect", GRADED, "--zip", str(downloads))
    assert collected.returncode == 0, collected.stderr
    assert "no hand-in time for 2 submissions (1001, 1002)" in collected.stderr
    graded = autograder(root, "grade", GRADED, "--workers", "1")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "no hand-in time: late policy not applied: 2 submissions (1001, 1002)" in graded.stdout
    exported = autograder(root, "export", GRADED)
    assert exported.returncode == 0, exported.stderr
    with open(root / "exports" / f"{GRADED}-questions.csv", newline="") as handle:
        reasons = {row["student"]: row["reasons"] for row in csv.DictReader(handle)}
    assert all("no hand-in time: late policy not applied" in reasons[s] for s in ("1001", "1002")), reasons

    times = tmp_path / "times.csv"
    times.write_text("student_id,timestamp\n1001,2026-03-01 11:00:00 UTC\n1002,2026-03-03 01:00:00 Europe/Paris\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,timestamp\n1001,2026-03-01 11:00:00 PST\n")
    refused = autograder(root, "collect", GRADED, "--zip", str(downloads), "--times", str(bad))
    assert refused.returncode == 2 and "line 2" in refused.stderr and "America/Los_Angeles" in refused.stderr
    assert not (root / "submitted" / "1001" / GRADED / "timestamp.txt").exists()  # nothing written

    timed = autograder(root, "collect", GRADED, "--zip", str(downloads), "--times", str(times))
    assert timed.returncode == 0, timed.stderr
    assert "hand-in times written (timestamp.txt, UTC) for 2 submissions" in timed.stdout
    assert (root / "submitted" / "1002" / GRADED / "timestamp.txt").read_text() == "2026-03-03 00:00:00.000000 UTC"
    regraded = autograder(root, "grade", GRADED, "--workers", "1")
    assert regraded.returncode == 0, regraded.stdout + regraded.stderr
    assert "no hand-in time" not in regraded.stdout
    with _gradebook(root) as gb:
        on_time, late = gb.find_submission(GRADED, "1001"), gb.find_submission(GRADED, "1002")
        assert on_time.total_seconds_late == 0 and not on_time.late_submission_penalty
        assert late.total_seconds_late == pytest.approx(36 * 3600)  # 1.5 days late: two started days
        assert late.late_submission_penalty == pytest.approx(float(late.score) * 0.10 * 2) and late.score > 0


def test_collect_never_follows_what_a_student_left_in_the_inbound_folder(tmp_path):
    """Links (to another student's notebook, to a grader-only file), a fifo: named, not collected, never opened."""
    import os
    import shutil

    root = course.copy_course(REPO, tmp_path / "course")
    exchange = tmp_path / "exchange"
    exchange.mkdir()  # release never makes a missing exchange
    course_id = course.load_config(root).CourseDirectory.course_id
    assert autograder(root, "release", ASSIGNMENT, "--exchange", str(exchange), "--no-build").returncode == 0
    for name in ("ann", "bo"):
        student = tmp_path / name
        student.mkdir()
        for verb in ("fetch_assignment", "submit"):
            nbgrader(student, verb, ASSIGNMENT, "--course", course_id, f"--Exchange.root={exchange}",
                     f"--CourseDirectory.student_id={name}")
    inbound = exchange / course_id / "inbound"
    ann = next(inbound.glob(f"ann+{ASSIGNMENT}+*"))
    bo = next(inbound.glob(f"bo+{ASSIGNMENT}+*"))
    secret = tmp_path / "grader-only.txt"
    secret.write_text("the grader's secret\n")
    secret.chmod(0o600)
    # bo's "notebook" is ann's; bo also ships a link to a grader-only file and a fifo (which would block a reader)
    (bo / f"{ASSIGNMENT}.ipynb").unlink()
    (bo / f"{ASSIGNMENT}.ipynb").symlink_to(ann / f"{ASSIGNMENT}.ipynb")
    (bo / "notes.txt").symlink_to(secret)
    os.mkfifo(bo / "pipe")
    # cy's whole submission folder is a link to ann's
    cy = inbound / ann.name.replace("ann+", "cy+", 1)
    cy.symlink_to(ann, target_is_directory=True)

    collected = subprocess.run([sys.executable, "-m", "autograder", "collect", ASSIGNMENT, "--exchange", str(exchange)],
                               cwd=root, capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stderr
    for name in (f"{ASSIGNMENT}.ipynb", "notes.txt", "pipe"):
        assert f"bo: {name} in {bo.name} is" in collected.stderr, collected.stderr
    folder = root / "submitted" / "bo" / ASSIGNMENT
    left_out = {f"{ASSIGNMENT}.ipynb", "notes.txt", "pipe"}
    assert not left_out & {p.name for p in folder.iterdir()}  # nothing followed, nothing copied
    assert (folder / "timestamp.txt").is_file()
    assert (root / "submitted" / "ann" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()  # ann is collected as usual
    assert f"cy: . in {cy.name} is a symbolic link" in collected.stderr, collected.stderr
    assert not list((root / "submitted").glob(f"cy/{ASSIGNMENT}/*.ipynb"))
    # plain `nbgrader collect` with the course's config copies the same way
    shutil.rmtree(root / "submitted")
    nbgrader(root, "collect", ASSIGNMENT, f"--Exchange.root={exchange}")
    assert not left_out & {p.name for p in folder.iterdir()}
    assert "the grader's secret" not in "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())
