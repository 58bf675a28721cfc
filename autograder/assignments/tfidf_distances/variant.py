"""Each student's variant of ``tfidf_distances``: their own pair of 20 Newsgroups categories,
``{"selected_categories": [first, second]}`` in alphabetical order (class 0 is the first).

A pure function of (course, assignment, student id, variant version) through SHA-256 (never NumPy's random
streams, which may change between releases). The released notebook's locked cell ``variant`` computes the same
thing in plain Python (``tests/test_variants_tfidf_distances.py`` checks that the two agree for many ids).

``PAIRS`` holds only pairs that make a fair task, as computed by ``fair_pairs`` (rerun it each term:
``nice -n 10 python -m autograder.assignments.tfidf_distances.fair_pairs bench/tfidf_pairs.json``) with the
reference pipeline on the training posts of scikit-learn's cache:

* at least 450 posts in each category (training part; talk.religion.misc, with 377, is out);
* MultinomialNB and SVC test accuracies both in [0.80, 0.99]: neither near 100% nor poor;
* the SVC makes mistakes and its two off-diagonal confusion counts differ by at least 2, so
  ``more_common_error`` has one right answer (and its reversed order is wrong);
* the two within-category mean distances differ by at least 0.005 (about a tenth of their spread over all
  pairs), so ``more_diverse_category`` has one answer and a swapped pair of means is told from the right one;
* the heatmap has something to read: the between-category mean exceeds both within means by at least 0.001
  (today's ``comp.graphics``/``sci.crypt`` does not: its between mean lies below the graphics block's).

Of the 190 pairs (numbers in ``bench/tfidf_pairs.json``, 7.6 min niced on two shared cores), 34 pass; the
criteria that refuse most are the accuracies in [0.80, 0.99] (132 pass) and the heatmap's (86 pass).
"""

import hashlib

ASSIGNMENT = "tfidf_distances"

DEFAULTS = {"selected_categories": ["comp.graphics", "sci.crypt"]}  # the notebook's values without variants

PAIRS = (
    ("alt.atheism", "soc.religion.christian"),
    ("alt.atheism", "talk.politics.mideast"),
    ("comp.graphics", "comp.sys.ibm.pc.hardware"),
    ("comp.graphics", "comp.sys.mac.hardware"),
    ("comp.graphics", "misc.forsale"),
    ("comp.graphics", "rec.sport.baseball"),
    ("comp.graphics", "sci.electronics"),
    ("comp.os.ms-windows.misc", "misc.forsale"),
    ("comp.os.ms-windows.misc", "rec.sport.baseball"),
    ("comp.os.ms-windows.misc", "rec.sport.hockey"),
    ("comp.os.ms-windows.misc", "sci.med"),
    ("comp.os.ms-windows.misc", "sci.space"),
    ("comp.sys.ibm.pc.hardware", "rec.autos"),
    ("comp.sys.mac.hardware", "rec.autos"),
    ("comp.sys.mac.hardware", "rec.motorcycles"),
    ("comp.sys.mac.hardware", "rec.sport.baseball"),
    ("comp.sys.mac.hardware", "rec.sport.hockey"),
    ("comp.sys.mac.hardware", "sci.med"),
    ("comp.sys.mac.hardware", "sci.space"),
    ("comp.windows.x", "rec.autos"),
    ("comp.windows.x", "rec.motorcycles"),
    ("comp.windows.x", "rec.sport.hockey"),
    ("comp.windows.x", "sci.space"),
    ("rec.autos", "rec.motorcycles"),
    ("rec.autos", "sci.med"),
    ("rec.motorcycles", "rec.sport.hockey"),
    ("rec.motorcycles", "sci.electronics"),
    ("rec.motorcycles", "sci.med"),
    ("rec.sport.baseball", "rec.sport.hockey"),
    ("rec.sport.baseball", "sci.electronics"),
    ("rec.sport.hockey", "sci.crypt"),
    ("rec.sport.hockey", "sci.electronics"),
    ("rec.sport.hockey", "talk.politics.misc"),
    ("talk.politics.mideast", "talk.politics.misc"),
)


def params(student: str, course: str, version: int) -> dict:
    """The variant of ``student``: ``{"selected_categories": [first, second]}``, alphabetical."""
    digest = hashlib.sha256(f"{course}/{ASSIGNMENT}/{student}/{version}".encode()).digest()
    return {"selected_categories": list(PAIRS[int.from_bytes(digest[:4], "big") % len(PAIRS)])}


def describe(variant: dict) -> str:
    """One line naming a variant, as the notebook prints it."""
    first, second = variant["selected_categories"]
    return f"your categories: {first} and {second}"
