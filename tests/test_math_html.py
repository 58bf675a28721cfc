"""Formulas as MathML (``autograder.grading.math_html``): every formula of both assignments, and student TeX that
cannot be, or must not be, turned into markup. The page itself, in a browser: tests/test_feedback_browser.py."""

import re
import xml.etree.ElementTree as ElementTree

import nbformat
import pytest
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from autograder import course
from autograder.grading.math_html import MATHML, latex_to_mathml, markdown_to_html

from .conftest import REPO

ASSIGNMENTS = course.assignments(REPO)


def _markdown(assignment: str) -> list:
    nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def _formulas(source: str) -> list:
    """The formulas nbconvert's own math-aware parser finds in ``source``."""
    def walk(tokens):
        for token in tokens:
            if token.get("type") in ("inline_math", "block_math", "latex_environment"):
                yield token
            yield from walk(token.get("children") or [])

    return list(walk(MarkdownWithMath(renderer=None).parse(source)[0]))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_formula_of_the_assignment_becomes_mathml(assignment):
    sources = _markdown(assignment)
    expected = sum(len(_formulas(source)) for source in sources)
    assert expected, f"{assignment}'s markdown has formulas"
    html = "".join(markdown_to_html(source) for source in sources)
    assert html.count(f'<math xmlns="{MATHML}"') == expected
    assert 'class="tex"' not in html, "no formula of the course falls back to its TeX source"
    for math in re.findall(r"<math .*?</math>", html, re.S):
        ElementTree.fromstring(math)  # well-formed


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_markdown_without_math_renders_as_nbconvert_does(assignment):
    plain = [source for source in _markdown(assignment) if not _formulas(source)]
    assert plain
    for source in plain:
        assert markdown_to_html(source) == MarkdownWithMath(renderer=IPythonRenderer(escape=False)).render(source)


def test_display_math_is_a_block_and_inline_math_is_inline():
    assert 'display="block"' in markdown_to_html("$$x^2$$")
    assert 'display="inline"' in markdown_to_html("a $x^2$ b")


def test_tex_that_cannot_be_converted_is_shown_as_its_source_escaped():
    assert latex_to_mathml(r"\frac{1}{") == '<code class="tex" title="TeX that could not be rendered">$\\frac{1}{$</code>'
    assert "&amp;" in latex_to_mathml("a & b") and "<math" not in latex_to_mathml("a & b")


def test_student_tex_never_becomes_markup_links_or_styles():
    hostile = latex_to_mathml(r"\text{<img src=x onerror=alert(1)>}")
    assert "<img" not in hostile and "&lt;img" in hostile
    for tex in (r"\href{javascript:alert(1)}{x}", r"\style{position:fixed;top:0}{x}", r"\class{navbar}{x}"):
        math = latex_to_mathml(tex)
        assert math.startswith("<math") and not re.search(r"\b(href|style|class)=", math), (tex, math)
        assert "<mi>x</mi>" in math
