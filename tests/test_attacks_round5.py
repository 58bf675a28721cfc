"""Red team, round 5: per-student variants. Each test is an attack that got a wrong or misleading result on the
commit before its fix.

The locked variant cell reads ``AUTOGRADER_STUDENT`` / ``AUTOGRADER_VARIANTS`` from ``os.environ`` when it runs;
the hidden tests read them once, when the kernel starts (``autograder.kernel.variant``). A cell the student adds
above the variant cell can change ``os.environ``: the checks still grade the gradebook's variant, but the autograded
notebook (what the TA reads next to the written answers in formgrader, and the feedback page's variant line) shows
the variant the student chose: a friend's, whose written readings the student copied, or the default one. Only the
outputs of the *submitted* notebook (which the student writes) were compared with the graded id, so nothing was
listed for review.
"""

import re
import subprocess

import nbformat
import pytest

from autograder import assignments, course, sandbox
from autograder.assignments.samples import Sample, make_submission

from .conftest import REPO, checkout_env, checkout_python, course_id, db_url

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = "artificial_neurons.ipynb"
SPEC = assignments.get(ASSIGNMENT)
COURSE = course.load_config(REPO).CourseDirectory.course_id
FRIEND = "friend1"
MARKUP = '<i id="forged">x</i>'

sandboxed = pytest.mark.skipif(not sandbox.sandbox_available()[0],
                               reason=f"bubblewrap unusable: {sandbox.sandbox_available()[1]}")

# code a student adds in a new cell above the locked variant cell
ABOVE = {
    "cy": f"import os\nos.environ['AUTOGRADER_STUDENT'] = {FRIEND!r}",  # a friend's variant, to match copied readings
    "di": "import os\nos.environ['AUTOGRADER_VARIANTS'] = 'off'",  # the default variant (last year's notebook)
    "eve": f"import os\nos.environ['AUTOGRADER_STUDENT'] = {MARKUP!r}",  # markup on the feedback page
}


def _submission(root, student: str):
    """The honest solution with ``ABOVE[student]`` in a new cell above the variant cell, whose outputs (the
    student's to write) show a run under the student's own id."""
    source = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4)
    nb = make_submission(source, release, Sample(name="solution", kind="honest"))
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "variant")
    ran_as = "fay~2" if student == "fay" else student
    described = SPEC.module("variant").describe(SPEC.variant_params(ran_as, COURSE))
    nb.cells[index].outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                      text=f"student id: {ran_as}\nyour variant: {described}\n")]
    if student in ABOVE:
        nb.cells.insert(index, nbformat.v4.new_code_cell(ABOVE[student]))
    return nb


def _copied_without_its_variant_output(root):
    """The friend's right answers copied as values into a notebook that ran (execution counts), its variant cell's
    output (which named the friend) removed."""
    from autograder.assignments.artificial_neurons import reference

    theirs = reference.lecture(SPEC.variant_params(FRIEND, COURSE))
    copied = Sample(name="copied", kind="mistake", cells={
        "one_neuron_network": f"hidden_output = {theirs.hidden_output!r}\nproba_by_hand = {theirs.proba_by_hand!r}\n"})
    source = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    nb = make_submission(source, nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4), copied)
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        cell.execution_count = count
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.storage import records

    root = course.copy_course(REPO, tmp_path_factory.mktemp("round5") / "course")
    # fay's variant is reissued: she follows what `autograder variant --reissue` tells her instructor to tell her
    told = subprocess.run([*checkout_python(), "-m", "autograder", "variant", ASSIGNMENT, "fay", "--reissue"], cwd=root,
                          env=checkout_env(), capture_output=True, text=True, timeout=300)
    assert told.returncode == 0, told.stderr
    ABOVE["fay"] = re.search(r"they see it by running (.+) before the variant cell", told.stderr).group(1)
    for student in ("bo", *ABOVE):
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(_submission(root, student), folder / NOTEBOOK)
    folder = root / "submitted" / "gus" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(_copied_without_its_variant_output(root), folder / NOTEBOOK)
    # hal's function raises an error whose text is markup: the feedback page names it as text
    raising = Sample(name="raising", kind="mistake", cells={
        "count_params": f"def count_mlp_params(clf):\n    raise ValueError({MARKUP!r})\n"})
    folder = root / "submitted" / "hal" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(make_submission(nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4),
                                   nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4), raising), folder / NOTEBOOK)
    run = subprocess.run([*checkout_python(), "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"], cwd=root,
                         env=checkout_env(), capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root, {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}


@pytest.mark.nbgrader
@sandboxed
@pytest.mark.parametrize("student", ["cy", "di", "eve"])
def test_a_notebook_that_changes_its_variant_while_graded_is_listed_for_review(graded, student):
    """Its autograded notebook shows another variant than the one it was graded with: listed, naming the id."""
    record = graded[1][student]
    assert record.status == "flagged", (record.status, record.reasons)
    assert any("grading run" in r and repr(student) in r for r in record.reasons), record.reasons


@pytest.mark.nbgrader
@sandboxed
def test_an_honest_notebook_is_not_listed(graded):
    record = graded[1]["bo"]
    assert record.status == "graded", (record.status, record.reasons)


@pytest.mark.nbgrader
@sandboxed
def test_the_variant_line_of_the_feedback_page_is_text_not_markup(graded):
    root, recs = graded
    page = root / "feedback" / "eve" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    html = page.read_text()
    line = next(line for line in html.splitlines() if 'id="course-variant"' in line)
    assert MARKUP not in line and "&lt;i id=" in line, line


@pytest.mark.nbgrader
@sandboxed
def test_a_students_error_text_is_text_on_the_feedback_page(graded):
    root, _ = graded
    html = (root / "feedback" / "hal" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    problems = [line for line in html.splitlines() if 'class="problem"' in line and "ValueError" in line]
    assert problems and all(MARKUP not in line and "&lt;i id=" in line for line in problems), problems


@pytest.mark.nbgrader
@sandboxed
def test_a_reissued_student_who_does_what_the_tool_says_keeps_full_marks_unlisted(graded):
    """``autograder variant --reissue`` told the instructor to have the student run ``%env AUTOGRADER_STUDENT=...``
    above the variant cell: a magic is an integrity finding, so the honest student's grade was withheld."""
    root, recs = graded
    from .test_hostile_files import _state

    record = recs["fay"]
    assert record.status == "graded" and not record.withheld, (record.status, record.reasons)
    scores = {k: v for k, v in _state(root, "fay").items() if not k.startswith("param_interpretation")}
    assert all(score == maximum for score, maximum in scores.values()), scores


def _cli(root, *args):
    return subprocess.run([*checkout_python(), "-m", "autograder", *args], cwd=root, env=checkout_env(),
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("other", ["ana ", " ana", "ana\nyour variant: seed 1", "ana\t", "ana\x7f"])
def test_an_override_id_no_notebook_can_run_under_is_refused(tmp_path, other):
    """The locked cell strips a typed id and a hub login has no spaces or control characters: an id pasted with a
    trailing space graded the student with a variant their notebook could never compute (every honest answer lost)."""
    root = course.copy_course(REPO, tmp_path / "course")
    kept = _cli(root, "variant", ASSIGNMENT, "bo", "--as", other, "--json")
    assert kept.returncode != 0 and "--as" in kept.stderr, (kept.returncode, kept.stdout, kept.stderr)
    assert "override" not in _cli(root, "variant", ASSIGNMENT, "bo", "--json").stdout


@pytest.mark.nbgrader
@sandboxed
def test_a_copy_whose_variant_output_was_removed_is_listed(graded):
    """Its copied values lose their task; with the variant cell's output removed nothing listed it for review."""
    from .test_hostile_files import _state

    root, recs = graded
    record = recs["gus"]
    assert _state(root, "gus")["test_one_neuron_network"][0] < _state(root, "gus")["test_one_neuron_network"][1]
    assert record.status == "flagged" and any("no 'student id:' line" in r for r in record.reasons), record.reasons
