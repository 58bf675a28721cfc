"""Checks of ``artificial_neuron`` (one neuron or a layer, one input or a batch) and of the lecture's
one-neuron network computed by hand (``hidden_output``, ``proba_by_hand``).

``artificial_neuron`` is called with reference activations, so a wrong activation costs points on the
activations only.
"""

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
    expect,
    expect_float,
    find_mistake,
    is_number,
)


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
