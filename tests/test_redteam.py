"""The red-team corpus graded end to end by the grading engine (`autograder grade`), in the sandbox.

One course copy gets, per assignment, a batch of attacks (``autograder.integrity.redteam``), malformed
submissions and honest/mistaken samples; ``grade_assignment`` grades each batch with two workers, the
sandbox required (bubblewrap must work; under CI=true its absence fails the test instead of skipping it).
Every attack must end as the corpus says: no more points than the untouched blank (except an attack that
rewrites the test cells, whose score must be withheld), flagged and withheld with its finding, or the
kernel fate the sandbox reports; the sandbox must have blocked what it blocks. Every bad input ends as a
row of the gradebook and of the records with its status, reason and deterministic scores, and the
batch goes on; honest and mistaken samples have no findings.

For the runtime budget (about 2 cores x 4 minutes) the end-to-end run takes a representative subset:
every tfidf_distances attack below, every artificial_neurons attack except the two that hang the kernel
for a full IOPub timeout (patch_isinstance, fork_bomb), and every bad input on artificial_neurons (the
kinds do not depend on the assignment). EVERY attack of the corpus is covered at the unit level by
tests/test_integrity.py (static scan and runtime findings) and tests/test_sandbox.py (what the sandbox
blocks and the kernel fates); the kernel-breaking attacks' handling by the engine is covered by
tests/test_grading.py's dead-kernel and timeout cases.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import course, sandbox
from autograder.storage import outcomes
from autograder.errors import SandboxUnavailable
from autograder.storage.gradebook import cell_scores
from autograder.grading import grade_assignment
from autograder.mistakes import WITHHELD
from autograder.assignments.samples import Sample, make_submission, samples_for
from autograder.integrity import redteam

from .conftest import REPO

pytestmark = pytest.mark.nbgrader

TIMEOUT = 20  # Execute.timeout: above any honest cell, short for the infinite loop
TFIDF = "tfidf_distances"
NEURONS = "artificial_neurons"
ATTACKS = {
    TFIDF: ("read_source_notebook", "open_gradebook", "patch_assert_allclose", "patch_allclose", "patch_checks",
            "lying_eq", "event_hook_edits_outputs", "custom_exception_handler", "settrace", "exec_obfuscated",
            "write_other_student", "input_transformer"),
    NEURONS: ("read_source_notebook", "open_gradebook", "patch_allclose", "lying_eq", "input_transformer",
              "frame_peek", "displayhook", "subprocess_call", "shell_escape", "memory_hog", "infinite_loop",
              "os_exit", "network_loopback", "huge_output"),
}
HONEST = {TFIDF: ("solution", "blank", "unsmoothed_idf"), NEURONS: ("solution", "blank", "masks_dot_recursion",
                                                                    "expit_matmul_loop")}
BAD_INPUTS_ON = NEURONS
RUNTIME_ATTACK = "patch_allclose"  # also put on top of the solution: the checks refuse and report it at runtime


def _require_bwrap() -> None:
    ok, why = sandbox.sandbox_available()
    if ok:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"bubblewrap is required in CI (.ci/run installs it): {why}")
    pytest.skip(f"bubblewrap unusable here: {why}")


def _nb(folder, assignment):
    return nbformat.read(REPO / folder / assignment / f"{assignment}.ipynb", 4)


def _put(root, assignment, student, nb) -> None:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{assignment}.ipynb").write_text(nbformat.writes(nb))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``assignment -> (course root, {student: record}, {student: what it is})`` after grading both batches."""
    _require_bwrap()
    root = course.copy_course(REPO, tmp_path_factory.mktemp("redteam") / "course")
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write(f"\nc.Execute.timeout = {TIMEOUT}\n")
    out = {}
    for assignment in (TFIDF, NEURONS):
        source_nb, release_nb = _nb("source", assignment), _nb("release", assignment)
        kinds = {}
        samples = {s.name: s for s in samples_for(assignment)}
        for name in HONEST[assignment]:
            _put(root, assignment, f"sample_{name}", make_submission(source_nb, release_nb, samples[name]))
            kinds[f"sample_{name}"] = samples[name]
        attacks = {a.name: a for a in redteam.attacks_for(assignment)}
        for name in ATTACKS[assignment]:
            _put(root, assignment, f"attack_{name}", redteam.make_attack(release_nb, attacks[name]))
            kinds[f"attack_{name}"] = attacks[name]
        solution_nb = make_submission(source_nb, release_nb, samples["solution"])
        _put(root, assignment, "runtime_attack", redteam.make_attack(solution_nb, attacks[RUNTIME_ATTACK]))
        kinds["runtime_attack"] = attacks[RUNTIME_ATTACK]
        real = redteam.Attack("real_course_paths", _real_course_code(root, assignment), flag="course files",
                              reason="names the path")
        _put(root, assignment, "real_course_paths", redteam.make_attack(release_nb, real))
        kinds["real_course_paths"] = real
        if assignment == BAD_INPUTS_ON:
            # correct answers plus one flagged import: a positive score, withheld (its feedback must not show it)
            flagged = redteam.Attack("flagged_solution", "import inspect", flag="introspection", reason="inspect")
            _put(root, assignment, "flagged_solution", redteam.make_attack(solution_nb, flagged))
            kinds["flagged_solution"] = flagged
            for bad in redteam.bad_inputs(f"{assignment}.ipynb"):
                redteam.write_bad_input(root / "submitted" / f"bad_{bad.name}" / assignment, bad, release_nb)
                kinds[f"bad_{bad.name}"] = bad
        # feedback only for the batch with the bad inputs (and the withheld attacks): time budget
        summary = grade_assignment(root, assignment, workers=2, progress=False, require_sandbox=True,
                                   feedback=assignment == BAD_INPUTS_ON)
        assert sorted(summary.graded) == sorted(kinds)  # nothing stopped the batch
        out[assignment] = (root, {r.student: r for r in summary.records}, kinds)
    return out


def _real_course_code(root, assignment) -> str:
    """Student code that tries the real course's secrets by absolute path and prints what it got."""
    paths = [str(root / "source" / assignment / f"{assignment}.ipynb"), str(root / "gradebook.db"),
             str(root / "submitted" / "sample_solution" / assignment / f"{assignment}.ipynb")]
    return (f"for path in {paths!r}:\n"
            "    try:\n        open(path, 'rb').read(10)\n        print('READ', path)\n"
            "    except OSError as error:\n        print('BLOCKED', type(error).__name__, path)")


def _scores(root, assignment, student) -> dict:
    config = course.load_config(root)
    return {k: v.score for k, v in cell_scores(f"sqlite:///{root / 'gradebook.db'}", config.CourseDirectory.course_id,
                                                assignment, student).items()}


def _outputs(root, assignment, student) -> str:
    nb = nbformat.read(root / "autograded" / student / assignment / f"{assignment}.ipynb", 4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", "") if output.get("output_type") == "stream"
                         else f"{output.get('ename')}: {output.get('evalue')}")
    return "\n".join(parts)


def _students(graded, kind):
    return [(a, s) for a, (_, _, kinds) in graded.items() for s, k in kinds.items() if isinstance(k, kind)]


@pytest.mark.parametrize("assignment", [TFIDF, NEURONS])
def test_every_attack_ends_as_the_corpus_expects(graded, assignment):
    root, recs, kinds = graded[assignment]
    blank = recs["sample_blank"].score
    problems = []
    for student, attack in kinds.items():
        if not isinstance(attack, redteam.Attack) or student == "runtime_attack":
            continue
        rec = recs[student]
        assert rec.score == pytest.approx(sum(_scores(root, assignment, student).values()))  # the gradebook row
        if rec.score > blank + 1e-9:
            problems.append(f"{student}: scored {rec.score} > blank {blank}")
        if attack.flag:
            if rec.status not in ("flagged", "failed") or not rec.withheld:
                problems.append(f"{student}: not flagged and withheld: {rec.status} {rec.withheld}")
            if not any(r.split(": integrity: ", 1)[-1].startswith(attack.flag) and attack.reason in r
                       for r in rec.reasons):
                problems.append(f"{student}: no {attack.flag!r} finding with {attack.reason!r}: {rec.reasons}")
        if attack.fate != "ok":
            if rec.kernel != attack.fate or rec.status not in ("flagged", "failed"):
                problems.append(f"{student}: kernel {rec.kernel!r} / {rec.status}, expected {attack.fate!r}")
        if not attack.flag and attack.fate == "ok" and (rec.status != "graded" or rec.withheld):
            problems.append(f"{student}: expected a plain graded row: {rec}")
        if attack.blocked and attack.blocked not in _outputs(root, assignment, student):
            problems.append(f"{student}: the sandbox did not block it ({attack.blocked!r} not in the outputs)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("assignment", [TFIDF, NEURONS])
def test_checks_refuse_in_a_tampered_kernel_and_the_engine_reports_it(graded, assignment):
    root, recs, kinds = graded[assignment]
    rec, attack = recs["runtime_attack"], kinds["runtime_attack"]
    assert rec.status == "flagged" and rec.withheld, rec
    assert any(attack.runtime in r for r in rec.reasons), rec.reasons  # findings_from_outputs of the executed notebook
    assert rec.score < recs["sample_solution"].score


def test_withheld_scores_never_reach_the_feedback(graded):
    """The feedback of a withheld submission shows the gradebook's 0, not the autograde score held back."""
    root, recs, _ = graded[BAD_INPUTS_ON]
    withheld = [s for s, r in recs.items() if r.withheld and (root / "autograded" / s / BAD_INPUTS_ON).is_dir()]
    assert {"runtime_attack", "flagged_solution"} <= set(withheld)
    for student in withheld:
        text = (root / "feedback" / student / BAD_INPUTS_ON / f"{BAD_INPUTS_ON}.html").read_text()
        shown = float(re.search(r"Score: ([0-9.]+) / ", text)[1])
        assert shown == pytest.approx(sum(_scores(root, BAD_INPUTS_ON, student).values())) == 0
        stored = outcomes.load(f"sqlite:///{root / 'gradebook.db'}", course.load_config(root).CourseDirectory.course_id,
                               BAD_INPUTS_ON)[student]  # the named-mistakes table agrees with the gradebook's 0
        assert stored and all(o.points == 0 and not o.passed and o.mistake == WITHHELD and "integrity" in o.message
                              for o in stored), stored
    would_be = re.search(r"autograde score ([0-9.]+) withheld", " ".join(recs["flagged_solution"].reasons))
    assert would_be and float(would_be[1]) == pytest.approx(recs["sample_solution"].score), recs["flagged_solution"].reasons


@pytest.mark.parametrize("assignment", [TFIDF, NEURONS])
def test_grading_kernels_cannot_reach_the_real_course(graded, assignment):
    root, recs, _ = graded[assignment]
    assert (root / "gradebook.db").exists() and (root / "source" / assignment).is_dir()
    text = _outputs(root, assignment, "real_course_paths")
    assert "READ" not in text and text.count("BLOCKED FileNotFoundError") == 3, text
    assert recs["real_course_paths"].withheld


def test_bad_inputs_are_rows_with_reasons_and_the_blank_scores(graded):
    root, recs, kinds = graded[BAD_INPUTS_ON]
    blank = _scores(root, BAD_INPUTS_ON, "sample_blank")
    assert blank and set(blank) == set(_scores(root, BAD_INPUTS_ON, "sample_solution"))
    problems = []
    for student, bad in kinds.items():
        if not isinstance(bad, redteam.BadInput):
            continue
        rec = recs[student]
        if rec.status != bad.status:
            problems.append(f"{student}: status {rec.status}, expected {bad.status}: {rec.reasons}")
        if bad.reason and not any(bad.reason in r for r in rec.reasons):
            problems.append(f"{student}: no reason with {bad.reason!r}: {rec.reasons}")
        if rec.status != "graded" and not rec.reasons:
            problems.append(f"{student}: {rec.status} without a reason")
        if rec.withheld:
            problems.append(f"{student}: withheld, but it holds no attack: {rec.reasons}")
        scores = _scores(root, BAD_INPUTS_ON, student)  # every cell has its row in the gradebook
        if scores != blank:
            problems.append(f"{student}: cell scores {scores} differ from the blank's {blank}")
        if rec.score != pytest.approx(sum(blank.values())):
            problems.append(f"{student}: record score {rec.score}")
    assert not problems, "\n".join(problems)


def test_honest_and_mistaken_samples_have_no_findings(graded):
    for assignment, student in _students(graded, Sample):
        root, recs, kinds = graded[assignment]
        rec = recs[student]
        assert rec.status == "graded" and not rec.withheld and rec.kernel == "ok", (assignment, rec)
        assert not rec.reasons, (assignment, rec)
    for assignment in graded:
        recs = graded[assignment][1]
        honest = [r for s, r in recs.items() if s.startswith("sample_")]
        assert recs["sample_solution"].score > recs["sample_blank"].score
        assert recs["sample_solution"].score == max(r.score for r in honest), honest


def _course_with(tmp_path, students) -> Path:
    root = course.copy_course(REPO, tmp_path / "course")
    release_nb = _nb("release", NEURONS)
    for student in students:
        _put(root, NEURONS, student, release_nb)
    return root


def _without_bwrap(tmp_path) -> dict:
    """An environment whose PATH has this Python's tools but no bwrap."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in os.listdir(os.path.dirname(sys.executable)):
        (bindir / tool).symlink_to(os.path.join(os.path.dirname(sys.executable), tool))
    return {**os.environ, "PATH": str(bindir)}


def test_require_sandbox_refuses_before_grading_anything(tmp_path, monkeypatch):
    root = _course_with(tmp_path, ["someone"])
    env = _without_bwrap(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.setattr(sandbox.probe, "_PROBE", {})  # probe again, with no bwrap on PATH
    had_gradebook = (root / "gradebook.db").exists()
    with pytest.raises(SandboxUnavailable, match="bubblewrap is not installed"):
        grade_assignment(root, NEURONS, workers=0, progress=False, require_sandbox=True)
    assert (root / "gradebook.db").exists() == had_gradebook  # nothing was written
    assert not (root / "autograded").exists() and not (root / "feedback").exists()

    cli = subprocess.run([sys.executable, "-m", "autograder", "grade", NEURONS, "--require-sandbox"],
                         cwd=root, env=env, capture_output=True, text=True)
    assert cli.returncode == 2 and "apt-get install -y bubblewrap" in cli.stderr, cli.stderr
    assert not (root / "autograded").exists()


def test_unsandboxed_grading_warns_once_per_batch(tmp_path):
    """Only where the course turns the requirement off (the shipped config refuses: test_sandbox_required.py)."""
    root = _course_with(tmp_path, ["one", "two", "three"])
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write("\nc.Sandbox.require = False\n")
    cli = subprocess.run([sys.executable, "-m", "autograder", "grade", NEURONS, "--workers", "2"],
                         cwd=root, env=_without_bwrap(tmp_path), capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert cli.stderr.count("WARNING: GRADING WITHOUT SANDBOX") == 1, cli.stderr
    assert "3 graded (3 ok" in cli.stdout, cli.stdout
    assert "graded WITHOUT SANDBOX: 3 submission(s)" in cli.stdout, cli.stdout


def test_sandbox_wall_clock_is_told_from_a_dead_kernel(tmp_path):
    """The sandbox kills a kernel past Sandbox.wall_clock_seconds; its kernel report makes the fate a timeout."""
    _require_bwrap()
    root = course.copy_course(REPO, tmp_path / "course")
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write("\nc.Execute.timeout = 60\nc.Sandbox.wall_clock_seconds = 10\n")
    sleeper = redteam.Attack("sleeper", "import time\ntime.sleep(120)")
    _put(root, NEURONS, "sleeper", redteam.make_attack(_nb("release", NEURONS), sleeper))
    summary = grade_assignment(root, NEURONS, workers=0, progress=False, require_sandbox=True, feedback=False)
    rec = summary.records[0]
    assert rec.kernel == "timeout" and rec.status == "flagged" and not rec.withheld, rec
    assert any("Sandbox.wall_clock_seconds" in r for r in rec.reasons), rec.reasons
    assert rec.seconds < 60  # stopped by the wall clock, not by the 60 s cell timeout
