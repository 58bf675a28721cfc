"""Which student a grading kernel grades, for assignments with per-student variants.

The grading side (``autograder.sandbox.execute.SandboxedExecute``, in plain ``nbgrader autograde`` and in
``autograder grade`` alike) starts every kernel with ``AUTOGRADER_VARIANTS`` (``on``/``off``, from
``c.Variants.enabled``; ``off`` when it does not know whom it grades), and, when it knows, ``AUTOGRADER_STUDENT``
(the id whose variant is graded: the gradebook's student id, or the override the instructor kept for them,
``autograder variant ... --as/--reissue``) and ``AUTOGRADER_COURSE`` (the course id). The host's
``JUPYTERHUB_USER`` never reaches a grading kernel. The values are read once, when this module is first imported
(the kernel extension imports it before any student cell runs), so a cell that changes ``os.environ`` later
does not move the variant the checks compute against. Imports nothing of the engine.
"""

import os

STUDENT_ENV = "AUTOGRADER_STUDENT"
VARIANTS_ENV = "AUTOGRADER_VARIANTS"
COURSE_ENV = "AUTOGRADER_COURSE"
HUB_USER_ENV = "JUPYTERHUB_USER"  # the notebook's own fallback id; a grading kernel never inherits it (the host's login)

_STARTED_WITH = {name: os.environ.get(name, "") for name in (STUDENT_ENV, VARIANTS_ENV, COURSE_ENV)}


def current_student() -> str | None:
    """The gradebook id of the student this kernel grades (None when the kernel was not told)."""
    return _STARTED_WITH[STUDENT_ENV] or None


def current_course() -> str | None:
    """The course id the kernel was told (None when not told)."""
    return _STARTED_WITH[COURSE_ENV] or None


def variants_on() -> bool:
    """True when the kernel grades per-student variants (``AUTOGRADER_VARIANTS=on``) and knows the student."""
    return _STARTED_WITH[VARIANTS_ENV] == "on" and current_student() is not None


def current_params(assignment: str, defaults: dict, params) -> dict:
    """The variant of the graded student: ``params(student, course, version)`` of ``assignment``'s variant
    module, or ``defaults`` (the notebook's values without variants) when variants are off or no student is known."""
    if not variants_on():
        return dict(defaults)
    from autograder.assignments import get

    return params(current_student(), current_course() or "", get(assignment).variant_version)
