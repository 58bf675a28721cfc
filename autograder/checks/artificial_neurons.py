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
import numbers

import numpy as np

from ..reference import artificial_neurons as ref
from .common import AnswerError, call, check, close, describe, expect, expect_float, expect_int, quiet

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


def _numeric_result(call_text, result, x):
    """``result`` as a float array, after checking it is a number or an array of the input's shape."""
    if isinstance(result, bool) or not isinstance(result, (numbers.Real, np.number, np.ndarray)):
        raise AnswerError(f"{call_text} returned {describe(result)}; return a number for a number and a NumPy array for an array.")
    if np.shape(result) != np.shape(x):
        raise AnswerError(
            f"{call_text} returned {describe(result)}; an activation works elementwise, so the result has the shape "
            f"of its input {np.shape(x)}. (np.max or Python's max reduce an array; np.maximum compares elementwise.)"
        )
    try:
        return np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        raise AnswerError(f"{call_text} returned non-numeric values.") from None


def _call_activation(name, func, x):
    call_text = f"{name}({'x' if np.ndim(x) else x!r})"
    argument = x.copy() if isinstance(x, np.ndarray) else x
    try:
        result = call(func, argument, what=call_text)
    except AnswerError as error:
        hint = ""
        if name == "relu_activation" and np.ndim(x) > 0:
            hint = (
                " Python's max(0, x) compares a whole array with 0 at once (and np.max reduces it); "
                "use np.maximum(0, x), which compares elementwise."
            )
        raise AnswerError(f"{error} (x = {describe(x)}).{hint}") from None
    return call_text, result


def _activation_hint(name, x, got):
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        variants = {
            "logistic_activation": {
                "it looks like logistic(-x): use 1 / (1 + exp(-x)), with a minus sign": ref.logistic_activation(-x),
                "it looks like exp(x): use 1 / (1 + exp(-x))": np.exp(x),
            },
            "relu_activation": {
                "it looks like min(0, x): relu keeps the positive part, max(0, x)": np.minimum(0, x),
                "it looks like |x|: relu sets negative values to 0": np.abs(x),
            },
            "identity_activation": {},
        }[name]
    for message, variant in variants.items():
        if close(got, variant, rtol=1e-6, atol=1e-9):
            return message
    return {
        "identity_activation": "the identity returns its input unchanged",
        "logistic_activation": "the logistic is 1 / (1 + exp(-x))",
        "relu_activation": "relu is max(0, x), elementwise",
    }[name]


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
                raise AnswerError(f"{call_text} gives wrong values for x = {describe(x)}: {_activation_hint(name, x, got)}.")
    for what, x in EXTREME_INPUTS:
        with quiet() as caught:
            call_text, result = _call_activation("logistic_activation", logistic_activation, x)
        got = _numeric_result(call_text, result, x)
        expect(not np.isnan(got).any(), f"logistic_activation on {what} gives NaN: compute it in a way that never divides inf by inf.")
        if not close(got, ref.logistic_activation(x), rtol=1e-7, atol=1e-12):
            raise AnswerError(f"logistic_activation on {what} gives wrong values: {_activation_hint('logistic_activation', x, got)}.")
        overflow = [w for w in caught if issubclass(w.category, RuntimeWarning) and "overflow" in str(w.message)]
        if overflow:
            raise AnswerError(
                f"logistic_activation on {what} warns '{overflow[0].message}': np.exp(-x) overflows for large negative x "
                "(np.where still evaluates both branches). Take exp only of -|x|, e.g. "
                "np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x)))), "
                "or use scipy.special.expit."
            )
    return f"the three activations pass {len(cases)} inputs, and logistic_activation is stable for |x| up to 1000"


# ----------------------------------------------------------------------------------------------
# One neuron, one layer
# ----------------------------------------------------------------------------------------------

def _neuron_cases():
    rng = np.random.default_rng(5)
    return [
        ("one input vector (3,) and a weight vector (3,)", ref.relu_activation, rng.normal(size=3), 0.5, rng.normal(size=3)),
        ("a batch of 5 rows (5, 3) and a weight vector (3,)", ref.logistic_activation, rng.normal(size=3), -0.3, rng.normal(size=(5, 3))),
        ("one input vector (3,) and a layer of 4 neurons, weights (3, 4)", ref.tanh_activation, rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)),
        ("a batch of 5 rows (5, 3) and a layer of 4 neurons, weights (3, 4)", ref.relu_activation, rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 3))),
        ("a batch of 4 rows (4, 4) and a layer of 4 neurons, weights (4, 4)", ref.identity_activation, rng.normal(size=(4, 4)), rng.normal(size=4), rng.normal(size=(4, 4))),
        ("a batch of 6 rows (6, 2) and a layer of 1 neuron, weights (2, 1)", ref.logistic_activation, rng.normal(size=(2, 1)), rng.normal(size=1), rng.normal(size=(6, 2))),
    ]


def _neuron_hint(activation, weights, bias, inputs, got):
    with np.errstate(all="ignore"):
        candidates = {
            "inputs and weights are swapped: compute inputs @ weights (inputs first), not weights @ inputs": lambda: activation(weights @ inputs + bias),
            "the bias is added after the activation: compute activation(inputs @ weights + bias)": lambda: activation(inputs @ weights) + bias,
            "the activation is not applied: return activation(inputs @ weights + bias)": lambda: inputs @ weights + bias,
            "the bias is missing: add it before the activation": lambda: activation(inputs @ weights),
            "the activation is applied to the inputs: apply it to inputs @ weights + bias": lambda: activation(inputs) @ weights + bias,
            "the bias is subtracted: add it": lambda: activation(inputs @ weights - bias),
        }
    for message, variant in candidates.items():
        try:
            value = variant()
        except ValueError:
            continue
        if close(got, value, rtol=1e-6, atol=1e-9):
            return message
    return "compute activation(inputs @ weights + bias)"


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
            try:
                weights @ inputs
                swapped_fails = False
            except ValueError:
                swapped_fails = True
            hint = " This is what weights @ inputs does: compute inputs @ weights (inputs first)." if swapped_fails else ""
            raise AnswerError(f"{error}.{hint}") from None
        expected = ref.artificial_neuron(activation, weights, bias, inputs)
        if isinstance(result, bool) or not isinstance(result, (numbers.Real, np.number, np.ndarray)):
            raise AnswerError(f"{call_text} returned {describe(result)}; return a number or a NumPy array.")
        if np.shape(result) != np.shape(expected):
            got_shape = np.shape(result)
            hint = "one value per row of inputs and per neuron: inputs @ weights has that shape"
            try:
                if got_shape == np.shape(weights @ inputs):
                    hint = "inputs and weights look swapped: compute inputs @ weights (inputs first)"
            except ValueError:
                pass
            raise AnswerError(f"{call_text} has shape {got_shape}, expected {np.shape(expected)}: {hint}.")
        got = np.asarray(result, dtype=float)
        if not close(got, expected, rtol=1e-7, atol=1e-12):
            raise AnswerError(f"{call_text} gives wrong values: {_neuron_hint(activation, weights, bias, inputs, got)}.")
    return f"artificial_neuron passes {len(cases)} cases (single inputs and batches, one neuron and layers)"


# ----------------------------------------------------------------------------------------------
# The one-neuron network of the lecture
# ----------------------------------------------------------------------------------------------

@check
def check_one_neuron_network(hidden_output, proba_by_hand):
    """The hidden neuron's output and P(class 1) of clf at pt, computed from coefs_ and intercepts_."""
    lecture = ref.lecture()
    clf, pt = lecture.clf, lecture.pt
    if isinstance(hidden_output, np.ndarray):
        expect(hidden_output.size == 1, f"hidden_output should be one number (clf has one hidden neuron), got {describe(hidden_output)}.")
        hidden_value = hidden_output.reshape(-1)[0]
    else:
        hidden_value = hidden_output
    pre_hidden = float(pt @ clf.coefs_[0][:, 0] + clf.intercepts_[0][0])
    expect_float(
        "hidden_output",
        hidden_value,
        lecture.hidden_output,
        "it looks like the logistic was applied to the hidden neuron; clf's hidden layer uses the identity (clf.activation)"
        if isinstance(hidden_value, (numbers.Real, np.number)) and close(float(hidden_value), ref.logistic_activation(pre_hidden), rtol=1e-6)
        else "use artificial_neuron(identity_activation, clf.coefs_[0], clf.intercepts_[0], pt)",
        rtol=1e-6,
        atol=1e-9,
    )
    if isinstance(proba_by_hand, np.ndarray):
        raise AnswerError(f"proba_by_hand should be a float, got {describe(proba_by_hand)}: take its single element, e.g. float(output[0]).")
    expect(
        not isinstance(proba_by_hand, bool) and isinstance(proba_by_hand, (numbers.Real, np.number)),
        f"proba_by_hand should be a float, got {describe(proba_by_hand)}.",
    )
    got = float(proba_by_hand)
    weight, bias = clf.coefs_[1][0, 0], clf.intercepts_[1][0]
    expected = lecture.proba_by_hand
    if close(got, expected, rtol=1e-6, atol=1e-9):
        return "hidden_output and proba_by_hand match clf.predict_proba([pt])[0, 1]"
    if close(got, 1 - expected, rtol=1e-6, atol=1e-9):
        raise AnswerError("proba_by_hand is P(class 0): the output neuron gives P(class 1), predict_proba's second column.")
    if close(got, weight * lecture.hidden_output + bias, rtol=1e-6, atol=1e-9):
        raise AnswerError("proba_by_hand is the output neuron before its activation: apply the logistic (clf.out_activation_).")
    if close(got, ref.logistic_activation(weight * ref.logistic_activation(pre_hidden) + bias), rtol=1e-6, atol=1e-9):
        raise AnswerError("proba_by_hand uses the logistic on the hidden neuron too; clf's hidden layer uses the identity (clf.activation).")
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


def _forward_variants(clf, X):
    """What known mistakes return for ``clf`` on ``X``: message -> array."""
    X = np.asarray(X, dtype=float)
    hidden = ref.ACTIVATIONS[clf.activation]

    def forward(hidden_activation, output_activation):
        values = X
        for index, (weights, bias) in enumerate(zip(clf.coefs_, clf.intercepts_)):
            last = index == len(clf.coefs_) - 1
            values = (output_activation if last else hidden_activation)(values @ weights + bias)
        return values

    proba = ref.mlp_forward(clf, X)
    ignored = forward(ref.identity_activation, ref.logistic_activation)
    return {
        "the hidden activation is ignored: apply clf.activation (identity, logistic, tanh or relu) to every hidden layer": np.hstack([1 - ignored, ignored]),
        "the output layer has no logistic: apply clf.out_activation_ ('logistic') to the last layer": np.hstack([1 - forward(hidden, ref.identity_activation), forward(hidden, ref.identity_activation)]),
        "the output layer uses the hidden activation: the last layer uses the logistic (clf.out_activation_)": np.hstack([1 - forward(hidden, hidden), forward(hidden, hidden)]),
        "only P(class 1) is returned: return both columns, [1 - p, p], like predict_proba": proba[:, 1],
        "only P(class 1) is returned (as a column): return both columns, [1 - p, p], like predict_proba": proba[:, 1:],
        "the two columns are swapped: predict_proba's first column is P(class 0) = 1 - p": proba[:, ::-1],
    }


def _check_forward_cases(mlp_forward, cases):
    for what, clf, X in cases:
        call_text = f"mlp_forward(clf, X) for {what}, X of shape {X.shape}"
        result = call(mlp_forward, copy.deepcopy(clf), X.copy(), what=call_text)
        expected = ref.mlp_forward(clf, X)
        if not isinstance(result, np.ndarray) or not np.issubdtype(result.dtype, np.number):
            raise AnswerError(f"{call_text} returned {describe(result)}; return a NumPy array of numbers like clf.predict_proba(X).")
        got = result.astype(float)
        if close(got, expected, rtol=1e-6, atol=1e-9):
            continue
        for message, variant in _forward_variants(clf, X).items():
            if close(got, variant, rtol=1e-6, atol=1e-9):
                raise AnswerError(f"{call_text} is wrong: {message}.")
        if got.shape != expected.shape:
            raise AnswerError(f"{call_text} has shape {got.shape}, expected {expected.shape} like clf.predict_proba(X).")
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

COUNT_MISTAKES = [
    (lambda mlp: sum(w.size for w in mlp.coefs_), "only the weights are counted: add the biases (every intercepts_ entry)"),
    (lambda mlp: sum(b.size for b in mlp.intercepts_), "only the biases are counted: add the weights (every coefs_ entry)"),
    (
        lambda mlp: ref.count_mlp_params(mlp) - mlp.intercepts_[-1].size,
        "the output layer's biases are missing: count every array of intercepts_",
    ),
    (
        lambda mlp: mlp.coefs_[0].size + mlp.intercepts_[0].size,
        "only the first layer is counted: add up every layer of coefs_ and intercepts_",
    ),
    (lambda mlp: len(mlp.coefs_) + len(mlp.intercepts_), "the arrays are counted, not their entries: add up .size of every array"),
]


def _count_hint(count_mlp_params, networks) -> str:
    """The known mistake that gives the student's counts on every network, if there is one."""
    counts = []
    for what, mlp in networks:
        try:
            got = count_mlp_params(copy.deepcopy(mlp))
            counts.append(int(got))
        except Exception:  # noqa: BLE001 - no hint then
            return "count every entry of every array in coefs_ and intercepts_ (their .size)"
    for mistake, message in COUNT_MISTAKES:
        if all(count == mistake(mlp) for count, (_, mlp) in zip(counts, networks)):
            return message
    return "count every entry of every array in coefs_ and intercepts_ (their .size)"


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
            raise AnswerError(f"{call_text} is {float(got):.6g}, not a count: count the entries (.size), do not add up their values.")
        is_int = isinstance(got, (numbers.Integral, np.integer)) and not isinstance(got, bool)
        hint = _count_hint(count_mlp_params, networks) if is_int and int(got) != expected else ""
        expect_int(call_text, got, expected, hint)
    return f"count_mlp_params is right for {len(networks)} networks"


@check
def check_param_counts(n_params_one_hidden, n_params_four_hidden):
    """The parameter counts of clf_4d and clf_4d_2, each network with its own biases."""
    lecture = ref.lecture()
    one, four = lecture.clf_4d, lecture.clf_4d_2

    def weights(mlp):
        return sum(w.size for w in mlp.coefs_)

    def biases(mlp):
        return sum(b.size for b in mlp.intercepts_)

    for name, value, mlp, other, label, other_label in [
        ("n_params_one_hidden", n_params_one_hidden, one, four, "clf_4d", "clf_4d_2"),
        ("n_params_four_hidden", n_params_four_hidden, four, one, "clf_4d_2", "clf_4d"),
    ]:
        expected = ref.count_mlp_params(mlp)
        if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool) and int(value) != expected:
            value = int(value)
            if value == weights(mlp) + biases(other):
                raise AnswerError(
                    f"{name} adds the weights of {label} to the biases of {other_label}: count {label}'s own "
                    f"biases, {label}.intercepts_."
                )
            if value == weights(mlp):
                raise AnswerError(f"{name} counts only the weights of {label}: add its biases ({label}.intercepts_).")
            if value == ref.count_mlp_params(other):
                raise AnswerError(f"{name} is the count of {other_label}: {name} is about {label}.")
        expect_int(name, value, expected, f"count the weights and biases of {label}")
    return "both counts match"


# ----------------------------------------------------------------------------------------------
# The count from the architecture
# ----------------------------------------------------------------------------------------------

def _formula_hint(n_features, hidden, n_outputs, got: int) -> str:
    sizes = ref.layer_sizes(n_features, hidden, n_outputs)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    variants = [
        (sum(a * b for a, b in pairs), "the biases are not counted: every hidden and output unit has one"),
        (sum(a * b + b for a, b in pairs[:-1]), "the output layer is missing: add its n_outputs units' weights and biases"),
        (sum(a * b for a, b in pairs) + sum(sizes), "the input layer has biases in your count: only hidden and output units have one"),
        (ref.mlp_param_formula(n_features, hidden, 1), "n_outputs is ignored: the output layer has n_outputs units"),
        (sum(a * b for a, b in pairs) + len(pairs), "one bias per layer is counted: there is one bias per unit"),
    ]
    return next((message for value, message in variants if value == got), "add fan_in * fan_out weights and fan_out biases for every pair of consecutive layers")


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
            hint = ""
            if isinstance(hidden, int):
                hint = " hidden_layer_sizes may be a single int (one hidden layer): turn it into a tuple, (hidden_layer_sizes,)."
            raise AnswerError(f"{error}.{hint}") from None
        expected = ref.mlp_param_formula(n_features, hidden, n_outputs)
        hint = ""
        if isinstance(got, (numbers.Integral, np.integer)) and not isinstance(got, bool):
            hint = _formula_hint(n_features, hidden, n_outputs, int(got))
        elif isinstance(got, (float, np.floating)) and float(got).is_integer():
            raise AnswerError(f"{call_text} returned the float {float(got)}: return an int (a count).")
        expect_int(call_text, got, expected, hint)
    return f"mlp_param_formula is right for {len(cases)} architectures"
