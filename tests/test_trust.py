"""Grades an instructor can trust all term, through the real `autograder` and `nbgrader` commands.

One grading copy of the course (with its own copy of the `autograder` package, as a TA's clone has) goes
through a term in one module-scoped fixture, one real command at a time: grade; grade again (nothing
changed); grade without the data; change a hidden test and its points in source/, grade (refused: not built),
then `autograder build` and grade; change
a check; break a reference computation (grade, then plain `nbgrader autograde`); repair it; a submission
that ships its own `autograder.py`. The tests read what each step left in the gradebook and the records.
Expected totals are read from the rebuilt source notebook, never written here.
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.storage import records
from autograder.storage.gradebook import cell_scores
from autograder.preprocessors.grader_fault import REASON_PREFIX
from autograder.assignments.samples import make_submission, samples_for
from autograder.grading.fingerprint import PARTS

from .conftest import REPO, nbgrader

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
BROKEN = "simulated: the reference cannot be computed on this grading machine"
HIDDEN_END = "### END HIDDEN TESTS"
HIDDEN_ADDED = "from autograder.assignments.artificial_neurons.checks import check_mlp_forward as check_again\ncheck_again(mlp_forward)\n"


def autograder(root: Path, *args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=1200)


def grading_copy(base: Path) -> Path:
    """A copy of the course with its own `autograder` package beside it: commands run there import that copy."""
    root = course.copy_course(REPO, base / "course")
    shutil.copytree(REPO / "autograder", root / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def submit(root: Path, student: str, sample_name: str, extra: dict | None = None) -> None:
    source_nb = nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4)
    release_nb = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, 4)
    sample = {s.name: s for s in samples_for(ASSIGNMENT)}[sample_name]
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(make_submission(source_nb, release_nb, sample), folder / NOTEBOOK)
    for name, data in (extra or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(data)


def points(root: Path) -> tuple:
    """(points of every graded cell, points of the automatically graded test cells) of the source notebook."""
    cells = [c.metadata["nbgrader"] for c in nbformat.read(root / "source" / ASSIGNMENT / NOTEBOOK, 4).cells
             if c.metadata.get("nbgrader", {}).get("grade")]
    return sum(m["points"] for m in cells), sum(m["points"] for m in cells if not m.get("solution"))


@dataclass
class Step:
    run: subprocess.CompletedProcess
    records: dict  # student -> SubmissionRecord after the step
    scores: dict  # student -> {grade_id: (score, max_score)} in the gradebook after the step
    maximum: tuple = ()  # points(root) when the step ran
    autograded: dict = field(default_factory=dict)  # student -> bytes of the autograded notebook (or None)


@dataclass
class Term:
    root: Path
    steps: dict


STUDENTS = {"ada": "solution", "bo": next(s.name for s in samples_for(ASSIGNMENT) if s.kind == "mistake")}


def _state(root: Path, run) -> Step:
    config = course.load_config(root)
    db_url, course_id = f"sqlite:///{root / 'gradebook.db'}", config.CourseDirectory.course_id
    recs = {r.student: r for r in records.load(db_url, course_id, ASSIGNMENT)}
    scores = {s: {k: (v.score, v.max_score) for k, v in cell_scores(db_url, course_id, ASSIGNMENT, s).items()} for s in recs}
    autograded = {}
    for student in recs:
        path = root / "autograded" / student / ASSIGNMENT / NOTEBOOK
        autograded[student] = path.read_bytes() if path.is_file() else None
    return Step(run, recs, scores, points(root), autograded)


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))
    return text


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> Term:
    root = grading_copy(tmp_path_factory.mktemp("trust"))
    for student, sample in STUDENTS.items():
        submit(root, student, sample)
    steps = {}

    def step(name, run):
        steps[name] = _state(root, run)

    step("first", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    step("unchanged", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    step("no data", autograder(root, "grade", ASSIGNMENT, SCIKIT_LEARN_DATA=str(root / "no-data-here")))

    # a hidden test changes and is worth one point more: source/ changes; graded before `autograder build`, the
    # gradebook's copy (what nbgrader autograde puts back: hidden tests, points) is older than source/: refused
    source = root / "source" / ASSIGNMENT / NOTEBOOK
    nb = nbformat.read(source, 4)
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_mlp_forward")
    test_cell.metadata["nbgrader"]["points"] += 1
    test_cell.source = test_cell.source.replace(HIDDEN_END, HIDDEN_ADDED + HIDDEN_END)
    nbformat.write(nb, source)
    step("unbuilt", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    build = autograder(root, "build", ASSIGNMENT)
    assert build.returncode == 0, build.stdout + build.stderr
    step("source", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))

    # a check changes (here only a comment: the grading code is what ran, whatever the change)
    with open(root / "autograder" / "assignments" / ASSIGNMENT / "checks" / "__init__.py", "a") as check:
        check.write("\n# a check was edited\n")
    step("check", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))

    # the reference computation cannot run on the grading side: the grader's fault, not the students'
    reference = root / "autograder" / "assignments" / ASSIGNMENT / "reference.py"
    signature = 'def lecture(variant: dict | None = None) -> Lecture:\n    """The notebook\'s networks for ``variant`` (default: the graded student\'s)."""\n'
    original = _edit(reference, signature, signature + f"    raise OSError({BROKEN!r})\n")
    step("broken", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    step("broken nbgrader", nbgrader(root, "autograde", ASSIGNMENT, "--force", check=False))
    reference.write_text(original)
    step("repaired", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))

    # the grading kernel cannot import autograder (the old symptom of an editable install from another checkout)
    config = root / course.CONFIG_FILE
    kept_config = config.read_text()
    # the kernel finds no autograder: not on its PYTHONPATH, nor in the environment's site-packages, where an install
    # from a wheel (not editable) puts a copy of its own
    installed = [str(Path(folder) / "autograder") for folder in {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
                 if (Path(folder) / "autograder").is_dir()]
    config.write_text(kept_config + f"\nc.Sandbox.environment = {{'PYTHONPATH': {str(root / 'nowhere')!r}}}\n"
                      f"c.Sandbox.hidden_paths = {installed!r}\n")
    step("no module", autograder(root, "grade", ASSIGNMENT, "--workers", "2"))
    step("no module nbgrader", nbgrader(root, "autograde", ASSIGNMENT, "--force", check=False))
    config.write_text(kept_config)

    # a submission that ships a module named like the grader's package, next to its notebook
    fake = "def __getattr__(name):\n    raise SystemExit('fake grader')\n"
    submit(root, "eve", "solution", {"autograder.py": fake, "autograder/__init__.py": fake})
    step("shadow", autograder(root, "grade", ASSIGNMENT, "--student", "eve"))
    return Term(root, steps)


def _why(run) -> str:
    return next(line for line in run.stdout.splitlines() if line.startswith("why: "))


def _full_marks(step: Step, student: str) -> None:
    """Every automatically graded cell of ``student`` has its maximum, and their sum is the source's test points."""
    scores = step.scores[student]
    auto = {k: v for k, v in scores.items() if not k.startswith("param_interpretation")}
    assert all(score == maximum for score, maximum in auto.values()), scores
    assert sum(score for score, _ in auto.values()) == step.maximum[1] > 0


def test_first_grading_then_nothing_changed_skips_everyone(term):
    first, unchanged = term.steps["first"], term.steps["unchanged"]
    assert first.run.returncode == 0, first.run.stdout + first.run.stderr
    assert "new submission: 2 graded" in _why(first.run)
    _full_marks(first, "ada")
    assert first.records["bo"].score < first.records["ada"].score
    assert all(r.fingerprint["submission"] == r.content_hash and set(r.fingerprint) == set(PARTS) for r in first.records.values())

    assert unchanged.run.returncode == 0, unchanged.run.stderr
    assert "0 graded" in unchanged.run.stdout and _why(unchanged.run) == "why: unchanged: 2 skipped"
    assert {s: r.graded_at for s, r in unchanged.records.items()} == {s: r.graded_at for s, r in first.records.items()}


def test_an_assignment_that_reads_no_data_grades_without_it_and_nothing_moves(term):
    """This assignment declares no data file: without SCIKIT_LEARN_DATA's folder nothing is refused and, the data
    being no part of its fingerprint, nothing is regraded (an assignment that reads data stops: test_fingerprint)."""
    step = term.steps["no data"]
    assert step.run.returncode == 0, step.run.stdout + step.run.stderr
    assert "data not found" not in step.run.stderr and "unchanged: 2 skipped" in step.run.stdout, step.run.stdout
    assert step.records == term.steps["unchanged"].records and step.scores == term.steps["unchanged"].scores


def test_a_hidden_test_changed_in_source_but_not_built_is_refused_before_grading(term):
    """nbgrader autograde would grade with the gradebook's older copy (old points, old hidden tests) and the
    integrity scan would flag honest students for the old test's imports: nothing is graded, the fix is named."""
    before, step = term.steps["unchanged"], term.steps["unbuilt"]
    assert step.run.returncode == 2, step.run.stdout + step.run.stderr
    assert f"run `autograder build {ASSIGNMENT}`" in step.run.stderr, step.run.stderr
    assert "test_mlp_forward" in step.run.stderr and "hidden tests" in step.run.stderr, step.run.stderr
    assert step.records == before.records and step.scores == before.scores  # every earlier grade stands


def test_a_hidden_test_worth_more_in_source_regrades_everyone_to_the_new_maximum(term):
    before, step = term.steps["first"], term.steps["source"]
    assert step.run.returncode == 0, step.run.stdout + step.run.stderr
    assert re.search(r"why: source( and release)? and gradebook copy changed: 2 regraded; unchanged: 0 skipped",
                     step.run.stdout), step.run.stdout
    assert step.records["ada"].status == "graded", step.records["ada"].reasons  # the new hidden test is trusted
    assert step.maximum[0] == before.maximum[0] + 1  # read from the rebuilt source
    assert {r.max_score for r in step.records.values()} == {float(step.maximum[0])}
    _full_marks(step, "ada")
    assert step.records["ada"].score == step.maximum[1] == before.records["ada"].score + 1
    assert all(r.graded_at > before.records[s].graded_at for s, r in step.records.items())


def test_a_changed_check_regrades_everyone(term):
    before, step = term.steps["source"], term.steps["check"]
    assert step.run.returncode == 0, step.run.stdout + step.run.stderr
    assert "why: grading code changed: 2 regraded; unchanged: 0 skipped" in step.run.stdout
    assert all(r.graded_at > before.records[s].graded_at for s, r in step.records.items())
    assert step.scores == before.scores


def test_a_broken_reference_fails_loudly_and_keeps_every_earlier_grade(term):
    before, step = term.steps["check"], term.steps["broken"]
    assert step.run.returncode == 1, step.run.stdout + step.run.stderr
    assert "GRADING INFRASTRUCTURE FAILED for 2 submission(s)" in step.run.stdout
    assert "failed on the grading side" in step.run.stderr and BROKEN in step.run.stderr
    assert step.scores == before.scores  # the gradebook: not a single zero written
    assert step.autograded == before.autograded
    for student, record in step.records.items():
        assert record.status == "failed" and record.reasons[0].startswith(REASON_PREFIX), record.reasons
        assert "autograder.assignments.artificial_neurons.reference.lecture" in record.reasons[0] and BROKEN in record.reasons[0]
        assert any("earlier grade" in reason and "is kept" in reason for reason in record.reasons)
        assert record.score == before.records[student].score  # what stands, for exports and reports
        assert record.content_hash == "" and record.fingerprint == {}  # graded again next run


def test_plain_nbgrader_autograde_fails_loudly_and_records_no_zero(term):
    before, step = term.steps["broken"], term.steps["broken nbgrader"]
    assert step.run.returncode != 0
    log = step.run.stdout + step.run.stderr
    assert "GradingInfrastructureError" in log and REASON_PREFIX in log and BROKEN in log
    assert step.scores == before.scores


def test_once_repaired_the_failed_submissions_are_graded_again(term):
    step = term.steps["repaired"]
    assert step.run.returncode == 0, step.run.stdout + step.run.stderr
    assert "why: earlier grading did not finish: 2 regraded; unchanged: 0 skipped" in step.run.stdout
    assert {r.status for r in step.records.values()} <= {"graded", "flagged"}
    _full_marks(step, "ada")
    assert step.scores == term.steps["check"].scores


def test_a_kernel_that_cannot_import_autograder_fails_loudly_under_both_commands(term):
    from autograder.sandbox import sandbox_available

    if not sandbox_available()[0]:
        pytest.skip("without bubblewrap the kernel's PYTHONPATH always names the grader's package")
    before, step, plain = term.steps["repaired"], term.steps["no module"], term.steps["no module nbgrader"]
    assert step.run.returncode == 1, step.run.stdout + step.run.stderr
    assert "why: config changed: 2 regraded" in step.run.stdout
    for record in step.records.values():
        assert record.status == "failed" and record.content_hash == ""
        assert record.reasons[0].startswith(f"{REASON_PREFIX} the grading kernel cannot import the autograder package")
        assert "No module named 'autograder" in record.reasons[0] and "pip install -e" in record.reasons[0]
    assert step.scores == before.scores
    assert plain.run.returncode != 0 and "cannot import the autograder package" in plain.run.stdout + plain.run.stderr
    assert plain.scores == before.scores


def test_a_submitted_autograder_module_is_dropped_and_flagged(term):
    step = term.steps["shadow"]
    assert step.run.returncode == 0, step.run.stdout + step.run.stderr
    record = step.records["eve"]
    assert record.status == "flagged" and record.withheld
    assert [r for r in record.reasons if "'autograder'" in r] and [r for r in record.reasons if "'autograder.py'" in r]
    autograded = term.root / "autograded" / "eve" / ASSIGNMENT
    assert not (autograded / "autograder.py").exists() and not (autograded / "autograder").exists()
    # graded with the real checks: the would-be score is the solution's full marks, withheld for review
    assert any(f"autograde score {step.maximum[1]:g} withheld" in r for r in record.reasons), record.reasons


def test_grades_and_record_are_written_in_one_transaction(term, monkeypatch):
    """If the record cannot be written, the grades of the same result are not either (no moment where they disagree)."""
    from autograder.storage import writer as store
    from autograder.grading.jobs import CellResult, GradeResult

    config = course.load_config(term.root)
    coursedir = course.nbgrader_api(term.root).coursedir
    db_url, course_id = f"sqlite:///{term.root / 'gradebook.db'}", config.CourseDirectory.course_id
    before_scores = cell_scores(db_url, course_id, ASSIGNMENT, "ada")
    before_record = records.find(db_url, course_id, ASSIGNMENT, "ada")
    result = GradeResult(ASSIGNMENT, "ada", cells=[
        CellResult(ASSIGNMENT, grade_id, 0.0, cell.max_score, False, True) for grade_id, cell in before_scores.items()])

    def broken_upsert(*args, **kwargs):
        raise RuntimeError("the records table is gone")

    monkeypatch.setattr(records, "upsert", broken_upsert)
    with pytest.raises(RuntimeError, match="records table is gone"):
        store.write_result(coursedir, db_url, result, "", "hash", feedback=False, fingerprint={"submission": "hash"})
    after = cell_scores(db_url, course_id, ASSIGNMENT, "ada")
    assert {k: v.score for k, v in after.items()} == {k: v.score for k, v in before_scores.items()}
    assert any(v.score for v in after.values())
    assert records.find(db_url, course_id, ASSIGNMENT, "ada") == before_record
