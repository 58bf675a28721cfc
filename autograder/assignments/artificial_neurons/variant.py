"""Each student's variant of ``artificial_neurons``: the seed of the data and networks, the point ``pt``, and
the number of hidden neurons of ``clf_4d_2`` (whose parameters the student counts).

A pure function of (course, assignment, student id, variant version) through SHA-256 (never NumPy's random
streams, which may change between releases). The released notebook's locked cell ``variant`` computes the same
thing in plain Python (``tests/test_variants_artificial_neurons.py`` checks that the two agree for many ids).
``SEEDS`` holds only seeds that make a fair task (checked by the same tests): every network learns its data
(test accuracy >= 0.8 for ``clf``, >= 0.7 for ``clf_4d`` and >= 0.75 for ``clf_4d_2`` of every size), and
``clf``'s probability at every candidate point lies in [0.001, 0.999], so that a mistaken forward pass is told
from the right one.
"""

import hashlib

ASSIGNMENT = "artificial_neurons"

DEFAULTS = {"seed": 1, "pt": [-1, -2], "hidden_4d_2": 4}  # the notebook's values without variants

SEEDS = (2, 8, 14, 18, 20, 24, 27, 28, 31, 38, 40, 41, 43, 44, 47, 48, 50, 51, 52, 54, 55, 56, 58, 60, 68, 69, 70,
         73, 76, 82, 102, 104, 106, 111, 121, 131, 132, 134, 138, 141, 144, 148, 149, 153, 167, 168, 175, 191, 194,
         197, 202, 209, 211, 213, 218, 219, 222, 223, 225, 233, 238, 246, 248, 251)
POINTS = tuple([a, b] for a in (-2, -1, 1, 2) for b in (-2, -1, 1, 2))
HIDDEN_SIZES = (3, 4, 5, 6)


def params(student: str, course: str, version: int) -> dict:
    """The variant of ``student``: ``{"seed": int, "pt": [int, int], "hidden_4d_2": int}``."""
    digest = hashlib.sha256(f"{course}/{ASSIGNMENT}/{student}/{version}".encode()).digest()
    return {
        "seed": SEEDS[int.from_bytes(digest[:4], "big") % len(SEEDS)],
        "pt": list(POINTS[digest[4] % len(POINTS)]),
        "hidden_4d_2": HIDDEN_SIZES[digest[5] % len(HIDDEN_SIZES)],
    }


def describe(variant: dict) -> str:
    """One line naming a variant, as the notebook prints it."""
    return (f"data and network seed {variant['seed']}, point pt = {variant['pt']}, "
            f"clf_4d_2 with {variant['hidden_4d_2']} hidden neurons")
