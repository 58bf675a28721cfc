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


def lookup(root, assignment: str, student: str) -> dict:
    """``{"student", "assignment", "params"}``: ``student``'s variant as the course grades it (its defaults when
    ``c.Variants.enabled`` is False). An assignment without variants is refused, naming the ones that have them."""
    from . import course
    from .assignments import registered
    from .errors import AutograderError

    root = course.find_root(root)
    course.require_assignments(root, [assignment])
    config = course.load_config(root)
    found = params(assignment, student, config.CourseDirectory.course_id, Variants(config=config).enabled)
    if found is None:
        having = [spec.name for spec in registered() if spec.module("variant") is not None]
        raise AutograderError(f"{assignment} has no variants (no autograder/assignments/{assignment}/variant.py); "
                              f"the assignments with variants: {', '.join(having) or 'none'}")
    return {"student": str(student), "assignment": assignment, "params": found}


def class_lookup(root, assignment: str, db_url: str | None = None) -> list:
    """``lookup`` of every student the course knows (its gradebook and the folders of submitted/), sorted by id."""
    from nbgrader.api import Gradebook

    from . import course
    from .policy.extensions import roster
    from .report.results import course_database

    root = course.find_root(root)
    db_url, course_id = course_database(root, db_url)
    with Gradebook(db_url, course_id=course_id) as gb:
        students = sorted(roster(root, gb))
    return [lookup(root, assignment, student) for student in students]


def as_csv(rows: list) -> str:
    """The rows of ``class_lookup`` as CSV: ``student`` then one column per parameter (lists as JSON)."""
    import csv
    import io
    import json

    names = sorted({name for row in rows for name in row["params"]})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *names])
    for row in rows:
        values = [row["params"].get(name, "") for name in names]
        writer.writerow([row["student"], *(json.dumps(v) if isinstance(v, (list, dict)) else v for v in values)])
    return out.getvalue()
