"""Course autograder: reference answers, hidden-test checks, the grading engine and the instructor command line.

Layout
------
``autograder.reference``   the reference implementation of every graded answer, one module per assignment
``autograder.checks``      what hidden-test cells call: compare with the reference, fail with a message that teaches
``autograder.grading``     the engine: ``grade_one`` (one submission, anywhere), ``batch`` (plan, run, finish),
                           ``store`` (the only writer), ``executors/`` (local processes or Dask)
``autograder.sandbox``     the grading kernel's cage: settings, bubblewrap command line, cgroups, kernel manager, fate
``autograder.integrity``   tamper detection: ``scan`` on the host, ``runtime`` inside the kernel
``autograder.preprocessors`` nbgrader preprocessors of the course (survive a dead kernel, hide hidden tests)
``autograder.samples``     sample submissions with the outcome each must get
``autograder.course``      the course folders, its nbgrader configuration and the release/solutions build
``autograder.cli``         the ``autograder`` command, a thin layer over the functions above
"""

__version__ = "0.1.0"
