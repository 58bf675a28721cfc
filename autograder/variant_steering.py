"""The instructor steers variants (README, "Variants"): one student's override, and the variants kept with grades.

``autograder variant ASSIGNMENT STUDENT --as ID | --reissue | --clear`` keep an override in the gradebook
(``storage.variant_ids``). ``graded`` is what a record keeps of the variant a submission was graded with; ``moved``
names the graded students whom an edited generator (``variant.py`` changed without a new ``variant_version``) would
give another variant: ``autograder grade`` refuses to grade them (``refuse_moved``), never moving them silently.
"""

from .errors import AutograderError
from .storage import variant_ids


def _course(root, db_url: str | None = None) -> tuple:
    from nbgrader.coursedir import CourseDirectory

    from . import course

    root = course.find_root(root)
    config = course.load_config(root, **({"CourseDirectory.db_url": db_url} if db_url else {}))
    coursedir = CourseDirectory(config=config)
    return root, coursedir.db_url, coursedir.course_id


def _require_variants(root, assignment: str) -> None:
    from . import variants

    variants.lookup(root, assignment, "-")  # refuses an assignment without variants, naming those with them


def override(root, assignment: str, student: str, db_url: str | None = None) -> dict | None:
    """``{"id", "kind"}`` of ``student``'s override (None: graded with their own id's variant)."""
    root, db_url, course_id = _course(root, db_url)
    found = variant_ids.find(db_url, course_id, assignment, student)
    return None if found is None else {"id": found[0], "kind": found[1]}


def grade_as(root, assignment: str, student: str, other: str, db_url: str | None = None) -> dict:
    """Grade ``student`` with the variant of ``other`` (an LMS id that is not the login the notebook ran under)."""
    _require_variants(root, assignment)
    if not str(other).strip():
        raise AutograderError("--as needs the id whose variant grades the student (the login their notebook ran under)")
    if str(other) != str(other).strip() or not str(other).isprintable():
        raise AutograderError(f"--as {str(other)!r}: an id with spaces around it or control characters is no login a "
                              "notebook runs under (its variant cell strips a typed id), so every answer computed "
                              "from the variant would lose its points; give the id exactly as the student logs in")
    root, db_url, course_id = _course(root, db_url)
    kind = "reissue" if str(other).startswith(f"{student}{variant_ids.REISSUE_MARK}") else "as"
    variant_ids.save(db_url, course_id, assignment, student, str(other), kind)
    return {"id": str(other), "kind": kind}


def reissue(root, assignment: str, student: str, db_url: str | None = None) -> dict:
    """Give ``student`` a new variant: the one of ``STUDENT~N`` (``variant_ids.next_reissue``)."""
    _require_variants(root, assignment)
    root, db_url, course_id = _course(root, db_url)
    current = variant_ids.find(db_url, course_id, assignment, student)
    new = variant_ids.next_reissue(student, current[0] if current else None)
    variant_ids.save(db_url, course_id, assignment, student, new, "reissue")
    return {"id": new, "kind": "reissue"}


def clear(root, assignment: str, student: str, db_url: str | None = None) -> bool:
    """``student`` is graded with their own id's variant again (True if an override was removed)."""
    root, db_url, course_id = _course(root, db_url)
    return variant_ids.clear(db_url, course_id, assignment, student)


def graded(spec, variant_id: str, course_id: str, enabled: bool) -> dict:
    """What a record keeps of the variant it was graded with: ``{"id", "version", "params"}`` ({}: no variants)."""
    module = spec.module("variant")
    if module is None:
        return {}
    if not enabled:
        return {"id": "", "version": 0, "params": dict(module.DEFAULTS)}
    return {"id": str(variant_id), "version": spec.variant_version,
            "params": module.params(str(variant_id), str(course_id), spec.variant_version)}


def moved(kept: dict, now: dict) -> dict:
    """``student -> (kept, now)`` of each student whose kept variant (``kept``: student -> ``graded``) has the same
    id and version as the one they would be graded with now, but other parameters: the generator changed."""
    return {student: (kept[student], variant) for student, variant in sorted(now.items())
            if kept.get(student) and variant and kept[student].get("id") == variant.get("id")
            and kept[student].get("version") == variant.get("version") and kept[student].get("params") != variant.get("params")}


def refuse_moved(assignment: str, found: dict) -> None:
    """Raise, naming the students an edited generator would move (``moved``); nothing is graded."""
    if not found:
        return
    named = "; ".join(f"{student}: graded with {was['params']}, now {now['params']}" for student, (was, now) in found.items())
    raise AutograderError(
        f"{assignment}'s variant generator (autograder/assignments/{assignment}/variant.py) changed without a new "
        f"variant_version: {len(found)} graded student(s) would get another variant than the one they were graded "
        f"with ({named}). Nothing was graded. Restore variant.py, or give every student a new variant on purpose: "
        f"raise the assignment's variant_version (and VARIANT_VERSION in its source notebook's variant cell), "
        f"build and release again; the next grade run then regrades everyone, saying why")


def plan(config, db_url: str, course_id: str, assignment: str, students, known: dict) -> tuple:
    """For a grade run: ``(student -> graded variant, student -> override id, the "variant version" part)``; refuses
    (``refuse_moved``) when the generator would move a student ``known`` (student -> record) was graded with."""
    from .assignments import get
    from .variants import Variants

    enabled, spec = Variants(config=config).enabled, get(assignment)
    kept = variant_ids.load(db_url, course_id, assignment) if enabled else {}
    overrides = {student: kept[student][0] for student in students if student in kept}
    now = {student: graded(spec, overrides.get(student, student), course_id, enabled) for student in students}
    refuse_moved(assignment, moved({student: record.variant for student, record in known.items()}, now))
    version = str(spec.variant_version) if enabled and spec.module("variant") is not None else ""
    return now, overrides, version
