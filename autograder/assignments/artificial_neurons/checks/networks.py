"""Networks the notebook never shows, fitted once per process and shared by the forward-pass and counting checks.

Small binary classifiers of other sizes, depths 1 to 3 and all four activations, a 3-class classifier and a
regressor: an answer tuned to the notebook's own networks fails on them.
"""

import functools

from .. import reference as ref


# (n_features, hidden_layer_sizes, activation, seed): other sizes, depths 1 to 3, all four activations
BINARY_ARCHITECTURES = [
    (3, (2,), "relu", 11),
    (5, (3, 2), "logistic", 12),
    (3, (4, 3, 2), "tanh", 13),
    (6, (5,), "identity", 14),
    (4, (3, 3), "relu", 15),
    (2, (7,), "tanh", 16),
    (5, (2, 4, 3), "relu", 17),
]


def _fit(estimator, n_features, seed, n_classes=2, regression=False):
    from sklearn.datasets import make_classification, make_regression

    if regression:
        X, y = make_regression(n_samples=60, n_features=n_features, random_state=seed)
    else:
        X, y = make_classification(
            n_samples=80,
            n_features=n_features,
            n_informative=min(n_features, 2 if n_classes == 2 else 3),
            n_redundant=0,
            n_classes=n_classes,
            n_clusters_per_class=1,
            random_state=seed,
        )
    return ref.fit_quietly(estimator, X, y), X


@functools.lru_cache(maxsize=1)
def binary_networks():
    """Fitted binary MLPClassifiers with their inputs: (description, clf, X)."""
    from sklearn.neural_network import MLPClassifier

    networks = []
    for n_features, sizes, activation, seed in BINARY_ARCHITECTURES:
        clf, X = _fit(
            MLPClassifier(hidden_layer_sizes=sizes, activation=activation, solver="lbfgs", max_iter=60, random_state=seed),
            n_features,
            seed,
        )
        networks.append((f"a binary MLPClassifier with {n_features} features, hidden_layer_sizes={sizes}, activation={activation!r}", clf, X))
    return tuple(networks)


@functools.lru_cache(maxsize=1)
def other_networks():
    """Fitted MLPs beyond binary classifiers: a 3-class classifier and a regressor, (description, mlp)."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    three_classes, _ = _fit(
        MLPClassifier(hidden_layer_sizes=(4, 2), activation="relu", solver="lbfgs", max_iter=40, random_state=3), 4, 3, n_classes=3
    )
    regressor, _ = _fit(
        MLPRegressor(hidden_layer_sizes=(3,), activation="tanh", solver="lbfgs", max_iter=40, random_state=4), 2, 4, regression=True
    )
    return (
        ("a 3-class MLPClassifier with 4 features and hidden_layer_sizes=(4, 2)", three_classes),
        ("an MLPRegressor with 2 features and hidden_layer_sizes=(3,)", regressor),
    )
