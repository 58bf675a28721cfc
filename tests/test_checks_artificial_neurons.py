"""The hidden-test checks of artificial_neurons, called directly: honest answers pass, mistakes are named.

Correct answers come from scikit-learn itself (its activations, ``predict_proba``, the fitted networks'
attributes) or from code and hand-worked arithmetic written here, never from the reference the checks
compare with; every check is shown a correct answer in another form and a known mistake with its code.
"""

import os
import sys
import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.neural_network import MLPRegressor
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_ACTIVATIONS

from autograder.assignments.artificial_neurons import checks
from autograder.assignments.artificial_neurons import reference as ref

from .answer_helpers import fails_with


@pytest.fixture(scope="module")
def lecture():
    return ref.lecture()  # the notebook's given networks (clf, clf_4d, clf_4d_2) and inputs


def student_namespace(source: str, **given) -> dict:
    """Run student-style code in its own namespace (like a notebook's), with ``np`` and ``given`` defined."""
    namespace = {"np": np, **given}
    exec(compile(source, "<student cell>", "exec"), namespace)  # noqa: S102 - test fixtures written here
    return namespace


# --- activations --------------------------------------------------------------------------------

def sklearn_activation(name):
    """scikit-learn's own activation ``name`` (it works in place on a float array)."""

    def activation(x):
        values = np.array(x, dtype=float)
        SKLEARN_ACTIVATIONS[name](values)
        return values

    return activation


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


def test_activations_pass_for_sklearn_and_honest_variants(capfd):
    checks.check_activations(sklearn_activation("identity"), sklearn_activation("logistic"), sklearn_activation("relu"))
    checks.check_activations(lambda x: x, noisy_logistic, masked_relu)
    checks.check_activations(lambda x: x * 1.0, lambda x: 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float))), lambda x: x * (np.asarray(x) > 0))
    out, err = capfd.readouterr()
    assert err == "" and out.count("✓") == 3


def where_logistic(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


IDENTITY, LOGISTIC, RELU = (sklearn_activation(name) for name in ("identity", "logistic", "relu"))


@pytest.mark.parametrize(
    "identity, logistic, relu, code, words",
    [
        (IDENTITY, LOGISTIC, lambda x: max(0, x), "not_elementwise", ["Python's max", "np.maximum"]),
        (IDENTITY, LOGISTIC, lambda x: np.max([0, x]), "not_elementwise", ["np.maximum"]),
        (np.ravel, LOGISTIC, RELU, "not_elementwise", ["identity_activation", "shape"]),
        (IDENTITY, lambda x: 1 / (1 + np.exp(-np.asarray(x, dtype=float))), RELU, "logistic_overflow", ["overflow", "expit", "-1000"]),
        (IDENTITY, where_logistic, RELU, "logistic_overflow", ["overflow", "np.where"]),
        (IDENTITY, lambda x: np.exp(x) / (1 + np.exp(x)), RELU, "logistic_nan", ["NaN"]),
        (IDENTITY, lambda x: expit(-np.asarray(x, dtype=float)), RELU, "logistic_sign", ["logistic(-x)"]),
        (IDENTITY, lambda x: np.exp(np.asarray(x, dtype=float)), RELU, "logistic_is_exp", ["exp(x)"]),
        (IDENTITY, LOGISTIC, lambda x: np.minimum(0, x), "relu_is_min", ["max(0, x)"]),
        (IDENTITY, LOGISTIC, np.abs, "relu_is_abs", ["|x|"]),
        (lambda x: x * 2.0, LOGISTIC, RELU, "unrecognized", ["returns its input unchanged"]),
        (IDENTITY, LOGISTIC, lambda x: "relu", "wrong_type", ["NumPy array"]),
    ],
    ids=["python_max", "np_max", "ravel", "overflow", "np_where", "nan", "sign", "exp", "min", "abs", "doubled", "str"],
)
def test_activation_mistakes_are_named(identity, logistic, relu, code, words):
    fails_with(code, checks.check_activations, identity, logistic, relu, words=words)


# --- artificial_neuron ----------------------------------------------------------------------------

def test_artificial_neuron_passes_with_dot_tensordot_and_a_warning(capfd):
    checks.check_artificial_neuron(lambda activation, weights, bias, inputs: activation(np.dot(inputs, weights) + bias))
    checks.check_artificial_neuron(lambda activation, weights, bias, inputs: activation(np.tensordot(inputs, weights, axes=1) + bias))

    def warns(activation, weights, bias, inputs):
        warnings.warn("neuron", RuntimeWarning)
        return activation(np.matmul(inputs, weights) + bias)

    checks.check_artificial_neuron(warns)
    assert capfd.readouterr().err == ""


def transposed_on_square_shapes(activation, weights, bias, inputs):
    """weights @ inputs where the shapes allow it: only a square batch shows the swap."""
    inputs, weights = np.asarray(inputs), np.asarray(weights)
    if inputs.ndim == 2 and weights.ndim == 2 and inputs.shape[0] == weights.shape[1]:
        return activation(weights @ inputs + bias)
    return activation(inputs @ weights + bias)


@pytest.mark.parametrize(
    "neuron, code, words",
    [
        (lambda activation, weights, bias, inputs: activation(np.dot(weights, inputs) + bias), "inputs_weights_swapped", ["inputs @ weights"]),
        (transposed_on_square_shapes, "inputs_weights_swapped", ["swapped"]),
        (lambda activation, weights, bias, inputs: activation(inputs @ weights) + bias, "bias_after_activation", ["after the activation"]),
        (lambda activation, weights, bias, inputs: inputs @ weights + bias, "activation_not_applied", ["activation is not applied"]),
        (lambda activation, weights, bias, inputs: activation(inputs @ weights), "bias_missing", ["bias is missing"]),
        (lambda activation, weights, bias, inputs: activation(inputs) @ weights + bias, "activation_on_inputs", ["applied to the inputs"]),
        (lambda activation, weights, bias, inputs: activation(inputs @ weights - bias), "bias_subtracted", ["subtracted"]),
        (lambda activation, weights, bias, inputs: activation(inputs @ weights + 2 * bias), "unrecognized", ["activation(inputs @ weights + bias)"]),
        (lambda activation, weights, bias, inputs: activation(inputs @ weights + bias).sum(), "wrong_shape", ["shape"]),
    ],
    ids=["weights_first", "square_swap", "bias_after", "no_activation", "no_bias", "activation_on_inputs", "minus_bias", "double_bias", "summed"],
)
def test_artificial_neuron_mistakes_are_named(neuron, code, words):
    fails_with(code, checks.check_artificial_neuron, neuron, words=words)


# --- the one-neuron network -------------------------------------------------------------------------

def by_hand(lecture):
    """clf's hidden neuron at pt written out (clf: 2 inputs, one identity hidden neuron), and sklearn's P(class 1)."""
    clf, pt = lecture.clf, lecture.pt
    weights, bias = clf.coefs_[0][:, 0], clf.intercepts_[0][0]
    hidden = pt[0] * weights[0] + pt[1] * weights[1] + bias
    return float(hidden), float(clf.predict_proba([pt])[0, 1])


def test_one_neuron_network_passes_with_floats_and_arrays(lecture):
    hidden, proba = by_hand(lecture)
    checks.check_one_neuron_network(hidden, proba)
    checks.check_one_neuron_network(np.array([hidden]), np.float64(proba))


def test_one_neuron_network_mistakes_are_named(lecture):
    hidden, proba = by_hand(lecture)
    w, b = lecture.clf.coefs_[1][0, 0], lecture.clf.intercepts_[1][0]
    fails_with("proba_of_class_0", checks.check_one_neuron_network, hidden, 1 - proba, words=["P(class 0)"])
    fails_with("output_logistic_missing", checks.check_one_neuron_network, hidden, w * hidden + b, words=["before its activation"])
    fails_with("hidden_logistic", checks.check_one_neuron_network, float(expit(hidden)), proba, words=["identity"])
    fails_with("hidden_logistic", checks.check_one_neuron_network, hidden, float(expit(w * expit(hidden) + b)), words=["identity"])
    fails_with("wrong_type", checks.check_one_neuron_network, hidden, np.array([proba]), words=["should be a float"])
    fails_with("wrong_shape", checks.check_one_neuron_network, np.array([hidden, hidden]), proba, words=["one number"])
    fails_with("unrecognized", checks.check_one_neuron_network, hidden, proba / 2, words=["predict_proba"])


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


def forward(source):
    return student_namespace(source, **REFERENCE_HELPERS)["mlp_forward"]


def test_mlp_forward_passes_for_predict_proba_and_a_loop(capfd):
    checks.check_mlp_forward(lambda clf, X: clf.predict_proba(X))
    checks.check_mlp_forward(forward(SOLUTION_FORWARD))
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


ONE_HIDDEN_LAYER = """
def mlp_forward(clf, X):
    act = {'identity': identity_activation, 'relu': relu_activation, 'logistic': logistic_activation, 'tanh': np.tanh}[clf.activation]
    hidden = artificial_neuron(act, clf.coefs_[0], clf.intercepts_[0], X)
    p = artificial_neuron(logistic_activation, clf.coefs_[1], clf.intercepts_[1], hidden)
    return np.hstack([1 - p, p])
"""


@pytest.mark.parametrize(
    "source, code, words",
    [
        (SOLUTION_FORWARD.replace("values = artificial_neuron(act,", "values = artificial_neuron(identity_activation,"), "hidden_activation_ignored", ["hidden activation is ignored"]),
        (SOLUTION_FORWARD.replace("[clf.activation]", "['relu' if clf.activation == 'relu' else 'identity']"), "hidden_activation_ignored", ["activation='logistic'"]),
        (SOLUTION_FORWARD.replace("artificial_neuron(logistic_activation,", "artificial_neuron(identity_activation,"), "output_logistic_missing", ["no logistic"]),
        (SOLUTION_FORWARD.replace("artificial_neuron(logistic_activation,", "artificial_neuron(act,"), "output_uses_hidden_activation", ["uses the hidden activation"]),
        (SOLUTION_FORWARD.replace("return np.hstack([1 - p, p])", "return p[:, 0]"), "only_class_1", ["both columns"]),
        (SOLUTION_FORWARD.replace("return np.hstack([1 - p, p])", "return p"), "only_class_1", ["as a column"]),
        (SOLUTION_FORWARD.replace("np.hstack([1 - p, p])", "np.hstack([p, 1 - p])"), "columns_swapped", ["swapped"]),
        (SOLUTION_FORWARD.replace("'tanh': np.tanh", "'tanh': logistic_activation"), "unrecognized", ["activation='tanh'", "differs from clf.predict_proba"]),
        (ONE_HIDDEN_LAYER, "wrong_shape", ["mlp_forward(clf, X)", "has shape"]),
        (SOLUTION_FORWARD.replace("return np.hstack([1 - p, p])", "return list(np.hstack([1 - p, p]))"), "wrong_type", ["NumPy array"]),
    ],
    ids=["identity_hidden", "relu_or_identity", "no_output_logistic", "hidden_on_output", "p_only", "p_column", "swapped", "tanh_as_logistic", "one_layer", "list"],
)
def test_mlp_forward_mistakes_are_named(source, code, words):
    fails_with(code, checks.check_mlp_forward, forward(source), words=words)


# --- counting --------------------------------------------------------------------------------------

def count_from_architecture(clf):
    """Weights plus biases from the network's sizes as scikit-learn reports them (not from its arrays)."""
    sizes = [clf.n_features_in_, *np.atleast_1d(clf.hidden_layer_sizes), clf.n_outputs_]
    return int(sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:])))


def test_count_passes_for_architecture_and_numpy_ints():
    checks.check_count_mlp_params(count_from_architecture)
    checks.check_count_mlp_params(lambda clf: np.sum([np.prod(a.shape) for a in clf.coefs_ + clf.intercepts_]))


@pytest.mark.parametrize(
    "count, code, words",
    [
        (lambda clf: sum(w.size for w in clf.coefs_), "biases_not_counted", ["only the weights"]),
        (lambda clf: sum(b.size for b in clf.intercepts_), "weights_not_counted", ["only the biases"]),
        (lambda clf: count_from_architecture(clf) - clf.n_outputs_, "output_biases_missing", ["output layer's biases"]),
        (lambda clf: clf.coefs_[0].size + clf.intercepts_[0].size, "first_layer_only", ["only the first layer"]),
        (lambda clf: len(clf.coefs_) + len(clf.intercepts_), "arrays_counted", [".size"]),
        (lambda clf: float(sum(w.sum() for w in clf.coefs_)), "summed_values", ["not a count"]),
        (lambda clf: count_from_architecture(clf) + 1, "unrecognized", [".size"]),
        (lambda clf: float(count_from_architecture(clf)), "wrong_type", ["should be an int"]),
    ],
    ids=["weights_only", "biases_only", "no_output_biases", "first_layer", "arrays", "summed", "plus_one", "float"],
)
def test_count_mistakes_are_named(count, code, words):
    fails_with(code, checks.check_count_mlp_params, count, words=words)


# clf_4d: 4 inputs -> 1 hidden -> 1 output; clf_4d_2: 4 inputs -> 4 hidden -> 1 output (the notebook's given cells)
CLF_4D_WEIGHTS, CLF_4D_BIASES = 4 * 1 + 1 * 1, 1 + 1  # 5 and 2
CLF_4D_2_WEIGHTS, CLF_4D_2_BIASES = 4 * 4 + 4 * 1, 4 + 1  # 20 and 5


def test_hand_worked_counts_describe_the_notebooks_networks(lecture):
    for clf, hidden in [(lecture.clf_4d, (1,)), (lecture.clf_4d_2, (4,))]:
        assert (clf.n_features_in_, tuple(np.atleast_1d(clf.hidden_layer_sizes)), clf.n_outputs_) == (4, hidden, 1)


def test_param_counts_pass():
    checks.check_param_counts(CLF_4D_WEIGHTS + CLF_4D_BIASES, np.int64(CLF_4D_2_WEIGHTS + CLF_4D_2_BIASES))


def test_param_counts_mistakes_are_named():
    one, four = CLF_4D_WEIGHTS + CLF_4D_BIASES, CLF_4D_2_WEIGHTS + CLF_4D_2_BIASES
    fails_with("other_networks_biases", checks.check_param_counts, one, CLF_4D_2_WEIGHTS + CLF_4D_BIASES, words=["weights of clf_4d_2 to the biases of clf_4d"])
    fails_with("biases_not_counted", checks.check_param_counts, CLF_4D_WEIGHTS, four, words=["only the weights"])
    fails_with("other_network_count", checks.check_param_counts, four, four, words=["count of clf_4d_2"])
    fails_with("wrong_type", checks.check_param_counts, float(one), four, words=["should be an int"])
    fails_with("unrecognized", checks.check_param_counts, one, four + 1, words=["clf_4d_2"])


# --- the formula -----------------------------------------------------------------------------------

def sklearn_formula(n_features, hidden_layer_sizes, n_outputs):
    """Build the network with scikit-learn (one step on two rows) and count its arrays' entries."""
    mlp = MLPRegressor(hidden_layer_sizes=hidden_layer_sizes, max_iter=1).fit(np.zeros((2, n_features)), np.zeros((2, n_outputs)))
    return int(sum(a.size for a in mlp.coefs_ + mlp.intercepts_))


def test_formula_passes_for_sklearn_and_a_loop():
    checks.check_mlp_param_formula(sklearn_formula)

    def loop(n_features, hidden_layer_sizes, n_outputs):
        sizes = [n_features] + [int(s) for s in np.atleast_1d(hidden_layer_sizes)] + [n_outputs]
        return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))

    checks.check_mlp_param_formula(loop)


def sizes_of(n_features, hidden, n_outputs):
    return [n_features, *np.atleast_1d(hidden), n_outputs]


@pytest.mark.parametrize(
    "formula, code, words",
    [
        (lambda f, h, o: sum(a * b + b for a, b in zip([f, *h, o], [*h, o])), "hidden_int_unsupported", ["single int"]),
        (lambda f, h, o: sum(a * b for a, b in zip(sizes_of(f, h, o), sizes_of(f, h, o)[1:])), "biases_not_counted", ["biases are not counted"]),
        (lambda f, h, o: sklearn_formula(f, h, 1), "n_outputs_ignored", ["n_outputs is ignored"]),
        (lambda f, h, o: float(sklearn_formula(f, h, o)), "float_count", ["return an int"]),
        (lambda f, h, o: sklearn_formula(f, h, o) - (np.atleast_1d(h)[-1] + 1) * o, "output_layer_missing", ["output layer is missing"]),
        (lambda f, h, o: sklearn_formula(f, h, o) + f, "input_biases_counted", ["input layer has biases"]),
        (lambda f, h, o: sum(a * b + 1 for a, b in zip(sizes_of(f, h, o), sizes_of(f, h, o)[1:])), "one_bias_per_layer", ["one bias per unit"]),
        (lambda f, h, o: sklearn_formula(f, h, o) + 2, "unrecognized", ["fan_in * fan_out"]),
    ],
    ids=["tuples_only", "no_biases", "one_output", "float", "no_output_layer", "input_biases", "bias_per_layer", "plus_two"],
)
def test_formula_mistakes_are_named(formula, code, words):
    fails_with(code, checks.check_mlp_param_formula, formula, words=words)
