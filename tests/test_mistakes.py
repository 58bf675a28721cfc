"""autograder.mistakes: the mistake code of a failed cell, read back from its outputs; the registry of codes."""

import ast
import json
import pickle
import re

import nbformat
import pytest

from autograder import assignments, course, integrity, mistakes
from autograder.errors import AnswerError
from autograder.preprocessors import grading_execute
from autograder.assignments.samples import samples_for

from .conftest import REPO

ASSIGNMENTS = course.assignments(REPO)


def error_output(ename: str, evalue: str) -> dict:
    """An error output as ipykernel writes it into a notebook."""
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}


def raised(error: BaseException) -> dict:
    """The error output of a cell that raised ``error`` (ipykernel takes ``str(error)`` as evalue)."""
    return error_output(type(error).__name__, str(error))


# --- the tag ---------------------------------------------------------------------------------------

def test_answer_error_carries_its_code_in_its_text():
    error = AnswerError("tf-idf rows should have unit L2 norm.", "not_normalized")
    assert isinstance(error, AssertionError)
    assert str(error) == "tf-idf rows should have unit L2 norm. [mistake: not_normalized]"
    assert (error.message, error.mistake) == ("tf-idf rows should have unit L2 norm.", "not_normalized")
    assert str(AnswerError("no code")) == "no code"
    copy = pickle.loads(pickle.dumps(error))  # errors cross process boundaries (executors, Dask)
    assert (copy.message, copy.mistake) == (error.message, error.mistake)


def test_display_message_strips_the_tag_only():
    assert mistakes.display_message("rows are not normalized. [mistake: not_normalized]") == "rows are not normalized."
    assert mistakes.display_message("x raised ValueError: bad [mistake: error:ValueError]") == "x raised ValueError: bad"
    assert mistakes.display_message("a [mistake: tag] in the middle stays.") == "a [mistake: tag] in the middle stays."
    assert mistakes.display_message("plain message") == "plain message"


@pytest.mark.parametrize("code", ["not_normalized", "error:ValueError", "error:numpy.linalg.LinAlgError"])
def test_codes_round_trip(code):
    assert mistakes.split_tag(mistakes.tagged("message", code)) == ("message", code)
    assert mistakes.is_code(code)


# --- a cell's outputs --------------------------------------------------------------------------------

def test_a_cell_without_error_has_no_mistake():
    assert mistakes.cell_mistake([]) is None
    assert mistakes.cell_mistake([{"output_type": "stream", "name": "stdout", "text": "✓ both counts match\n"}]) is None


def test_answer_error_with_a_code():
    outputs = [{"output_type": "stream", "name": "stdout", "text": "debug\n"}, raised(AnswerError("transposed.", "confusion_transposed"))]
    assert mistakes.cell_mistake(outputs) == ("confusion_transposed", "transposed.")


def test_answer_error_without_a_code_is_unrecognized():
    assert mistakes.cell_mistake([raised(AnswerError("the block means do not match."))]) == ("unrecognized", "the block means do not match.")


def test_public_assert_is_unrecognized_with_its_message():
    message = "\nNot equal to tolerance rtol=1e-07, atol=1e-09\ntfidf rows should have unit L2 norm; did you normalize?"
    assert mistakes.cell_mistake([raised(AssertionError(message))]) == ("unrecognized", message.rstrip())
    assert mistakes.cell_mistake([error_output("AssertionError", "")]) == ("unrecognized", "")


def test_public_assert_can_name_its_mistake():
    message = "relu_activation must work elementwise on arrays [mistake: not_elementwise]"
    assert mistakes.cell_mistake([raised(AssertionError(message))]) == ("not_elementwise", "relu_activation must work elementwise on arrays")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_public_assert_s_untagged_message_is_named_by_its_assignment_s_table(assignment):
    for message, code in assignments.get(assignment).public_test_mistakes.items():
        assert mistakes.cell_mistake([raised(AssertionError(message))]) == (code, message)
    assert mistakes.cell_mistake([raised(AssertionError("some other message"))]) == ("unrecognized", "some other message")


def test_student_exceptions_are_named_by_their_class():
    assert mistakes.cell_mistake([raised(NameError("name 'np' is not defined"))]) == ("error:NameError", "name 'np' is not defined")
    # only assertions carry codes: a student's own exception cannot pose as a known mistake
    assert mistakes.cell_mistake([raised(ValueError("x [mistake: not_normalized]"))])[0] == "error:ValueError"


def test_timeouts_and_dead_kernels_use_the_grading_engine_names():
    assert (mistakes.CELL_TIMEOUT, mistakes.KERNEL_DIED) == (grading_execute.CELL_TIMEOUT, grading_execute.KERNEL_DIED)
    assert grading_execute.NOT_RUN.startswith(mistakes.NOT_RUN)
    died = grading_execute._error(grading_execute.KERNEL_DIED, "the kernel died while running this cell (exit status 1)")
    assert mistakes.cell_mistake([died]) == ("kernel_died", "the kernel died while running this cell (exit status 1)")
    later = grading_execute._error(grading_execute.KERNEL_DIED, grading_execute.NOT_RUN)
    assert mistakes.cell_mistake([later])[0] == "not_run"
    timeout = error_output(grading_execute.CELL_TIMEOUT, "A cell timed out while it was being executed, after 120 seconds.")
    assert mistakes.cell_mistake([timeout])[0] == "timeout"


def test_stderr_output_fails_a_cell():
    outputs = [{"output_type": "stream", "name": "stderr", "text": ["Traceback...\n", "oops\n"]}]
    assert mistakes.cell_mistake(outputs) == ("stderr", "Traceback...\noops\n")


def test_integrity_report_still_parses_with_its_tag():
    finding = integrity.Finding("patching", "runtime", 0, "numpy.allclose was replaced")
    error = AnswerError(integrity.RUNTIME_MARKER + json.dumps([finding.as_dict()]) + "\n", "tampered")
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": "", "outputs": [raised(error)]}]}
    assert integrity.findings_from_outputs(notebook) == [finding]
    assert mistakes.cell_mistake([raised(error)])[0] == "tampered"


def test_notebook_mistakes_reads_graded_cells_only():
    def cell(grade_id, grade, outputs):
        return nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": grade_id, "grade": grade}}, outputs=outputs)

    nb = nbformat.v4.new_notebook(cells=[
        cell("answer", False, [raised(NameError("x"))]),
        cell("test_ok", True, []),
        cell("test_bad", True, [raised(AnswerError("squared.", "distances_squared"))]),
    ])
    assert mistakes.notebook_mistakes(nb) == {"test_bad": ("distances_squared", "squared.")}


# --- the registry ------------------------------------------------------------------------------------

# where a call names its mistake: positional index, or the keyword
CODE_ARGUMENTS = {"AnswerError": 1, "expect": 2, "expect_int": 4, "Mistake": 0}
CODE_KEYWORDS = ("mistake", "code")


def _strings(node) -> set:
    """The string constants an argument can be (through ``a if condition else b``); computed codes are not."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def raised_codes(path) -> set:
    """Every mistake code a checks module writes into a call of AnswerError, expect..., Mistake."""
    codes = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        index = CODE_ARGUMENTS.get(name)
        if index is not None and len(node.args) > index:
            codes |= _strings(node.args[index])
        for keyword in node.keywords:
            if keyword.arg in CODE_KEYWORDS and name in (*CODE_ARGUMENTS, "expect_float"):
                codes |= _strings(keyword.value)
    return codes


def public_test_codes(assignment) -> set:
    """The codes the public tests' messages name (the assignment's ``PUBLIC_TEST_MISTAKES``), each message checked
    to be one a public assert of the source notebook really has."""
    table = assignments.get(assignment).public_test_mistakes
    nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    messages = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            public = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            messages |= {node.msg.value for node in ast.walk(ast.parse(public))
                         if isinstance(node, ast.Assert) and isinstance(node.msg, ast.Constant)}
    assert set(table) <= messages, f"PUBLIC_TEST_MISTAKES names messages no public assert has: {set(table) - messages}"
    return set(table.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_mistake_tag_reaches_students(assignment):
    """The released notebook (public tests included) and the solutions carry no mistake tag: codes of public
    asserts live in the assignment's package."""
    for folder in ("release", "solutions"):
        text = (REPO / folder / assignment / f"{assignment}.ipynb").read_text()
        assert "[mistake:" not in text, folder
    assert "[mistake:" not in (REPO / "source" / assignment / f"{assignment}.ipynb").read_text()


PACKAGE = REPO / "autograder"


def checks_codes(assignment) -> set:
    """Every mistake code the checks of an assignment raise: every module of its ``checks`` package."""
    paths = sorted((PACKAGE / "assignments" / assignment / "checks").glob("*.py"))
    assert paths, f"no checks package for {assignment}"
    return set().union(*(raised_codes(path) for path in paths))


def test_general_codes_are_those_the_shared_comparisons_raise():
    common = raised_codes(PACKAGE / "kernel" / "answers.py")
    assert common, "the AST walk found no code in kernel/answers.py"
    assert common <= set(mistakes.GENERAL)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_code_an_assignment_raises_is_registered_and_every_registered_code_is_raised(assignment):
    used = checks_codes(assignment) | public_test_codes(assignment)
    registered = mistakes.codes(assignment)
    assert used - set(registered) == set(), f"codes raised but not in autograder/assignments/{assignment}/mistakes.py"
    assert set(assignments.get(assignment).mistakes) - used == set(), "registered codes no check raises"
    assert all(mistakes.is_code(code) for code in used)
    assert all(description and "\n" not in description for description in registered.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_samples_expect_registered_codes(assignment):
    for sample in samples_for(assignment):
        for code in sample.expect_mistakes.values():
            assert code.startswith(mistakes.ERROR_PREFIX) or code in mistakes.codes(assignment), (sample.name, code)


def test_descriptions():
    assert mistakes.describe("diagonal_counted", "tfidf_distances") == assignments.get("tfidf_distances").mistakes["diagonal_counted"]
    assert mistakes.describe("diagonal_counted") == assignments.get("tfidf_distances").mistakes["diagonal_counted"]
    assert mistakes.describe("error:ZeroDivisionError") == "the student's code raised ZeroDivisionError"
    assert mistakes.describe("timeout") == mistakes.GENERAL["timeout"]


@pytest.mark.parametrize("module, allowed", [("mistakes.py", {"kernel", "assignments"}), ("kernel/mistake_tag.py", {"re"})])
def test_the_modules_stay_pure(module, allowed):
    """They run on the grading host (and the tag in the kernel): no NumPy, no nbgrader."""
    tree = ast.parse((PACKAGE / module).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= allowed


# --- public asserts that name their mistake ------------------------------------------------------------

# the notebook's cells a test cell's public asserts need (fast ones: no data, one tiny network)
SETUP_CELLS = {"tfidf_distances": ("imports",), "artificial_neurons": ("imports", "variant", "networks_2d")}
_TFIDF_COUNTS = "def tfidf_from_counts(counts):\n    counts = np.asarray(sp.csr_matrix(counts).toarray(), dtype=float)\n"
_IDF = "    n = counts.shape[0]\n    rows = counts * (np.log((1 + n) / (1 + (counts > 0).sum(axis=0))) + 1)\n"

# (assignment, test cell, a student's answer, the code its public asserts must fail with; None: they pass)
PUBLIC_ASSERTS = [
    ("tfidf_distances", "test_tfidf_from_counts", _TFIDF_COUNTS + _IDF + "    return sp.csr_matrix(rows)\n", "not_normalized"),
    ("tfidf_distances", "test_tfidf_from_counts",
     _TFIDF_COUNTS + _IDF + "    return sp.csr_matrix(rows / np.maximum(np.abs(rows).sum(axis=1, keepdims=True), 1e-300))\n",
     "l1_normalized"),
    ("tfidf_distances", "test_tfidf_from_counts",
     _TFIDF_COUNTS + _IDF + "    return sp.csr_matrix(rows / np.linalg.norm(rows, axis=1, keepdims=True))\n", "zero_row_nan"),
    ("tfidf_distances", "test_tfidf_from_counts", "def tfidf_from_counts(counts):\n    return TfidfTransformer().fit_transform(counts)\n", None),
    ("tfidf_distances", "test_tfidf_from_counts",
     _TFIDF_COUNTS + _IDF + "    norms = np.linalg.norm(rows, axis=1, keepdims=True)\n"
     "    return sp.csr_array(np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0))\n", None),
    ("artificial_neurons", "test_artificial_neuron",
     "def artificial_neuron(activation, weights, bias, inputs):\n    return activation(weights @ inputs + bias)\n", "inputs_weights_swapped"),
    ("artificial_neurons", "test_artificial_neuron",
     "def artificial_neuron(activation, inputs, bias, weights):\n    return activation(inputs @ weights + bias)\n", "inputs_weights_swapped"),
    ("artificial_neurons", "test_artificial_neuron",
     "def artificial_neuron(activation, weights, bias, inputs):\n    return activation(np.dot(inputs, weights) + bias)\n", None),
    ("artificial_neurons", "test_one_neuron_network",
     "hidden_output = float(pt @ clf.coefs_[0][:, 0] + clf.intercepts_[0][0])\n"
     "proba_by_hand = float(clf.predict_proba([pt])[0, 0])\n", "proba_of_class_0"),
    ("artificial_neurons", "test_one_neuron_network",
     "hidden_output = float(pt @ clf.coefs_[0][:, 0] + clf.intercepts_[0][0])\n"
     "proba_by_hand = float(clf.coefs_[1][0, 0] * hidden_output + clf.intercepts_[1][0])\n", "unrecognized"),
    ("artificial_neurons", "test_one_neuron_network",
     "hidden_output = pt @ clf.coefs_[0] + clf.intercepts_[0]\n"
     "proba_by_hand = float(1 / (1 + np.exp(-(hidden_output @ clf.coefs_[1] + clf.intercepts_[1])))[0])\n", None),
    ("artificial_neurons", "test_count_mlp_params",
     "def count_mlp_params(clf):\n    return sum(w.size for w in clf.coefs_)\n", "biases_not_counted"),
    ("artificial_neurons", "test_count_mlp_params",
     "def count_mlp_params(clf):\n    return sum(b.size for b in clf.intercepts_)\n", "unrecognized"),
    ("artificial_neurons", "test_count_mlp_params",
     "def count_mlp_params(clf):\n    return np.sum([a.size for a in clf.coefs_ + clf.intercepts_])\n", None),
    ("artificial_neurons", "test_mlp_param_formula",
     "def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs):\n"
     "    sizes = [n_features] + list(hidden_layer_sizes) + [n_outputs]\n"
     "    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))\n", "hidden_int_unsupported"),
    ("artificial_neurons", "test_mlp_param_formula",
     "def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs):\n"
     "    sizes = [n_features, *np.atleast_1d(hidden_layer_sizes), n_outputs]\n"
     "    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))\n", None),
]


def public_asserts_mistake(assignment, grade_id, answer):
    """Run a test cell's public part after the setup cells and ``answer``: the mistake code it fails with, or None."""
    import warnings

    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source
             for cell in nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4).cells}
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a student's 0 / 0 warns; the notebook shows it, the test does not care
        for name in SETUP_CELLS[assignment]:
            exec(cells[name], namespace)  # noqa: S102 - the course's own notebook
        exec(answer, namespace)  # noqa: S102
        try:
            exec(cells[grade_id].split("### BEGIN HIDDEN TESTS")[0], namespace)  # noqa: S102
        except AssertionError as error:
            return mistakes.error_mistake("AssertionError", str(error))[0]
    return None


@pytest.mark.parametrize("assignment, grade_id, answer, code", PUBLIC_ASSERTS,
                         ids=[f"{grade_id}-{code}-{i}" for i, (_, grade_id, _, code) in enumerate(PUBLIC_ASSERTS)])
def test_public_asserts_name_the_mistake_and_pass_correct_answers(assignment, grade_id, answer, code):
    assert public_asserts_mistake(assignment, grade_id, answer) == code
