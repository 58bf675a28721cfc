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
    assert variants.kernel_environment(config, None) == {"AUTOGRADER_VARIANTS": "on", "AUTOGRADER_COURSE": "c"}


def test_the_course_ships_variants_on():
    assert load_config(REPO).Variants.enabled is True


def test_an_assignment_without_a_variant_module_has_no_variants():
    assert assignments.Assignment(name="nothing_here").variant_params("s1", "c") is None
    assert variants.params("nothing_here", "s1", "c") is None
