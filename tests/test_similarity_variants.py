"""Similarity keeps working across variants: a class of artificial_neurons whose students all have different variants,
graded by the real `autograder grade` (which writes the similarity page), built from the independent authors of the
similarity corpus (tests/similarity_corpus/): a cell copied from a student with another variant is flagged, cells of
different authors are not.

Each notebook carries what its locked variant cell printed when its student ran it (their own id and variant), as a
notebook handed in after running does; ``copy_of_mix_3`` hands in mix_3's notebook with the names changed, run under
its own variant. Which pairs must be flagged on which cell follows from where each cell came from
(``expectations``), not from a list typed here.
"""

import nbformat
import pytest

from autograder import course, variants
from autograder.assignments import get
from autograder.similarity import NOTEBOOK, flagged_pairs
from autograder.similarity.csv_file import read

from .conftest import REPO, course_id, nbgrader
from .hand_graded import autograder
from .similarity_corpus.build import COPIED_CELL, Course, Origin, Student, expectations, mixed_class

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
MIN_TOKENS = 30  # c.Similarity.min_tokens's default


def _ran_under_own_variant(nb, student: str, cid: str):
    """``nb`` with the output its variant cell prints when ``student`` runs it."""
    variant = variants.params(ASSIGNMENT, student, cid)
    described = get(ASSIGNMENT).module("variant").describe(variant)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == variants.VARIANT_CELL:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                   text=f"student id: {student}\nyour variant: {described}\n")]
            cell.execution_count = 1
            return nb
    raise AssertionError("the release has no variant cell")


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    root = course.copy_course(REPO, tmp_path_factory.mktemp("similarity-variants") / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    corpus = Course.load(root, ASSIGNMENT)
    students = mixed_class(corpus)
    mix_3 = next(s for s in students if s.name == "mix_3")
    students.append(Student("copy_of_mix_3", {g: Origin(o.author, ("rename",)) for g, o in mix_3.cells.items()},
                            "mix_3's notebook, names changed, run under another variant"))
    cid = course_id(root)
    for student in students:
        folder = root / "submitted" / student.name / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(_ran_under_own_variant(corpus.notebook(student), student.name, cid), folder / f"{ASSIGNMENT}.ipynb")
    graded = autograder(root, "grade", ASSIGNMENT, "--workers", "2")
    rows = {(r.student_a, r.student_b, r.grade_id): r for r in read(root / "reports" / ASSIGNMENT / "similarity.csv")}
    return {"root": root, "students": students, "rows": rows, "output": graded.stdout, "cid": cid}


def _flagged(ran, a, b, grade_id) -> bool:
    row = ran["rows"].get((a, b, grade_id))
    return bool(row and row.flagged)


def test_every_student_has_another_variant(ran):
    got = [variants.params(ASSIGNMENT, s.name, ran["cid"]) for s in ran["students"]]
    assert len({str(v) for v in got}) == len(got) == 5
    assert len({v["hidden_4d_2"] for v in got}) > 1 and len({v["seed"] for v in got}) > 1


def test_copies_across_variants_are_flagged(ran):
    copies = [e for e in expectations(ran["students"]) if e.copied]
    assert {(e.student_a, e.student_b) for e in copies} == {("mix_1", "one_cell_copied"), ("mix_2", "one_cell_copied"),
                                                             ("copy_of_mix_3", "mix_3")}
    for expected in copies:
        eligible = [g for g in expected.copied
                    if (row := ran["rows"].get((expected.student_a, expected.student_b, g))) and
                    min(row.tokens_a, row.tokens_b) >= MIN_TOKENS]
        assert eligible, f"{expected.student_a}/{expected.student_b}: no copied cell long enough to flag"
        missed = [g for g in eligible if not _flagged(ran, expected.student_a, expected.student_b, g)]
        assert not missed, f"{expected.student_a}/{expected.student_b} copied {missed} across variants, not flagged"
    assert _flagged(ran, "mix_1", "one_cell_copied", COPIED_CELL[ASSIGNMENT])
    assert _flagged(ran, "copy_of_mix_3", "mix_3", NOTEBOOK), "a whole notebook copied under another variant"
    pairs = {(p.student_a, p.student_b) for p in flagged_pairs(ran["root"], ASSIGNMENT)}
    assert ("copy_of_mix_3", "mix_3") in pairs and ("mix_1", "one_cell_copied") in pairs


def test_independent_work_under_different_variants_is_not_flagged(ran):
    honest = [(e, g) for e in expectations(ran["students"]) for g in e.independent]
    assert len(honest) > 20
    wrongly = [f"{e.student_a}/{e.student_b} {g}" for e, g in honest if _flagged(ran, e.student_a, e.student_b, g)]
    assert not wrongly, f"independent work flagged: {wrongly}"
    for e in expectations(ran["students"]):
        if not e.copied:
            assert not any(r.flagged for k, r in ran["rows"].items() if k[:2] == (e.student_a, e.student_b)), e


def test_grade_wrote_the_similarity_page(ran):
    html = (ran["root"] / "reports" / ASSIGNMENT / "similarity.html").read_text(encoding="utf-8")
    assert "copy_of_mix_3 and mix_3" in html and "mix_1 and one_cell_copied" in html
