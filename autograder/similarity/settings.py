"""``c.Similarity.*``: the settings of similarity detection, read from the course's ``nbgrader_config.py``."""

from traitlets import Bool, Float, Int
from traitlets.config import Configurable

# Chosen from the corpus in tests/similarity_corpus/ (see the README, "Similarity: copied work"): every
# independent unit scores at most 0.41 there and every disguised copy at least 0.72; 0.55 sits in that gap.
DEFAULT_THRESHOLD = 0.55


class Similarity(Configurable):
    """Similarity detection across a class: flags pairs of submissions for an instructor to read, never grades."""

    enabled = Bool(
        True,
        help="Run similarity detection at the end of `autograder grade` (the `autograder similarity` command always runs).",
    ).tag(config=True)
    threshold = Float(
        DEFAULT_THRESHOLD,
        min=0.0,
        max=1.0,
        help="A unit (answer cell or whole notebook) of a pair is flagged when its similarity is at least this.",
    ).tag(config=True)
    min_tokens = Int(
        30,
        min=1,
        help="A unit is flagged only when both sides wrote at least this many tokens (code) or words (text) "
        "beyond the released notebook: shorter answers cannot tell copying from the obvious answer.",
    ).tag(config=True)
    report_floor = Float(
        0.3,
        min=0.0,
        max=1.0,
        help="similarity.csv leaves out rows below this similarity (flagged rows are always written).",
    ).tag(config=True)
    code_ngram = Int(
        6,
        min=1,
        help="Code is compared as runs of this many normalized tokens inside one statement (a shorter statement is one run).",
    ).tag(config=True)
    text_ngram = Int(
        3,
        min=1,
        help="Written answers are compared as runs (shingles) of this many words.",
    ).tag(config=True)


def load_settings(root, config=None, threshold=None) -> Similarity:
    """The course's ``c.Similarity`` settings (``config`` defaults to its ``nbgrader_config.py``); ``threshold`` overrides."""
    from .. import course

    if config is None:
        config = course.load_config(root)
    settings = Similarity(config=config)
    if threshold is not None:
        settings.threshold = threshold
    return settings
