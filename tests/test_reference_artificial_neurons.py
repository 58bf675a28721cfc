"""The reference answers of artificial_neurons against scikit-learn itself, and against the notebook's given cells."""

import warnings

import nbformat
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier, MLPRegressor

from autograder.assignments.artificial_neurons import reference as ref

from .conftest import REPO

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
DEPTHS = [(3,), (4, 2), (2, 3, 2)]


def fitted(hidden, activation, n_features=3, n_classes=2, seed=0):
    X, y = make_classification(
        n_samples=60, n_features=n_features, n_informative=2, n_redundant=0, n_classes=n_classes,
        n_clusters_per_class=1, random_state=seed,
    )
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver="lbfgs", max_iter=30, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    return clf, X


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", DEPTHS, ids=lambda h: f"depth{len(h)}")
def test_mlp_forward_is_predict_proba(hidden, activation):
    clf, X = fitted(hidden, activation)
    np.testing.assert_allclose(ref.mlp_forward(clf, X), clf.predict_proba(X), rtol=1e-10, atol=1e-12)


def test_mlp_forward_on_a_single_row_and_a_1d_input():
    clf, X = fitted((4, 3), "relu", seed=2)
    np.testing.assert_allclose(ref.mlp_forward(clf, X[:1]), clf.predict_proba(X[:1]), rtol=1e-10)
    np.testing.assert_allclose(ref.mlp_forward(clf, X[0]), clf.predict_proba(X[:1]), rtol=1e-10)


def test_mlp_forward_with_softmax_output():
    clf, X = fitted((5,), "tanh", n_features=4, n_classes=3, seed=1)
    assert clf.out_activation_ == "softmax"
    np.testing.assert_allclose(ref.mlp_forward(clf, X), clf.predict_proba(X), rtol=1e-10)


def test_activations_match_scikit_learn_and_keep_shapes():
    from sklearn.neural_network._base import ACTIVATIONS as SKLEARN

    x = np.random.default_rng(0).normal(0, 4, size=(2, 3, 4))
    for name in ACTIVATIONS:
        expected = x.copy()
        SKLEARN[name](expected)  # scikit-learn's own activations work in place
        np.testing.assert_allclose(ref.ACTIVATIONS[name](x), expected, rtol=1e-12)
    assert np.shape(ref.relu_activation(-2.0)) == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow would raise here
        np.testing.assert_allclose(ref.logistic_activation(np.array([-1000.0, 1000.0])), [0.0, 1.0])


def test_artificial_neuron_on_vectors_batches_and_layers():
    rng = np.random.default_rng(1)
    x, X = rng.normal(size=3), rng.normal(size=(5, 3))
    w, W, b = rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=4)
    assert np.isclose(ref.artificial_neuron(ref.identity_activation, w, 0.5, x), sum(w * x) + 0.5)
    assert ref.artificial_neuron(ref.relu_activation, w, 0.5, X).shape == (5,)
    assert ref.artificial_neuron(ref.relu_activation, W, b, x).shape == (4,)
    batch = ref.artificial_neuron(np.tanh, W, b, X)
    np.testing.assert_allclose(batch[2], ref.artificial_neuron(np.tanh, W, b, X[2]))
    np.testing.assert_allclose(batch[:, 1], ref.artificial_neuron(np.tanh, W[:, 1], b[1], X))


# 4 inputs and 1 output: every layer has fan_in * fan_out weights and fan_out biases
HAND_COUNTS = {
    (1,): (4 * 1 + 1) + (1 * 1 + 1),  # 7
    (4,): (4 * 4 + 4) + (4 * 1 + 1),  # 25
    (5, 3): (4 * 5 + 5) + (5 * 3 + 3) + (3 * 1 + 1),  # 47
    (2, 2, 2): (4 * 2 + 2) + (2 * 2 + 2) + (2 * 2 + 2) + (2 * 1 + 1),  # 25
}


@pytest.mark.parametrize("hidden", HAND_COUNTS, ids=str)
def test_counts_from_arrays_and_from_architecture_are_the_hand_worked_ones(hidden):
    clf, _ = fitted(hidden, "relu", n_features=4)
    assert ref.count_mlp_params(clf) == HAND_COUNTS[hidden]
    assert ref.mlp_param_formula(4, hidden, 1) == HAND_COUNTS[hidden]
    if len(hidden) == 1:
        assert ref.mlp_param_formula(4, hidden[0], 1) == HAND_COUNTS[hidden]


def test_count_of_a_regressor_and_a_multiclass_network():
    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier(hidden_layer_sizes=(6, 4), solver="lbfgs", max_iter=20, random_state=0).fit(X, y)
        reg = MLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=20, random_state=0).fit(X, X[:, :2])
    assert ref.count_mlp_params(clf) == ref.mlp_param_formula(5, (6, 4), 3) == (5 * 6 + 6) + (6 * 4 + 4) + (4 * 3 + 3)  # 79
    assert ref.count_mlp_params(reg) == ref.mlp_param_formula(5, 3, 2) == (5 * 3 + 3) + (3 * 2 + 2)  # 26


def _given_namespace():
    """Run the notebook's locked given code cells (imports and networks) in a fresh namespace."""
    nb = nbformat.read(REPO / "source" / "artificial_neurons" / "artificial_neurons.ipynb", 4)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade") and not meta.get("solution"):
                exec(compile(cell.source, meta["grade_id"], "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def test_lecture_refits_the_notebooks_networks(capsys):
    given = _given_namespace()
    lecture = ref.lecture()
    for name in ["clf", "clf_4d", "clf_4d_2"]:
        mine, theirs = getattr(lecture, name), given[name]
        assert mine.get_params() == theirs.get_params(), name
        for a, b in zip(mine.coefs_ + mine.intercepts_, theirs.coefs_ + theirs.intercepts_):
            np.testing.assert_allclose(a, b, rtol=1e-9, err_msg=name)
    np.testing.assert_array_equal(lecture.pt, given["pt"])
    np.testing.assert_array_equal(lecture.pt_4d, given["pt_4d"])


def test_lecture_answers_are_predict_proba_and_counts():
    lecture = ref.lecture()
    assert np.isclose(lecture.proba_by_hand, lecture.clf.predict_proba([lecture.pt])[0, 1], rtol=1e-12)
    assert lecture.n_params_one_hidden == HAND_COUNTS[(1,)]  # clf_4d: 4 inputs, 1 hidden neuron, 1 output
    assert lecture.n_params_four_hidden == HAND_COUNTS[(4,)]  # clf_4d_2: 4 inputs, 4 hidden neurons, 1 output
    assert isinstance(lecture.hidden_output, float) and isinstance(lecture.proba_by_hand, float)
