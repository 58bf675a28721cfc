"""Per-student variants of the assignments (README, "Variants"): the course's switch and the kernel's environment.

An assignment declares variants with a ``variant.py`` in its package (``params(student, course, version)``, a
pure function of a stable hash, and ``DEFAULTS``, the values of the notebook without variants). The released
notebook computes the student's variant in a locked cell; the grading kernel recomputes it for the gradebook's
student, whom it is told through its environment (``kernel_environment``).
"""

from traitlets import Bool
from traitlets.config import Configurable

from .kernel.variant import COURSE_ENV, STUDENT_ENV, VARIANTS_ENV


class Variants(Configurable):
    """``c.Variants.enabled``: each student gets their own variant (False: every student today's values)."""

    enabled = Bool(False, help="Give each student their own variant of the assignments that declare variants "
                               "(autograder/assignments/<name>/variant.py); False: every student gets the notebook's "
                               "default values, without touching source/.").tag(config=True)


def kernel_environment(config, student: str | None) -> dict:
    """The environment variables that tell a grading kernel whom it grades and whether variants are on."""
    env = {VARIANTS_ENV: "on" if Variants(config=config).enabled else "off"}
    if student:
        env[STUDENT_ENV] = str(student)
    course = config.CourseDirectory.get("course_id") if "CourseDirectory" in config else None
    if course:
        env[COURSE_ENV] = str(course)
    return env


def params(assignment: str, student: str, course: str, enabled: bool = True) -> dict | None:
    """The variant parameters of ``student`` in ``assignment`` (None: the assignment has no variants);
    its defaults when ``enabled`` is False."""
    from .assignments import get

    spec = get(assignment)
    module = spec.module("variant")
    if module is None:
        return None
    return spec.variant_params(student, course) if enabled else dict(module.DEFAULTS)
