"""Due dates and extensions, kept where nbgrader keeps them: the gradebook.

The due date is the assignment's ``duedate`` (``nbgrader db assignment add A --duedate=...``, or
``autograder release A --duedate ...``); an extension is the ``extension`` of the student's
``SubmittedAssignment``, which nbgrader adds to the due date when it counts the seconds late, and
which formgrader shows. nbgrader keeps an extension on the submission row, so granting one before the
student submitted creates that row (no timestamp, no grades yet); ``autograder.report.results`` does not count
such a row as a submission.
"""

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dateutil.parser
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning

from .. import course
from ..storage.structure import alembic_on_path
from ..errors import AutograderError


class DueDateError(AutograderError):
    """The assignment has no due date in the gradebook (or is unknown), or a date cannot be read."""


class UnknownStudentError(AutograderError):
    """``extend`` was given a student id the course's roster does not know (a typo would charge the real student)."""


def _set_due_date_hint(assignment: str) -> str:
    return (f"set it with `nbgrader db assignment add {assignment} --duedate='2026-12-01 23:59:00 UTC'` "
            f"or `autograder release {assignment} --duedate '2026-12-01 23:59:00 UTC'`")


_UTC_NAMES = {"UTC", "Z", "GMT", "UT", "ETC/UTC"}
# the last word of a date, when it may name a time zone: "... UTC", "... Europe/Paris", "... PST"
_LAST_WORD = re.compile(r"^(?P<when>.+?)\s+(?P<zone>[A-Za-z][A-Za-z0-9_+\-/]*)$")
# common abbreviations -> (an IANA zone that uses it, its standard numeric offset) for the message that refuses them
_ABBREVIATIONS = {
    "PST": ("America/Los_Angeles", "-08:00"), "PDT": ("America/Los_Angeles", "-07:00"),
    "MST": ("America/Denver", "-07:00"), "MDT": ("America/Denver", "-06:00"),
    "CST": ("America/Chicago", "-06:00"), "CDT": ("America/Chicago", "-05:00"),
    "EST": ("America/New_York", "-05:00"), "EDT": ("America/New_York", "-04:00"),
    "AKST": ("America/Anchorage", "-09:00"), "HST": ("Pacific/Honolulu", "-10:00"),
    "WET": ("Europe/Lisbon", "+00:00"), "BST": ("Europe/London", "+01:00"),
    "CET": ("Europe/Paris", "+01:00"), "CEST": ("Europe/Paris", "+02:00"),
    "EET": ("Europe/Athens", "+02:00"), "EEST": ("Europe/Athens", "+03:00"),
    "IST": ("Asia/Kolkata", "+05:30"), "JST": ("Asia/Tokyo", "+09:00"),
    "AEST": ("Australia/Sydney", "+10:00"), "AEDT": ("Australia/Sydney", "+11:00"),
}
_HOW = "write it as '2026-12-01 23:59:00 UTC', '2026-12-01 23:59:00 Europe/Paris' or '2026-12-01T23:59:00+01:00'"


def _abbreviation_error(text: str, when: str, word: str, what: str = "due date") -> DueDateError:
    zone, offset = _ABBREVIATIONS.get(word.upper(), ("America/Los_Angeles", "-08:00"))
    return DueDateError(
        f"cannot read the {what} {text!r}: {word!r} is an abbreviation, not a time zone (several zones share "
        "some, and none says whether daylight saving time applies). Name the zone as IANA does, "
        f"e.g. '{when} {zone}', or give the offset, e.g. '{when} {offset.replace(':', '')}'.")


def _named_zone(text: str, when: str, word: str, what: str = "due date"):
    """The time zone ``word`` names (UTC, or an IANA name such as Europe/Paris), or ``DueDateError``."""
    import difflib
    import zoneinfo

    if word.upper() in _UTC_NAMES:
        return timezone.utc
    try:
        return zoneinfo.ZoneInfo(word)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(word, sorted(zoneinfo.available_timezones()), n=3)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise DueDateError(f"cannot read the {what} {text!r}: no time zone is called {word!r}{hint}; "
                           f"{_HOW}") from None


def _in_zone(text: str, local: datetime, zone, what: str = "due date") -> datetime:
    """``local`` (naive) read in ``zone``; refused when that wall-clock time happens twice or never (a DST change)."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        offsets = " or ".join(f"{local:%Y-%m-%d %H:%M:%S} {moment:%z}" for moment in (first, second))
        if first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
            raise DueDateError(f"the {what} {text!r} does not exist: the clocks skip that hour there "
                               f"(daylight saving time); pick another time or write an offset ({offsets})")
        raise DueDateError(f"the {what} {text!r} is ambiguous: that hour happens twice there (daylight saving "
                           f"time ends); write the offset you mean: {offsets}")
    return first


def parse_duedate(text: str, what: str = "due date") -> datetime:
    """A due date as nbgrader stores it (naive UTC); a date without a time zone is taken as UTC.

    The zone is UTC (or Z, GMT), an IANA name read with ``zoneinfo`` ("2026-12-01 23:59:00 Europe/Paris",
    daylight saving time included; a time that happens twice or never there is refused), or a numeric offset
    ("2026-12-01 23:59:00 +0100", "2026-12-01T23:59:00-08:00"). An abbreviation (PST, CET, EST...) is refused
    with the IANA name and offset to write instead: nbgrader would silently read "PST" as UTC. ``what`` names
    the date in messages ("due date", "hand-in time").
    """
    from dateutil.parser import UnknownTimezoneWarning
    from dateutil.tz import tzlocal

    text = text.strip()
    match, zone, when = _LAST_WORD.match(text), None, text
    if match and (match["zone"].upper() in _UTC_NAMES or "/" in match["zone"]):
        when = match["when"]
        zone = _named_zone(text, when, match["zone"], what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnknownTimezoneWarning)
            parsed = dateutil.parser.parse(when)
    except UnknownTimezoneWarning:
        word = match["zone"] if match else re.search(r"[A-Za-z]*$", text)[0]
        raise _abbreviation_error(text, text[:len(text) - len(word)].strip(), word or "?", what) from None
    except (ValueError, OverflowError) as error:
        raise DueDateError(f"cannot read the {what} {text!r} ({error}): {_HOW}") from error
    if zone is not None:
        if parsed.tzinfo is not None:
            raise DueDateError(f"the {what} {text!r} gives both an offset and a time zone: give one of them")
        parsed = _in_zone(text, parsed, zone, what)
    elif isinstance(parsed.tzinfo, tzlocal):  # dateutil read a name as this machine's zone ("...T12:00Z" on a UTC host)
        word = re.search(r"[A-Za-z]*$", text)[0]
        if word.upper() not in _UTC_NAMES:
            raise _abbreviation_error(text, text[:len(text) - len(word)].strip(), word or "?", what)
        parsed = parsed.replace(tzinfo=timezone.utc)
    elif parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def set_duedate(db_url: str, course_id: str, assignment: str, duedate) -> datetime:
    """Record ``assignment``'s due date (a datetime or text nbgrader can read) in the gradebook; returns it (UTC)."""
    when = parse_duedate(duedate) if isinstance(duedate, str) else parse_utc(duedate)
    alembic_on_path()
    with Gradebook(db_url, course_id=course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=when)
    return when


@dataclass(frozen=True)
class Extension:
    """An extension as recorded: the student's due date is ``duedate + extension``."""

    assignment: str
    student: str
    extension: timedelta
    duedate: datetime  # the assignment's (UTC)
    graded: bool  # the student's submission was already graded: regrade it for the new penalty
    created: bool = False  # the student was new to the gradebook and was created

    @property
    def student_duedate(self) -> datetime:
        return self.duedate + self.extension


def roster(root, gb) -> set:
    """The student ids the course knows: every student of the gradebook ``gb`` and every folder of submitted/."""
    submitted = course.folder(Path(root), "submitted_directory")
    folders = {p.name for p in submitted.iterdir() if p.is_dir() and not p.is_symlink()
               and not p.name.startswith(".")} if submitted.is_dir() else set()
    return {s.id for s in gb.students} | folders


def _unknown_student(assignment: str, student: str, known: set) -> UnknownStudentError:
    import difflib

    close = difflib.get_close_matches(student, sorted(known), n=3, cutoff=0.6)
    return UnknownStudentError(
        f"no student {student!r} in this course (its gradebook and submitted/ know {len(known)})"
        + (f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "; check the id")
        + f" To give an extension to a student the course has not seen yet, add --new-student: "
        f"`autograder extend {assignment} {student} ... --new-student`.")


def grant(root, assignment: str, student: str, days: float = 0.0, hours: float = 0.0,
          db_url: str | None = None, new_student: bool = False) -> Extension:
    """Give ``student`` an extension of ``days`` + ``hours`` on ``assignment`` (replacing any earlier one).

    An extension of 0 removes it. The assignment must have a due date (else ``DueDateError`` saying how to
    set one). A student the gradebook does not know is created when the course has no roster yet (no
    student in the gradebook, no folder in submitted/) or with ``new_student``; otherwise the id is taken
    for a typo and refused (``UnknownStudentError`` naming close ids): nothing is stored.
    """
    from ..report.results import _handed_in as handed_in, course_database

    root = Path(root).resolve()
    course.require_assignments(root, [assignment])
    if days < 0 or hours < 0:
        raise AutograderError(f"an extension cannot be negative ({days} days, {hours} hours)")
    extension = timedelta(days=days, hours=hours)
    db_url, course_id = course_database(root, db_url)
    alembic_on_path()
    with warnings.catch_warnings(), Gradebook(db_url, course_id=course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session handling when it adds a submission
        try:
            duedate = gb.find_assignment(assignment).duedate
        except MissingEntry:
            duedate = None
        if duedate is None:
            raise DueDateError(f"{assignment} has no due date in the gradebook {db_url}: {_set_due_date_hint(assignment)}")
        known = roster(root, gb)
        created = student not in {s.id for s in gb.students}
        if student not in known and known and not new_student:
            raise _unknown_student(assignment, student, known)
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student, extension=extension or None)
        return Extension(assignment, student, extension, duedate, handed_in(submission), created)


def extension_of(db_url: str, course_id: str, assignment: str, student: str) -> timedelta | None:
    """The extension ``student`` has on ``assignment`` (None if none)."""
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            return gb.find_submission(assignment, student).extension
        except MissingEntry:
            return None


def due_date(db_url: str, course_id: str, assignment: str) -> datetime | None:
    """The assignment's due date in the gradebook (naive UTC), or None."""
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def extensions_by_student(db_url: str, course_id: str, assignment: str) -> dict:
    """``student -> extension in seconds`` of everyone with an extension on ``assignment`` (one query).

    For the grading coordinator: a worker's private gradebook has no students, so each job must carry
    its student's extension (``apply_extension``) for nbgrader to count lateness from the right date.
    """
    from nbgrader.api import Assignment, Student, SubmittedAssignment

    with Gradebook(db_url, course_id=course_id) as gb:
        rows = (gb.db.query(Student.id, SubmittedAssignment.extension)
                .join(SubmittedAssignment, SubmittedAssignment.student_id == Student.id)
                .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                .filter(Assignment.name == assignment, Assignment.course_id == course_id,
                        SubmittedAssignment.extension.isnot(None)))
        return {student: extension.total_seconds() for student, extension in rows if extension}


def apply_extension(db_url: str, course_id: str, assignment: str, student: str, seconds: float) -> None:
    """Record ``student``'s extension (``seconds``; 0 does nothing) in the gradebook at ``db_url`` before it is
    autograded there (a grading worker's private gradebook); nbgrader's Autograde keeps it."""
    if not seconds:
        return
    with warnings.catch_warnings(), Gradebook(db_url, course_id=course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, extension=timedelta(seconds=float(seconds)))
