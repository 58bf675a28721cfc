"""`autograder similarity` on the corpus (tests/similarity_corpus/): copies flagged, honest work left alone.

Each class is written into a throwaway copy of the course and the real command runs through click. Which
pair must be flagged on which cell follows from where each cell came from (``expectations``), not from a
list of outcomes typed by hand.
"""

import csv

import pytest
from click.testing import CliRunner

from autograder import course
from autograder.cli import main
from autograder.similarity import DEFAULT_THRESHOLD, NOTEBOOK, after_grading, flagged_pairs
from autograder.similarity.csv_file import read

from .conftest import REPO
from .similarity_corpus.build import (AUTHORS, Course, Student, Origin, bad_input, copies_class, expectations,
                                      mixed_class, write_class)

ASSIGNMENTS = [name for name in course.assignments(REPO) if name in AUTHORS]  # every assignment the corpus covers
MIN_TOKENS = 30  # c.Similarity.min_tokens's default


def similarity(root, *args):
    """The real command, in the course folder; returns click's result."""
    runner = CliRunner()
    with course.inside(root):
        return runner.invoke(main, ["similarity", *args], catch_exceptions=False)


def build(tmp_path, assignment, make, with_bad_input=False):
    root = course.copy_course(REPO, tmp_path / f"{assignment}-{make.__name__}")
    corpus = Course.load(root, assignment)
    students = make(corpus)
    write_class(root, corpus, students)
    reasons = bad_input(root / "submitted", assignment, corpus.release_nb) if with_bad_input else {}
    return root, corpus, students, reasons


class Ran:
    def __init__(self, root, assignment, students, reasons, output):
        self.root, self.assignment, self.students, self.reasons, self.output = root, assignment, students, reasons, output
        self.rows = {(r.student_a, r.student_b, r.grade_id): r for r in read(root / "reports" / assignment / "similarity.csv")}

    def row(self, a, b, grade_id):
        return self.rows.get((a, b, grade_id))

    def flagged(self, a, b, grade_id):
        row = self.row(a, b, grade_id)
        return bool(row and row.flagged)


@pytest.fixture(scope="module", params=[(a, k) for a in ASSIGNMENTS for k in ("copies", "mixed")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def ran(request, tmp_path_factory):
    assignment, kind = request.param
    make = copies_class if kind == "copies" else mixed_class
    root, _, students, reasons = build(tmp_path_factory.mktemp("sim"), assignment, make, kind == "copies")
    result = similarity(root, assignment)
    assert result.exit_code == 0, result.output
    return Ran(root, assignment, students, reasons, result.output)


def _tokens(ran, a, b, grade_id):
    row = ran.row(a, b, grade_id)
    return (row.tokens_a, row.tokens_b) if row else (0, 0)


def test_every_copied_cell_is_flagged(ran):
    copy_pairs = [e for e in expectations(ran.students) if e.copied]
    assert copy_pairs, "the class has no copies: the test would prove nothing"
    for expected in copy_pairs:
        eligible = [g for g in expected.copied if min(_tokens(ran, expected.student_a, expected.student_b, g)) >= MIN_TOKENS]
        assert eligible, f"{expected.student_a}/{expected.student_b}: no copied cell long enough to flag (or not found at all)"
        missed = [g for g in eligible if not ran.flagged(expected.student_a, expected.student_b, g)]
        assert not missed, f"{expected.student_a}/{expected.student_b} copied {missed} but was not flagged there"


def test_short_copied_cells_are_never_flagged_on_their_own(ran):
    for expected in expectations(ran.students):
        for g in expected.copied:
            if min(_tokens(ran, expected.student_a, expected.student_b, g)) < MIN_TOKENS:
                assert not ran.flagged(expected.student_a, expected.student_b, g)


def test_independent_cells_are_never_flagged(ran):
    honest = [(e, g) for e in expectations(ran.students) for g in e.independent]
    assert len(honest) > 20
    wrongly = [f"{e.student_a}/{e.student_b} {g} {ran.row(e.student_a, e.student_b, g).similarity:.2f}"
               for e, g in honest if ran.flagged(e.student_a, e.student_b, g)]
    assert not wrongly, f"independent work flagged: {wrongly}"


def test_whole_notebooks_flagged_only_for_whole_copies(ran):
    for expected in expectations(ran.students):
        flagged = ran.flagged(expected.student_a, expected.student_b, NOTEBOOK)
        if expected.whole_copy:
            assert flagged, f"{expected.student_a}/{expected.student_b}: a whole copy, notebook not flagged"
        elif len(expected.copied) <= 1:
            assert not flagged, f"{expected.student_a}/{expected.student_b}: one copied cell flagged the whole notebook"


def test_honest_pairs_have_no_flag_at_all(ran):
    honest = [e for e in expectations(ran.students) if not e.copied]
    assert honest
    for expected in honest:
        assert not any(row.flagged for key, row in ran.rows.items() if key[:2] == (expected.student_a, expected.student_b))


def test_bad_input_is_skipped_with_its_reason(ran):
    for student, reason in ran.reasons.items():
        assert f"skipped {student}" in ran.output and reason in ran.output, ran.output
        assert not any(student in key[:2] for key in ran.rows)
    if ran.reasons:  # the copies class: deleted cells are named, the rest of that notebook is compared
        assert "skipped missing_cells (" in ran.output
        assert any("missing_cells" in key[:2] for key in ran.rows)


def test_flagged_pairs_reads_back_the_csv(ran):
    pairs = flagged_pairs(ran.root, ran.assignment)
    expected_pairs = {(e.student_a, e.student_b) for e in expectations(ran.students) if e.copied}
    assert {(p.student_a, p.student_b) for p in pairs} <= expected_pairs
    assert [p.similarity for p in pairs] == sorted((p.similarity for p in pairs), reverse=True)
    for pair in pairs:
        assert f"flagged {pair.student_a} / {pair.student_b}" in ran.output


def test_csv_columns_and_values(ran):
    with open(ran.root / "reports" / ran.assignment / "similarity.csv", newline="") as stream:
        records = list(csv.DictReader(stream))
    assert records
    assert {"student_a", "student_b", "grade_id", "similarity", "flagged"} <= set(records[0])
    for record in records:
        assert 0.0 <= float(record["similarity"]) <= 1.0
        assert record["flagged"] in ("true", "false")
        assert record["student_a"] < record["student_b"]


def test_html_shows_every_flagged_pair_side_by_side(ran):
    html = (ran.root / "reports" / ran.assignment / "similarity.html").read_text()
    for pair in flagged_pairs(ran.root, ran.assignment):
        assert f"{pair.student_a} and {pair.student_b}" in html
    assert 'class="line shared"' in html or "<mark>" in html
    assert "<script" not in html


def test_the_default_threshold_separates_the_corpus(ran):
    """How the default was chosen: above every independent unit, below every copy, with room on both sides."""
    copied, independent = [], []
    for e in expectations(ran.students):
        for g in e.copied | e.independent:
            row = ran.row(e.student_a, e.student_b, g)
            if row and min(row.tokens_a, row.tokens_b) >= MIN_TOKENS:
                (copied if g in e.copied else independent).append(row.similarity)
    assert max(independent, default=0) <= DEFAULT_THRESHOLD - 0.1
    assert min(copied) >= DEFAULT_THRESHOLD + 0.1


# --- settings and single behaviours, on small classes --------------------------------------------------------

@pytest.fixture(scope="module")
def tfidf_copies(tmp_path_factory):
    return build(tmp_path_factory.mktemp("tfidf"), "tfidf_distances", copies_class)


def test_the_obvious_short_answer_is_not_flagged_but_would_be_without_min_tokens(tfidf_copies):
    root, _, _, _ = tfidf_copies
    # honest_pandas wrote tfidf_features word for word as the instructor did: the one obvious answer.
    assert similarity(root, "tfidf_distances").exit_code == 0
    row = {(r.student_a, r.student_b, r.grade_id): r for r in read(root / "reports/tfidf_distances/similarity.csv")}[
        ("honest_pandas", "honest_solution", "tfidf_features")]
    assert row.similarity == 1.0 and row.tokens_a < MIN_TOKENS and not row.flagged
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.Similarity.min_tokens = 5\n")
    try:
        assert similarity(root, "tfidf_distances").exit_code == 0
        pairs = {(p.student_a, p.student_b): p for p in flagged_pairs(root, "tfidf_distances")}
        assert "tfidf_features" in pairs[("honest_pandas", "honest_solution")].grade_ids
    finally:
        config.write_text(config.read_text().replace("\nc.Similarity.min_tokens = 5\n", ""))


def test_threshold_option_overrides_the_setting(tfidf_copies):
    root, _, _, _ = tfidf_copies
    result = similarity(root, "tfidf_distances", "--threshold", "0.3")
    assert result.exit_code == 0 and "flagged at similarity >= 0.30" in result.output
    pairs = {(p.student_a, p.student_b) for p in flagged_pairs(root, "tfidf_distances")}
    assert ("honest_loops", "honest_pandas") in pairs  # their classifier_scores share 0.41 of their runs
    assert similarity(root, "tfidf_distances").exit_code == 0
    assert ("honest_loops", "honest_pandas") not in {(p.student_a, p.student_b) for p in flagged_pairs(root, "tfidf_distances")}


def test_after_grading_respects_enabled(tfidf_copies):
    root, _, _, _ = tfidf_copies
    assert after_grading(root, "tfidf_distances").flagged
    config = course.load_config(root, **{"Similarity.enabled": False})
    assert after_grading(root, "tfidf_distances", config=config) is None


def test_untouched_release_notebooks_are_not_similar(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    corpus = Course.load(root, "artificial_neurons")
    bad_input(root / "submitted", "artificial_neurons", corpus.release_nb)
    # one student answered only one cell: the given code everywhere else is the same as the blanks'
    write_class(root, corpus, [Student("one_answer", {"params_formula": Origin("own")})])
    result = similarity(root, "artificial_neurons")
    assert result.exit_code == 0, result.output
    assert "0 pairs flagged" in result.output
    assert "skipped blank_1: nothing written beyond the released notebook" in result.output
    assert read(root / "reports/artificial_neurons/similarity.csv") == []


def test_student_text_is_escaped_in_the_page(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    corpus = Course.load(root, "artificial_neurons")
    attack = "<script>alert('copied')</script> " + corpus.texts["own"]["param_interpretation"]
    corpus.texts["own"]["param_interpretation"] = attack
    students = [Student("x_first", {"param_interpretation": Origin("own")}),
                Student("y_second", {"param_interpretation": Origin("own", ("reword",))})]
    write_class(root, corpus, students)
    assert similarity(root, "artificial_neurons").exit_code == 0
    html = (root / "reports/artificial_neurons/similarity.html").read_text()
    assert "x_first and y_second" in html
    assert "<script" not in html and "alert" in html and "&lt;" in html


def test_unknown_assignment_says_so(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    runner = CliRunner()
    with course.inside(root):
        result = runner.invoke(main, ["similarity", "no_such_assignment"])
    assert result.exit_code != 0
    assert "unknown assignment no_such_assignment" in str(result.exception)
