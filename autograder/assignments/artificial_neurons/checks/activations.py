"""Checks of ``identity_activation``, ``logistic_activation`` and ``relu_activation``: elementwise on numbers
and arrays of any shape, the logistic without NaN or overflow for |x| up to 1000.
"""

import numpy as np

from .. import reference as ref
from ....kernel.answers import (
    AnswerError,
    Mistake,
    call,
    check,
    close,
    describe,
    expect,
    find_mistake,
    is_number,
    quiet,
)


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
