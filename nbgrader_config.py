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

# Collecting from the exchange copies regular files and folders only: a link, fifo or device a student left in
# the inbound folder is named and never followed (autograder/grading/safe_collect.py).
c.ExchangeFactory.collect = "autograder.grading.safe_collect.SafeCollect"

# `autograder collect A --zip DIR` takes Canvas's "Download Submissions" files (and .zip):
# <name>_[late_]<Canvas user id>_<submission id>_<notebook>[-<n>].ipynb; the Canvas user id is the student id.
c.FileNameCollectorPlugin.named_regexp = r"(?:.*/)?[^_/]+_(?:late_)?(?P<student_id>\d+)_\d+_(?P<file_id>\w+?)(?:-\d+)?\.ipynb$"

# Grading kernels: a warning printed by correct code must not zero a test (autograder/kernel/quiet_kernel.py).
c.Execute.timeout = 120
# Output may trail a cell's reply by more than nbclient's 4 s on a loaded machine: wait, don't fail the student.
c.Execute.iopub_timeout = 60
# No IPython history database: kernels that run at the same time never share (or lock) one, and nothing of it
# can reach an output.
c.Execute.extra_arguments = [
    "--IPKernelApp.capture_fd_output=False",
    "--IPKernelApp.extensions=autograder.kernel.quiet_kernel",
    "--HistoryManager.enabled=False",
]

# Late submissions (autograder/policy/late.py): nbgrader's AssignLatePenalties calls the course's LatePolicy, in plain
# `nbgrader autograde` and `autograder grade` alike; lateness counts from the due date plus the student's extension.
from autograder.policy.late import LatePolicy  # noqa: E402

c.AssignLatePenalties.plugin_class = LatePolicy
# c.LatePolicy.percent_per_day = 10  # each started day late costs 10% of the score (default 0: no penalty)
# c.LatePolicy.grace_minutes = 15    # up to 15 minutes late counts as on time
# c.LatePolicy.max_days_late = 5     # more than 5 days late: the score is 0

# Grading kernels run sandboxed (autograder/sandbox/): bubblewrap, no network, limits; see the README.
# Where bubblewrap cannot be used, grading refuses (c.Sandbox.require = True, the default). Set it to False only to
# grade without the sandbox on purpose: student code can then read the hidden tests, the solutions and the gradebook,
# and every submission graded so says "graded WITHOUT SANDBOX" in its record and in the summary.
from autograder.sandbox import autograde_preprocessors  # noqa: E402

from autograder.preprocessors.grader_fault import with_stop_on_grader_fault  # noqa: E402

# A test that failed on the grader's side (autograder not importable, data missing, a reference computation
# broken) stops that submission before SaveAutoGrades: no zero is recorded and nbgrader autograde exits non-zero.
c.Autograde.autograde_preprocessors = with_stop_on_grader_fault(autograde_preprocessors())
c.Sandbox.require = True

# Feedback: a summary naming each task (its heading) with its score and, for a lost one, the message; written
# answers not graded yet "awaiting grading"; no hidden test code; no grading-machine paths (autograder/grading/feedback.py).
from autograder.grading import feedback as course_feedback  # noqa: E402

c.GenerateFeedback.preprocessors = course_feedback.preprocessors()
# The exporter carries the course's template (feedback only: formgrader's grading page keeps nbgrader's own);
# it compiles its templates once per process.
c.GenerateFeedback.exporter_class = course_feedback.FeedbackExporter

# c.Similarity.threshold = 0.55  # similarity detection (README, "Similarity: copied work"); enabled, min_tokens, report_floor

# Per-student variants (README, "Variants"): each student their own parameters in the assignments that declare them
# (autograder/assignments/<name>/variant.py); False gives every student the notebook's default values.
c.Variants.enabled = True
