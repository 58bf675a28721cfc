"""The ``autograder`` command: one verb per step of the term, each a thin wrapper of a plain function."""

import sys
from pathlib import Path

import click

from . import course
from .errors import AutograderError


def _root() -> Path:
    return course.find_root(Path.cwd())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Run the course's nbgrader assignments: build, grade, export, report."""


@main.command()
@click.argument("assignments", nargs=-1)
def build(assignments):
    """Regenerate release/ and solutions/ from source/ (all assignments by default)."""
    from . import assignments as registry

    root = _root()
    for name in assignments or course.assignments(root):  # the solutions are executed: stop now if data is missing
        registry.get(name).require_data()
    built = course.build(root, assignments)
    click.echo(f"built release/ and solutions/ for {', '.join(built)}")


@main.command("new")
@click.argument("assignment")
def new_(assignment):
    """Scaffold a new assignment: its source notebook (one task) and its package in autograder/assignments/."""
    from .assignments.scaffold import new

    for line in new(_root(), assignment).lines():
        click.echo(line)


@main.command("export")
@click.argument("assignment", required=False)
@click.option("--db", "db_url", default=None, help="gradebook database URL (default: the course's)")
def export_(assignment, db_url):
    """Write grades to exports/: nbgrader's CSV, per-question CSVs, a Canvas import CSV."""
    from .exports import export
    from .exports.csv_files import kind_of

    for path in export(_root(), assignment, db_url=db_url):
        click.echo(f"wrote {path}: {kind_of(path)}")


@main.command("report")
@click.argument("assignment")
@click.option("--db", "db_url", default=None, help="gradebook database URL (default: the course's)")
def report_(assignment, db_url):
    """Write an HTML report with plots to reports/ASSIGNMENT/index.html."""
    from .report import report, variant_stats

    page = report(_root(), assignment, db_url=db_url)
    click.echo(f"wrote {page}")
    for line in variant_stats.warnings(page.parent / "summary.json"):
        click.echo(line)


@main.command("demo")
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False),
              help="where to put the throwaway course (default: a new temporary folder)")
@click.option("--workers", default=2, show_default=True, help="grading processes")
def demo_(directory, workers):
    """A whole term on a throwaway copy: release, students fetch and submit, collect, grade, export, report."""
    from .demo import demo

    result = demo(_root(), directory, workers=workers, progress=True, echo=click.echo)
    click.echo("")
    click.echo(result.table())
    click.echo("")
    for path in result.files:
        click.echo(f"wrote {path}")
    for line in result.feedback_lines():
        click.echo(line)


@main.command("release")
@click.argument("assignments", nargs=-1)
@click.option("--exchange", "exchange_root", default=None, help="exchange folder (default: c.Exchange.root)")
@click.option("--force", is_flag=True, help="release again over an earlier release")
@click.option("--no-build", is_flag=True, help="release release/ as it is, without rebuilding it from source/")
@click.option("--duedate", default=None, metavar="'YYYY-MM-DD HH:MM:SS TZ'",
              help="record this due date in the gradebook once released (as nbgrader db assignment add A --duedate=...); "
                   "its zone as IANA names it (Europe/Paris), an offset (-0800) or UTC; none: UTC")
def release_(assignments, exchange_root, force, no_build, duedate):
    """Build release/ and solutions/, then release to the exchange (all assignments by default)."""
    from .policy.extensions import parse_duedate
    from .grading.exchange import outbound, release

    root = _root()
    when = parse_duedate(duedate) if duedate else None  # a date that cannot be read stops before anything is done
    names = release(root, assignments, exchange_root=exchange_root, force=force, build=not no_build, duedate=when)
    for name in names:
        click.echo(f"released {name} to {outbound(root, name, exchange_root)} (students: nbgrader fetch_assignment {name})"
                   + (f"; stored due date {when:%Y-%m-%d %H:%M:%S} UTC" if when else ""))


@main.command("extend")
@click.argument("assignment")
@click.argument("student")
@click.option("--days", type=float, default=0.0, help="days added to the due date (0 with --hours 0: remove the extension)")
@click.option("--hours", type=float, default=0.0, help="hours added to the due date")
@click.option("--db", "db_url", default=None, help="gradebook database URL (default: the course's)")
@click.option("--new-student", is_flag=True,
              help="create STUDENT if the course does not know the id (else an unknown id is refused as a typo)")
def extend_(assignment, student, days, hours, db_url, new_student):
    """Give STUDENT an extension on ASSIGNMENT (nbgrader's extension field; replaces an earlier one)."""
    from .policy.extensions import grant

    granted = grant(_root(), assignment, student, days=days, hours=hours, db_url=db_url, new_student=new_student)
    if granted.created:
        click.echo(f"created student {student} in the gradebook")
    if granted.extension:
        click.echo(f"{student}: {assignment} due {granted.student_duedate:%Y-%m-%d %H:%M:%S} UTC "
                   f"(stored extension {granted.extension}; the assignment is due {granted.duedate:%Y-%m-%d %H:%M:%S} UTC)")
    else:
        click.echo(f"{student}: no extension on {assignment} (stored), due {granted.duedate:%Y-%m-%d %H:%M:%S} UTC")
    if granted.graded:
        click.echo(f"{student}'s submission was graded already: the next `autograder grade {assignment}` grades it again "
                   "with the new due date (an extension is part of what decides a grade)", err=True)


@main.command("collect")
@click.argument("assignment")
@click.option("--exchange", "exchange_root", default=None, help="exchange folder (default: c.Exchange.root)")
@click.option("--zip", "zip_dir", default=None, type=click.Path(file_okay=False),
              help="collect a folder of files downloaded from an LMS (nbgrader zip_collect) instead")
@click.option("--times", "times", default=None, type=click.Path(dir_okay=False),
              help="with --zip: a CSV (student_id,timestamp) of the LMS's hand-in times, written as nbgrader's "
                   "timestamp.txt so that the late policy applies")
def collect_(assignment, exchange_root, zip_dir, times):
    """Collect the submissions of ASSIGNMENT into submitted/."""
    from .grading.exchange import collect

    collected = collect(_root(), assignment, exchange_root=exchange_root, zip_dir=zip_dir, times=times)
    click.echo(f"{assignment}: {len(collected.students)} submissions in submitted/")
    for line in collected.refused:
        click.echo(f"not collected: {line}", err=True)
    for name in collected.skipped:
        click.echo(f"skipped {name}: its name does not match c.FileNameCollectorPlugin.named_regexp "
                   "or the assignment's notebooks", err=True)
    if collected.timed:
        click.echo(f"hand-in times written (timestamp.txt, UTC) for {len(collected.timed)} submissions from {times}")
    if collected.times_unused:
        click.echo(f"{times}: no submission collected for {', '.join(collected.times_unused)}: their times are unused",
                   err=True)
    if collected.untimed:
        click.echo(f"no hand-in time for {len(collected.untimed)} submissions ({', '.join(collected.untimed[:10])}"
                   f"{', ...' if len(collected.untimed) > 10 else ''}): a late policy cannot apply to them; "
                   "give their times with --times CSV (student_id,timestamp)", err=True)


@main.command("grade")
@click.argument("assignment")
@click.option("--workers", type=int, default=None, help="grading processes (default: one per core)")
@click.option("--force", is_flag=True, help="regrade submissions that did not change since they were graded")
@click.option("--db", "db_url", default=None, help="gradebook database URL (default: the course's)")
@click.option("--student", "students", multiple=True, help="grade only this student (repeatable)")
@click.option("--require-sandbox", is_flag=True,
              help="refuse to grade unless kernels can run in bubblewrap, even where the course sets "
                   "c.Sandbox.require = False (it is True by default)")
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786",
              help="grade on this Dask cluster instead of local processes (default: c.Grading.scheduler)")
def grade_(assignment, workers, force, db_url, students, require_sandbox, scheduler):
    """Autograde ASSIGNMENT's collected submissions in parallel and generate their feedback."""
    from .grading import grade_assignment

    summary = grade_assignment(_root(), assignment, workers=workers, force=force, db_url=db_url, students=students,
                               require_sandbox=require_sandbox, scheduler=scheduler)
    click.echo(summary.table())
    if summary.exit_status:
        failures = summary.infrastructure_failures
        click.echo(f"autograder: {len(failures)} submission(s) of {assignment} failed on the grading side, not the "
                   f"students' (their earlier grades are kept): {failures[0].reasons[0]}", err=True)
        sys.exit(summary.exit_status)


@main.command("return")
@click.argument("assignment")
@click.option("--exchange", "exchange_root", default=None, help="exchange folder (default: c.Exchange.root)")
@click.option("--student", "students", multiple=True, help="return only this student's feedback (repeatable)")
def return_(assignment, exchange_root, students):
    """Release ASSIGNMENT's feedback pages to the exchange (students: nbgrader fetch_feedback ASSIGNMENT)."""
    from .grading.exchange import return_feedback

    returned = return_feedback(_root(), assignment, exchange_root=exchange_root, students=students)
    click.echo(f"{assignment}: released the feedback of {len(returned.students)} students ({returned.pages} pages) "
               f"to {returned.folder} (students: nbgrader fetch_feedback {assignment})")
    for student, why in sorted(returned.without.items()):
        click.echo(f"no feedback for {student}: {why}", err=True)


@main.command("variant")
@click.argument("assignment")
@click.argument("student", required=False)
@click.option("--json", "as_json", is_flag=True, help='one student: {"student": ..., "assignment": ..., "params": {...}}')
@click.option("--as", "as_id", default=None, metavar="ID", help="grade STUDENT with the variant of ID from now on")
@click.option("--reissue", is_flag=True, help="give STUDENT a new variant (the one of STUDENT~N)")
@click.option("--clear", is_flag=True, help="grade STUDENT with their own id's variant again")
@click.option("--db", "db_url", default=None, help="gradebook database URL (default: the course's)")
def variant_(assignment, student, as_json, as_id, reissue, clear, db_url):
    """STUDENT's variant of ASSIGNMENT (its parameters); every student of the course as CSV without STUDENT."""
    import json

    from . import variant_steering as steer, variants

    if sum(map(bool, (as_id is not None, reissue, clear))) > 1 or (student is None and (as_id or reissue or clear)):
        raise AutograderError("give one STUDENT and at most one of --as ID, --reissue, --clear")
    if student is None:
        click.echo(variants.as_csv(variants.class_lookup(_root(), assignment, db_url=db_url)), nl=False)
        return
    if as_id is not None or reissue:
        kept = (steer.reissue(_root(), assignment, student, db_url) if reissue
                else steer.grade_as(_root(), assignment, student, as_id, db_url))
        click.echo(f"{student} is graded with the variant of {kept['id']} from now on (their next grade run regrades "
                   f"them); they see it by running import os; os.environ['AUTOGRADER_STUDENT'] = {kept['id']!r} before the "
                   "variant cell (not %env: a magic is an integrity finding)", err=True)
    elif clear:
        done = steer.clear(_root(), assignment, student, db_url)
        click.echo(f"{student} is graded with their own variant again" if done else f"{student} had no override", err=True)
    found = variants.lookup(_root(), assignment, student, db_url)
    if as_json:
        click.echo(json.dumps(found, sort_keys=True))
    else:
        as_other = f" (as {found['override']['id']}, {found['override']['kind']})" if "override" in found else ""
        click.echo(f"{student}, {assignment}{as_other}: " + ", ".join(f"{k} = {v}" for k, v in sorted(found["params"].items())))


@main.command("similarity")
@click.argument("assignment")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="flag a unit at this similarity or more (default: c.Similarity.threshold)")
def similarity_(assignment, threshold):
    """Compare every pair of ASSIGNMENT's submissions; write reports/ASSIGNMENT/similarity.csv and .html."""
    from .similarity import run as find_similar

    result = find_similar(_root(), assignment, threshold=threshold)
    click.echo(result.summary())
    click.echo(f"wrote {result.csv_path}")
    click.echo(f"wrote {result.html_path}")


def run() -> None:
    """Entry point: course errors become one readable line and exit status 2."""
    try:
        main(standalone_mode=True)
    except AutograderError as error:
        click.echo(f"autograder: {error}", err=True)
        sys.exit(2)
