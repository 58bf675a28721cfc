"""Artificial neurons and the parameters of a network: students write activations and a neuron by hand,
run a fitted MLPClassifier forward and count its parameters. Notebook: ``source/artificial_neurons/``.
It reads no data file (its data is made by ``make_classification``)."""

from ..spec import Assignment
from .mistakes import MISTAKES, PUBLIC_TEST_MISTAKES

ASSIGNMENT = Assignment(
    name="artificial_neurons",
    title="Artificial neurons and the parameters of a network",
    mistakes=MISTAKES,
    public_test_mistakes=PUBLIC_TEST_MISTAKES,
    similarity_corpus="similarity_authors",
    preimports=("numpy", "sklearn.datasets", "sklearn.model_selection", "sklearn.neural_network"),
)
