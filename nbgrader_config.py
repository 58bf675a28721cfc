"""nbgrader configuration for this course: overrides of nbgrader's defaults only."""

from nbgrader.preprocessors import (
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    Execute,
    IncludeHeaderFooter,
    LockCells,
)

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "text-and-neurons"
c.CourseDirectory.solution_directory = "solutions"
c.IncludeHeaderFooter.header = "source/header.ipynb"

# The worked solutions must not carry the hidden tests: nbgrader's default pipeline keeps them.
c.GenerateSolution.preprocessors = [
    IncludeHeaderFooter,
    LockCells,
    ClearOutput,
    ClearMarkScheme,
    ClearHiddenTests,
    Execute,
]

# Grading kernels: a warning printed by correct code must not zero a test (autograder/quiet_kernel.py).
c.Execute.timeout = 120
c.Execute.extra_arguments = [
    "--IPKernelApp.capture_fd_output=False",
    "--IPKernelApp.extensions=autograder.quiet_kernel",
]
