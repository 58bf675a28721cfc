"""Check of ``mlp_forward(clf, X)`` against ``clf.predict_proba(X)`` on the notebook's networks and on others.

It runs first with the reference activations and ``artificial_neuron`` bound in the student's namespace
(``reference_helpers``), then with the student's own, so a mistake in a helper costs points there only.
"""

import contextlib
import copy

import numpy as np

from .. import reference as ref
from ....kernel.answers import (
    AnswerError,
    Mistake,
    call,
    check,
    close,
    describe,
    find_mistake,
)
from .networks import binary_networks


HELPER_NAMES = ("identity_activation", "logistic_activation", "relu_activation", "artificial_neuron")


@contextlib.contextmanager
def reference_helpers(func):
    """Bind the reference activations and artificial_neuron in ``func``'s globals for the block (restored after)."""
    namespace = getattr(func, "__globals__", None)
    if namespace is None:
        yield
        return
    missing = object()
    saved = {name: namespace.get(name, missing) for name in HELPER_NAMES}
    try:
        for name in HELPER_NAMES:
            namespace[name] = getattr(ref, name)
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def _forward(clf, X, hidden_activation, output_activation) -> np.ndarray:
    """P(class 1) of a binary ``clf`` on ``X`` with the given activations: what a forward pass computes."""
    values = np.asarray(X, dtype=float)
    for index, (weights, bias) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        last = index == len(clf.coefs_) - 1
        values = (output_activation if last else hidden_activation)(values @ weights + bias)
    return values


def _both_columns(p) -> np.ndarray:
    return np.hstack([1 - p, p])


def _hidden(clf):
    return ref.ACTIVATIONS[clf.activation]


# variant(clf, X)
FORWARD_MISTAKES = [
    Mistake(
        "hidden_activation_ignored",
        lambda clf, X: _both_columns(_forward(clf, X, ref.identity_activation, ref.logistic_activation)),
        "the hidden activation is ignored: apply clf.activation (identity, logistic, tanh or relu) to every hidden layer",
    ),
    Mistake(
        "output_logistic_missing",
        lambda clf, X: _both_columns(_forward(clf, X, _hidden(clf), ref.identity_activation)),
        "the output layer has no logistic: apply clf.out_activation_ ('logistic') to the last layer",
    ),
    Mistake(
        "output_uses_hidden_activation",
        lambda clf, X: _both_columns(_forward(clf, X, _hidden(clf), _hidden(clf))),
        "the output layer uses the hidden activation: the last layer uses the logistic (clf.out_activation_)",
    ),
    Mistake(
        "only_class_1",
        lambda clf, X: ref.mlp_forward(clf, X)[:, 1],
        "only P(class 1) is returned: return both columns, [1 - p, p], like predict_proba",
    ),
    Mistake(
        "only_class_1",
        lambda clf, X: ref.mlp_forward(clf, X)[:, 1:],
        "only P(class 1) is returned (as a column): return both columns, [1 - p, p], like predict_proba",
    ),
    Mistake(
        "columns_swapped",
        lambda clf, X: ref.mlp_forward(clf, X)[:, ::-1],
        "the two columns are swapped: predict_proba's first column is P(class 0) = 1 - p",
    ),
]


def _check_forward_cases(mlp_forward, cases):
    for what, clf, X in cases:
        call_text = f"mlp_forward(clf, X) for {what}, X of shape {X.shape}"
        result = call(mlp_forward, copy.deepcopy(clf), X.copy(), what=call_text)
        expected = ref.mlp_forward(clf, X)
        if not isinstance(result, np.ndarray) or not np.issubdtype(result.dtype, np.number):
            raise AnswerError(
                f"{call_text} returned {describe(result)}; return a NumPy array of numbers like clf.predict_proba(X).", "wrong_type"
            )
        got = result.astype(float)
        if close(got, expected, rtol=1e-6, atol=1e-9):
            continue
        mistake = find_mistake(FORWARD_MISTAKES, got, clf, X)
        if mistake is not None:
            raise mistake.error(f"{call_text} is wrong: ", ".")
        if got.shape != expected.shape:
            raise AnswerError(f"{call_text} has shape {got.shape}, expected {expected.shape} like clf.predict_proba(X).", "wrong_shape")
        raise AnswerError(
            f"{call_text} differs from clf.predict_proba(X): go through every layer, "
            "artificial_neuron(activation, clf.coefs_[i], clf.intercepts_[i], values), clf.activation on hidden layers "
            "and the logistic on the last one."
        )


@check
def check_mlp_forward(mlp_forward):
    """mlp_forward(clf, X) equals clf.predict_proba(X) for binary networks of other sizes, depths and activations."""
    lecture = ref.lecture()
    cases = [(what, clf, X[:9]) for what, clf, X in binary_networks()]
    cases += [(what + " (a single row)", clf, X[-1:]) for what, clf, X in binary_networks()[:3]]
    cases += [
        (f"clf_4d_2 ({lecture.clf_4d_2.hidden_layer_sizes[0]} hidden relu neurons)", lecture.clf_4d_2, lecture.pt_4d),
        ("clf (one identity hidden neuron)", lecture.clf, lecture.pt.reshape(1, -1).astype(float)),
    ]
    with reference_helpers(mlp_forward):
        try:
            _check_forward_cases(mlp_forward, cases)
            passed = True
        except AnswerError as error:
            passed, first_error = False, error
    if not passed:
        try:  # mlp_forward may rely on its own helpers (e.g. another argument order): grade it with them too
            _check_forward_cases(mlp_forward, cases)
        except AnswerError:
            raise first_error from None
    return f"mlp_forward matches predict_proba on {len(cases)} networks and inputs (depths 1 to 3, four activations)"
