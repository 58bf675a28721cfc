"""``similarity.html``: the flagged pairs ranked, each answer side by side with the shared passages marked.

One self-contained page (inline CSS, no scripts, no network) rendered from ``templates/similarity.html.j2``
with Jinja2's autoescape on, since every line of it comes from students.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .compare import jaccard, matched
from .units import NOTEBOOK

_TEMPLATES = Path(__file__).with_name("templates")
_SINGLE_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")


@dataclass
class Side:
    student: str
    kind: str
    tokens: int
    lines: list  # code: [(line number, text, shared)]; text: [(fragment, shared)]


def _code_side(student, unit, other) -> Side:
    shared_lines = set()
    for first, last in matched(unit, other):
        shared_lines.update(range(first, last + 1))
    lines = [(n, text, n in shared_lines) for n, text in enumerate(unit.source.split("\n"), start=1)]
    return Side(student, "code", unit.n_tokens, lines)


def _text_side(student, unit, other) -> Side:
    fragments, position = [], 0
    for start, end in matched(unit, other):
        if fragments and fragments[-1][1] and unit.source[position:start].strip(" ") == "":
            fragments[-1] = (fragments[-1][0] + unit.source[position:end], True)  # join marked words
        else:
            fragments += [(unit.source[position:start], False), (unit.source[start:end], True)]
        position = end
    fragments.append((unit.source[position:], False))
    # Markdown joins the lines of a paragraph: so does the page (blank lines still separate paragraphs).
    fragments = [(_SINGLE_NEWLINE.sub(" ", text), shared) for text, shared in fragments]
    return Side(student, "text", unit.n_tokens, [f for f in fragments if f[0]])


def _side(student, unit, other) -> Side:
    return (_code_side if unit.kind == "code" else _text_side)(student, unit, other)


def _evidence(pair, submissions) -> list:
    """The flagged answer cells of a pair, each as two sides; the whole-notebook flag has no passage of its own."""
    a, b = submissions[pair.student_a], submissions[pair.student_b]
    units = [(grade_id, value, True) for grade_id, value in pair.units if grade_id != NOTEBOOK]
    if not units:  # only the whole notebook is flagged: show every answer the two share something of
        for grade_id in a.units.keys() & b.units.keys() - {NOTEBOOK}:
            value = jaccard(a.units[grade_id], b.units[grade_id])
            if value > 0:
                units.append((grade_id, value, False))
        units.sort(key=lambda unit: -unit[1])
    shown = []
    for grade_id, value, flagged in units:
        unit_a, unit_b = a.units[grade_id], b.units[grade_id]
        shown.append({"grade_id": grade_id, "similarity": value, "flagged": flagged,
                      "sides": [_side(a.student, unit_a, unit_b), _side(b.student, unit_b, unit_a)]})
    return shown


def write(path: Path, assignment, pairs, submissions, skipped, settings, n_students, seconds=None) -> Path:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES),
                                     autoescape=True, trim_blocks=True, lstrip_blocks=True)
    html = environment.get_template("similarity.html.j2").render(
        assignment=assignment,
        pairs=[{"pair": pair, "evidence": _evidence(pair, submissions), "anchor": f"pair-{i}"}
               for i, pair in enumerate(pairs, start=1)],
        skipped=skipped,
        settings=settings,
        n_students=n_students,
        n_pairs=n_students * (n_students - 1) // 2,
        notebook=NOTEBOOK,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
