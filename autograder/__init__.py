"""Course autograder: reference answers, hidden-test checks and the instructor command line.

Layout
------
``autograder.reference``  the reference implementation of every graded answer, one module per assignment
``autograder.checks``     what hidden-test cells call: compare with the reference, fail with a message that teaches
``autograder.course``     the course folders and the release/solutions build
``autograder.cli``        the ``autograder`` command, a thin layer over the functions above
"""

__version__ = "0.1.0"
