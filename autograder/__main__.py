"""``python -m autograder``: the same command line as the ``autograder`` console script."""

from .cli import run

run()
