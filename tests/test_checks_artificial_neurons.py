"""The hidden-test checks of artificial_neurons, called directly: honest answers pass, mistakes are named."""

import os
import sys
import warnings

import numpy as np
import pytest
from scipy.special import expit

from autograder.checks import artificial_neurons as checks
from autograder.errors import AnswerError
from autograder.reference import artificial_neurons as ref


@pytest.fixture(scope="module")
def lecture():
    return ref.lecture()


def student_namespace(source: str, **given) -> dict:
    """Run student-style code in its own namespace (like a notebook's), with ``np`` and ``given`` defined."""
    namespace = {"np": np, **given}
    exec(compile(source, "<student cell>", "exec"), namespace)  # noqa: S102 - test fixtures written here
    return namespace


def raises_naming(check, *args, words):
    """Run ``check``; it must raise AnswerError whose message contains every one of ``words``."""
    with pytest.raises(AnswerError) as error:
        check(*args)
    for word in words:
        assert word in str(error.value), f"{word!r} not in: {error.value}"
    return str(error.value)


# --- activations --------------------------------------------------------------------------------

def noisy_logistic(x):
    """Correct and stable, but warns and writes to stderr at Python and file-descriptor level."""
    warnings.warn("by hand", UserWarning)
    print("debug", file=sys.stderr)
    os.write(2, b"raw stderr\n")
    return expit(x)


def masked_relu(x):
    y = np.array(x, dtype=float)
    y[y < 0] = 0
    return y


def test_activations_pass_for_reference_and_honest_variants(capfd):
    checks.check_activations(ref.identity_activation, ref.logistic_activation, ref.relu_activation)
    checks.check_activations(lambda x: x, noisy_logistic, masked_relu)
    checks.check_activations(lambda x: x * 1.0, lambda x: 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float))), lambda x: x * (np.asarray(x) > 0))
    out, err = capfd.readouterr()
    assert err == "" and out.count("✓") == 3


def test_relu_with_python_max_is_named():
    raises_naming(checks.check_activations, ref.identity_activation, ref.logistic_activation, lambda x: max(0, x), words=["Python's max", "np.maximum"])


def test_relu_with_np_max_is_named():
    raises_naming(checks.check_activations, ref.identity_activation, ref.logistic_activation, lambda x: np.max([0, x]), words=["np.maximum"])


def test_overflowing_logistic_fails_and_says_why():
    message = raises_naming(
        checks.check_activations, ref.identity_activation, lambda x: 1 / (1 + np.exp(-np.asarray(x, dtype=float))), ref.relu_activation,
        words=["overflow", "expit"],
    )
    assert "-1000" in message


def test_np_where_logistic_still_overflows():
    def where_logistic(x):
        x = np.asarray(x, dtype=float)
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))

    raises_naming(checks.check_activations, ref.identity_activation, where_logistic, ref.relu_activation, words=["overflow", "np.where"])


def test_logistic_sign_mistake_is_named():
    raises_naming(checks.check_activations, ref.identity_activation, lambda x: expit(-np.asarray(x, dtype=float)), ref.relu_activation, words=["logistic(-x)"])


def test_activation_changing_shape_is_named():
    raises_naming(checks.check_activations, lambda x: np.ravel(x), ref.logistic_activation, ref.relu_activation, words=["identity_activation", "shape"])


# --- artificial_neuron ----------------------------------------------------------------------------

def test_artificial_neuron_passes_with_at_dot_and_a_warning(capfd):
    checks.check_artificial_neuron(ref.artificial_neuron)
    checks.check_artificial_neuron(lambda activation, weights, bias, inputs: activation(np.dot(inputs, weights) + bias))

    def warns(activation, weights, bias, inputs):
        warnings.warn("neuron", RuntimeWarning)
        return activation(np.matmul(inputs, weights) + bias)

    checks.check_artificial_neuron(warns)
    assert capfd.readouterr().err == ""


def test_weights_times_inputs_is_named_swapped():
    raises_naming(
        checks.check_artificial_neuron, lambda activation, weights, bias, inputs: activation(np.dot(weights, inputs) + bias),
        words=["inputs @ weights"],
    )


def test_swapped_on_square_shapes_is_named():
    """weights.T @ inputs.T works on every shape here except that it transposes a square batch."""

    def transposed(activation, weights, bias, inputs):
        inputs, weights = np.asarray(inputs), np.asarray(weights)
        if inputs.ndim == 2 and weights.ndim == 2 and inputs.shape[0] == weights.shape[1]:
            return activation(weights @ inputs + bias)  # the swap shows only when the shapes allow it
        return activation(inputs @ weights + bias)

    raises_naming(checks.check_artificial_neuron, transposed, words=["swapped"])


def test_bias_after_activation_is_named():
    raises_naming(
        checks.check_artificial_neuron, lambda activation, weights, bias, inputs: activation(inputs @ weights) + bias,
        words=["bias is added after the activation"],
    )


def test_missing_activation_is_named():
    raises_naming(checks.check_artificial_neuron, lambda activation, weights, bias, inputs: inputs @ weights + bias, words=["activation is not applied"])


# --- the one-neuron network -------------------------------------------------------------------------

def test_one_neuron_network_passes_with_floats_and_arrays(lecture):
    checks.check_one_neuron_network(lecture.hidden_output, lecture.proba_by_hand)
    checks.check_one_neuron_network(np.array([lecture.hidden_output]), np.float64(lecture.proba_by_hand))


def test_probability_of_class_0_is_named(lecture):
    raises_naming(checks.check_one_neuron_network, lecture.hidden_output, 1 - lecture.proba_by_hand, words=["P(class 0)"])


def test_missing_output_logistic_is_named(lecture):
    clf = lecture.clf
    raw = clf.coefs_[1][0, 0] * lecture.hidden_output + clf.intercepts_[1][0]
    raises_naming(checks.check_one_neuron_network, lecture.hidden_output, raw, words=["before its activation", "logistic"])


def test_logistic_on_the_hidden_neuron_is_named(lecture):
    raises_naming(checks.check_one_neuron_network, float(expit(lecture.hidden_output)), lecture.proba_by_hand, words=["identity"])


def test_proba_as_an_array_is_refused(lecture):
    raises_naming(checks.check_one_neuron_network, lecture.hidden_output, np.array([lecture.proba_by_hand]), words=["should be a float"])


# --- mlp_forward -------------------------------------------------------------------------------------

SOLUTION_FORWARD = """
def mlp_forward(clf, X):
    act = {'identity': identity_activation, 'logistic': logistic_activation, 'tanh': np.tanh,
           'relu': relu_activation}[clf.activation]
    values = X
    for weights, bias in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        values = artificial_neuron(act, weights, bias, values)
    p = artificial_neuron(logistic_activation, clf.coefs_[-1], clf.intercepts_[-1], values)
    return np.hstack([1 - p, p])
"""

REFERENCE_HELPERS = {name: getattr(ref, name) for name in checks.HELPER_NAMES}


def test_mlp_forward_passes_for_the_reference_and_a_loop(capfd):
    checks.check_mlp_forward(ref.mlp_forward)
    checks.check_mlp_forward(student_namespace(SOLUTION_FORWARD, **REFERENCE_HELPERS)["mlp_forward"])
    assert capfd.readouterr().err == ""


def test_mlp_forward_is_graded_with_correct_helpers_and_the_namespace_restored():
    """A Python-max relu and a weights @ inputs neuron in the notebook do not cost mlp_forward its points."""
    broken = {
        **REFERENCE_HELPERS,
        "relu_activation": lambda x: max(0, x),
        "artificial_neuron": lambda activation, weights, bias, inputs: activation(np.dot(weights, inputs) + bias),
    }
    namespace = student_namespace(SOLUTION_FORWARD, **broken)
    checks.check_mlp_forward(namespace["mlp_forward"])
    assert namespace["relu_activation"] is broken["relu_activation"]
    assert namespace["artificial_neuron"] is broken["artificial_neuron"]


def test_mlp_forward_with_its_own_argument_order_passes():
    source = """
def artificial_neuron(activation, inputs, bias, weights):
    return activation(inputs @ weights + bias)

def mlp_forward(clf, X):
    act = {'identity': identity_activation, 'logistic': logistic_activation, 'tanh': np.tanh, 'relu': relu_activation}[clf.activation]
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        X = artificial_neuron(act, X, b, W)
    p = artificial_neuron(logistic_activation, X, clf.intercepts_[-1], clf.coefs_[-1])
    return np.hstack([1 - p, p])
"""
    helpers = {name: value for name, value in REFERENCE_HELPERS.items() if name != "artificial_neuron"}
    checks.check_mlp_forward(student_namespace(source, **helpers)["mlp_forward"])


def test_ignored_hidden_activation_is_named():
    source = SOLUTION_FORWARD.replace("values = artificial_neuron(act,", "values = artificial_neuron(identity_activation,")
    raises_naming(checks.check_mlp_forward, student_namespace(source, **REFERENCE_HELPERS)["mlp_forward"], words=["hidden activation is ignored"])


def test_only_class_1_column_is_named():
    source = SOLUTION_FORWARD.replace("return np.hstack([1 - p, p])", "return p[:, 0]")
    raises_naming(checks.check_mlp_forward, student_namespace(source, **REFERENCE_HELPERS)["mlp_forward"], words=["both columns"])


def test_forward_that_fits_only_one_hidden_layer_fails():
    source = """
def mlp_forward(clf, X):
    act = {'identity': identity_activation, 'relu': relu_activation, 'logistic': logistic_activation, 'tanh': np.tanh}[clf.activation]
    hidden = artificial_neuron(act, clf.coefs_[0], clf.intercepts_[0], X)
    p = artificial_neuron(logistic_activation, clf.coefs_[1], clf.intercepts_[1], hidden)
    return np.hstack([1 - p, p])
"""
    raises_naming(checks.check_mlp_forward, student_namespace(source, **REFERENCE_HELPERS)["mlp_forward"], words=["mlp_forward(clf, X)"])


def test_forward_ignoring_the_activation_name_fails_on_unseen_networks():
    """The notebook's networks use identity and relu only; the hidden networks also use logistic and tanh."""
    source = SOLUTION_FORWARD.replace("[clf.activation]", "['relu' if clf.activation == 'relu' else 'identity']")
    raises_naming(checks.check_mlp_forward, student_namespace(source, **REFERENCE_HELPERS)["mlp_forward"], words=["activation='logistic'", "hidden activation is ignored"])


def test_forward_with_a_wrong_activation_gets_the_general_message():
    source = SOLUTION_FORWARD.replace("'tanh': np.tanh", "'tanh': logistic_activation")
    raises_naming(checks.check_mlp_forward, student_namespace(source, **REFERENCE_HELPERS)["mlp_forward"], words=["activation='tanh'", "differs from clf.predict_proba"])


# --- counting --------------------------------------------------------------------------------------

def test_count_passes_for_loops_and_numpy_ints():
    checks.check_count_mlp_params(ref.count_mlp_params)
    checks.check_count_mlp_params(lambda clf: np.sum([a.size for a in clf.coefs_ + clf.intercepts_]))


def test_biases_not_counted_is_named():
    raises_naming(checks.check_count_mlp_params, lambda clf: sum(w.size for w in clf.coefs_), words=["only the weights"])


def test_first_layer_only_is_named():
    raises_naming(checks.check_count_mlp_params, lambda clf: clf.coefs_[0].size + clf.intercepts_[0].size, words=["only the first layer"])


def test_summed_values_are_named():
    raises_naming(checks.check_count_mlp_params, lambda clf: float(sum(w.sum() for w in clf.coefs_)), words=["not a count"])


def test_param_counts_pass(lecture):
    checks.check_param_counts(lecture.n_params_one_hidden, np.int64(lecture.n_params_four_hidden))


def test_another_networks_biases_are_named(lecture):
    weights = sum(w.size for w in lecture.clf_4d_2.coefs_)
    biases_of_other = sum(b.size for b in lecture.clf_4d.intercepts_)
    raises_naming(
        checks.check_param_counts, lecture.n_params_one_hidden, weights + biases_of_other,
        words=["weights of clf_4d_2 to the biases of clf_4d"],
    )


def test_weights_only_count_is_named(lecture):
    raises_naming(checks.check_param_counts, sum(w.size for w in lecture.clf_4d.coefs_), lecture.n_params_four_hidden, words=["only the weights"])


def test_float_count_is_refused(lecture):
    raises_naming(checks.check_param_counts, float(lecture.n_params_one_hidden), lecture.n_params_four_hidden, words=["should be an int"])


# --- the formula -----------------------------------------------------------------------------------

def test_formula_passes_for_reference_and_a_loop():
    checks.check_mlp_param_formula(ref.mlp_param_formula)

    def loop(n_features, hidden_layer_sizes, n_outputs):
        sizes = [n_features] + [int(s) for s in np.atleast_1d(hidden_layer_sizes)] + [n_outputs]
        return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))

    checks.check_mlp_param_formula(loop)


def test_formula_without_int_support_is_named():
    def tuples_only(n_features, hidden_layer_sizes, n_outputs):
        sizes = [n_features, *hidden_layer_sizes, n_outputs]
        return sum(a * b + b for a, b in zip(sizes, sizes[1:]))

    raises_naming(checks.check_mlp_param_formula, tuples_only, words=["single int"])


def test_formula_without_biases_is_named():
    def no_biases(n_features, hidden_layer_sizes, n_outputs):
        sizes = ref.layer_sizes(n_features, hidden_layer_sizes, n_outputs)
        return sum(a * b for a, b in zip(sizes, sizes[1:]))

    raises_naming(checks.check_mlp_param_formula, no_biases, words=["biases are not counted"])


def test_formula_ignoring_n_outputs_is_named():
    raises_naming(checks.check_mlp_param_formula, lambda f, h, o: ref.mlp_param_formula(f, h, 1), words=["n_outputs is ignored"])


def test_formula_returning_a_float_is_named():
    raises_naming(checks.check_mlp_param_formula, lambda f, h, o: float(ref.mlp_param_formula(f, h, o)), words=["return an int"])
