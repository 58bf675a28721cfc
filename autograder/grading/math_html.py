"""Math in the feedback page as MathML, made when the page is made: readable offline, nothing loaded from elsewhere.

nbconvert leaves ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` and ``\\begin{env}...\\end{env}`` in markdown as
TeX for MathJax, which its templates load from a CDN: a student reading the page offline saw raw TeX.
``markdown_to_html`` renders markdown as nbconvert does (its own math-aware parser, so what counts as math is
unchanged) and turns each formula into MathML with ``latex2mathml`` (pure Python, no dependency of its own), which
browsers lay out themselves (MathML Core: Chromium 109+, Firefox, Safari). A formula it cannot convert, or whose
MathML holds anything but MathML elements (``\\text{<b>..}`` passes markup through), is shown as its TeX source in
``<code>``, escaped: still readable, never markup from the student.
"""

import xml.etree.ElementTree as ElementTree
from html import escape

from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

MATHML = "http://www.w3.org/1998/Math/MathML"
# MathML elements latex2mathml writes (MathML 3 presentation markup); anything else is refused
_ELEMENTS = frozenset(
    "math mi mn mo ms mspace mtext mrow mfrac msqrt mroot mstyle merror mpadded mphantom mfenced menclose msub msup "
    "msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mlabeledtr mtd maligngroup "
    "malignmark semantics annotation".split())
_DROPPED = frozenset({"href", "src", "style", "class", "id"})
ElementTree.register_namespace("", MATHML)  # serialised as <math xmlns="...">, as HTML expects it


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """The MathML of one formula (``display``: a block of its own), or its TeX in ``<code>`` if it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        tree = ElementTree.fromstring(convert(latex, display="block" if display else "inline"))
    except Exception:  # noqa: BLE001 - any failure of the converter on student TeX: show the source
        return _source(latex, display)
    prefix = f"{{{MATHML}}}"
    for element in tree.iter():
        if not element.tag.startswith(prefix) or element.tag[len(prefix):] not in _ELEMENTS:
            return _source(latex, display)  # markup that is not math (\text{<img ...>})
        for name in [n for n in element.attrib if n in _DROPPED or n.startswith("on") or n.startswith("{")]:
            del element.attrib[name]  # \href{javascript:...}, \style{...}: links and styles are not math
    return ElementTree.tostring(tree, encoding="unicode", short_empty_elements=False)


def _source(latex: str, display: bool) -> str:
    tex = f"$${latex}$$" if display else f"${latex}$"
    code = f'<code class="tex" title="TeX that could not be rendered">{escape(tex)}</code>'
    return f'<div class="math-source">{code}</div>' if display else code


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with every formula as MathML (``latex_to_mathml``)."""

    def block_math(self, body: str) -> str:
        return latex_to_mathml(body, display=True)

    def inline_math(self, body: str) -> str:
        return latex_to_mathml(body)

    def latex_environment(self, name: str, body: str) -> str:
        return latex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    def multiline_math(self, text: str) -> str:  # mistune 2 only: the block with its delimiters
        return text


def markdown_to_html(source: str, **renderer_options) -> str:
    """``source`` markdown as HTML, formulas as MathML; ``renderer_options`` as nbconvert's ``IPythonRenderer`` takes."""
    return MarkdownWithMath(renderer=MathMLRenderer(escape=False, **renderer_options)).render(source)
