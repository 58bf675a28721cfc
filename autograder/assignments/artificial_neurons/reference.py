"""Reference answers of the assignment ``artificial_neurons``: plain functions, and the lecture's networks.

The activations and ``artificial_neuron`` are the textbook definitions; ``mlp_forward`` recomputes
``MLPClassifier.predict_proba`` layer by layer from ``coefs_`` and ``intercepts_``; the two counts give the
number of weights plus biases of a network, from its fitted arrays or from its architecture alone.
``lecture()`` refits the small networks of the notebook's locked cells, with the same seeds, for the graded
student's variant (``variant.py``; ``autograder.kernel.variant`` says whom the kernel grades).
"""

import functools
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, softmax

from ...kernel.reference import grader_side
from ...kernel.variant import current_params
from . import variant as variants


def identity_activation(x):
    """x itself, as a float array of the same shape."""
    return np.asarray(x, dtype=float)


def logistic_activation(x):
    """1 / (1 + exp(-x)), elementwise, computed without overflow."""
    return expit(np.asarray(x, dtype=float))


def tanh_activation(x):
    """tanh(x), elementwise."""
    return np.tanh(np.asarray(x, dtype=float))


def relu_activation(x):
    """max(0, x), elementwise."""
    return np.maximum(0.0, np.asarray(x, dtype=float))


ACTIVATIONS = {
    "identity": identity_activation,
    "logistic": logistic_activation,
    "tanh": tanh_activation,
    "relu": relu_activation,
}


def artificial_neuron(activation, weights, bias, inputs):
    """activation(inputs @ weights + bias): one input vector or a batch of rows; one neuron or a layer."""
    return activation(np.asarray(inputs, dtype=float) @ np.asarray(weights, dtype=float) + bias)


def mlp_forward(clf, X):
    """``clf.predict_proba(X)`` recomputed layer by layer; a 1-D ``X`` is taken as one row."""
    values = np.atleast_2d(np.asarray(X, dtype=float))
    last = len(clf.coefs_) - 1
    for index, (weights, bias) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        if index < last:
            values = artificial_neuron(ACTIVATIONS[clf.activation], weights, bias, values)
        elif clf.out_activation_ == "softmax":
            values = softmax(artificial_neuron(identity_activation, weights, bias, values), axis=1)
        else:
            values = artificial_neuron(ACTIVATIONS[clf.out_activation_], weights, bias, values)
    if clf.out_activation_ == "logistic":
        values = np.hstack([1 - values, values])
    return values


def count_mlp_params(clf) -> int:
    """Number of weights plus biases of a fitted MLP."""
    return int(sum(w.size for w in clf.coefs_) + sum(b.size for b in clf.intercepts_))


def layer_sizes(n_features, hidden_layer_sizes, n_outputs) -> list:
    """Units per layer, input to output; ``hidden_layer_sizes`` an int or a sequence of ints."""
    if isinstance(hidden_layer_sizes, (int, np.integer)):
        hidden_layer_sizes = (hidden_layer_sizes,)
    return [int(n_features), *(int(size) for size in hidden_layer_sizes), int(n_outputs)]


def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs) -> int:
    """Number of weights plus biases of an MLP, from its architecture alone."""
    sizes = layer_sizes(n_features, hidden_layer_sizes, n_outputs)
    return int(sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:])))


def fit_quietly(estimator, X, y):
    """``estimator.fit(X, y)`` with its warnings (ConvergenceWarning) silenced."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


@dataclass(frozen=True)
class Lecture:
    """The notebook's given networks and the answers computed from them."""

    clf: object
    pt: np.ndarray
    clf_4d: object
    clf_4d_2: object
    pt_4d: np.ndarray
    hidden_output: float
    proba_by_hand: float
    n_params_one_hidden: int
    n_params_four_hidden: int


def current_variant() -> dict:
    """The variant of the student this kernel grades (the notebook's defaults when variants are off)."""
    return current_params(variants.ASSIGNMENT, variants.DEFAULTS, variants.params)


@grader_side
def lecture(variant: dict | None = None) -> Lecture:
    """The notebook's networks for ``variant`` (default: the graded student's)."""
    variant = current_variant() if variant is None else variant
    return _lecture(int(variant["seed"]), tuple(variant["pt"]), int(variant["hidden_4d_2"]))


@grader_side
@functools.lru_cache(maxsize=4)
def _lecture(seed: int, pt: tuple, hidden_4d_2: int) -> Lecture:
    """Refit the notebook's networks exactly as its locked cells do (same data, seeds and solver)."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = make_classification(n_samples=100, random_state=seed, n_features=2, n_redundant=0)
    X_train, _, y_train, _ = train_test_split(X, y, stratify=y, random_state=seed)
    clf = fit_quietly(
        MLPClassifier(hidden_layer_sizes=(1,), activation="identity", solver="lbfgs", random_state=seed), X_train, y_train
    )
    pt = np.array(pt)

    X_4d, y_4d = make_classification(n_samples=200, random_state=seed, n_features=4, n_redundant=0, n_informative=4)
    X_4d_train, _, y_4d_train, _ = train_test_split(X_4d, y_4d, stratify=y_4d, random_state=seed)
    clf_4d = fit_quietly(
        MLPClassifier(hidden_layer_sizes=(1,), activation="identity", solver="lbfgs", random_state=seed), X_4d_train, y_4d_train
    )
    clf_4d_2 = fit_quietly(
        MLPClassifier(hidden_layer_sizes=(hidden_4d_2,), activation="relu", solver="lbfgs", random_state=seed), X_4d_train, y_4d_train
    )
    pt_4d = np.asarray([[-1, -2, 2, -1], [1.5, 0, 0.5, 1]])

    hidden = artificial_neuron(identity_activation, clf.coefs_[0], clf.intercepts_[0], pt)
    proba = artificial_neuron(logistic_activation, clf.coefs_[1], clf.intercepts_[1], hidden)
    return Lecture(
        clf=clf,
        pt=pt,
        clf_4d=clf_4d,
        clf_4d_2=clf_4d_2,
        pt_4d=pt_4d,
        hidden_output=float(hidden[0]),
        proba_by_hand=float(proba[0]),
        n_params_one_hidden=count_mlp_params(clf_4d),
        n_params_four_hidden=count_mlp_params(clf_4d_2),
    )
