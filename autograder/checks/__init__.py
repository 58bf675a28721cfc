"""What hidden-test cells call.

Each assignment has a module here; every public function of it checks one graded answer against
``autograder.reference``, computed at grading time, and raises ``AnswerError`` with a message that
names the likely mistake. Helpers shared by all checks live in ``autograder.checks.common``.
"""
