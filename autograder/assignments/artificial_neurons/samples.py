"""Sample submissions of ``artificial_neurons``: honest variants, typical mistakes, the blank release.

Longer than 300 lines because it is data, not logic: each sample is a submission written out as the
source of its cells (the two honest variants rewrite all six answer cells), and the assignment's samples
read best side by side in one list.
"""

from ..samples import Sample

_MASKS_AND_DOT = {
    "activations": '''
def identity_activation(x):
    """Identity, as written by a student: multiply by one."""
    return x * 1.0


def logistic_activation(x):
    """Stable logistic with boolean masks: exp only of non-positive numbers."""
    x = np.array(x, dtype=float)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1 + e)
    return out


def relu_activation(x):
    """relu with a boolean mask."""
    y = np.array(x, dtype=float)
    y[y < 0] = 0
    return y
''',
    "artificial_neuron": '''
def artificial_neuron(activation, weights, bias, inputs):
    """np.dot instead of @."""
    return activation(np.dot(inputs, weights) + bias)
''',
    "one_neuron_network": '''
w_hidden = clf.coefs_[0][:, 0]
b_hidden = clf.intercepts_[0][0]
hidden_output = artificial_neuron(identity_activation, w_hidden, b_hidden, pt)
proba_by_hand = artificial_neuron(logistic_activation, clf.coefs_[1][:, 0], clf.intercepts_[1][0], np.array([hidden_output]))[()]
proba_by_hand = np.float64(proba_by_hand)
''',
    "mlp_forward": '''
def mlp_forward(clf, X):
    """Recursion over the layers."""
    def forward(values, layer):
        if layer == len(clf.coefs_) - 1:
            return artificial_neuron(logistic_activation, clf.coefs_[layer], clf.intercepts_[layer], values)
        if clf.activation == 'relu':
            act = relu_activation
        elif clf.activation == 'logistic':
            act = logistic_activation
        elif clf.activation == 'tanh':
            act = np.tanh
        else:
            act = identity_activation
        return forward(artificial_neuron(act, clf.coefs_[layer], clf.intercepts_[layer], values), layer + 1)

    p = forward(X, 0)[:, 0]
    return np.column_stack([1 - p, p])
''',
    "count_params": '''
def count_mlp_params(clf):
    """A loop over the layers, np.int64 result."""
    total = np.int64(0)
    for w, b in zip(clf.coefs_, clf.intercepts_):
        total += w.shape[0] * w.shape[1] + b.shape[0]
    return total


n_params_one_hidden = count_mlp_params(clf_4d)
n_params_four_hidden = count_mlp_params(clf_4d_2)
''',
    "params_formula": '''
def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs):
    """A running loop; tuple() of an int fails, so test for it first."""
    if not isinstance(hidden_layer_sizes, (tuple, list)):
        hidden_layer_sizes = [hidden_layer_sizes]
    total, previous = 0, n_features
    for size in list(hidden_layer_sizes) + [n_outputs]:
        total += (previous + 1) * size
        previous = size
    return total
''',
}

_EXPIT_AND_WARNINGS = {
    "activations": '''
import sys
import warnings
from scipy.special import expit


def identity_activation(x):
    """Returns its input as it came."""
    return x


def logistic_activation(x):
    """scipy's expit, with a (harmless) warning and a debug line on stderr."""
    warnings.warn("using scipy.special.expit", UserWarning)
    print("debug: logistic", file=sys.stderr)
    return expit(x)


def relu_activation(x):
    """relu with np.where."""
    return np.where(np.asarray(x) > 0, x, 0.0)
''',
    "artificial_neuron": '''
import warnings

def artificial_neuron(activation, weights, bias, inputs):
    """matmul after converting to arrays; warns on the way."""
    warnings.warn("neuron called", RuntimeWarning)
    z = np.matmul(np.asarray(inputs, dtype=float), np.asarray(weights, dtype=float)) + np.asarray(bias, dtype=float)
    return activation(z)
''',
    "mlp_forward": '''
ACTIVATION_BY_NAME = {
    'identity': identity_activation,
    'logistic': logistic_activation,
    'tanh': np.tanh,
    'relu': relu_activation,
}


def mlp_forward(clf, X):
    """A loop with an index, a dict of activations, and the output column from np.c_."""
    a = X
    n_layers = len(clf.coefs_)
    for i in range(n_layers):
        f = ACTIVATION_BY_NAME[clf.activation] if i < n_layers - 1 else logistic_activation
        a = artificial_neuron(f, clf.coefs_[i], clf.intercepts_[i], a)
    return np.c_[1 - a.ravel(), a.ravel()]
''',
    "count_params": '''
def count_mlp_params(clf):
    """np.sum over sizes."""
    return np.sum([a.size for a in clf.coefs_ + clf.intercepts_])


n_params_one_hidden = count_mlp_params(clf_4d)
n_params_four_hidden = count_mlp_params(clf_4d_2)
''',
    "params_formula": '''
def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs):
    """np.atleast_1d turns an int into a sequence."""
    sizes = [n_features] + [int(s) for s in np.atleast_1d(hidden_layer_sizes)] + [n_outputs]
    return sum(sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1)) + sum(sizes[1:])
''',
}

SAMPLES = [
    Sample("solution", "honest", why="the instructor's solution"),
    Sample("masks_dot_recursion", "honest", cells=_MASKS_AND_DOT, why="boolean masks, np.dot, recursion over layers, NumPy scalars"),
    Sample("expit_matmul_loop", "honest", cells=_EXPIT_AND_WARNINGS, why="scipy's expit, np.matmul, a loop with a dict, warnings and stderr output"),
    Sample(
        "consistent_argument_order",
        "mistake",
        cells={
            "artificial_neuron": (
                "def artificial_neuron(activation, inputs, bias, weights):\n"
                "    return activation(inputs @ weights + bias)\n"
            ),
            "one_neuron_network": (
                "hidden = artificial_neuron(identity_activation, pt, clf.intercepts_[0], clf.coefs_[0])\n"
                "output = artificial_neuron(logistic_activation, hidden, clf.intercepts_[1], clf.coefs_[1])\n"
                "hidden_output = float(hidden[0])\n"
                "proba_by_hand = float(output[0])\n"
            ),
            "mlp_forward": (
                "def mlp_forward(clf, X):\n"
                "    act = {'identity': identity_activation, 'logistic': logistic_activation,\n"
                "           'tanh': np.tanh, 'relu': relu_activation}[clf.activation]\n"
                "    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):\n"
                "        X = artificial_neuron(act, X, b, W)\n"
                "    p = artificial_neuron(logistic_activation, X, clf.intercepts_[-1], clf.coefs_[-1])\n"
                "    return np.hstack([1 - p, p])\n"
            ),
        },
        expect_lost=("test_artificial_neuron",),
        expect_mistakes={"test_artificial_neuron": "inputs_weights_swapped"},
        why="inputs and weights swapped in artificial_neuron's signature (used consistently elsewhere)",
    ),
    Sample(
        "relu_python_max",
        "mistake",
        cells={
            "activations": (
                "def identity_activation(x):\n"
                "    return x\n"
                "\n"
                "def logistic_activation(x):\n"
                "    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))\n"
                "\n"
                "def relu_activation(x):\n"
                "    return max(0, x)\n"
            ),
        },
        expect_lost=("test_activations",),
        expect_mistakes={"test_activations": "not_elementwise"},
        why="relu with Python's max, which fails on arrays",
    ),
    Sample(
        "logistic_overflows",
        "mistake",
        cells={
            "activations": (
                "def identity_activation(x):\n"
                "    return x\n"
                "\n"
                "def logistic_activation(x):\n"
                "    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))\n"
                "\n"
                "def relu_activation(x):\n"
                "    return np.maximum(0, x)\n"
            ),
        },
        expect_lost=("test_activations",),
        expect_mistakes={"test_activations": "logistic_overflow"},
        why="the textbook logistic, which overflows for x = -1000",
    ),
    Sample(
        "proba_of_class_0",
        "mistake",
        cells={
            "one_neuron_network": (
                "hidden = artificial_neuron(identity_activation, clf.coefs_[0], clf.intercepts_[0], pt)\n"
                "output = artificial_neuron(logistic_activation, clf.coefs_[1], clf.intercepts_[1], hidden)\n"
                "hidden_output = float(hidden[0])\n"
                "proba_by_hand = float(1 - output[0])\n"
            ),
        },
        expect_lost=("test_one_neuron_network",),
        expect_mistakes={"test_one_neuron_network": "proba_of_class_0"},
        why="P(class 0) instead of P(class 1)",
    ),
    Sample(
        "hidden_activation_ignored",
        "mistake",
        cells={
            "mlp_forward": (
                "def mlp_forward(clf, X):\n"
                "    values = X\n"
                "    for weights, bias in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):\n"
                "        values = artificial_neuron(identity_activation, weights, bias, values)\n"
                "    p = artificial_neuron(logistic_activation, clf.coefs_[-1], clf.intercepts_[-1], values)\n"
                "    return np.hstack([1 - p, p])\n"
            ),
        },
        expect_lost=("test_mlp_forward",),
        expect_mistakes={"test_mlp_forward": "hidden_activation_ignored"},
        why="every hidden layer run with the identity, as in the lecture's network",
    ),
    Sample(
        "biases_not_counted",
        "mistake",
        cells={
            "count_params": (
                "def count_mlp_params(clf):\n"
                "    return sum(w.size for w in clf.coefs_)\n"
                "\n"
                "n_params_one_hidden = count_mlp_params(clf_4d)\n"
                "n_params_four_hidden = count_mlp_params(clf_4d_2)\n"
            ),
        },
        expect_lost=("test_count_mlp_params", "test_param_counts"),
        expect_mistakes={"test_count_mlp_params": "biases_not_counted", "test_param_counts": "biases_not_counted"},
        why="only the weights counted",
    ),
    Sample(
        "another_networks_biases",
        "mistake",
        cells={
            "count_params": (
                "def count_mlp_params(clf):\n"
                "    return sum(w.size for w in clf.coefs_) + sum(b.size for b in clf.intercepts_)\n"
                "\n"
                "n_params_one_hidden = count_mlp_params(clf_4d)\n"
                "n_params_four_hidden = sum(w.size for w in clf_4d_2.coefs_) + sum(b.size for b in clf_4d.intercepts_)\n"
            ),
        },
        expect_lost=("test_param_counts",),
        expect_mistakes={"test_param_counts": "other_networks_biases"},
        why="the lecture's slip: clf_4d_2's weights plus clf_4d's biases",
    ),
    Sample(
        "formula_ignores_n_outputs",
        "mistake",
        cells={
            "params_formula": (
                "def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs):\n"
                "    if isinstance(hidden_layer_sizes, int):\n"
                "        hidden_layer_sizes = (hidden_layer_sizes,)\n"
                "    sizes = [n_features, *hidden_layer_sizes, 1]\n"
                "    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))\n"
            ),
        },
        expect_lost=("test_mlp_param_formula",),
        expect_mistakes={"test_mlp_param_formula": "n_outputs_ignored"},
        why="one output unit assumed, whatever n_outputs says",
    ),
    Sample(
        "formula_tuple_only",
        "mistake",
        cells={
            "params_formula": (
                "def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs):\n"
                "    sizes = [n_features] + list(hidden_layer_sizes) + [n_outputs]\n"
                "    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))\n"
            ),
        },
        expect_lost=("test_mlp_param_formula",),
        expect_mistakes={"test_mlp_param_formula": "hidden_int_unsupported"},
        why="hidden_layer_sizes given as an int not handled",
    ),
    Sample("blank", "blank", why="the student version, untouched"),
]
