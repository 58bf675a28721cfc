"""What hidden-test cells call.

Each assignment has a package here, one module per question, whose ``__init__`` re-exports every
``check_*`` the hidden-test cells import; every ``check_*`` checks one graded answer against
``autograder.reference``, computed at grading time, and raises ``AnswerError`` with a message that
names the likely mistake. Helpers shared by all checks live in ``autograder.checks.common``.
"""
