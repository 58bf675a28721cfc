"""Hidden-test checks for the assignment ``artificial_neurons``.

Each ``check_*`` compares the student's answers with ``autograder.reference.artificial_neurons``
computed at grading time, on the notebook's networks and on networks the notebook never shows, and
raises ``AnswerError`` naming the likely mistake. Each function is graded on its own:
``artificial_neuron`` gets reference activations, and ``mlp_forward`` is run with the reference
helpers first (then with the student's own), so one mistake costs points on its own task only.
"""

import contextlib
import copy
import functools

import numpy as np

from ..reference import artificial_neurons as ref
from .common import (
    AnswerError,
    Mistake,
    call,
    check,
    close,
    describe,
    expect,
    expect_float,
    expect_int,
    find_mistake,
    is_integer,
    is_number,
    quiet,
)

HELPER_NAMES = ("identity_activation", "logistic_activation", "relu_activation", "artificial_neuron")


# ----------------------------------------------------------------------------------------------
# Networks the notebook never shows
# ----------------------------------------------------------------------------------------------

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


# ----------------------------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------------------------

def _activation_inputs():
    rng = np.random.default_rng(3)
    return [
        ("the scalar 2.5", 2.5),
        ("the scalar -3.0", -3.0),
        ("the int 0", 0),
        ("a 0-d array np.array(-1.5)", np.array(-1.5)),
        ("np.linspace(-5, 5, 11)", np.linspace(-5, 5, 11)),
        ("a 3x4 array", rng.normal(0, 3, size=(3, 4))),
        ("a 2x3x4 array", rng.normal(0, 3, size=(2, 3, 4))),
    ]


EXTREME_INPUTS = [
    ("the scalar -1000.0", -1000.0),
    ("the scalar 1000.0", 1000.0),
    ("np.array([-1000.0, -750.0, -50.0, 0.0, 50.0, 750.0, 1000.0])", np.array([-1000.0, -750.0, -50.0, 0.0, 50.0, 750.0, 1000.0])),
]

NOT_ELEMENTWISE_HINT = (
    "Python's max(0, x) compares a whole array with 0 at once (and np.max reduces it); "
    "use np.maximum(0, x), which compares elementwise."
)


def _numeric_result(call_text, result, x):
    """``result`` as a float array, after checking it is a number or an array of the input's shape."""
    if not (is_number(result) or isinstance(result, np.ndarray)):
        raise AnswerError(
            f"{call_text} returned {describe(result)}; return a number for a number and a NumPy array for an array.", "wrong_type"
        )
    if np.shape(result) != np.shape(x):
        raise AnswerError(
            f"{call_text} returned {describe(result)}; an activation works elementwise, so the result has the shape "
            f"of its input {np.shape(x)}. (np.max or Python's max reduce an array; np.maximum compares elementwise.)",
            "not_elementwise",
        )
    try:
        return np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        raise AnswerError(f"{call_text} returned non-numeric values.", "wrong_type") from None


def _call_activation(name, func, x):
    call_text = f"{name}({'x' if np.ndim(x) else x!r})"
    argument = x.copy() if isinstance(x, np.ndarray) else x
    try:
        result = call(func, argument, what=call_text)
    except AnswerError as error:
        if name == "relu_activation" and np.ndim(x) > 0 and error.mistake == "error:ValueError":
            raise AnswerError(f"{error.message} (x = {describe(x)}). {NOT_ELEMENTWISE_HINT}", "not_elementwise") from None
        raise AnswerError(f"{error.message} (x = {describe(x)}).", error.mistake) from None
    return call_text, result


ACTIVATION_MISTAKES = {
    "identity_activation": [],
    "logistic_activation": [
        Mistake("logistic_sign", lambda x: ref.logistic_activation(-x), "it looks like logistic(-x): use 1 / (1 + exp(-x)), with a minus sign"),
        Mistake("logistic_is_exp", np.exp, "it looks like exp(x): use 1 / (1 + exp(-x))"),
    ],
    "relu_activation": [
        Mistake("relu_is_min", lambda x: np.minimum(0, x), "it looks like min(0, x): relu keeps the positive part, max(0, x)"),
        Mistake("relu_is_abs", np.abs, "it looks like |x|: relu sets negative values to 0"),
    ],
}

ACTIVATION_DEFINITIONS = {
    "identity_activation": "the identity returns its input unchanged",
    "logistic_activation": "the logistic is 1 / (1 + exp(-x))",
    "relu_activation": "relu is max(0, x), elementwise",
}


def _wrong_activation(name, call_text, x, got) -> AnswerError:
    """The error for wrong values of an activation: its known mistake if ``got`` is one, else its definition."""
    mistake = find_mistake(ACTIVATION_MISTAKES[name], got, np.asarray(x, dtype=float))
    if mistake is not None:
        return mistake.error(f"{call_text}: ", ".")
    return AnswerError(f"{call_text}: {ACTIVATION_DEFINITIONS[name]}.")


@check
def check_activations(identity_activation, logistic_activation, relu_activation):
    """The three activations: elementwise on numbers and arrays of any shape; logistic without overflow."""
    functions = {
        "identity_activation": (identity_activation, ref.identity_activation),
        "logistic_activation": (logistic_activation, ref.logistic_activation),
        "relu_activation": (relu_activation, ref.relu_activation),
    }
    cases = _activation_inputs()
    for name, (func, reference) in functions.items():
        for _, x in cases:
            call_text, result = _call_activation(name, func, x)
            got = _numeric_result(call_text, result, x)
            if not close(got, reference(x), rtol=1e-7, atol=1e-12):
                raise _wrong_activation(name, f"{call_text} gives wrong values for x = {describe(x)}", x, got)
    for what, x in EXTREME_INPUTS:
        with quiet() as caught:
            call_text, result = _call_activation("logistic_activation", logistic_activation, x)
        got = _numeric_result(call_text, result, x)
        expect(
            not np.isnan(got).any(),
            f"logistic_activation on {what} gives NaN: compute it in a way that never divides inf by inf.",
            "logistic_nan",
        )
        if not close(got, ref.logistic_activation(x), rtol=1e-7, atol=1e-12):
            raise _wrong_activation("logistic_activation", f"logistic_activation on {what} gives wrong values", x, got)
        overflow = [w for w in caught if issubclass(w.category, RuntimeWarning) and "overflow" in str(w.message)]
        if overflow:
            raise AnswerError(
                f"logistic_activation on {what} warns '{overflow[0].message}': np.exp(-x) overflows for large negative x "
                "(np.where still evaluates both branches). Take exp only of -|x|, e.g. "
                "np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x)))), "
                "or use scipy.special.expit.",
                "logistic_overflow",
            )
    return f"the three activations pass {len(cases)} inputs, and logistic_activation is stable for |x| up to 1000"


# ----------------------------------------------------------------------------------------------
# One neuron, one layer
# ----------------------------------------------------------------------------------------------

def _neuron_cases():
    rng = np.random.default_rng(5)
    return [
        # tanh first: strictly increasing, so every known mistake gives its own values (relu of positive inputs hides some)
        ("one input vector (3,) and a weight vector (3,)", ref.tanh_activation, rng.normal(size=3), 0.5, rng.normal(size=3)),
        ("a batch of 5 rows (5, 3) and a weight vector (3,)", ref.logistic_activation, rng.normal(size=3), -0.3, rng.normal(size=(5, 3))),
        ("one input vector (3,) and a layer of 4 neurons, weights (3, 4)", ref.tanh_activation, rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)),
        ("a batch of 5 rows (5, 3) and a layer of 4 neurons, weights (3, 4)", ref.relu_activation, rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 3))),
        ("a batch of 4 rows (4, 4) and a layer of 4 neurons, weights (4, 4)", ref.identity_activation, rng.normal(size=(4, 4)), rng.normal(size=4), rng.normal(size=(4, 4))),
        ("a batch of 6 rows (6, 2) and a layer of 1 neuron, weights (2, 1)", ref.logistic_activation, rng.normal(size=(2, 1)), rng.normal(size=1), rng.normal(size=(6, 2))),
    ]


# variant(activation, weights, bias, inputs)
NEURON_MISTAKES = [
    Mistake(
        "inputs_weights_swapped",
        lambda activation, weights, bias, inputs: activation(weights @ inputs + bias),
        "inputs and weights are swapped: compute inputs @ weights (inputs first), not weights @ inputs",
    ),
    Mistake(
        "bias_after_activation",
        lambda activation, weights, bias, inputs: activation(inputs @ weights) + bias,
        "the bias is added after the activation: compute activation(inputs @ weights + bias)",
    ),
    Mistake(
        "activation_not_applied",
        lambda activation, weights, bias, inputs: inputs @ weights + bias,
        "the activation is not applied: return activation(inputs @ weights + bias)",
    ),
    Mistake(
        "bias_missing",
        lambda activation, weights, bias, inputs: activation(inputs @ weights),
        "the bias is missing: add it before the activation",
    ),
    Mistake(
        "activation_on_inputs",
        lambda activation, weights, bias, inputs: activation(inputs) @ weights + bias,
        "the activation is applied to the inputs: apply it to inputs @ weights + bias",
    ),
    Mistake(
        "bias_subtracted",
        lambda activation, weights, bias, inputs: activation(inputs @ weights - bias),
        "the bias is subtracted: add it",
    ),
]


def _fits(operation) -> bool:
    """True when ``operation()`` runs (shapes that fit), False when it raises ValueError."""
    try:
        operation()
        return True
    except ValueError:
        return False


@check
def check_artificial_neuron(artificial_neuron):
    """artificial_neuron(activation, weights, bias, inputs) = activation(inputs @ weights + bias), any batch and layer."""
    cases = _neuron_cases()
    for what, activation, weights, bias, inputs in cases:
        call_text = f"artificial_neuron(activation, weights, bias, inputs) on {what}"
        arguments = (activation, weights.copy(), copy.copy(bias), inputs.copy())
        try:
            result = call(artificial_neuron, *arguments, what=call_text)
        except AnswerError as error:
            if _fits(lambda: weights @ inputs):
                raise
            raise AnswerError(
                f"{error.message}. This is what weights @ inputs does: compute inputs @ weights (inputs first).",
                "inputs_weights_swapped",
            ) from None
        expected = ref.artificial_neuron(activation, weights, bias, inputs)
        if not (is_number(result) or isinstance(result, np.ndarray)):
            raise AnswerError(f"{call_text} returned {describe(result)}; return a number or a NumPy array.", "wrong_type")
        got_shape = np.shape(result)
        if got_shape != np.shape(expected):
            if _fits(lambda: weights @ inputs) and got_shape == np.shape(weights @ inputs):
                raise AnswerError(
                    f"{call_text} has shape {got_shape}, expected {np.shape(expected)}: inputs and weights look swapped: "
                    "compute inputs @ weights (inputs first).",
                    "inputs_weights_swapped",
                )
            raise AnswerError(
                f"{call_text} has shape {got_shape}, expected {np.shape(expected)}: one value per row of inputs and per "
                "neuron: inputs @ weights has that shape.",
                "wrong_shape",
            )
        got = np.asarray(result, dtype=float)
        if not close(got, expected, rtol=1e-7, atol=1e-12):
            mistake = find_mistake(NEURON_MISTAKES, got, activation, weights, bias, inputs)
            if mistake is not None:
                raise mistake.error(f"{call_text} gives wrong values: ", ".")
            raise AnswerError(f"{call_text} gives wrong values: compute activation(inputs @ weights + bias).")
    return f"artificial_neuron passes {len(cases)} cases (single inputs and batches, one neuron and layers)"


# ----------------------------------------------------------------------------------------------
# The one-neuron network of the lecture
# ----------------------------------------------------------------------------------------------

def _pre_hidden(lecture) -> float:
    """clf's hidden neuron at pt before its activation."""
    return float(lecture.pt @ lecture.clf.coefs_[0][:, 0] + lecture.clf.intercepts_[0][0])


def _output_neuron(lecture, hidden, activation):
    """clf's output neuron on the hidden value ``hidden``, through ``activation``."""
    return activation(lecture.clf.coefs_[1][0, 0] * hidden + lecture.clf.intercepts_[1][0])


# variant(lecture)
HIDDEN_OUTPUT_MISTAKES = [
    Mistake(
        "hidden_logistic",
        lambda lecture: ref.logistic_activation(_pre_hidden(lecture)),
        "it looks like the logistic was applied to the hidden neuron; clf's hidden layer uses the identity (clf.activation)",
    ),
]

PROBA_MISTAKES = [
    Mistake(
        "proba_of_class_0",
        lambda lecture: 1 - lecture.proba_by_hand,
        "proba_by_hand is P(class 0): the output neuron gives P(class 1), predict_proba's second column.",
    ),
    Mistake(
        "output_logistic_missing",
        lambda lecture: _output_neuron(lecture, lecture.hidden_output, ref.identity_activation),
        "proba_by_hand is the output neuron before its activation: apply the logistic (clf.out_activation_).",
    ),
    Mistake(
        "hidden_logistic",
        lambda lecture: _output_neuron(lecture, ref.logistic_activation(_pre_hidden(lecture)), ref.logistic_activation),
        "proba_by_hand uses the logistic on the hidden neuron too; clf's hidden layer uses the identity (clf.activation).",
    ),
]


@check
def check_one_neuron_network(hidden_output, proba_by_hand):
    """The hidden neuron's output and P(class 1) of clf at pt, computed from coefs_ and intercepts_."""
    lecture = ref.lecture()
    if isinstance(hidden_output, np.ndarray):
        expect(
            hidden_output.size == 1,
            f"hidden_output should be one number (clf has one hidden neuron), got {describe(hidden_output)}.",
            "wrong_shape",
        )
        hidden_value = hidden_output.reshape(-1)[0]
    else:
        hidden_value = hidden_output
    mistake = find_mistake(HIDDEN_OUTPUT_MISTAKES, float(hidden_value), lecture) if is_number(hidden_value) else None
    expect_float(
        "hidden_output",
        hidden_value,
        lecture.hidden_output,
        mistake.message if mistake else "use artificial_neuron(identity_activation, clf.coefs_[0], clf.intercepts_[0], pt)",
        rtol=1e-6,
        atol=1e-9,
        mistake=mistake.code if mistake else None,
    )
    if isinstance(proba_by_hand, np.ndarray):
        raise AnswerError(
            f"proba_by_hand should be a float, got {describe(proba_by_hand)}: take its single element, e.g. float(output[0]).",
            "wrong_type",
        )
    expect(is_number(proba_by_hand), f"proba_by_hand should be a float, got {describe(proba_by_hand)}.", "wrong_type")
    got = float(proba_by_hand)
    if close(got, lecture.proba_by_hand, rtol=1e-6, atol=1e-9):
        return "hidden_output and proba_by_hand match clf.predict_proba([pt])[0, 1]"
    mistake = find_mistake(PROBA_MISTAKES, got, lecture)
    if mistake is not None:
        raise mistake.error()
    raise AnswerError(
        f"proba_by_hand is {got:.6g}, not P(class 1) = clf.predict_proba([pt])[0, 1]: feed hidden_output to the output "
        "neuron, artificial_neuron(logistic_activation, clf.coefs_[1], clf.intercepts_[1], ...)."
    )


# ----------------------------------------------------------------------------------------------
# The whole forward pass
# ----------------------------------------------------------------------------------------------

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
        ("clf_4d_2 (4 hidden relu neurons)", lecture.clf_4d_2, lecture.pt_4d),
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


# ----------------------------------------------------------------------------------------------
# Counting parameters
# ----------------------------------------------------------------------------------------------

def _weights(mlp) -> int:
    return sum(w.size for w in mlp.coefs_)


def _biases(mlp) -> int:
    return sum(b.size for b in mlp.intercepts_)


def _on_every_network(count):
    """A variant over a list of ``(description, mlp)``: ``count(mlp)`` for each network."""
    return lambda networks: [count(mlp) for _, mlp in networks]


# variant(networks)
COUNT_MISTAKES = [
    Mistake("biases_not_counted", _on_every_network(_weights), "only the weights are counted: add the biases (every intercepts_ entry)"),
    Mistake("weights_not_counted", _on_every_network(_biases), "only the biases are counted: add the weights (every coefs_ entry)"),
    Mistake(
        "output_biases_missing",
        _on_every_network(lambda mlp: _weights(mlp) + _biases(mlp) - mlp.intercepts_[-1].size),
        "the output layer's biases are missing: count every array of intercepts_",
    ),
    Mistake(
        "first_layer_only",
        _on_every_network(lambda mlp: mlp.coefs_[0].size + mlp.intercepts_[0].size),
        "only the first layer is counted: add up every layer of coefs_ and intercepts_",
    ),
    Mistake(
        "arrays_counted",
        _on_every_network(lambda mlp: len(mlp.coefs_) + len(mlp.intercepts_)),
        "the arrays are counted, not their entries: add up .size of every array",
    ),
]

COUNT_DEFINITION = "count every entry of every array in coefs_ and intercepts_ (their .size)"


def _student_counts(count_mlp_params, networks):
    """The student's count of every network, or None when one of them fails or is not an integer."""
    counts = []
    for _, mlp in networks:
        try:
            got = count_mlp_params(copy.deepcopy(mlp))
        except Exception:  # noqa: BLE001 - no diagnosis then
            return None
        if not is_integer(got):
            return None
        counts.append(int(got))
    return counts


@check
def check_count_mlp_params(count_mlp_params):
    """count_mlp_params(mlp) is the number of weights plus biases, for networks the notebook never shows."""
    lecture = ref.lecture()
    networks = [(what, clf) for what, clf, _ in binary_networks()] + list(other_networks())
    networks += [("clf_4d", lecture.clf_4d), ("clf_4d_2", lecture.clf_4d_2)]
    for what, mlp in networks:
        call_text = f"count_mlp_params(mlp) for {what}"
        got = call(count_mlp_params, copy.deepcopy(mlp), what=call_text)
        expected = ref.count_mlp_params(mlp)
        if isinstance(got, (float, np.floating)) and not float(got).is_integer():
            raise AnswerError(
                f"{call_text} is {float(got):.6g}, not a count: count the entries (.size), do not add up their values.", "summed_values"
            )
        mistake = None
        if is_integer(got) and int(got) != expected:
            counts = _student_counts(count_mlp_params, networks)
            mistake = find_mistake(COUNT_MISTAKES, counts, networks, rtol=0, atol=0) if counts else None
        expect_int(call_text, got, expected, mistake.message if mistake else COUNT_DEFINITION, mistake.code if mistake else None)
    return f"count_mlp_params is right for {len(networks)} networks"


# variant(mlp, other): the count of ``mlp`` with a mistake, ``other`` the notebook's other network
PARAM_COUNT_MISTAKES = [
    Mistake(
        "other_networks_biases",
        lambda mlp, other: _weights(mlp) + _biases(other),
        "{name} adds the weights of {label} to the biases of {other_label}: count {label}'s own biases, {label}.intercepts_.",
    ),
    Mistake(
        "biases_not_counted",
        lambda mlp, other: _weights(mlp),
        "{name} counts only the weights of {label}: add its biases ({label}.intercepts_).",
    ),
    Mistake("other_network_count", lambda mlp, other: ref.count_mlp_params(other), "{name} is the count of {other_label}: {name} is about {label}."),
]


@check
def check_param_counts(n_params_one_hidden, n_params_four_hidden):
    """The parameter counts of clf_4d and clf_4d_2, each network with its own biases."""
    lecture = ref.lecture()
    one, four = lecture.clf_4d, lecture.clf_4d_2
    for name, value, mlp, other, label, other_label in [
        ("n_params_one_hidden", n_params_one_hidden, one, four, "clf_4d", "clf_4d_2"),
        ("n_params_four_hidden", n_params_four_hidden, four, one, "clf_4d_2", "clf_4d"),
    ]:
        expected = ref.count_mlp_params(mlp)
        if is_integer(value) and int(value) != expected:
            mistake = find_mistake(PARAM_COUNT_MISTAKES, int(value), mlp, other, rtol=0, atol=0)
            if mistake is not None:
                raise mistake.error(name=name, label=label, other_label=other_label)
        expect_int(name, value, expected, f"count the weights and biases of {label}")
    return "both counts match"


# ----------------------------------------------------------------------------------------------
# The count from the architecture
# ----------------------------------------------------------------------------------------------

def _layer_pairs(n_features, hidden, n_outputs) -> list:
    """(fan_in, fan_out) of every pair of consecutive layers."""
    sizes = ref.layer_sizes(n_features, hidden, n_outputs)
    return list(zip(sizes[:-1], sizes[1:]))


# variant(n_features, hidden_layer_sizes, n_outputs)
FORMULA_MISTAKES = [
    Mistake(
        "biases_not_counted",
        lambda f, h, o: sum(a * b for a, b in _layer_pairs(f, h, o)),
        "the biases are not counted: every hidden and output unit has one",
    ),
    Mistake(
        "output_layer_missing",
        lambda f, h, o: sum(a * b + b for a, b in _layer_pairs(f, h, o)[:-1]),
        "the output layer is missing: add its n_outputs units' weights and biases",
    ),
    Mistake(
        "input_biases_counted",
        lambda f, h, o: sum(a * b for a, b in _layer_pairs(f, h, o)) + sum(ref.layer_sizes(f, h, o)),
        "the input layer has biases in your count: only hidden and output units have one",
    ),
    Mistake("n_outputs_ignored", lambda f, h, o: ref.mlp_param_formula(f, h, 1), "n_outputs is ignored: the output layer has n_outputs units"),
    Mistake(
        "one_bias_per_layer",
        lambda f, h, o: sum(a * b for a, b in _layer_pairs(f, h, o)) + len(_layer_pairs(f, h, o)),
        "one bias per layer is counted: there is one bias per unit",
    ),
]

FORMULA_DEFINITION = "add fan_in * fan_out weights and fan_out biases for every pair of consecutive layers"

FORMULA_CASES = [
    (784, (128, 64), 10),
    (10, 5, 1),
    (3, (4, 4, 4), 2),
    (7, [6, 2], 1),
    (1, 1, 1),
]


@check
def check_mlp_param_formula(mlp_param_formula):
    """mlp_param_formula(n_features, hidden_layer_sizes, n_outputs) from the architecture: ints or tuples."""
    cases = list(FORMULA_CASES)
    for _, mlp, _ in binary_networks():
        cases.append((mlp.n_features_in_, mlp.hidden_layer_sizes, mlp.n_outputs_))
    for _, mlp in other_networks():
        cases.append((mlp.n_features_in_, mlp.hidden_layer_sizes, mlp.n_outputs_))
    for n_features, hidden, n_outputs in cases:
        call_text = f"mlp_param_formula({n_features}, {hidden!r}, {n_outputs})"
        argument = list(hidden) if isinstance(hidden, list) else hidden
        try:
            got = call(mlp_param_formula, n_features, argument, n_outputs, what=call_text)
        except AnswerError as error:
            if not isinstance(hidden, int) or error.mistake != "error:TypeError":
                raise
            raise AnswerError(
                f"{error.message}. hidden_layer_sizes may be a single int (one hidden layer): turn it into a tuple, "
                "(hidden_layer_sizes,).",
                "hidden_int_unsupported",
            ) from None
        expected = ref.mlp_param_formula(n_features, hidden, n_outputs)
        if isinstance(got, (float, np.floating)) and float(got).is_integer():
            raise AnswerError(f"{call_text} returned the float {float(got)}: return an int (a count).", "float_count")
        mistake = None
        if is_integer(got) and int(got) != expected:
            mistake = find_mistake(FORMULA_MISTAKES, int(got), n_features, hidden, n_outputs, rtol=0, atol=0)
        expect_int(call_text, got, expected, mistake.message if mistake else FORMULA_DEFINITION, mistake.code if mistake else None)
    return f"mlp_param_formula is right for {len(cases)} architectures"
