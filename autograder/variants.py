"""Per-student variants of the assignments (README, "Variants"): the course's switch and the kernel's environment.

An assignment declares variants with a ``variant.py`` in its package (``params(student, course, version)``, a
pure function of a stable hash, and ``DEFAULTS``, the values of the notebook without variants). The released
notebook computes the student's variant in a locked cell; the grading kernel recomputes it for the gradebook's
student, whom it is told through its environment (``kernel_environment``).
"""

import re

from traitlets import Bool, Dict
from traitlets.config import Configurable

from .kernel.variant import COURSE_ENV, STUDENT_ENV, VARIANTS_ENV


class Variants(Configurable):
    """``c.Variants.enabled``: each student gets their own variant (False: every student today's values)."""

    enabled = Bool(False, help="Give each student their own variant of the assignments that declare variants "
                               "(autograder/assignments/<name>/variant.py); False: every student gets the notebook's "
                               "default values, without touching source/.").tag(config=True)
    ids = Dict(help="student -> the id whose variant grades them, for this grading run (``autograder grade`` sets it "
                    "per submission from the gradebook's overrides; plain nbgrader autograde reads the gradebook)"
               ).tag(config=True)


def variant_id(config, assignment: str | None, student: str) -> str:
    """The id whose variant grades ``student``: the override kept for them (``autograder variant ... --as`` or
    ``--reissue``, ``storage.variant_ids``), else their own gradebook id."""
    told = Variants(config=config).ids
    if str(student) in told:
        return str(told[str(student)])
    if assignment:
        from nbgrader.coursedir import CourseDirectory

        from .storage import variant_ids

        coursedir = CourseDirectory(config=config)
        found = variant_ids.find(coursedir.db_url, coursedir.course_id, assignment, student)
        if found:
            return found[0]
    return str(student)


def kernel_environment(config, student: str | None, assignment: str | None = None) -> dict:
    """The environment variables that tell a grading kernel whom it grades and whether variants are on (off when
    the student is unknown: the kernel grades the default variant, never one of an id it finds elsewhere).
    ``AUTOGRADER_STUDENT`` is the id whose variant is graded: ``variant_id`` (an override, else the student's)."""
    enabled = Variants(config=config).enabled
    env = {VARIANTS_ENV: "on" if enabled and student else "off"}
    if student:
        env[STUDENT_ENV] = variant_id(config, assignment, student) if enabled else str(student)
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


def lookup(root, assignment: str, student: str, db_url: str | None = None) -> dict:
    """``{"student", "assignment", "params"}``: ``student``'s variant as the course grades it (its defaults when
    ``c.Variants.enabled`` is False), with ``"override": {"id", "kind"}`` when one is kept for them (the params are
    then those of the override's id). An assignment without variants is refused, naming the ones that have them."""
    from . import course
    from .assignments import registered
    from .errors import AutograderError

    root = course.find_root(root)
    course.require_assignments(root, [assignment])
    config = course.load_config(root, **({"CourseDirectory.db_url": db_url} if db_url else {}))
    enabled = Variants(config=config).enabled
    found = params(assignment, student, config.CourseDirectory.course_id, enabled)
    if found is None:
        having = [spec.name for spec in registered() if spec.module("variant") is not None]
        raise AutograderError(f"{assignment} has no variants (no autograder/assignments/{assignment}/variant.py); "
                              f"the assignments with variants: {', '.join(having) or 'none'}")
    from nbgrader.coursedir import CourseDirectory

    from .storage import variant_ids

    coursedir = CourseDirectory(config=config)
    kept = variant_ids.find(coursedir.db_url, coursedir.course_id, assignment, student)
    if kept is None:
        return {"student": str(student), "assignment": assignment, "params": found}
    return {"student": str(student), "assignment": assignment, "override": {"id": kept[0], "kind": kept[1]},
            "params": params(assignment, kept[0], config.CourseDirectory.course_id, enabled)}


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
    return [lookup(root, assignment, student, db_url) for student in students]


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


VARIANT_CELL = "variant"  # the grade_id of a notebook's locked cell that computes and prints the student's variant
_RAN_UNDER = re.compile(r"^student id: (?P<id>.+?)\s*$", re.MULTILINE)
_NO_ID = "none (the default variant)"


def _printed_id(notebook) -> str | None:
    """The ``student id:`` the notebook's variant cell printed (``_NO_ID`` for the default; None: no such line)."""
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != VARIANT_CELL:
            continue
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            found = _RAN_UNDER.search(text if isinstance(text, str) else "".join(text))
            if found:
                return found.group("id")
    return None


def ran_under(notebook) -> str | None:
    """The student id the notebook's own variant cell printed when the student ran it (None: not run, no id)."""
    found = _printed_id(notebook)
    return None if found == _NO_ID else found


def changed_variant_reasons(config, autograded: dict, graded_as: str) -> list:
    """A review reason per autograded notebook (name -> notebook) whose variant cell, run by the grading kernel,
    printed another id than ``graded_as`` (or the default variant): a cell above it changed ``os.environ``, so
    the notebook shows the TA (and the feedback page) a variant it is not graded with."""
    if not Variants(config=config).enabled:
        return []
    reasons = []
    for name, notebook in sorted(autograded.items()):
        printed = _printed_id(notebook)
        if printed is not None and printed != str(graded_as):
            reasons.append(f"{name}: in the grading run its variant cell computed the variant of {printed!r}, not of "
                           f"{str(graded_as)!r} that the hidden tests grade: a cell above it changes AUTOGRADER_STUDENT "
                           "or AUTOGRADER_VARIANTS, so the autograded notebook and the feedback show a variant it is "
                           "not graded with; for review (read its written answers against the graded variant: "
                           "autograder variant)")
    return reasons


# the line the variant cell prints to name the variant, right after its "student id:" line: "your variant: ..." or
# "your <what>: ..." (e.g. "your categories: X and Y"); one line after another, so that a long hostile output costs
# linear time (no repeated group to backtrack over)
_SHOWN = re.compile(r"^student id: [^\n]*\nyour (?:variant: )?(?P<text>[^\n]+?)[ \t]*$", re.MULTILINE)


def shown_variant(notebook) -> dict | None:
    """``{"id", "text"}``: the variant the notebook's variant cell printed when it last ran (graded: the one the
    grading kernel recomputed for the gradebook's student); None without such output."""
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != VARIANT_CELL:
            continue
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            text = text if isinstance(text, str) else "".join(text)
            found = _SHOWN.search(text)
            if found:
                return {"id": ran_under(notebook) or "", "text": found.group("text")}
    return None


def foreign_variant_reasons(config, notebooks: dict, student: str, graded_as: str | None = None) -> list:
    """A review reason for each notebook (name -> nbformat notebook) whose variant cell ran under another id
    than the one it is graded with: ``graded_as`` (an override, ``variant_id``), else ``student``'s, the
    gradebook's (none when ``c.Variants.enabled`` is False)."""
    if not Variants(config=config).enabled:
        return []
    graded_as = str(graded_as or student)
    whose = (f"its gradebook id {str(student)!r}" if graded_as == str(student)
             else f"the id {graded_as!r} its gradebook id {str(student)!r} is graded with (autograder variant)")
    reasons = []
    for name, notebook in sorted(notebooks.items()):
        if _printed_id(notebook) is None and _ran_below_variant_cell(notebook):
            reasons.append(f"{name}: its variant cell shows no 'student id:' line while cells below it ran, so the id "
                           f"it ran under cannot be checked against {whose} (it is graded with {graded_as!r}'s "
                           "variant either way); for review, not an accusation: the output cleared by hand, or "
                           "removed from a notebook taken from another student")
        other = ran_under(notebook)
        if other is not None and other != graded_as:
            reasons.append(f"{name} was run under the variant of student id {other!r}, not of {whose}: "
                           f"it is graded with {graded_as!r}'s variant, so answers computed for "
                           f"{other!r}'s lose their points; for review: a mistyped id or a login that is not the gradebook's is "
                           "the usual cause, a notebook taken from another student the other")
    return reasons


def _ran_below_variant_cell(notebook) -> bool:
    """True when a code cell below the variant cell has run (an execution count or outputs)."""
    below = False
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == VARIANT_CELL:
            below = True
        elif below and cell.get("cell_type") == "code" and (cell.get("execution_count") or cell.get("outputs")):
            return True
    return False


_CELL_VERSION = re.compile(r"^VARIANT_VERSION\s*=\s*(\d+)\s*$", re.MULTILINE)


def cell_version_mismatch(config, notebook, assignment: str) -> str:
    """Why ``notebook``'s locked variant cell cannot give the graded variant ("" when it can): it hashes
    ``VARIANT_VERSION``, the hidden tests the assignment package's ``variant_version``; were they different, every
    honest answer computed from the cell's values would lose its task. Variants off, or no such cell: never refused."""
    if not Variants(config=config).enabled:
        return ""
    from .assignments import get

    spec = get(assignment)
    if spec.module("variant") is None:
        return ""
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != VARIANT_CELL:
            continue
        found = _CELL_VERSION.search(cell.source if isinstance(cell.source, str) else "".join(cell.source))
        if found is None or int(found.group(1)) == spec.variant_version:
            return ""
        return (f"grading infrastructure: the locked variant cell of {assignment} hashes VARIANT_VERSION = "
                f"{found.group(1)}, but the grader's variant_version (autograder/assignments/{assignment}) is "
                f"{spec.variant_version}: the hidden tests would grade another variant than the one the notebook "
                f"computes. Write VARIANT_VERSION = {spec.variant_version} into the source notebook's variant cell, "
                f"run `autograder build {assignment}` and release it (or set variant_version back), then grade again")
    return ""


def cell_course_mismatch(config, notebook, assignment: str) -> str:
    """Why ``notebook``'s locked variant cell cannot give the graded student's variant ("" when it can): with
    variants on, the cell hashes the course id written in it, and the hidden tests the one of nbgrader_config.py
    (``c.CourseDirectory.course_id``); were they different, every honest answer computed from the cell's values
    would lose its task. A notebook without a variant cell (or variants off) is never refused."""
    if not Variants(config=config).enabled:
        return ""
    course = (config.CourseDirectory.get("course_id") if "CourseDirectory" in config else None) or ""
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != VARIANT_CELL:
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if re.search(r"""['"]""" + re.escape(f"{course}/{assignment}/"), source):
            return ""
        named = re.search(r"""['"]([^'"]*)/""" + re.escape(f"{assignment}/"), source)
        return (f"grading infrastructure: the locked variant cell of {assignment} hashes the course id "
                f"{named.group(1) if named else '(not found)'!r}, but nbgrader_config.py's c.CourseDirectory.course_id "
                f"is {course!r}: the hidden tests would grade another variant than the one the notebook computes. "
                f"Make them the same (set course_id back, or write the new id into the source notebook's variant cell, "
                f"then generate_assignment again), then grade again")
    return ""
