"""`autograder report` on a real gradebook: the page, its PNG plots, and numbers equal to the gradebook.

The expected numbers are computed here from nbgrader's Gradebook API and the saved SubmissionRecords,
not from autograder.report.results, then compared with summary.json and with the headline of the HTML page.
Flagged, failed and withheld submissions are left out of the statistics (and each counted in one group). The item
statistics themselves are checked on a hand-computed class in test_item_stats.py.
"""

import json
import re
import statistics
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder.storage import records
from autograder.report import report

from .graded_gradebook import graded_course

pytestmark = pytest.mark.nbgrader

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_course(tmp_path_factory.getbasetemp() / "graded")


@pytest.fixture(scope="module")
def page(graded, tmp_path_factory):
    return report(graded.root, graded.assignment, db_url=graded.db_url, out_dir=tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def expected(graded):
    """Headline numbers and per-task mean fractions, straight from the gradebook and the records."""
    recs = records.load(graded.db_url, graded.course_id, graded.assignment)
    left_out = {r.student for r in recs if r.status in ("flagged", "failed") or r.withheld}
    with Gradebook(graded.db_url, course_id=graded.course_id) as gb:
        students = [s.id for s in gb.students]
        scores, fractions, submitted = {}, {}, 0
        for sid in students:
            try:
                sub = gb.find_submission(graded.assignment, sid)
            except MissingEntry:
                continue
            submitted += 1
            if sid in left_out:
                continue
            scores[sid] = float(sub.score)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell_type == "markdown" and grade.needs_manual_grade:
                        continue  # not graded yet: not part of the mean
                    fractions.setdefault(grade.name, []).append(float(grade.score) / float(grade.max_score))
    return {
        "students": len(students),
        "submitted": submitted,
        "counted": len(scores),
        "left_out": left_out,
        "mean": statistics.fmean(scores.values()),
        "median": statistics.median(scores.values()),
        "flagged": sum(r.status == "flagged" and not r.withheld for r in recs),  # a withheld one is counted apart
        "withheld": sum(r.withheld for r in recs),
        "seconds": {r.student: r.seconds for r in recs},
        "tasks": {gid: statistics.fmean(v) for gid, v in fractions.items()},
    }


class _Headline(HTMLParser):
    """Collects the text of <b id=...> elements (the headline numbers) and the <img> sources."""

    def __init__(self):
        super().__init__()
        self.numbers, self.images, self._id = {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "b" and "id" in attrs:
            self._id = attrs["id"]
        if tag == "img":
            self.images.append(attrs["src"])

    def handle_data(self, data):
        if self._id:
            self.numbers[self._id] = data
            self._id = None


def test_summary_json_matches_gradebook(page, expected):
    numbers = json.loads((page.parent / "summary.json").read_text())
    assert expected["left_out"] and expected["counted"], "the fixture has submissions both counted and left out"
    for key in ("students", "submitted", "counted", "flagged", "withheld"):
        assert numbers[key] == expected[key], key
    assert numbers["mean"] == pytest.approx(expected["mean"])
    assert numbers["median"] == pytest.approx(expected["median"])
    assert numbers["seconds"] == pytest.approx(expected["seconds"])
    plotted = {gid: t["mean_fraction"] for gid, t in numbers["tasks"].items()}
    assert plotted == pytest.approx(expected["tasks"])


def test_html_headline_matches_gradebook(page, expected):
    parser = _Headline()
    parser.feed(page.read_text(encoding="utf-8"))
    assert int(parser.numbers["students"]) == expected["students"]
    assert int(parser.numbers["submitted"]) == expected["submitted"]
    assert int(parser.numbers["flagged"]) == expected["flagged"]
    assert int(parser.numbers["counted"]) == expected["counted"]
    assert float(parser.numbers["mean"]) == pytest.approx(expected["mean"], abs=0.005)
    assert float(parser.numbers["median"]) == pytest.approx(expected["median"], abs=0.005)


def test_page_is_self_contained_with_valid_pngs(page):
    import base64

    text = page.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=\"https?://", text), "the page must read offline"
    parser = _Headline()
    parser.feed(text)
    assert len(parser.images) == 4
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_SIGNATURE)
    for name in ("scores.png", "tasks.png", "mistakes.png", "seconds.png"):
        data = (page.parent / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000, name


def test_review_table_lists_flagged_failed_withheld_with_reasons(page, graded):
    text = page.read_text(encoding="utf-8")
    table = text.split('<h2 id="review">', 1)[1].split("<h2", 1)[0]
    for rec in records.load(graded.db_url, graded.course_id, graded.assignment):
        if rec.status in ("flagged", "failed") or rec.withheld:
            assert f"<td>{rec.student}</td>" in table
            for reason in rec.reasons:
                assert reason in table
        else:
            assert f"<td>{rec.student}</td>" not in table


def test_cli_report(graded):
    result = subprocess.run(
        [sys.executable, "-c", "from autograder.cli import run; run()", "report", graded.assignment,
         "--db", graded.db_url],
        cwd=graded.root, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    page = graded.root / "reports" / graded.assignment / "index.html"
    assert str(page) in result.stdout and page.is_file()


def test_item_table_names_tasks_by_heading(page, graded):
    """A row per graded cell under its notebook heading; no gradebook URL, no "max" that reads as the best score."""
    import nbformat

    from autograder.report.tasks import labels

    text = page.read_text(encoding="utf-8")
    source = nbformat.read(graded.root / "source" / graded.assignment / f"{graded.assignment}.ipynb", 4)
    names = labels(source)
    numbers = json.loads((page.parent / "summary.json").read_text())
    assert [item["grade_id"] for item in numbers["items"]] == list(names)
    for grade_id, label in names.items():
        row = text.split(f'id="task-{grade_id}"', 1)[1].split("</tr>", 1)[0]
        assert label.heading in row
    items = {item["grade_id"]: item for item in numbers["items"]}
    assert "max" not in re.findall(r'<b id="(\w+)"', text), "no headline that reads as the best score"
    assert graded.db_url not in text, "the gradebook URL is not on the page"
    for item in items.values():
        if item["counted"]:
            assert 0 <= item["full_marks"] <= 1
        assert sum(item["shares"].values()) == pytest.approx(1.0) or not item["counted"] and not item["awaiting"]


def test_report_links_the_similarity_page_and_lists_its_flagged_pairs(graded, page):
    """Before a similarity check the page says how to run one; after it, the flagged pairs and the link."""
    from autograder import similarity

    assert "Not compared yet" in page.read_text()
    result = similarity.run(graded.root, graded.assignment)
    assert result.flagged, "the fixture's solution and its one-mistake variant are near copies"
    html = report(graded.root, graded.assignment, db_url=graded.db_url).read_text()
    section = html.split('id="similarity"', 1)[1].split("<h2", 1)[0]
    assert 'href="similarity.html"' in section
    for pair in result.flagged:
        assert f"{pair.student_a} / {pair.student_b}" in section
        assert all(grade_id in section for grade_id, _ in pair.units)


def test_every_students_scores_fit_a_1280_px_window_under_task_headings(page, graded, tmp_path_factory):
    """The table of every student's scores, in headless Chromium at 1280 px: no column hidden behind a scrollbar,
    each task's columns headed by the notebook's task name (grade ids at most in a tooltip)."""
    import nbformat

    from autograder.report.tasks import labels

    from .browser import chromium, shot

    source = nbformat.read(graded.root / "source" / graded.assignment / f"{graded.assignment}.ipynb", 4)
    names = labels(source)
    with chromium(tmp_path_factory.mktemp("report-browser"), 1280, 900) as browser:
        browser.get(page.as_uri())
        found = browser.execute_script("""
            const table = document.querySelector('table.scores');
            const head = table.querySelector('tr');
            const columns = [...head.querySelectorAll('th.task')].flatMap(th => Array(th.colSpan).fill(th.innerText.trim()));
            return {table: [table.scrollWidth, table.parentElement.clientWidth, table.getBoundingClientRect().right],
                    page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
                    columns: columns, headerText: [...table.querySelectorAll('tr')].slice(0, 2).map(r => r.innerText).join(' '),
                    rows: table.querySelectorAll('tr.student').length};""")
        browser.execute_script("document.getElementById('scores').scrollIntoView()")
        shot(browser, "report-scores-table.png")
        shot(browser, "report-full.png", full_page=True)
    scroll, room, right = found["table"]
    assert scroll <= room and right <= found["page"][1], f"the table is {scroll} px wide in {room} px (right edge {right})"
    assert found["page"][0] <= found["page"][1], "the page itself has no horizontal scrollbar"
    assert found["columns"] == [label.heading for label in names.values()], "each task column under its task's name"
    assert not [gid for gid in names if gid in found["headerText"]], "grade ids are not headings"
    assert found["rows"] == json.loads((page.parent / "summary.json").read_text())["students"]
