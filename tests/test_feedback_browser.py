"""The feedback page in a real (headless) Chromium, offline: math is rendered without anything from elsewhere.

On the small graded class (tests/graded_gradebook.py: alice's written answer graded by hand, bob a typical mistake,
carol the blank release), the real `nbgrader generate_feedback` makes the pages with the course's config. Chromium
opens them with its network cut off. How many formulas each page must show is counted in the graded notebook's
markdown by nbconvert's own math-aware markdown parser, not written here.

Set ``AUTOGRADER_SCREENSHOTS`` to a folder to keep PNG screenshots of the pages (the page of an unreadable notebook
too, as ``autograder.grading.unreadable`` writes it; tests/test_return.py grades one for real).
"""

import re

import nbformat
import pytest

from .browser import chromium, shot
from .conftest import nbgrader
from .graded_gradebook import graded_course

pytestmark = pytest.mark.nbgrader

STUDENTS = ("alice", "bob", "carol")
# what a page may load from elsewhere: a script, a stylesheet, a font, a frame, an image by URL
_REMOTE = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_course(tmp_path_factory.getbasetemp() / "graded")


@pytest.fixture(scope="module")
def pages(graded):
    nbgrader(graded.root, "generate_feedback", graded.assignment, "--force")
    folder = graded.root / "feedback"
    return {s: folder / s / graded.assignment / f"{graded.assignment}.html" for s in STUDENTS}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("feedback-browser"), 1280, 900) as driver:
        yield driver


def _formulas(graded, student: str) -> int:
    """How many formulas the markdown of ``student``'s graded notebook holds, by nbconvert's math-aware parser."""
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    def count(tokens) -> int:
        return sum((token.get("type") in ("inline_math", "block_math", "latex_environment"))
                   + count(token.get("children") or []) for token in tokens)

    nb = nbformat.read(graded.root / "autograded" / student / graded.assignment / f"{graded.assignment}.ipynb", 4)
    parser = MarkdownWithMath(renderer=None)
    return sum(count(parser.parse(cell.source)[0]) for cell in nb.cells if cell.cell_type == "markdown")


def test_pages_load_nothing_from_elsewhere(pages):
    for student, page in pages.items():
        html = page.read_text(encoding="utf-8")
        assert not _REMOTE.findall(html), f"{student}'s feedback loads {_REMOTE.findall(html)}"
        assert "MathJax.Hub" not in html and "text/x-mathjax-config" not in html, f"{student}'s page configures MathJax"
        assert "<math " in html or student != "alice"


def test_math_is_mathml_with_a_size_offline(pages, graded, browser):
    expected = _formulas(graded, "alice")
    assert expected > 5, "the assignment's markdown has formulas (the fixture is meaningful)"
    browser.get(pages["alice"].as_uri())
    found = browser.execute_script("""
        const cells = [...document.querySelectorAll('.text_cell_render')];
        const maths = cells.flatMap(c => [...c.querySelectorAll('math')]);
        return {
          boxes: maths.map(m => { const r = m.getBoundingClientRect(); return [r.width, r.height, m.getAttribute('display')]; }),
          fractions: maths.filter(m => m.querySelector('mfrac') && m.getAttribute('display') === 'block')
                          .map(m => m.getBoundingClientRect().height),
          lineHeight: parseFloat(getComputedStyle(cells[0]).fontSize),
          text: cells.map(c => c.innerText).join('\\n'),
          scripts: [...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href),
        };""")
    assert len(found["boxes"]) == expected, "every formula of the markdown is a MathML element"
    assert all(width > 0 and height > 0 for width, height, _ in found["boxes"]), found["boxes"]
    assert found["fractions"] and min(found["fractions"]) > 1.5 * found["lineHeight"], \
        "a displayed fraction is laid out in two dimensions (taller than a line), not as one line of TeX"
    assert "$" not in found["text"] and "\\frac" not in found["text"] and "\\mathrm" not in found["text"], \
        "no raw TeX left in the text the student reads"
    assert not [url for url in found["scripts"] if url.startswith(("http:", "https:"))]


@pytest.mark.parametrize("student, name", [("alice", "feedback-alice-hand-graded.png"), ("bob", "feedback-bob-mistakes.png"),
                                           ("carol", "feedback-carol-blank.png")])
def test_page_fits_the_window(pages, browser, student, name):
    """Nothing runs off to the right of a 1280 px window (the summary, long test messages, code)."""
    browser.get(pages[student].as_uri())
    width = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"{student}'s page is {width[0]} px wide in a {width[1]} px window"
    shot(browser, name)
    shot(browser, name.replace(".png", "-full.png"), full_page=True)


def test_unreadable_notebook_page_in_the_browser(browser, tmp_path):
    """The page a student gets for an empty notebook says what was wrong and what to do, and fits the window."""
    from autograder.grading import unreadable

    page = tmp_path / "tfidf_distances.html"
    page.write_text(unreadable.page("tfidf_distances", "dan", "tfidf_distances.ipynb", unreadable.describe(b""), 19),
                    encoding="utf-8")
    browser.get(page.as_uri())
    text = browser.find_element("tag name", "body").text
    assert "tfidf_distances.ipynb is not a readable notebook: it is empty (0 bytes)" in text
    width = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]
    shot(browser, "feedback-unreadable.png")
