"""Reference implementations of every graded answer, one module per assignment.

Plain functions of their inputs, unit-tested against scikit-learn in ``tests/``. The checks call them
at grading time, so a reference answer is never a literal written into a notebook or a test.
"""
