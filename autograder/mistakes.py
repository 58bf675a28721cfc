"""Named mistakes: the stable code of every failed test cell, and how to read it back from a graded notebook.

A check that fails raises ``AnswerError(message, mistake="code")``; its text is the message followed by
``[mistake: code]`` (``tagged``), so the code survives plain ``nbgrader autograde``, which keeps only
``ename``, ``evalue`` and the traceback of an error. ``cell_mistake(outputs)`` turns a graded cell's
outputs back into ``(code, message)``; ``display_message(evalue)`` is the message without its tag.
``MISTAKES`` lists every code per assignment with a one-line description, for reports.

Pure Python on purpose (no NumPy, no nbgrader): it runs on the grading host and in the grading kernel.
The names ``CELL_TIMEOUT``, ``KERNEL_DIED`` and ``NOT_RUN`` are those of
``autograder.preprocessors.grading_execute`` (a test keeps them equal).
"""

import re

UNRECOGNIZED = "unrecognized"
WITHHELD = "withheld"
ERROR_PREFIX = "error:"  # error:<ExceptionName>: the student's code raised it

CELL_TIMEOUT = "CellTimeoutError"  # nbgrader's Execute.error_on_timeout
KERNEL_DIED = "KernelDied"  # autograder.preprocessors.grading_execute
NOT_RUN = "not run"  # how KernelDied's message starts in the cells after the one that killed the kernel

_CODE = r"[a-z][a-z0-9_]*|error:[A-Za-z_][A-Za-z0-9_.]*"
_TAG = re.compile(r"\s*\[mistake: (?P<code>" + _CODE + r")\]\s*\Z")
_ASSERTIONS = ("AnswerError", "AssertionError")

# Any assignment: failures that are not about one question's content.
GENERAL = {
    UNRECOGNIZED: "a wrong answer that no check recognises as a known mistake (the message still says what is expected)",
    "error:<ExceptionName>": "the student's code raised this exception",
    "wrong_type": "the answer has the wrong type (a float for an int, a list for an array, a dense matrix for CSR...)",
    "wrong_shape": "the answer has the wrong shape, length or size",
    "not_a_function": "a function was expected and something else was given",
    "not_a_category": "a string that is not one of the names to choose from",
    "timeout": "the cell ran past nbgrader's per-cell time limit (Execute.timeout)",
    "kernel_died": "the kernel died (or stopped responding) while running this cell",
    "not_run": "the cell was not run: the kernel died in an earlier cell",
    "stderr": "the cell wrote to stderr, which nbgrader scores 0",
    "tampered": "the grading kernel showed signs of tampering (AUTOGRADER-INTEGRITY report)",
    "withheld": "the score is withheld for review (an integrity finding): the gradebook holds 0 until a person grades it",
}

MISTAKES = {
    "tfidf_distances": {
        "not_normalized": "tf-idf rows not scaled to unit L2 norm",
        "l1_normalized": "tf-idf rows scaled to unit L1 norm (sum 1) instead of L2",
        "unsmoothed_idf": "idf = ln(n / df) + 1, without adding 1 to n and df",
        "idf_missing_plus_one": "idf = ln((1 + n) / (1 + df)), without the final + 1",
        "idf_log10": "idf computed with log10 instead of the natural logarithm",
        "binary_tf": "tf taken as 0/1 presence instead of the raw counts",
        "zero_row_nan": "an all-zero row divided by its zero norm gives NaN",
        "tfidf_not_defaults": "ng_tfidf not TfidfVectorizer() with its defaults on ng_X",
        "counted_all_cells": "n_stored counts every cell of the matrix instead of its stored elements (nnz)",
        "training_accuracy": "accuracy measured on the training part instead of the test part",
        "confusion_labels_swapped": "confusion_df labelled with actual classes on the rows",
        "confusion_labels": "confusion_df rows or columns not the ('predicted class' / 'actual class', category) MultiIndex",
        "confusion_transposed": "sklearn's confusion_matrix (actual classes as rows) used without .T",
        "confusion_wrong_total": "confusion_df counts other documents than the test part",
        "one_based_indices": "row indices counted from 1 instead of 0",
        "indices_out_of_range": "row indices outside 0 .. len(y) - 1 (labels or counts instead of positions)",
        "rows_not_permutation": "row indices missing or repeated",
        "class_order_reversed": "class-1 rows listed before class-0 rows",
        "classes_mixed": "rows of both classes interleaved instead of grouped by class",
        "class_order_lost": "rows grouped by class but not in their original order within a class",
        "distances_unsorted": "distances in the original row order, not sorted by class",
        "distances_squared": "squared euclidean distances",
        "diagonal_counted": "the zero diagonal counted in the within-category means",
        "means_swapped": "within_graphics_mean and within_crypt_mean swapped",
        "less_diverse_category": "the category with the smaller within-category mean distance named",
        "error_order_reversed": "more_common_error given as (predicted, actual) instead of (actual, predicted)",
    },
    "artificial_neurons": {
        "not_elementwise": "an activation that does not work elementwise (Python's max or np.max on an array)",
        "logistic_sign": "logistic(-x): the minus sign of exp(-x) lost",
        "logistic_is_exp": "exp(x) instead of 1 / (1 + exp(-x))",
        "logistic_nan": "a logistic that gives NaN for large |x| (inf / inf)",
        "logistic_overflow": "a logistic whose np.exp overflows for large negative x",
        "relu_is_min": "min(0, x) instead of max(0, x)",
        "relu_is_abs": "|x| instead of max(0, x)",
        "inputs_weights_swapped": "weights @ inputs instead of inputs @ weights (or the arguments swapped)",
        "bias_after_activation": "the bias added after the activation",
        "activation_not_applied": "the activation not applied to inputs @ weights + bias",
        "bias_missing": "the bias left out",
        "activation_on_inputs": "the activation applied to the inputs instead of to inputs @ weights + bias",
        "bias_subtracted": "the bias subtracted instead of added",
        "hidden_logistic": "the logistic applied to clf's identity hidden neuron",
        "output_logistic_missing": "the output layer without its logistic (clf.out_activation_)",
        "proba_of_class_0": "P(class 0) instead of P(class 1)",
        "hidden_activation_ignored": "hidden layers run with the identity instead of clf.activation",
        "output_uses_hidden_activation": "the output layer run with the hidden activation instead of the logistic",
        "only_class_1": "only P(class 1) returned instead of both columns of predict_proba",
        "columns_swapped": "predict_proba's two columns swapped",
        "biases_not_counted": "only the weights counted, no biases",
        "weights_not_counted": "only the biases counted, no weights",
        "output_biases_missing": "the output layer's biases left out of the count",
        "first_layer_only": "only the first layer counted",
        "arrays_counted": "the arrays counted instead of their entries",
        "summed_values": "the parameters' values added up instead of counted",
        "other_networks_biases": "one network's weights added to another network's biases",
        "other_network_count": "the count of the other network",
        "output_layer_missing": "the output layer left out of the formula",
        "input_biases_counted": "biases counted for the input layer too",
        "n_outputs_ignored": "one output unit assumed whatever n_outputs says",
        "one_bias_per_layer": "one bias per layer instead of one per unit",
        "hidden_int_unsupported": "hidden_layer_sizes given as a single int not handled",
        "float_count": "a count returned as a float",
    },
}


def tagged(message: str, code: str | None) -> str:
    """``message`` followed by `` [mistake: code]`` (``message`` alone without a code)."""
    return f"{message} [mistake: {code}]" if code else message


def split_tag(text: str) -> tuple:
    """``(message, code)`` from a tagged text; ``code`` is None when there is no tag."""
    match = _TAG.search(text or "")
    if match is None:
        return text or "", None
    return text[: match.start()], match.group("code")


def display_message(evalue: str) -> str:
    """The message of an error value without its ``[mistake: code]`` tag, for people to read."""
    return split_tag(evalue)[0].rstrip()


def is_code(code: str) -> bool:
    """True when ``code`` is written as a mistake code (snake_case, or error:<ExceptionName>)."""
    return re.fullmatch(_CODE, code or "") is not None


def codes(assignment: str) -> dict:
    """Every code an assignment's cells can get, code -> description (the general ones included)."""
    return {**GENERAL, **MISTAKES.get(assignment, {})}


def describe(code: str, assignment: str | None = None) -> str:
    """A one-line description of ``code`` (of any assignment when ``assignment`` is None)."""
    if code.startswith(ERROR_PREFIX):
        return f"the student's code raised {code[len(ERROR_PREFIX):]}"
    known = codes(assignment) if assignment else {**GENERAL, **{k: v for table in MISTAKES.values() for k, v in table.items()}}
    return known.get(code, "a code that no check declares")


def error_mistake(ename: str, evalue: str) -> tuple:
    """``(code, message)`` of one error output (its ``ename`` and ``evalue``)."""
    message = display_message(evalue)
    if ename == CELL_TIMEOUT:
        return "timeout", message
    if ename == KERNEL_DIED:
        return ("not_run" if evalue.startswith(NOT_RUN) else "kernel_died"), message
    if ename in _ASSERTIONS:
        return split_tag(evalue)[1] or UNRECOGNIZED, message
    return f"{ERROR_PREFIX}{ename}", message


def cell_mistake(outputs) -> tuple | None:
    """``(code, message)`` of a graded cell from its outputs (nbformat output dicts), None when it did not fail.

    The last error output decides (the one that ended the cell); a cell without error that wrote to
    stderr failed too (nbgrader scores it 0): ``("stderr", text)``.
    """
    errors = [output for output in outputs or [] if output.get("output_type") == "error"]
    if errors:
        return error_mistake(errors[-1].get("ename", ""), errors[-1].get("evalue", ""))
    for output in outputs or []:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = output.get("text", "")
            return "stderr", "".join(text) if isinstance(text, list) else text
    return None


def notebook_mistakes(notebook) -> dict:
    """``grade_id -> (code, message)`` for every graded code cell of an autograded notebook that failed.

    ``notebook``: an nbformat notebook or its dict (as read from the .ipynb JSON).
    """
    found = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and meta.get("grade_id"):
            outcome = cell_mistake(cell.get("outputs", []))
            if outcome is not None:
                found[meta["grade_id"]] = outcome
    return found
