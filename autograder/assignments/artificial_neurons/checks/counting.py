"""Checks of the parameter counts: ``count_mlp_params(mlp)`` on fitted networks, the notebook's two counts
``n_params_one_hidden`` and ``n_params_four_hidden``, and ``mlp_param_formula`` from the architecture alone.
"""

import copy

import numpy as np

from .. import reference as ref
from ....kernel.answers import (
    AnswerError,
    Mistake,
    call,
    check,
    expect_int,
    find_mistake,
    is_integer,
)
from .networks import binary_networks, other_networks


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
