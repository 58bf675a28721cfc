"""Release assignments to students and collect their submissions, through nbgrader's exchange.

``release`` rebuilds release/ and solutions/ (``course.build``) and runs nbgrader's
``release_assignment`` (``NbGraderAPI.release_assignment``); ``collect`` runs ``NbGraderAPI.collect``
or, for a folder of files downloaded from an LMS, nbgrader's ``zip_collect``. The exchange folder is
``Exchange.root`` of nbgrader_config.py unless ``exchange_root`` is given.
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import safe_collect
from .. import course
from ..errors import ExchangeError
from ..nbgrader_log import reason


def _api(root: Path, exchange_root=None, **overrides):
    if exchange_root is not None:
        overrides["Exchange.root"] = str(Path(exchange_root).resolve())
    return course.nbgrader_api(root, **overrides)


def _check(outcome: dict, what: str, fix: str) -> None:
    course.require_success(outcome, what, fix, error=ExchangeError)


def exchange_folder(root, exchange_root=None) -> Path:
    """The exchange folder the course uses: ``exchange_root`` if given, else ``c.Exchange.root`` (nbgrader's default)."""
    if exchange_root is not None:
        return Path(exchange_root).resolve()
    from nbgrader.exchange.default.exchange import Exchange

    config = course.load_config(Path(root).resolve())
    return Path(config.Exchange.root if "root" in config.Exchange else Exchange.class_traits()["root"].default_value)


def outbound(root, name: str, exchange_root=None) -> Path:
    """Where nbgrader's ``release_assignment`` puts ``name``: <exchange>/<course id>/outbound/<name>."""
    course_id = course.load_config(Path(root).resolve()).CourseDirectory.course_id
    return exchange_folder(root, exchange_root) / course_id / "outbound" / name


def _require_exchange(root: Path, exchange_root, doing: str, untouched: str = "") -> None:
    """Stop with what to do when the exchange folder is missing (nbgrader would say, to the instructor,
    "Unwritable directory, please contact your instructor"; its release_assignment would create the folder, as
    whoever runs it, with nbgrader's default permissions). ``untouched``: a sentence on what was left as it was."""
    folder = exchange_folder(root, exchange_root)
    if not folder.is_dir():
        raise ExchangeError(
            f"cannot {doing}: the exchange folder {folder} does not exist. It is the folder students fetch from and "
            "submit to (on a JupyterHub, a folder every user can reach). Create it (mkdir -p, writable by the "
            "students) or name the one in use: --exchange DIR, or c.Exchange.root = \"DIR\" in nbgrader_config.py."
            + (f" {untouched}" if untouched else ""))


def release(root, assignments=(), exchange_root=None, force: bool = False, build: bool = True, duedate=None) -> list:
    """Build (unless ``build`` is False) and release ``assignments`` (all by default); returns their names.

    ``duedate`` (a datetime, or text such as "2026-12-01 23:59:00 UTC"): recorded as each assignment's
    due date in the gradebook, as ``nbgrader db assignment add A --duedate=...`` would, once the assignment
    is released: a release that fails (released before and no ``force``, an exchange that cannot be written)
    stores no due date. What can be checked first (the date, the assignments, the exchange folder, an earlier
    release) is checked before anything is built, released or stored; a missing exchange folder is never
    created (nbgrader's ``release_assignment`` would create it).
    """
    from ..policy.extensions import parse_duedate, set_duedate
    from ..report.results import course_database

    root = Path(root).resolve()
    when = parse_duedate(duedate) if isinstance(duedate, str) else duedate  # a bad date stops before anything is built
    names = course.require_assignments(root, assignments)
    _require_exchange(root, exchange_root, f"release {', '.join(names)}", "Nothing was built, released or stored.")
    if not force:
        earlier = [name for name in names if outbound(root, name, exchange_root).exists()]
        if earlier:
            raise ExchangeError(
                f"{', '.join(earlier)} {'was' if len(earlier) == 1 else 'were'} released before (in "
                f"{outbound(root, earlier[0], exchange_root).parent}): nothing was built, released or stored. "
                "Destination already exists, add --force to release again over it.")
    if build:
        course.build(root, names)
    overrides = {"ExchangeReleaseAssignment.force": True} if force else {}
    with course.inside(root):
        api = _api(root, exchange_root, **overrides)
        for name in names:
            _check(api.release_assignment(name), f"release_assignment {name}",
                   "If it was released before, rerun with --force; check that the exchange folder "
                   "(--exchange DIR or c.Exchange.root) exists and is writable."
                   + (" No due date was stored for it." if when is not None else ""))
            if when is not None:  # this assignment is out: its due date goes with it
                set_duedate(*course_database(root), name, when)
    return names


@dataclass
class Collected:
    """What ``collect`` left in submitted/: the students with a submission, and the LMS files it skipped."""

    students: list
    skipped: list = field(default_factory=list)  # --zip files it could not attribute to a student
    timed: list = field(default_factory=list)  # students whose hand-in time --times wrote (timestamp.txt)
    untimed: list = field(default_factory=list)  # --zip submissions without a hand-in time
    times_unused: list = field(default_factory=list)  # --times rows of students with no submission collected
    refused: list = field(default_factory=list)  # exchange entries that are no regular file (links...): not collected


def collect(root, assignment: str, exchange_root=None, zip_dir=None, times=None) -> Collected:
    """Collect ``assignment``'s submissions into submitted/ (from the exchange, or an LMS folder ``zip_dir``).

    ``times`` (with ``zip_dir``): a CSV of hand-in times (``read_times``), read in full before anything is
    collected; each collected student's time is written as nbgrader's timestamp.txt, which the late policy reads.
    """
    root = Path(root).resolve()
    course.require_assignments(root, [assignment])
    if times is not None and zip_dir is None:
        raise ExchangeError("--times gives the hand-in times of LMS downloads: use it with --zip DIR (the exchange "
                            "records each submission's time itself)")
    handed_in = read_times(Path(times)) if times is not None else None
    skipped, refused = [], []
    if zip_dir is not None:
        skipped = _zip_collect(root, assignment, Path(zip_dir))
    else:
        _require_exchange(root, exchange_root, f"collect {assignment}")
        with course.inside(root):
            api = _api(root, exchange_root)
            before = len(safe_collect.REFUSED)
            _check(api.collect(assignment), f"collect {assignment}",
                   "Check the exchange folder (--exchange DIR or c.Exchange.root) and c.CourseDirectory.course_id.")
            refused = safe_collect.REFUSED[before:]
    submitted = course.folder(root, "submitted_directory")
    students = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.is_dir() else []
    collected = Collected(students, skipped, refused=refused)
    if zip_dir is not None:
        folders = {student: submitted / student / assignment for student in students}
        for student, when in sorted((handed_in or {}).items()):
            if student in folders:
                write_timestamp(folders[student], when)
                collected.timed.append(student)
            else:
                collected.times_unused.append(student)
        collected.untimed = [s for s in students if not (folders[s] / "timestamp.txt").is_file()]
    return collected


TIMES_COLUMNS = ("student_id", "timestamp")


def read_times(path: Path) -> dict:
    """``student id -> hand-in time (naive UTC)`` from a CSV with the columns ``student_id,timestamp``.

    Times are read as due dates are (``extensions.parse_duedate``: UTC unless a zone or offset is given).
    Every row is checked before anything is written: a missing column, an empty or repeated id, or a time
    that cannot be read raises ``ExchangeError`` naming the row.
    """
    import csv

    from ..policy.extensions import DueDateError, parse_duedate

    if not path.is_file():
        raise ExchangeError(f"--times {path}: no such file; give a CSV with the columns {','.join(TIMES_COLUMNS)}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in TIMES_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise ExchangeError(f"--times {path}: no column {', '.join(missing)} (it has {', '.join(reader.fieldnames or [])}); "
                                f"write a header line {','.join(TIMES_COLUMNS)} and one row per submission, "
                                "e.g. 1001,2026-12-01 23:10:00 UTC")
        times = {}
        for number, row in enumerate(reader, start=2):
            student = (row["student_id"] or "").strip()
            if not student:
                raise ExchangeError(f"--times {path}, line {number}: no student_id")
            if student in times:
                raise ExchangeError(f"--times {path}, line {number}: {student} appears twice; keep one hand-in time")
            try:
                times[student] = parse_duedate(row["timestamp"] or "", what=f"hand-in time of {student}")
            except DueDateError as error:
                raise ExchangeError(f"--times {path}, line {number}: {error}") from error
    return times


def write_timestamp(folder: Path, when) -> None:
    """Write ``when`` (naive UTC) as nbgrader's ``timestamp.txt`` in ``folder`` (submitted/<student>/<assignment>).

    Whatever a submission put at that name (a file, a link) is replaced, never followed.
    """
    if folder.is_symlink() or not folder.is_dir():
        raise ExchangeError(f"{folder} is not a collected submission folder: collect again")
    path = folder / "timestamp.txt"
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        raise ExchangeError(f"{path} is not a file: remove it and collect again")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC")  # nbgrader's Exchange.timestamp_format, in UTC


PARSING, SKIPPED = re.compile(r"Parsing file: (.*)$"), re.compile(r"Skipped (submission with no match|notebook with invalid name)")


def _zip_collect(root: Path, assignment: str, zip_dir: Path) -> list:
    """Copy an LMS download folder (files and .zip archives) to downloaded/<assignment>/archive and run
    `nbgrader zip_collect`; returns the names of the files it skipped (names the regexp does not match)."""
    if not zip_dir.is_dir():
        raise ExchangeError(f"{zip_dir} is not a folder: give --zip the folder of files downloaded from the LMS.")
    settings = course.load_config(root).ZipCollectApp  # nbgrader's zip_collect folders, as configured
    archive = (root / settings.get("downloaded_directory", "downloaded") / assignment
               / settings.get("archive_directory", "archive"))
    archive.mkdir(parents=True, exist_ok=True)
    for path in sorted(zip_dir.iterdir()):
        if path.is_file():
            shutil.copy2(path, archive / path.name)
    result = subprocess.run([sys.executable, "-m", "nbgrader", "zip_collect", assignment, "--force", "--strict"],
                            cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise ExchangeError(
            f"nbgrader zip_collect {assignment} failed: {reason(result.stdout + result.stderr)}\n"
            "Set c.FileNameCollectorPlugin.named_regexp in nbgrader_config.py to match your LMS's file names "
            "(it must capture (?P<student_id>...) and (?P<file_id>...))."
        )
    skipped, current = [], ""
    for line in (result.stdout + result.stderr).splitlines():  # nbgrader logs "Parsing file: X", then why it skips X
        parsing = PARSING.search(line)
        if parsing:
            current = Path(parsing[1].strip()).name
        elif SKIPPED.search(line) and current:
            skipped.append(current)
    return skipped


@dataclass
class Returned:
    """What ``return_feedback`` released: the students whose pages went to ``folder``, and who had none, and why."""

    folder: Path  # <exchange>/<course id>/feedback, where students' nbgrader fetch_feedback looks
    students: list
    pages: int = 0
    without: dict = field(default_factory=dict)  # student graded but given no page -> why


def return_feedback(root, assignment: str, exchange_root=None, students=()) -> Returned:
    """Release the feedback pages of ``assignment`` (of ``students``, default every graded one) to the exchange.

    All or nothing: every check (the exchange, something graded, each named student's page) is made before
    nbgrader's ``release_feedback`` copies anything. Students graded without a page are named with their
    record's reason (``Returned.without``); naming one of them in ``students`` refuses the whole return.
    """
    from ..storage import records
    from ..report.results import course_database

    root = Path(root).resolve()
    course.require_assignments(root, [assignment])
    _require_exchange(root, exchange_root, f"return {assignment}'s feedback")
    feedback = course.folder(root, "feedback_directory")
    pages = {}
    for page in sorted(feedback.glob(f"*/{assignment}/*.html")):
        if not page.parent.is_symlink():
            pages.setdefault(page.parent.parent.name, []).append(page)
    known = {r.student: r for r in records.load(*course_database(root), assignment)}
    if not pages:
        raise ExchangeError(f"cannot return {assignment}'s feedback: nothing graded has a feedback page in "
                            f"{feedback}/<student>/{assignment}/: run `autograder grade {assignment}` first")
    without = {s: _why_no_page(r) for s, r in known.items() if s not in pages}
    for student, html in pages.items():
        if not all((html[0].parent / name).is_file() for name in ("timestamp.txt", "submission_secret.txt")):
            without[student] = ("its submission did not come through nbgrader's exchange (no timestamp.txt or "
                                "submission_secret.txt beside its page), "
                                f"so nbgrader fetch_feedback cannot find it: hand out {html[0].parent}/*.html another way")
    chosen = sorted(students) if students else sorted(s for s in pages if s not in without)
    refused = [f"{s} ({without.get(s, 'not graded')})" for s in chosen if s not in pages or s in without]
    if refused:
        raise ExchangeError(f"cannot return {assignment}'s feedback: no page to release for {'; '.join(refused)}. "
                            "Nothing was released.")
    folder = exchange_folder(root, exchange_root) / course.load_config(root).CourseDirectory.course_id / "feedback"
    with course.inside(root):
        api = _api(root, exchange_root)
        for student in chosen:  # one by one: a folder nbgrader could not release (no secret) is never tried
            _check(api.release_feedback(assignment, student), f"release_feedback {assignment}",
                   "Check that the exchange folder (--exchange DIR or c.Exchange.root) is writable.")
    return Returned(folder, chosen, sum(len(pages[s]) for s in chosen),
                    {s: why for s, why in without.items() if not students or s in students})


def _why_no_page(record) -> str:
    """Why a graded submission has no feedback page, from its record."""
    if record.withheld:
        return "score withheld for review (integrity findings): grade it by hand, then `autograder grade` remakes its page"
    return f"{record.status}: {record.reasons[0] if record.reasons else 'no reason recorded'}"
