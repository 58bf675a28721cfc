"""The mistake codes of ``artificial_neurons``: code -> one line saying what the student computed.

A check raises ``AnswerError(message, mistake=code)`` with one of these codes; the report and the class's
mistake table read them back. Codes common to every assignment are in ``autograder.mistakes.GENERAL``.
"""

MISTAKES = {
    "not_elementwise": "an activation that does not work elementwise (Python's max or np.max on an array)",
    "logistic_sign": "logistic(-x): the minus sign of exp(-x) lost",
    "logistic_is_exp": "exp(x) instead of 1 / (1 + exp(-x))",
    "logistic_nan": "a logistic that gives NaN for large |x| (inf / inf)",
    "logistic_overflow": "a logistic whose np.exp overflows for large negative x",
    "relu_is_min": "min(0, x) instead of max(0, x)",
    "relu_is_abs": "|x| instead of max(0, x)",
    "inputs_weights_swapped": "weights @ inputs instead of inputs @ weights (or the arguments swapped)",
    "bias_after_activation": "the bias added after the activation",
    "activation_not_applied": "the activation not applied to inputs @ weights + bias",
    "bias_missing": "the bias left out",
    "activation_on_inputs": "the activation applied to the inputs instead of to inputs @ weights + bias",
    "bias_subtracted": "the bias subtracted instead of added",
    "hidden_logistic": "the logistic applied to clf's identity hidden neuron",
    "output_logistic_missing": "the output layer without its logistic (clf.out_activation_)",
    "proba_of_class_0": "P(class 0) instead of P(class 1)",
    "hidden_activation_ignored": "hidden layers run with the identity instead of clf.activation",
    "output_uses_hidden_activation": "the output layer run with the hidden activation instead of the logistic",
    "only_class_1": "only P(class 1) returned instead of both columns of predict_proba",
    "columns_swapped": "predict_proba's two columns swapped",
    "biases_not_counted": "only the weights counted, no biases",
    "weights_not_counted": "only the biases counted, no weights",
    "output_biases_missing": "the output layer's biases left out of the count",
    "first_layer_only": "only the first layer counted",
    "arrays_counted": "the arrays counted instead of their entries",
    "summed_values": "the parameters' values added up instead of counted",
    "other_networks_biases": "one network's weights added to another network's biases",
    "other_network_count": "the count of the other network",
    "output_layer_missing": "the output layer left out of the formula",
    "input_biases_counted": "biases counted for the input layer too",
    "n_outputs_ignored": "one output unit assumed whatever n_outputs says",
    "one_bias_per_layer": "one bias per layer instead of one per unit",
    "hidden_int_unsupported": "hidden_layer_sizes given as a single int not handled",
    "float_count": "a count returned as a float",
}

# The public tests' own messages (in the released notebook, which carries no mistake tag): the code each names.
# A failed public assert whose message is one of these gets that code in the report (autograder.mistakes).
PUBLIC_TEST_MISTAKES = {
    "relu_activation must work elementwise on arrays: use np.maximum(0, x), not Python's max(0, x)":
        "not_elementwise",
    "artificial_neuron(activation, weights, bias, inputs) raised ValueError for weights (2, 3) and a batch of inputs (5, 2): keep the arguments in this order and compute inputs @ weights, inputs first":
        "inputs_weights_swapped",
    "proba_by_hand is 1 - P(class 1), P(class 0): the output neuron's logistic already gives P(class 1), predict_proba's second column":
        "proba_of_class_0",
    "count_mlp_params(clf) is 3, its 2 + 1 weights alone: add its 1 + 1 biases, every entry of every array of clf.intercepts_":
        "biases_not_counted",
    "mlp_param_formula(2, 1, 1) raised TypeError: hidden_layer_sizes may be a single int (one hidden layer); turn it into a tuple first, (hidden_layer_sizes,)":
        "hidden_int_unsupported",
}
