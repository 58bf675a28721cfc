"""Hidden-test checks for the assignment ``artificial_neurons``, one module per question.

Each ``check_*`` compares the student's answers with ``autograder.assignments.artificial_neurons.reference``
computed at grading time, on the notebook's networks and on networks the notebook never shows
(``networks``), and raises ``AnswerError`` naming the likely mistake. Each function is graded on its own:
``artificial_neuron`` gets reference activations, and ``mlp_forward`` is run with the reference
helpers first (then with the student's own), so one mistake costs points on its own task only.

Hidden-test cells import the checks from here (``from autograder.assignments.artificial_neurons.checks import
check_activations``): every ``check_*`` of the submodules is re-exported.
"""

from .activations import check_activations
from .counting import check_count_mlp_params, check_mlp_param_formula, check_param_counts
from .forward import HELPER_NAMES, check_mlp_forward, reference_helpers
from .networks import binary_networks, other_networks
from .neuron import check_artificial_neuron, check_one_neuron_network

__all__ = [
    "HELPER_NAMES",
    "binary_networks",
    "check_activations",
    "check_artificial_neuron",
    "check_count_mlp_params",
    "check_mlp_forward",
    "check_mlp_param_formula",
    "check_one_neuron_network",
    "check_param_counts",
    "other_networks",
    "reference_helpers",
]
