"""The feedback page a student reads, made by the real `nbgrader generate_feedback` with the course's config.

On the small graded class (tests/graded_gradebook.py): bob handed in a typical mistake and his written
answer is not graded yet; alice's written answer was graded by hand. Expected headings, messages and
hidden test lines are read from the source and autograded notebooks, not written here.
"""

import json
import re
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from autograder.mistakes import display_message
from autograder.report.tasks import labels

from .conftest import REPO, nbgrader
from .graded_gradebook import graded_course

pytestmark = pytest.mark.nbgrader


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_course(tmp_path_factory.getbasetemp() / "graded")


@pytest.fixture(scope="module")
def pages(graded):
    nbgrader(graded.root, "generate_feedback", graded.assignment, "--force")
    folder = graded.root / "feedback"
    return {s: (folder / s / graded.assignment / f"{graded.assignment}.html").read_text(encoding="utf-8")
            for s in ("alice", "bob")}


class _Summary(HTMLParser):
    """Rows of the summary table: (text of the first cell, text of the score cell)."""

    def __init__(self):
        super().__init__()
        self.rows, self._in, self._cell, self._depth = [], False, None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("id") == "course-summary":
            self._in = True
        if self._in and tag == "tr":
            self.rows.append(["", ""])
        if self._in and tag == "td":
            self._cell = 1 if "score" in (attrs.get("class") or "") else 0

    def handle_endtag(self, tag):
        if self._in and tag == "table":
            self._in = False

    def handle_data(self, data):
        if self._in and self._cell is not None and self.rows:
            self.rows[-1][self._cell] += data


def summary(page: str) -> list:
    parser = _Summary()
    parser.feed(page)
    return [(" ".join(a.split()), " ".join(b.split())) for a, b in parser.rows]


def _source(graded):
    return nbformat.read(REPO / "source" / graded.assignment / f"{graded.assignment}.ipynb", 4)


def test_summary_names_each_task_by_its_heading(pages, graded):
    headings = list(dict.fromkeys(label.heading for label in labels(_source(graded)).values()))
    for page in pages.values():
        rows = summary(page)
        names = [next(h for h in headings if row[0].startswith(h)) for row in rows if any(row[0].startswith(h) for h in headings)]
        assert names == headings, "every heading once, in notebook order"
        top = page.split('id="course-summary"', 1)[1].split('class="panel-body"', 1)[0]
        assert "Test cell" not in top


def test_lost_task_shows_its_message_and_score(pages, graded):
    nb = json.loads((graded.root / "autograded" / "bob" / graded.assignment / f"{graded.assignment}.ipynb").read_text())
    failed = {c["metadata"]["nbgrader"]["grade_id"]: o["evalue"] for c in nb["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error" and c["metadata"].get("nbgrader", {}).get("grade")}
    assert failed, "bob's mistake fails a test"
    names = labels(_source(graded))
    rows = summary(pages["bob"])
    for grade_id, message in failed.items():
        row = next(r for r in rows if r[0].startswith(names[grade_id].heading))
        shown = " ".join(display_message(message).split())  # the message, without its [mistake: code] tag
        assert shown in row[0], "the check's message under the task's heading"
        assert row[1].startswith("0 /"), row
    assert "[mistake:" in "".join(failed.values()), "the autograded notebook keeps the code for the reports"
    outputs = pages["bob"].split('class="output_area"')[1:]
    assert outputs and not any("[mistake:" in area.split("</pre>", 1)[0] for area in outputs), \
        "the student reads the message, not the report's tag"
    for student, page in pages.items():  # nor anywhere else: public tests name their mistake from the package
        assert "[mistake:" not in page and "mistake: " not in page, student


def test_written_answer_awaiting_grading_and_provisional_total(pages, graded):
    heading = labels(_source(graded))["heatmap_explanation"].heading
    bob = dict(summary(pages["bob"]))
    assert bob[heading] == "awaiting grading / 2"
    assert "Provisional total" in pages["bob"] and "(provisional)" in pages["bob"]
    alice = dict(summary(pages["alice"]))
    assert alice[heading] == "1.5 / 2 (graded by hand)", "graded by hand: its score"
    assert "Provisional total" not in pages["alice"] and "(provisional)" not in pages["alice"]


def test_no_hidden_test_code_and_no_machine_paths(pages, graded):
    source = _source(graded)
    hidden = []
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                hidden.append(line.strip())
    assert hidden
    for page in pages.values():
        assert "HIDDEN TESTS" not in page
        for line in hidden:
            assert line not in page, line
        for path in {sys.prefix, sys.base_prefix, str(REPO), str(graded.root), "/tmp/"}:
            assert path not in page, path
        assert re.search(r"white-space:\s*pre-wrap", page), "long messages wrap"


def test_nbgraders_api_makes_the_same_page(pages, graded):
    """`autograder grade` and formgrader go through NbGraderAPI.generate_feedback, which forces nbgrader's
    template name: the course's page must come out all the same."""
    from autograder import course

    with course.inside(graded.root):
        outcome = course.nbgrader_api(graded.root).generate_feedback(graded.assignment, "bob", force=True)
    assert outcome["success"], outcome.get("error")
    page = (graded.root / "feedback" / "bob" / graded.assignment / f"{graded.assignment}.html").read_text(encoding="utf-8")
    assert page == pages["bob"]
