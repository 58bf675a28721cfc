"""Classes of submissions built from the authors and disguises, with the flags each pair must get.

A student is a map ``grade_id -> Origin``: which author wrote the cell and which disguises the student
put on it. Two students whose cells have the same author are a copy on that cell and must be flagged
there (when both wrote enough to tell, ``c.Similarity.min_tokens``); cells of different authors are
independent work and must never be flagged, however alike the obvious answer is.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.assignments.samples import Sample, make_submission, solution_source
from autograder.similarity.code_tokens import names_in

from autograder import assignments

from . import disguise

# every assignment that provides independent authors (its package's ``similarity_authors``)
CORPUS = {spec.name: spec.module(spec.similarity_corpus) for spec in assignments.registered() if spec.similarity_corpus}
AUTHORS = {name: module.AUTHORS for name, module in CORPUS.items()}
# The cell that the "one copied cell" student takes from another student, per assignment.
COPIED_CELL = {name: module.COPIED_CELL for name, module in CORPUS.items()}


@dataclass(frozen=True)
class Origin:
    author: str
    disguises: tuple = ()


@dataclass
class Student:
    name: str
    cells: dict = field(default_factory=dict)  # grade_id -> Origin
    why: str = ""
    delete: tuple = ()  # answer cells removed from the notebook (bad input)


@dataclass
class Course:
    """What the release of an assignment gives: the notebooks and every author's text of every answer cell."""

    assignment: str
    source_nb: object
    release_nb: object
    answers: dict  # grade_id -> "code" | "text"
    texts: dict  # author -> grade_id -> source
    given_names: frozenset

    @classmethod
    def load(cls, root: Path, assignment: str):
        source_nb = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", 4)
        release_nb = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", 4)
        answers = {
            cell.metadata["nbgrader"]["grade_id"]: "code" if cell.cell_type == "code" else "text"
            for cell in source_nb.cells if cell.metadata.get("nbgrader", {}).get("solution")
        }
        texts = {}
        for author, cells in AUTHORS[assignment].items():
            if cells is None:  # the instructor's solution
                cells = {cell.metadata["nbgrader"]["grade_id"]: solution_source(cell)
                         for cell in source_nb.cells if cell.metadata.get("nbgrader", {}).get("solution")}
            missing = set(answers) - set(cells)
            assert not missing, f"author {author} of {assignment} wrote no {sorted(missing)}"
            texts[author] = dict(cells)
        given = set()
        for cell in release_nb.cells:
            if cell.cell_type == "code":
                given |= names_in(cell.source)
        return cls(assignment, source_nb, release_nb, answers, texts, frozenset(given))

    @property
    def authors(self) -> list:
        return list(self.texts)

    def cell_text(self, grade_id: str, origin: Origin) -> str:
        text = self.texts[origin.author][grade_id]
        for name in origin.disguises:
            if self.answers[grade_id] == "text":
                text = disguise.reword(text) if name == "reword" else text
            elif name == "rename":
                text = disguise.rename(text, keep=self.given_names)
            elif name != "reword":
                text = getattr(disguise, name)(text)
        return text

    def notebook(self, student: Student):
        sample = Sample(student.name, "honest", cells={g: self.cell_text(g, o) for g, o in student.cells.items()})
        nb = make_submission(self.source_nb, self.release_nb, sample)
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in student.delete]
        return nb


CODE_DISGUISES = ("rename", "reformat", "reorder", "recomment", "edit")


def copies_class(course: Course) -> list:
    """Class A: every author honestly, whole-notebook copies of each disguise, blanks and bad input."""
    a = course.authors  # solution, then three independent authors

    def whole(author, *disguises):
        return {g: Origin(author, disguises) for g in course.answers}

    students = [Student(f"honest_{author}", whole(author), f"{author}'s own work") for author in a]
    students += [
        Student("copy_renamed", whole(a[1], "rename"), f"{a[1]}'s notebook, names changed"),
        Student("copy_reformatted", whole(a[2], "reformat"), f"{a[2]}'s notebook, spacing, line breaks and quotes changed"),
        Student("copy_reordered", whole(a[3], "reorder"), f"{a[3]}'s notebook, independent statements and imports reordered"),
        Student("copy_recommented", whole(a[0], "recomment"), f"{a[0]}'s notebook, comments removed and added"),
        Student("copy_everything", {g: Origin(a[3], (*CODE_DISGUISES, "reword")) for g in course.answers},
                f"{a[3]}'s notebook with every disguise, the written answer reworded"),
        Student("missing_cells", whole(a[2], "rename"), f"{a[2]}'s notebook, renamed, two answer cells deleted",
                delete=tuple(list(course.answers)[1:3])),
    ]
    return students


def mixed_class(course: Course) -> list:
    """Class B: students whose cells come from different authors, so no two share one; then one student copies
    a single code cell from one of them and the written answer (a few words changed) from another."""
    authors, grade_ids = course.authors, list(course.answers)
    mixes = [{g: Origin(authors[(i + j) % len(authors)]) for i, g in enumerate(grade_ids)} for j in range(len(authors))]
    text_id = next(g for g in grade_ids if course.answers[g] == "text")
    copied = COPIED_CELL[course.assignment]
    mixer = dict(mixes[0])
    mixer[copied] = Origin(mixes[1][copied].author, ("rename", "reformat"))
    mixer[text_id] = Origin(mixes[2][text_id].author, ("reword",))
    students = [Student(f"mix_{j}", mixes[j], "cells of different authors") for j in (1, 2, 3)]
    students.append(Student("one_cell_copied", mixer, f"own work, but {copied} copied from mix_1 (renamed, "
                                                      f"reformatted) and {text_id} from mix_2 (reworded)"))
    return students


def bad_input(folder: Path, assignment: str, release_nb) -> dict:
    """Submissions that cannot be compared, written into ``folder`` (``submitted/``): student -> expected reason."""
    def write(student, text=None, notebook=None):
        target = folder / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        if notebook is not None:
            nbformat.write(notebook, target / f"{assignment}.ipynb")
        elif text is not None:
            (target / f"{assignment}.ipynb").write_text(text)

    write("blank_1", notebook=release_nb)
    write("blank_2", notebook=release_nb)
    write("unreadable", text='{"cells": [ {"cell_type": "code", "source": "x = 1"')  # cut off mid-upload
    write("not_a_notebook", text=json.dumps({"hello": "world"}))
    write("no_notebook")  # the folder, but no notebook in it
    return {
        "blank_1": "nothing written beyond the released notebook",
        "blank_2": "nothing written beyond the released notebook",
        "unreadable": "unreadable: not valid notebook JSON",
        "not_a_notebook": "unreadable: not a Jupyter notebook",
        "no_notebook": f"no {assignment}.ipynb in the submission",
    }


def write_class(root: Path, course: Course, students, submitted="submitted") -> None:
    for student in students:
        target = root / submitted / student.name / course.assignment
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(course.notebook(student), target / f"{course.assignment}.ipynb")


@dataclass(frozen=True)
class Expectation:
    student_a: str
    student_b: str
    copied: frozenset  # grade_ids the two share an author on (present in both notebooks)
    independent: frozenset  # grade_ids of different authors
    whole_copy: bool  # every answer cell of both shared


def expectations(students) -> list:
    """For every pair of students (sorted by name), which cells are copies and which are independent work."""
    found = []
    by_name = sorted(students, key=lambda s: s.name)
    for i, s in enumerate(by_name):
        for t in by_name[i + 1:]:
            both = [g for g in s.cells if g in t.cells and g not in s.delete and g not in t.delete]
            copied = frozenset(g for g in both if s.cells[g].author == t.cells[g].author)
            found.append(Expectation(s.name, t.name, copied, frozenset(both) - copied,
                                     bool(both) and len(copied) == len(s.cells) == len(t.cells)))
    return found
