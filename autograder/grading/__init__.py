"""The grading engine: parallel autograding of collected submissions, feedback, exchange verbs.

``grade_assignment`` (batch.py: plan, run, finish) coordinates; ``grade_one.grade_one`` grades one
submission (a pure function of a ``jobs.GradeJob``) on an executor (``executors/``: local processes or a
Dask cluster); ``preflight`` repairs broken notebooks; ``template`` prepares the gradebook a worker
starts from; ``store`` writes results (the only writer); ``files`` moves folders as bytes; ``feedback``
runs GenerateFeedback; ``exchange`` releases and collects; ``settings`` holds ``c.Grading.*``.
"""


def grade_assignment(*args, **kwargs):
    """See ``autograder.grading.batch.grade_assignment``."""
    from .batch import grade_assignment as run

    return run(*args, **kwargs)
