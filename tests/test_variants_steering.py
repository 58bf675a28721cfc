"""The instructor steers variants: one student's override kept in the gradebook, told to the grading kernel and
part of the fingerprint; the variant cell's version checked before a kernel starts; the variant a grade was made
with kept and never moved silently (README, "Variants")."""

import json
import os
import subprocess

import nbformat
import pytest
from traitlets.config import Config

from autograder import assignments, course, variant_steering, variants
from autograder.errors import AutograderError
from autograder.grading.fingerprint import why_regrade
from autograder.storage import records, variant_ids

from .conftest import REPO, checkout_env, checkout_python

ASSIGNMENT = "artificial_neurons"
SPEC = assignments.get(ASSIGNMENT)
COURSE = course.load_config(REPO).CourseDirectory.course_id


def _released():
    return nbformat.read(REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)


def _variant_cell(nb):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == variants.VARIANT_CELL)


def test_an_override_is_kept_in_the_gradebook_and_reissues_count_up(tmp_path):
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert variant_ids.load(db, "c", ASSIGNMENT) == {}  # a reader never creates the table
    variant_ids.save(db, "c", ASSIGNMENT, "s-9", "ana", "as")
    assert variant_ids.find(db, "c", ASSIGNMENT, "s-9") == ("ana", "as")
    assert variant_ids.find(db, "other-course", ASSIGNMENT, "s-9") is None
    assert variant_ids.next_reissue("ana", None) == "ana~2"
    assert variant_ids.next_reissue("ana", "ana~2") == "ana~3"
    assert variant_ids.next_reissue("ana", "bo") == "ana~2"
    assert variant_ids.clear(db, "c", ASSIGNMENT, "s-9") and not variant_ids.clear(db, "c", ASSIGNMENT, "s-9")


def test_the_kernel_is_told_the_overrides_id_from_the_run_or_from_the_gradebook(tmp_path):
    config = Config()
    config.CourseDirectory.course_id = "c"
    config.CourseDirectory.root = str(tmp_path)
    config.Variants.enabled = True
    assert variants.kernel_environment(config, "s-9", ASSIGNMENT)["AUTOGRADER_STUDENT"] == "s-9"
    variant_ids.save(f"sqlite:///{tmp_path / 'gradebook.db'}", "c", ASSIGNMENT, "s-9", "ana", "as")  # plain nbgrader
    assert variants.kernel_environment(config, "s-9", ASSIGNMENT)["AUTOGRADER_STUDENT"] == "ana"
    config.Variants.ids = {"s-9": "ana~2"}  # autograder grade tells its worker
    assert variants.kernel_environment(config, "s-9", ASSIGNMENT)["AUTOGRADER_STUDENT"] == "ana~2"


def test_a_notebook_run_under_the_overrides_id_is_not_listed():
    released = _released()
    _variant_cell(released).outputs = [nbformat.v4.new_output("stream", name="stdout", text="student id: ana\n")]
    config = Config()
    config.Variants.enabled = True
    assert variants.foreign_variant_reasons(config, {"a.ipynb": released}, "s-9", "ana") == []
    [reason] = variants.foreign_variant_reasons(config, {"a.ipynb": released}, "s-9", "ana~2")
    assert "'ana'" in reason and "'ana~2'" in reason and "'s-9'" in reason


def test_a_variant_cell_of_another_version_is_refused_before_the_kernel_starts():
    config = Config()
    config.Variants.enabled = True
    released = _released()
    assert variants.cell_version_mismatch(config, released, ASSIGNMENT) == ""
    cell = _variant_cell(released)
    cell.source = cell.source.replace(f"VARIANT_VERSION = {SPEC.variant_version}\n",
                                      f"VARIANT_VERSION = {SPEC.variant_version + 1}\n")
    why = variants.cell_version_mismatch(config, released, ASSIGNMENT)
    assert why.startswith("grading infrastructure:") and f"VARIANT_VERSION = {SPEC.variant_version + 1}" in why
    config.Variants.enabled = False
    assert variants.cell_version_mismatch(config, released, ASSIGNMENT) == ""


def test_an_override_or_a_new_version_regrades_and_says_why():
    base = {p: "x" for p in ("submission", "source", "release", "gradebook copy", "config", "grading code",
                             "environment", "data", "due date", "extension")}
    old = records.SubmissionRecord(ASSIGNMENT, "ana", content_hash="x", fingerprint=dict(base))
    now = {**base, "variant version": "1", "variant override": ""}
    assert why_regrade(old, now) == ""  # kept before the parts existed: not regraded for that alone
    kept = records.SubmissionRecord(ASSIGNMENT, "ana", content_hash="x", fingerprint=dict(now))
    assert why_regrade(kept, {**now, "variant override": "ana~2"}) == "variant override changed"
    assert why_regrade(kept, {**now, "variant version": "2"}) == "variant version changed"


def test_a_changed_generator_never_moves_a_graded_student():
    was = variant_steering.graded(SPEC, "ana", COURSE, True)
    assert was == {"id": "ana", "version": SPEC.variant_version, "params": SPEC.variant_params("ana", COURSE)}
    moved_params = {**was["params"], "seed": was["params"]["seed"] + 1}
    now = {"ana": {**was, "params": moved_params}, "bo": variant_steering.graded(SPEC, "bo", COURSE, True)}
    assert variant_steering.moved({"ana": was}, {"ana": was}) == {}
    assert variant_steering.moved({"ana": was}, {"ana": {**was, "version": 2, "params": moved_params}}) == {}
    found = variant_steering.moved({"ana": was, "bo": {}}, now)
    assert list(found) == ["ana"]
    with pytest.raises(AutograderError, match="ana: graded with .*variant_version"):
        variant_steering.refuse_moved(ASSIGNMENT, found)


def test_feedback_reads_the_variant_the_graded_notebook_printed():
    released = _released()
    assert variants.shown_variant(released) is None
    text = f"student id: ana\nyour variant: {SPEC.module('variant').describe(SPEC.variant_params('ana', COURSE))}\n"
    _variant_cell(released).outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    assert variants.shown_variant(released) == {
        "id": "ana", "text": SPEC.module("variant").describe(SPEC.variant_params("ana", COURSE))}


def _cli(root, *args):
    return subprocess.run([*checkout_python(), "-m", "autograder", *args], cwd=root, env=checkout_env(),
                          capture_output=True, text=True, timeout=300)


def test_autograder_variant_overrides_reissues_and_clears_one_student(tmp_path):
    root = course.copy_course(REPO, tmp_path / "course")
    shown = _cli(root, "variant", ASSIGNMENT, "s-9", "--as", "ana", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"student": "s-9", "assignment": ASSIGNMENT, "override": {"id": "ana", "kind": "as"},
                                        "params": SPEC.variant_params("ana", COURSE)}
    assert "os.environ['AUTOGRADER_STUDENT'] = 'ana'" in shown.stderr
    again = _cli(root, "variant", ASSIGNMENT, "s-9", "--json")  # kept in the gradebook
    assert json.loads(again.stdout)["override"] == {"id": "ana", "kind": "as"}
    for expected in ("s-9~2", "s-9~3"):
        new = _cli(root, "variant", ASSIGNMENT, "s-9", "--reissue", "--json")
        assert new.returncode == 0, new.stderr
        assert json.loads(new.stdout)["override"] == {"id": expected, "kind": "reissue"}
        assert json.loads(new.stdout)["params"] == SPEC.variant_params(expected, COURSE)
    text = _cli(root, "variant", ASSIGNMENT, "s-9")
    assert "(as s-9~3, reissue)" in text.stdout
    cleared = _cli(root, "variant", ASSIGNMENT, "s-9", "--clear", "--json")
    assert cleared.returncode == 0 and json.loads(cleared.stdout) == {
        "student": "s-9", "assignment": ASSIGNMENT, "params": SPEC.variant_params("s-9", COURSE)}
    both = _cli(root, "variant", ASSIGNMENT, "s-9", "--clear", "--reissue")
    assert both.returncode == 2 and "at most one of" in both.stderr


def test_a_student_sees_a_reissued_variant_by_setting_the_id_before_the_variant_cell(tmp_path):
    """The rule the locked cell follows (no ``autograder`` on the student's side): AUTOGRADER_STUDENT, set with
    ``os.environ`` in a cell above, wins over the hub login, so the student computes the variant they are graded with."""
    import os
    import sys

    cell = _variant_cell(_released()).source
    env = {**os.environ, "JUPYTERHUB_USER": "s-9", "AUTOGRADER_STUDENT": "s-9~2"}
    env.pop("AUTOGRADER_VARIANTS", None)
    ran = subprocess.run([sys.executable, "-c", cell], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stderr
    describe = SPEC.module("variant").describe
    assert ran.stdout == f"student id: s-9~2\nyour variant: {describe(SPEC.variant_params('s-9~2', COURSE))}\n"
    assert SPEC.variant_params("s-9~2", COURSE) != SPEC.variant_params("s-9", COURSE)


@pytest.mark.parametrize("assignment", [spec.name for spec in assignments.registered() if spec.module("variant") is not None])
def test_feedback_names_the_variant_the_real_variant_cell_prints(assignment):
    """The released notebook's own locked cell, run for a student: what it prints is what the feedback names."""
    spec = assignments.get(assignment)
    released = nbformat.read(REPO / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id") == variants.VARIANT_CELL)
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_VARIANTS": "on", "AUTOGRADER_STUDENT": "ana"}
    printed = subprocess.run([*checkout_python(), "-c", cell.source], cwd=REPO, env=checkout_env(env), capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed.stdout)]
    shown = variants.shown_variant(released)
    params = spec.variant_params("ana", COURSE)
    assert shown["id"] == "ana" and shown["text"] and spec.module("variant").describe(params).endswith(shown["text"])


def test_a_hostile_variant_output_is_read_in_linear_time():
    """200,000 'student id:' lines without a variant line (what a patched stdout could print into the graded cell):
    read in one pass; the old pattern backtracked over every later line from every such line (minutes, the
    feedback of a whole batch held up). A hang detector with a minute's margin, not a speed goal."""
    code = ("import nbformat; from autograder import variants\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('', metadata={'nbgrader': "
            "{'grade_id': variants.VARIANT_CELL}}, outputs=[nbformat.v4.new_output('stream', name='stdout', "
            "text='student id: x\\n' * 200000)])])\n"
            "print(variants.shown_variant(nb))\n")
    done = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=checkout_env(), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "None", done.stderr
