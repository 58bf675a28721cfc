"""What each graded cell of a notebook is called: the markdown heading above it, and its own first line.

The report and the feedback name a task the way the student reads it in the notebook: the nearest
heading above the graded cell ("3. Two classifiers", without the "(4 points)" the heading states)
and, for a test cell, the first line of its docstring ("Check mnb_score and svc_score, ...").
"""

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_POINTS = re.compile(r"\s*\(\s*\d+(\.\d+)?\s*points?\s*\)\s*$", re.IGNORECASE)
_DOCSTRING = re.compile(r'^\s*[rRuU]?("""|\'\'\'|"|\')(.*?)(\1|$)', re.DOTALL)


@dataclass(frozen=True)
class Label:
    heading: str  # the nearest markdown heading above the cell, points removed ("" if none)
    title: str  # a test cell's first docstring line ("" otherwise)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def heading_of(markdown: str) -> str | None:
    """The text of the last heading line in ``markdown`` without its points, or None."""
    found = None
    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match:
            found = _POINTS.sub("", match.group(1)).strip()
    return found


def docstring_line(code: str) -> str:
    match = _DOCSTRING.match(code)
    return match.group(2).strip().splitlines()[0].strip() if match and match.group(2).strip() else ""


def labels(nb) -> dict:
    """``grade_id -> Label`` for every graded cell (grade or task) of ``nb`` (nbformat node or dict)."""
    result, heading = {}, ""
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        graded = meta.get("grade") or meta.get("task")
        if graded and meta.get("grade_id"):
            is_test = cell.get("cell_type") == "code" and not meta.get("solution")
            result[meta["grade_id"]] = Label(heading, docstring_line(_source(cell)) if is_test else "")
        if cell.get("cell_type") == "markdown":
            found = heading_of(_source(cell))
            if found is not None:
                heading = found
    return result
