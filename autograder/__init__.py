"""Course autograder: the assignments' reference answers and checks, the grading engine and the instructor
command line. The folders follow the course's life:

``autograder.assignments``   one package per assignment: reference, checks, mistakes, samples, data it needs
``autograder.kernel``        the trust boundary: all that runs inside a student's grading kernel
``autograder.grading``       the engine: ``grade_one`` (one submission, anywhere), ``batch`` (plan, run, finish),
                             ``executors/`` (local processes or Dask), exchange, feedback, fingerprints
``autograder.storage``       what grading keeps in the gradebook, and its one writer
``autograder.sandbox``       the grading kernel's cage: settings, bubblewrap, cgroups, kernel manager, fate
``autograder.integrity``     tamper detection on the host (the static scan) and the red-team corpus
``autograder.preprocessors`` nbgrader preprocessors of the course (survive a dead kernel, hide hidden tests)
``autograder.policy``        due dates, extensions, the late policy
``autograder.report``        after grading: per-student results, item analysis, the HTML report
``autograder.similarity``    copied code and answers, across submissions
``autograder.exports``       grade exports (CSV, Canvas)
``autograder.course``        the course folders, its nbgrader configuration and the release/solutions build
``autograder.cli``           the ``autograder`` command, a thin layer over the functions above
"""

__version__ = "0.1.0"
