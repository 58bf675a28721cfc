"""Item analysis per variant on a real graded class: `autograder grade` then `autograder report` on artificial_neurons.

Sixteen students whose variants differ: the six whose ``clf_4d_2`` has 6 hidden neurons hand in a typical mistake that
loses the parameter counts (``another_networks_biases``), the ten others one of the honest samples. The report must
point out ``hidden_4d_2 = 6`` on that task, and on no other task or value. What each student's variant is comes from
the real `autograder variant` command (its CSV), their scores from nbgrader's gradebook; the page is read in headless
Chromium (``AUTOGRADER_SCREENSHOTS`` keeps a screenshot of the per-variant table).
"""

import csv
import io
import json

import pytest
from nbgrader.api import Gradebook

from autograder import course, variants
from autograder.assignments.samples import samples_for, submit_class

from .browser import chromium, shot
from .conftest import REPO, course_id, db_url, nbgrader
from .hand_graded import autograder

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
HARD, MISTAKE = 6, "another_networks_biases"
SAMPLE = next(s for s in samples_for(ASSIGNMENT) if s.name == MISTAKE)
HONEST = [s.name for s in samples_for(ASSIGNMENT) if s.kind == "honest"]


def _roster() -> dict:
    """Six students of hidden_4d_2 = 6 with the mistake, ten of the other sizes with honest samples."""
    cid = course.load_config(REPO).CourseDirectory.course_id
    hard, rest, i = [], [], 0
    while len(hard) < 6 or len(rest) < 10:
        student = f"stu{i:03d}"
        (hard if variants.params(ASSIGNMENT, student, cid)["hidden_4d_2"] == HARD else rest).append(student)
        i += 1
    return {**{s: MISTAKE for s in hard[:6]}, **{s: HONEST[k % len(HONEST)] for k, s in enumerate(rest[:10])}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = course.copy_course(REPO, tmp_path_factory.mktemp("report-variants") / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    submit_class(root, ASSIGNMENT, _roster())
    autograder(root, "grade", ASSIGNMENT, "--workers", "2")
    reported = autograder(root, "report", ASSIGNMENT).stdout
    listed = autograder(root, "variant", ASSIGNMENT).stdout
    params = {row["student"]: {k: json.loads(v) for k, v in row.items() if k != "student"}
              for row in csv.DictReader(io.StringIO(listed))}
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        scores = {(sub.student.id, grade.name): (float(grade.score), float(grade.max_score))
                  for sub in gb.assignment_submissions(ASSIGNMENT) for nb in sub.notebooks for grade in nb.grades}
    folder = root / "reports" / ASSIGNMENT
    return {"root": root, "params": params, "reported": reported, "scores": scores, "page": folder / "index.html",
            "summary": json.loads((folder / "summary.json").read_text())["variants"]}


def test_the_class_has_the_variants_the_test_needs(graded):
    sizes = [p["hidden_4d_2"] for p in graded["params"].values()]
    assert len(graded["params"]) == 16 and sizes.count(HARD) == 6 and len(set(sizes)) == 4
    assert len({json.dumps(p) for p in graded["params"].values()}) == 16, "every student has their own variant"


def test_the_per_variant_numbers_are_the_gradebooks(graded):
    for table in graded["summary"]["tasks"]:
        for value in table["values"]:
            members = [s for s, p in graded["params"].items() if json.dumps(p[table["parameter"]]) == json.dumps(value["value"])]
            got = [graded["scores"][(s, table["grade_id"])] for s in members]
            assert value["n"] == len(members), (table["grade_id"], table["parameter"], value)
            assert value["full"] == sum(score >= top for score, top in got)
            assert value["mean_fraction"] == pytest.approx(sum(score / top for score, top in got) / len(got))


def test_the_hard_variant_and_only_it_is_pointed_out(graded):
    lost = set(SAMPLE.expect_lost)
    hard = graded["summary"]["hard"]
    assert {(h["grade_id"], h["parameter"], h["value"]) for h in hard} == {(g, "hidden_4d_2", HARD) for g in lost}
    for h in hard:
        assert (h["n"], h["full"], h["rest_n"], h["rest_full"]) == (6, 0, 10, 10)
        assert h["p_value"] < graded["summary"]["rule"]["p_threshold"]
        assert h["message"].startswith(f"hidden_4d_2 = {HARD}: 0 of 6 full marks on ")
        assert h["message"].endswith("the rest 10 of 10: look at this variant")
        assert f"hard variant: {h['message']}" in graded["reported"], graded["reported"]
    assert graded["reported"].count("hard variant:") == len(hard)


def test_the_page_shows_the_table_and_the_warning(graded, tmp_path_factory):
    grade_id = SAMPLE.expect_lost[0]
    with chromium(tmp_path_factory.mktemp("report-variants-browser"), 1280, 900) as browser:
        browser.get(graded["page"].as_uri())
        found = browser.execute_script("""
            const row = document.getElementById(arguments[0]);
            const chips = [...row.querySelectorAll('.values span')];
            const warn = document.getElementById('hard-variants');
            row.scrollIntoView();
            return {chips: chips.map(c => [c.dataset.value, c.className, c.innerText, getComputedStyle(c).backgroundColor]),
                    warning: warn ? warn.innerText : null, rows: document.querySelectorAll('table.variants tr[id]').length,
                    width: [document.documentElement.scrollWidth, document.documentElement.clientWidth]};""",
            f"variant-{grade_id}-hidden_4d_2")
        shot(browser, "report-variants.png")
        browser.execute_script("document.getElementById('hard-variants').scrollIntoView()")
        shot(browser, "report-variants-warning.png")
    chips = {value: (cls, text, colour) for value, cls, text, colour in found["chips"]}
    assert list(chips) == ["3", "4", "5", "6"]
    assert chips["6"][0] == "hard" and chips["6"][1].startswith("6: 0/6") and "⚠" in chips["6"][1]
    assert chips["6"][2] != chips["3"][2], "the hard value stands out"
    assert all(cls != "hard" for value, (cls, _, _) in chips.items() if value != "6")
    assert found["warning"] and "hidden_4d_2 = 6: 0 of 6 full marks on" in found["warning"]
    assert found["rows"] == len(graded["summary"]["tasks"]) > 0
    assert found["width"][0] <= found["width"][1], "the table fits the window"
