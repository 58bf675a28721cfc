"""What is compared: each submission's answer cells (one unit per ``grade_id``) and its whole notebook.

The released notebook says which cells are answers (nbgrader solution cells: code or written) and what is
given: the given code and prompts are removed from every unit before comparing, so two students who left
the same docstrings, ``def`` lines and ``print`` calls in place are not alike for it. Submissions that
cannot be read, or that answer nothing, are skipped with their reason; a missing answer cell is noted and
the rest of the submission is still compared.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.files import read_regular
from . import code_tokens, text_tokens

NOTEBOOK = "notebook"  # the grade_id of the whole-submission unit


@dataclass
class Segment:
    """A statement (code) or a word (text) of a unit, with the fingerprints it contributes and its place."""

    fingerprints: frozenset
    where: tuple  # code: (first_line, last_line), 1-based; text: (start, end) character offsets


@dataclass
class Unit:
    """One answer of one student, ready to compare."""

    grade_id: str
    kind: str  # "code" or "text"
    source: str
    fingerprints: frozenset
    n_tokens: int  # tokens (code) or words (text) that are not the released notebook's
    segments: list = field(default_factory=list)


@dataclass
class Skipped:
    """A submission (``grade_id`` None) or one of its cells left out of the comparison, and why."""

    student: str
    reason: str
    grade_id: str | None = None


@dataclass
class Submission:
    student: str
    units: dict  # grade_id -> Unit, including NOTEBOOK


@dataclass
class Template:
    """What the released notebooks of an assignment give: answer cells, given names, given fingerprints."""

    notebooks: list  # notebook names (file stems)
    answers: dict  # notebook -> [(grade_id, kind)]
    given_names: frozenset
    given_statements: frozenset
    given_fingerprints: frozenset


class Fingerprinter:
    """Turns cells into fingerprints with the settings' n-gram sizes (hashes are only compared within a run)."""

    def __init__(self, code_ngram: int, text_ngram: int):
        self.code_ngram = code_ngram
        self.text_ngram = text_ngram

    def code(self, source: str, given_names) -> list:
        found = []
        for statement in code_tokens.statements(source, given_names):
            sequence = ("<s>", *statement.tokens, "</s>")
            grams = frozenset(hash(("c", *gram)) for gram in text_tokens.shingles(sequence, self.code_ngram))
            found.append((statement, grams))
        return found

    def text(self, source: str):
        words = text_tokens.words(source)
        grams = [hash(("t", *gram)) for gram in text_tokens.shingles(words.words, self.text_ngram)]
        return words, grams


def _cells(path: Path) -> list:
    """The cells of a notebook file as plain dicts (sources joined); raises ValueError if it is not one."""
    raw, why = read_regular(path)  # a submitted file: never through a link, never a fifo, never huge
    if raw is None:
        raise ValueError(why)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid notebook JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("not a Jupyter notebook in nbformat 4 (no list of cells)")
    cells = []
    for cell in data["cells"]:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbgrader = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else {}
        cells.append({"cell_type": cell.get("cell_type"), "source": str(source), "nbgrader": nbgrader})
    return cells


def read_template(release_dir: Path, fingerprinter: Fingerprinter) -> Template:
    """The released notebooks of an assignment (``release/<assignment>/*.ipynb``)."""
    notebooks = sorted(path.stem for path in release_dir.glob("*.ipynb"))
    answers, names, statements, fingerprints = {}, set(), set(), set()
    cells_by_notebook = {name: _cells(release_dir / f"{name}.ipynb") for name in notebooks}
    for cells in cells_by_notebook.values():
        for cell in cells:
            if cell["cell_type"] == "code":
                names |= code_tokens.names_in(cell["source"])
    for name, cells in cells_by_notebook.items():
        answers[name] = []
        for cell in cells:
            grade_id = cell["nbgrader"].get("grade_id")
            if cell["nbgrader"].get("solution") and grade_id:
                answers[name].append((grade_id, "code" if cell["cell_type"] == "code" else "text"))
            if cell["cell_type"] == "code":
                for statement, grams in fingerprinter.code(cell["source"], names):
                    statements.add(statement.tokens)
                    fingerprints |= grams
            else:
                fingerprints.update(fingerprinter.text(cell["source"])[1])
    return Template(notebooks, answers, frozenset(names), frozenset(statements), frozenset(fingerprints))


def unit_for(grade_id: str, kind: str, source: str, template: Template, fingerprinter: Fingerprinter) -> Unit:
    """A cell's unit: its fingerprints and token count without anything the released notebook gives."""
    given = template.given_fingerprints
    if kind == "code":
        segments, n_tokens = [], 0
        for statement, grams in fingerprinter.code(source, template.given_names):
            if statement.tokens in template.given_statements:
                continue
            n_tokens += len(statement.tokens)
            segments.append(Segment(grams - given, (statement.first_line, statement.last_line)))
    else:
        words, grams = fingerprinter.text(source)
        n_tokens = 0
        segments = [Segment(frozenset(), span) for span in words.spans]
        for i, gram in enumerate(grams):
            if gram in given:
                continue
            for j in range(i, min(i + fingerprinter.text_ngram, len(segments))):
                segments[j].fingerprints = segments[j].fingerprints | {gram}
        n_tokens = sum(1 for segment in segments if segment.fingerprints)
    fingerprints = frozenset().union(*(segment.fingerprints for segment in segments))
    return Unit(grade_id, kind, source, fingerprints, n_tokens, segments)


def read_submission(student: str, folder: Path, template: Template, fingerprinter: Fingerprinter):
    """``(Submission or None, [Skipped])`` for one student's folder of an assignment."""
    skipped, units, extra = [], {}, []
    multi = len(template.notebooks) > 1
    read_any = False
    for notebook in template.notebooks:
        path = folder / f"{notebook}.ipynb"
        if not path.is_file():
            skipped.append(Skipped(student, f"no {notebook}.ipynb in the submission"))
            continue
        try:
            cells = _cells(path)
        except (OSError, ValueError) as error:
            skipped.append(Skipped(student, f"{notebook}.ipynb is unreadable: {error}"))
            continue
        read_any = True
        by_id = {}
        for cell in cells:
            grade_id = cell["nbgrader"].get("grade_id")
            if grade_id and grade_id not in by_id:
                by_id[grade_id] = cell
            elif not cell["nbgrader"] and cell["source"].strip():
                extra.append(cell)  # a cell the student added: part of the whole notebook
        for grade_id, kind in template.answers[notebook]:
            key = f"{notebook}:{grade_id}" if multi else grade_id
            if grade_id not in by_id:
                skipped.append(Skipped(student, "answer cell missing (deleted, or its nbgrader metadata lost)", key))
                continue
            units[key] = unit_for(key, kind, by_id[grade_id]["source"], template, fingerprinter)
    if not read_any:
        return None, skipped
    extra_units = [
        unit_for("extra", "code" if cell["cell_type"] == "code" else "text", cell["source"], template, fingerprinter)
        for cell in extra
    ]
    parts = list(units.values()) + extra_units
    n_tokens = sum(unit.n_tokens for unit in parts)
    if n_tokens == 0:
        return None, skipped + [Skipped(student, "nothing written beyond the released notebook")]
    fingerprints = frozenset().union(*(unit.fingerprints for unit in parts))
    units[NOTEBOOK] = Unit(NOTEBOOK, "notebook", "", fingerprints, n_tokens)
    return Submission(student, units), skipped


def read_class(submitted: Path, assignment: str, template: Template, fingerprinter: Fingerprinter):
    """``([Submission], [Skipped])`` for every student folder ``submitted/<student>/<assignment>/``."""
    submissions, skipped = [], []
    if not submitted.is_dir():
        return submissions, skipped
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        folder = student_dir / assignment
        if not folder.is_dir():
            continue
        submission, problems = read_submission(student_dir.name, folder, template, fingerprinter)
        skipped += problems
        if submission is not None:
            submissions.append(submission)
    return submissions, skipped
