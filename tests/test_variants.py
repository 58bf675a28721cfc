"""Per-student variants: the grading kernel is told whom it grades; the assignments' variant modules."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder import assignments, sandbox, variants
from autograder.course import load_config

from .conftest import REPO
from .sandbox_helpers import output_text

PROBE = ("from autograder.kernel import variant\n"
         "import os\n"
         "os.environ['AUTOGRADER_STUDENT'] = 'someone_else'  # a cell cannot move the variant after the start\n"
         "print('student:', variant.current_student(), 'on:', variant.variants_on(), 'course:', variant.current_course())")


def _run_in_kernel(tmp_path, student, enabled):
    config = Config()
    config.Execute.extra_arguments = list(load_config(REPO).Execute.extra_arguments)
    config.Sandbox.require = True
    config.Variants.enabled = enabled
    config.CourseDirectory.course_id = "a-course"
    notebook = new_notebook(cells=[new_code_cell(PROBE)])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    resources = {"metadata": {"path": str(tmp_path)}}
    if student is not None:
        resources["nbgrader"] = {"student": student}
    notebook, _ = sandbox.SandboxedExecute(config=config).preprocess(notebook, resources)
    return output_text(notebook)


@pytest.mark.parametrize("student,enabled,expected", [
    ("s-1042", True, "student: s-1042 on: True course: a-course"),
    ("s-1042", False, "student: s-1042 on: False course: a-course"),
    (None, True, "student: None on: False course: a-course"),
])
def test_a_sandboxed_kernel_is_told_whom_it_grades(tmp_path, student, enabled, expected):
    assert expected in _run_in_kernel(tmp_path, student, enabled)


def test_the_environment_says_whether_variants_are_on():
    config = Config()
    config.CourseDirectory.course_id = "c"
    assert variants.kernel_environment(config, "s1") == {
        "AUTOGRADER_VARIANTS": "off", "AUTOGRADER_STUDENT": "s1", "AUTOGRADER_COURSE": "c"}
    config.Variants.enabled = True
    assert variants.kernel_environment(config, None) == {"AUTOGRADER_VARIANTS": "off", "AUTOGRADER_COURSE": "c"}


def test_the_course_ships_variants_on():
    assert load_config(REPO).Variants.enabled is True


def test_an_assignment_without_a_variant_module_has_no_variants():
    assert assignments.Assignment(name="nothing_here").variant_params("s1", "c") is None
    assert variants.params("nothing_here", "s1", "c") is None


def _cli(root, *args):
    import subprocess

    from .conftest import checkout_env, checkout_python

    return subprocess.run([*checkout_python(), "-m", "autograder", *args], cwd=root, env=checkout_env(),
                          capture_output=True, text=True, timeout=300)


def test_autograder_variant_prints_one_student_or_the_class(tmp_path):
    import csv
    import io
    import json

    from autograder import course

    root = course.copy_course(REPO, tmp_path / "course")
    cid = course.load_config(root).CourseDirectory.course_id
    spec = assignments.get("artificial_neurons")
    one = _cli(root, "variant", "artificial_neurons", "ana", "--json")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout) == {"student": "ana", "assignment": "artificial_neurons",
                                      "params": spec.variant_params("ana", cid)}
    text = _cli(root, "variant", "artificial_neurons", "ana")
    assert text.returncode == 0 and f"hidden_4d_2 = {spec.variant_params('ana', cid)['hidden_4d_2']}" in text.stdout
    for student in ("bo", "ana"):
        (course.folder(root, "submitted_directory") / student).mkdir(parents=True)
    every = _cli(root, "variant", "artificial_neurons")
    assert every.returncode == 0, every.stderr
    rows = list(csv.DictReader(io.StringIO(every.stdout)))
    assert [r["student"] for r in rows] == ["ana", "bo"]
    for row in rows:
        expected = spec.variant_params(row["student"], cid)
        assert (int(row["seed"]), json.loads(row["pt"]), int(row["hidden_4d_2"])) == (
            expected["seed"], expected["pt"], expected["hidden_4d_2"])
    (root / "source" / "no_variants").mkdir()  # an assignment of the course without a package: no variants
    (root / "source" / "no_variants" / "no_variants.ipynb").write_text(
        (root / "source" / "artificial_neurons" / "artificial_neurons.ipynb").read_text())
    none = _cli(root, "variant", "no_variants", "ana")
    assert none.returncode != 0 and "no_variants has no variants" in none.stderr + none.stdout
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write("\nc.Variants.enabled = False\n")
    off = _cli(root, "variant", "artificial_neurons", "ana", "--json")
    assert json.loads(off.stdout)["params"] == spec.module("variant").DEFAULTS


def test_the_id_a_notebook_ran_under_is_read_from_its_variant_cell():
    released = nbformat.read(REPO / "release" / "artificial_neurons" / "artificial_neurons.ipynb", 4)
    cell = next(c for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id") == variants.VARIANT_CELL)
    assert variants.ran_under(released) is None  # never run
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="student id: none (the default variant)\n")]
    assert variants.ran_under(released) is None
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="student id: friend 7\nyour variant: ...\n")]
    assert variants.ran_under(released) == "friend 7"
    config = Config()
    config.Variants.enabled = True
    [reason] = variants.foreign_variant_reasons(config, {"a.ipynb": released}, "ana")
    assert "'friend 7'" in reason and "'ana'" in reason
    assert variants.foreign_variant_reasons(config, {"a.ipynb": released}, "friend 7") == []
    config.Variants.enabled = False
    assert variants.foreign_variant_reasons(config, {"a.ipynb": released}, "ana") == []


def _variant_cell_source():
    released = nbformat.read(REPO / "release" / "artificial_neurons" / "artificial_neurons.ipynb", 4)
    return next(c.source for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id") == variants.VARIANT_CELL)


@pytest.mark.parametrize("sandboxed", [False, True])
def test_a_kernel_not_told_the_student_never_takes_the_hosts_hub_login(tmp_path, monkeypatch, sandboxed):
    """A grader started inside a JupyterHub session (JUPYTERHUB_USER is the instructor's login): a kernel that does
    not know whom it grades, a prepared one included, grades the default variant, never the host login's."""
    from autograder.sandbox import prepared

    monkeypatch.setenv("JUPYTERHUB_USER", "the-instructor")
    config = Config()
    config.Execute.extra_arguments = list(load_config(REPO).Execute.extra_arguments)
    config.Sandbox.enabled = config.Sandbox.require = sandboxed
    config.Sandbox.prepared_kernels = 1
    config.Variants.enabled = True
    config.CourseDirectory.course_id = load_config(REPO).CourseDirectory.course_id
    prepared.shutdown()
    try:
        seen = []
        for _ in range(2):  # the second notebook takes the kernel prepared after the first
            notebook = new_notebook(cells=[new_code_cell(_variant_cell_source())])
            notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
            resources = {"metadata": {"path": str(tmp_path)}, "nbgrader": {"assignment": "artificial_neurons"}}
            notebook, _ = sandbox.SandboxedExecute(config=config).preprocess(notebook, resources)
            seen.append(output_text(notebook))
    finally:
        prepared.shutdown()
    for text in seen:
        assert "student id: none (the default variant)" in text and "the-instructor" not in text, text
