"""The grading engine: parallel autograding of collected submissions, feedback, exchange verbs.

``grade_assignment`` (batch.py) coordinates; ``autograder.grading.grade_one.grade_one`` grades one submission
(a pure function of a ``jobs.GradeJob``); ``preflight`` repairs broken notebooks; ``template`` prepares
the gradebook a worker starts from; ``store`` writes results; ``feedback`` runs GenerateFeedback;
``exchange`` releases and collects.
"""


def grade_assignment(*args, **kwargs):
    """See ``autograder.grading.batch.grade_assignment``."""
    from .batch import grade_assignment as run

    return run(*args, **kwargs)
