"""Independent honest authors of ``artificial_neurons``: grade_id -> the whole cell a student hands in."""

from . import samples

_MASKS = next(s for s in samples.SAMPLES if s.name == "masks_dot_recursion").cells
_EXPIT = next(s for s in samples.SAMPLES if s.name == "expit_matmul_loop").cells

MASKS = dict(_MASKS) | {
    "param_interpretation": (
        "You cannot read feature importance off the weights. A feature enters every hidden neuron with its "
        "own weight and then goes through relu and the output weight, so how much it matters depends on the "
        "other inputs, on which hidden units are switched on. There are also many equivalent networks: swap "
        "two hidden units, or multiply one unit's input weights by 2 and divide its output weight by 2, and "
        "the predictions stay identical although the numbers changed. Training again with a different seed "
        "also lands somewhere else. Better to look at how predictions react when a feature is shuffled."
    ),
}

EXPIT = dict(_EXPIT) | {
    "one_neuron_network": (
        "layer_in = artificial_neuron(identity_activation, clf.coefs_[0].ravel(), clf.intercepts_[0].item(), pt)\n"
        "hidden_output = float(layer_in)\n"
        "layer_out = artificial_neuron(logistic_activation, clf.coefs_[1].ravel(), clf.intercepts_[1].item(),\n"
        "                              np.array([hidden_output]))\n"
        "proba_by_hand = float(layer_out)\n"
        "print(f'hidden neuron: {hidden_output:.4f}   P(class 1) by hand: {proba_by_hand:.6f}   predict_proba: {clf.predict_proba([pt])[0, 1]:.6f}')\n"
    ),
    "param_interpretation": (
        "Weights in an MLP are entangled. Every input feeds all hidden neurons and the output mixes them "
        "again through a nonlinearity, so no single coefficient tells what feature 2 does; the contribution "
        "of a feature changes with the values of the others. On top of that the fitted parameters are "
        "arbitrary up to symmetries (reordering hidden units, rescaling through the relu), and they depend "
        "on the random initialisation and on how each feature is scaled. Interpreting the model means "
        "querying it, e.g. partial dependence or permutation importance, not staring at coefs_."
    ),
}

OWN = {
    "activations": (
        "def identity_activation(x):\n"
        '    """Return x unchanged (elementwise identity), as a number or an array of the same shape."""\n'
        "    return np.array(x, dtype=np.float64, copy=True)\n"
        "\n"
        "\n"
        "def logistic_activation(x):\n"
        '    """Return 1 / (1 + exp(-x)) elementwise, without overflow for large |x|."""\n'
        "    z = np.clip(np.asarray(x, dtype=np.float64), -500, 500)\n"
        "    return 1.0 / (1.0 + np.exp(-z))\n"
        "\n"
        "\n"
        "def relu_activation(x):\n"
        '    """Return max(0, x) elementwise, as a number or an array of the same shape."""\n'
        "    arr = np.asarray(x, dtype=np.float64)\n"
        "    return arr * (arr > 0)\n"
    ),
    "artificial_neuron": (
        "def artificial_neuron(activation, weights, bias, inputs):\n"
        '    """Return activation(inputs @ weights + bias)."""\n'
        "    w = np.asarray(weights)\n"
        "    x = np.asarray(inputs)\n"
        "    pre_activation = np.tensordot(x, w, axes=([x.ndim - 1], [0])) + bias\n"
        "    return activation(pre_activation)\n"
    ),
    "one_neuron_network": (
        "(w1,), (b1,) = clf.coefs_[0], clf.intercepts_[0]\n"
        "w2, b2 = clf.coefs_[1], clf.intercepts_[1]\n"
        "h = identity_activation(pt @ w1 + b1)\n"
        "hidden_output = float(np.squeeze(h))\n"
        "proba_by_hand = float(np.squeeze(logistic_activation(np.atleast_1d(h) @ w2 + b2)))\n"
        "print(f'hidden neuron: {hidden_output:.4f}   P(class 1) by hand: {proba_by_hand:.6f}   predict_proba: {clf.predict_proba([pt])[0, 1]:.6f}')\n"
    ),
    "mlp_forward": (
        "def mlp_forward(clf, X):\n"
        '    """Return clf.predict_proba(X) for a fitted binary MLPClassifier, computed layer by layer with artificial_neuron."""\n'
        "    if clf.activation == 'relu':\n"
        "        g = relu_activation\n"
        "    elif clf.activation == 'tanh':\n"
        "        g = np.tanh\n"
        "    elif clf.activation == 'logistic':\n"
        "        g = logistic_activation\n"
        "    else:\n"
        "        g = identity_activation\n"
        "    layers = list(zip(clf.coefs_, clf.intercepts_))\n"
        "    out = np.atleast_2d(X)\n"
        "    for k, (W, b) in enumerate(layers):\n"
        "        last = k == len(layers) - 1\n"
        "        out = artificial_neuron(logistic_activation if last else g, W, b, out)\n"
        "    positive = out.reshape(-1)\n"
        "    return np.stack([1.0 - positive, positive], axis=1)\n"
        "\n"
        "\n"
        "print('by hand:      ', mlp_forward(clf_4d_2, pt_4d).tolist())\n"
        "print('predict_proba:', clf_4d_2.predict_proba(pt_4d).tolist())\n"
    ),
    "count_params": (
        "def count_mlp_params(clf):\n"
        '    """Return the number of weights plus biases of a fitted MLP (an int)."""\n'
        "    n = 0\n"
        "    for matrix in clf.coefs_:\n"
        "        n = n + matrix.shape[0] * matrix.shape[1]\n"
        "    for vector in clf.intercepts_:\n"
        "        n = n + len(vector)\n"
        "    return int(n)\n"
        "\n"
        "\n"
        "n_params_one_hidden = count_mlp_params(clf_4d)\n"
        "n_params_four_hidden = count_mlp_params(clf_4d_2)\n"
        "print(f'clf_4d: {n_params_one_hidden} parameters, clf_4d_2: {n_params_four_hidden} parameters')\n"
    ),
    "params_formula": (
        "def mlp_param_formula(n_features, hidden_layer_sizes, n_outputs):\n"
        '    """Return the number of weights plus biases of an MLP with these layer sizes (an int)."""\n'
        "    try:\n"
        "        hidden = list(hidden_layer_sizes)\n"
        "    except TypeError:\n"
        "        hidden = [hidden_layer_sizes]\n"
        "    fan_in = [n_features] + hidden\n"
        "    fan_out = hidden + [n_outputs]\n"
        "    weights = sum(i * o for i, o in zip(fan_in, fan_out))\n"
        "    biases = sum(fan_out)\n"
        "    return weights + biases\n"
        "\n"
        "\n"
        "print(mlp_param_formula(4, (4,), 1), mlp_param_formula(784, (128, 64), 10))\n"
    ),
    "param_interpretation": (
        "My first idea was that a big weight means an important feature, but that does not work here. The "
        "hidden layer combines all four inputs before the relu, and the output then combines the hidden "
        "neurons, so a feature's influence is spread over many products and can be switched off when a "
        "neuron is inactive. Two runs with different random_state values gave me completely different "
        "weight matrices with the same accuracy, and features on bigger scales get smaller weights. So "
        "the parameters are not unique and not comparable; permutation importance answers the question."
    ),
}

AUTHORS = {"solution": None, "masks": MASKS, "expit": EXPIT, "own": OWN}
# the cell that the "one copied cell" student of the corpus takes from another student
COPIED_CELL = "mlp_forward"
