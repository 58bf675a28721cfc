"""One set of numbers: `autograder grade`'s mean score line, the report (page and summary.json) and the exports agree.

A class of artificial_neurons graded by the real `autograder grade`: ann hands in the solution, bo a typical mistake,
cy a file that is not JSON (failed), dee the solution with a patched ``np.allclose`` (tampering: the score is
withheld for review), and eve, on the roster, nothing. A TA then grades ann's written answer by hand (as formgrader
does, in the gradebook) and `autograder grade` runs again. The rule that decides who counts
(``autograder.report.class_numbers``) has its own hand-worked tests in test_class_numbers.py; here every figure one of the
four shows is compared with the others, and the counted scores with nbgrader's gradebook.
"""

import csv
import json
import re
import statistics

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import course
from autograder.storage import records
from autograder.assignments.samples import make_submission, samples_for, submit_class
from autograder.integrity.redteam import attacks_for, make_attack

from .conftest import REPO, course_id, db_url, nbgrader
from .hand_graded import autograder

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
WRITTEN, HAND = "param_interpretation", 1.5  # the written answer a TA grades by hand, and the score given
ROSTER = {"ann": "solution", "bo": "consistent_argument_order"}
EXPECTED_GROUPS = {"counted": 2, "flagged": 0, "withheld": 1, "failed": 1, "missing": 1}
LINE = re.compile(r"mean score: (?P<mean>\S+) / (?P<max>\S+)(?: over (?P<counted>\d+) counted submissions? of "
                  r"(?P<submitted>\d+))?(?: \(left out, counted apart: (?P<apart>[^)]*)\))?"
                  r"(?:; (?P<missing>\d+) students? without a submission)?")
APART = {"flagged": "flagged", "withheld for review": "withheld", "failed": "failed"}


def cli_numbers(stdout: str) -> dict:
    """The figures of `autograder grade`'s mean score line."""
    match = LINE.search(stdout)
    assert match, f"no mean score line in:\n{stdout}"
    numbers = {"mean": float(match["mean"]), "max_score": float(match["max"]),
               "counted": match["counted"] and int(match["counted"]),
               "submitted": match["submitted"] and int(match["submitted"]), "missing": int(match["missing"] or 0),
               "flagged": 0, "withheld": 0, "failed": 0}
    for part in filter(None, (match["apart"] or "").split(", ")):
        count, what = part.split(" ", 1)
        numbers[APART[what]] = int(count)
    return numbers


def page_numbers(html: str) -> dict:
    """The report's headline figures (``<b id=...>``)."""
    return dict(re.findall(r'<b id="(\w+)">([^<]*)</b>', html))


def read_csv(path) -> list:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded, hand-graded and graded again; the command line's outputs of both grade runs."""
    root = course.copy_course(REPO, tmp_path_factory.mktemp("numbers") / "course")
    folders = submit_class(root, ASSIGNMENT, {**ROSTER, "dee": "solution"})
    source_nb = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release_nb = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4)
    solution = make_submission(source_nb, release_nb, next(s for s in samples_for(ASSIGNMENT) if s.name == "solution"))
    tamper = next(a for a in attacks_for(ASSIGNMENT) if a.name == "patch_allclose")
    nbformat.write(make_attack(solution, tamper), folders["dee"] / NOTEBOOK)
    (root / "submitted" / "cy" / ASSIGNMENT).mkdir(parents=True)
    (root / "submitted" / "cy" / ASSIGNMENT / NOTEBOOK).write_text("my answers, not a notebook")
    nbgrader(root, "db", "student", "add", "eve", "--first-name=Eve", "--last-name=Absent")
    first = autograder(root, "grade", ASSIGNMENT, "--workers", "2")
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:  # as formgrader stores a TA's score
        grade = gb.find_grade(WRITTEN, ASSIGNMENT, ASSIGNMENT, "ann")
        grade.manual_score = HAND
        grade.needs_manual_grade = False
        gb.db.commit()
    second = autograder(root, "grade", ASSIGNMENT)
    return {"root": root, "first": first.stdout, "second": second.stdout}


@pytest.fixture(scope="module")
def shown(graded):
    """The figures each place shows, after the report and the export are made."""
    root = graded["root"]
    autograder(root, "report", ASSIGNMENT)
    written = autograder(root, "export", ASSIGNMENT).stdout
    files = [line.split("wrote ", 1)[1].split(": ", 1)[0] for line in written.splitlines() if line.startswith("wrote ")]
    folder = root / "reports" / ASSIGNMENT
    return {
        "cli": cli_numbers(graded["second"]),
        "json": json.loads((folder / "summary.json").read_text()),
        "page": page_numbers((folder / "index.html").read_text(encoding="utf-8")),
        "questions": read_csv(next(f for f in files if f.endswith(f"{ASSIGNMENT}-questions.csv"))),
        "canvas": read_csv(next(f for f in files if "canvas" in f.rsplit("/", 1)[-1])),
        "nbgrader": read_csv(next(f for f in files if "grades" in f.rsplit("/", 1)[-1])),
    }


def gradebook_scores(root) -> dict:
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        return {s.student.id: float(s.score) for s in gb.assignment_submissions(ASSIGNMENT)}


def test_the_class_is_what_the_test_built(graded, shown):
    groups = {name: shown["json"][name] for name in EXPECTED_GROUPS}
    assert groups == EXPECTED_GROUPS, groups
    statuses = {r.student: (r.status, r.withheld) for r in records.load(db_url(graded["root"]), course_id(graded["root"]), ASSIGNMENT)}
    assert statuses["cy"][0] == "failed" and statuses["dee"] == ("flagged", True), statuses


def test_the_command_line_shows_the_reports_numbers(shown):
    cli, numbers = shown["cli"], shown["json"]
    assert cli["mean"] == pytest.approx(numbers["mean"], abs=0.005)
    for key in ("max_score", "counted", "submitted", "flagged", "withheld", "failed", "missing"):
        assert cli[key] == numbers[key], key


def test_the_page_shows_summary_json(shown):
    page, numbers = shown["page"], shown["json"]
    for key in ("students", "submitted", "counted", "flagged", "withheld", "failed", "missing"):
        assert int(page[key]) == numbers[key], key
    assert float(page["mean"]) == pytest.approx(numbers["mean"], abs=0.005)
    assert float(page["median"]) == pytest.approx(numbers["median"], abs=0.005)


def test_the_mean_is_the_gradebooks_scores_of_the_counted_hand_grade_included(graded, shown):
    scores, numbers = gradebook_scores(graded["root"]), shown["json"]
    assert sorted(numbers["scores"]) == ["ann", "bo"]
    assert numbers["scores"] == pytest.approx({s: scores[s] for s in numbers["scores"]})
    assert numbers["mean"] == pytest.approx(statistics.fmean(scores[s] for s in ("ann", "bo")))
    # the hand grade reached the command line's mean: the second run's mean is the first's plus HAND over the counted
    before = cli_numbers(graded["first"])
    assert shown["cli"]["mean"] - before["mean"] == pytest.approx(HAND / numbers["counted"], abs=0.01)
    assert "feedback remade after hand grading: 1" in graded["second"]


def test_the_exports_carry_the_same_numbers(shown):
    numbers, questions = shown["json"], shown["questions"]
    by_student = {row["student"]: row for row in questions}
    assert len(questions) == numbers["students"]
    assert {row["max"] for row in questions} == {f"{numbers['max_score']:g}"}
    statuses = {s: (by_student[s]["status"], by_student[s]["withheld"]) for s in by_student}
    assert sum(status == "missing" for status, _ in statuses.values()) == numbers["missing"]
    assert sum(status == "failed" for status, _ in statuses.values()) == numbers["failed"]
    assert sum(withheld == "withheld" for _, withheld in statuses.values()) == numbers["withheld"]
    counted = [s for s, (status, withheld) in statuses.items() if status == "graded" and not withheld]
    assert sorted(counted) == sorted(numbers["scores"])  # the rows the mean counts
    assert statistics.fmean(float(by_student[s]["total"]) for s in counted) == pytest.approx(numbers["mean"])
    raw = {row["student_id"]: float(row["raw_score"]) for row in shown["nbgrader"]}  # nbgrader's own CSV
    assert statistics.fmean(raw[s] for s in counted) == pytest.approx(numbers["mean"])
    assert {float(row["max_score"]) for row in shown["nbgrader"]} == {numbers["max_score"]}
    canvas = shown["canvas"]
    assert canvas[0][ASSIGNMENT] == f"{numbers['max_score']:g}"  # Points Possible
    assert next(row for row in canvas if row["SIS Login ID"] == "dee")[ASSIGNMENT] == ""  # withheld: left alone


def test_a_submission_failed_before_any_grade_counts_as_failed_everywhere(graded):
    """The grading side failed on zed's first submission: a record, nothing in the gradebook. Failed, not 'no
    submission', on the command line, in the report and the exports; no grade (blank) where a score would be."""
    root = graded["root"]
    records.save(db_url(root), course_id(root), records.SubmissionRecord(
        ASSIGNMENT, "zed", "", "failed", ["grading infrastructure: the grading kernel did not start",
                                          "no grade was recorded for this submission"], "not run", 1.0))
    cli = cli_numbers(autograder(root, "grade", ASSIGNMENT).stdout)
    autograder(root, "report", ASSIGNMENT)
    numbers = json.loads((root / "reports" / ASSIGNMENT / "summary.json").read_text())
    html = (root / "reports" / ASSIGNMENT / "index.html").read_text(encoding="utf-8")
    review = html.split('id="review"', 1)[1].split("</table>", 1)[0]
    no_submission = html.split("<h2>No submission</h2>", 1)[1].split("</p>", 1)[0]
    assert "<td>zed</td><td>failed</td>" in review and "zed" not in no_submission and "eve" in no_submission
    assert numbers["failed"] == EXPECTED_GROUPS["failed"] + 1 and numbers["missing"] == EXPECTED_GROUPS["missing"]
    assert cli["mean"] == pytest.approx(numbers["mean"], abs=0.005)
    for key in ("counted", "submitted", "failed", "missing", "withheld"):
        assert cli[key] == numbers[key], key
    written = autograder(root, "export", ASSIGNMENT).stdout
    files = [line.split("wrote ", 1)[1].split(": ", 1)[0] for line in written.splitlines() if line.startswith("wrote ")]
    zed = next(r for r in read_csv(next(f for f in files if f.endswith("-questions.csv"))) if r["student"] == "zed")
    assert (zed["status"], zed["total"], zed["final"]) == ("failed", "", "")
    assert "no submission" not in zed["reasons"] and "grading infrastructure" in zed["reasons"]
    canvas = read_csv(next(f for f in files if "canvas" in f.rsplit("/", 1)[-1]))
    assert next(row for row in canvas if row["SIS Login ID"] == "zed")[ASSIGNMENT] == ""
