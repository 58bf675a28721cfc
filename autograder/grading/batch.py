"""Grade every collected submission of an assignment in parallel, then write grades and feedback.

``grade_assignment`` is the coordinator, in three steps: ``plan`` checks the data, then turns each
``submitted/<student>/<assignment>`` folder into a ``GradeJob``, skipping submissions whose record holds the
same fingerprint (``fingerprint``: the submission's files and the grading spec) unless ``force``, and saying
why each other one is graded (it refuses when ``source/`` is newer than the gradebook's copy); ``run`` grades
the jobs with ``autograder.grading.grade_one.grade_one`` on an executor (``autograder.grading.executors``)
with a progress bar and writes each result as it arrives (the only writer of the gradebook, autograded/,
feedback/ and the records); ``finish`` makes the feedback the
workers could not make (withheld or manually graded scores), remakes the feedback of students not graded
again whose hand grades changed since it was made (``hand_grades``), and reads back every record. If a result
cannot be written, the batch stops at once: queued submissions are cancelled, running ones stopped,
and ``GradebookWriteError`` says what failed; the next run resumes where it stopped. A submission that
failed on the grading side (``GradeResult.infrastructure``) keeps its earlier grade and makes
``GradingSummary.exit_status`` non-zero.
"""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import course, scratch, variant_steering as steer
from ..storage import records
from .. import assignments as registry
from ..policy.extensions import due_date, extensions_by_student
from ..policy.late import policy_applies
from ..errors import GradebookWriteError, NoSubmissionsError
from ..preprocessors.grader_fault import REASON_PREFIX
from ..sandbox.batch_settings import batch_overrides
from . import hand_grades, template, unreadable
from ..storage import writer as store
from .fingerprint import engine_spec, fingerprint, grading_spec, why_regrade
from .executors import make_executor
from .feedback import generate as generate_feedback
from .files import read_tree, remove_tree
from .jobs import GradeJob, GradeResult
from .settings import Grading
from .summary import GradingSummary, class_figures


def _submissions(root: Path, submitted_dir: str, assignment: str) -> dict:
    """``student -> folder`` of every collected submission of ``assignment``."""
    base = root / submitted_dir
    if not base.is_dir():
        return {}
    return {p.name: p / assignment for p in sorted(base.iterdir()) if (p / assignment).is_dir()}


@dataclass
class Plan:
    """What a ``grade`` run will do: the jobs to grade and where results go."""

    root: Path
    assignment: str
    config: object
    coursedir: object
    db_url: str
    jobs: list
    hashes: dict  # student -> content hash of the submission
    fingerprints: dict  # student -> fingerprint (``fingerprint``) recorded with its grade
    require_sandbox: bool
    feedback: bool
    summary: GradingSummary
    hand_graded: list  # students not graded again whose hand grades changed since their feedback was made
    unreadable: dict = field(default_factory=dict)  # student -> (job, result) with notebooks that could not be read
    variants: dict = field(default_factory=dict)  # student -> the variant graded (variant_steering.graded)


def grade_assignment(
    root,
    assignment: str,
    workers: int | None = None,
    force: bool = False,
    db_url: str | None = None,
    progress: bool = True,
    executor=None,
    students=(),
    feedback: bool = True,
    require_sandbox: bool = False,
    scheduler: str | None = None,
) -> GradingSummary:
    """Grade ``assignment``'s collected submissions in parallel; write gradebook, autograded/, records, feedback.

    ``workers``: processes (default one per core; 0 grades in this process). ``force``: regrade
    submissions graded before with the same content. ``db_url``: any SQLAlchemy URL (default: the
    course's ``CourseDirectory.db_url``). ``students``: only these (default: every collected one).
    ``feedback``: generate feedback for the students graded (nbgrader's GenerateFeedback).
    ``require_sandbox`` (or ``c.Sandbox.require``): raise ``SandboxUnavailable`` before grading anything
    when bubblewrap cannot be used; otherwise that is warned about once for the whole batch.
    ``scheduler`` (or ``c.Grading.scheduler``): grade on the Dask cluster at this address
    (``autograder.grading.executors.dask_cluster``) instead of local processes. ``executor``: an
    ``Executor`` to use instead (the caller keeps it open).
    """
    batch = plan(root, assignment, force=force, db_url=db_url, students=students, feedback=feedback,
                 require_sandbox=require_sandbox)
    try:
        if executor is not None:
            run(batch, executor, progress)
        elif batch.jobs:
            with make_executor(workers, scheduler=scheduler or Grading(config=batch.config).scheduler or None) as owned:
                run(batch, owned, progress)
    finally:
        scratch.sweep()  # what grading processes on this machine killed during the batch could not remove
    return finish(batch)


def plan(root, assignment: str, force: bool = False, db_url: str | None = None, students=(), feedback: bool = True,
         require_sandbox: bool = False) -> Plan:
    """The jobs of a ``grade`` run: every collected submission (of ``students``) not graded with this content."""
    from nbgrader.coursedir import CourseDirectory

    root = Path(root).resolve()
    course.require_assignments(root, [assignment])
    registry.get(assignment).require_data()  # before anything is graded: a kernel without it would fail every test
    config = course.load_config(root, **({"CourseDirectory.db_url": db_url} if db_url else {}))
    coursedir = CourseDirectory(config=config)
    db_url, course_id = coursedir.db_url, coursedir.course_id
    sandbox_overrides, missing_limits = batch_overrides(root, config, db_url, require_sandbox)
    folders = _chosen(_submissions(root, coursedir.submitted_directory, assignment), students, assignment, root, coursedir)

    template.ensure_assignment(root, assignment, db_url, course_id)
    source = read_tree(root / coursedir.source_directory / assignment)
    structure = template.assignment_structure(db_url, course_id, assignment)
    template.require_built(source, structure, assignment)  # never grade with hidden tests older than source/
    template_db = template.template_bytes(db_url, course_id, assignment)
    release_dir = root / coursedir.release_directory / assignment
    release = {p.name: p.read_bytes() for p in sorted(release_dir.glob("*.ipynb"))} if release_dir.is_dir() else {}
    config_text = (root / course.CONFIG_FILE).read_text()

    known = {r.student: r for r in records.load(db_url, course_id, assignment)}
    extended = extensions_by_student(db_url, course_id, assignment)
    duedate = due_date(db_url, course_id, assignment)
    engine = engine_spec(assignment)  # every worker refuses a job whose engine differs from its own
    # the settings that reach grading; not the paths masked from kernels (this course's own secrets) nor whether a
    # missing sandbox is refused (it decides whether grading runs, not how)
    graded_overrides = tuple(o for o in sandbox_overrides if o[0] not in ("Sandbox.hidden_paths", "Sandbox.require"))
    variants, variant_ids, version = steer.plan(config, db_url, course_id, assignment, folders, known)
    spec = grading_spec(source, release, config_text, duedate, structure, graded_overrides, engine, version)
    summary = GradingSummary(assignment, unenforced_limits=missing_limits)
    late_policy = duedate is not None and policy_applies(config)  # then a submission without hand-in time is named
    hand = hand_grades.digests(db_url, course_id, assignment) if feedback else {}
    jobs, hashes, fingerprints, hand_graded = [], {}, {}, []
    for student, folder in folders.items():
        refused = []
        files = read_tree(folder, refused)
        if late_policy and not files.get("timestamp.txt", b"").strip():
            summary.untimed.append(student)
        fingerprints[student] = fingerprint(files, spec, extended.get(student, 0.0), variant_ids.get(student, ""))
        hashes[student] = fingerprints[student]["submission"]
        why = why_regrade(known.get(student), fingerprints[student])
        if not why and not force:
            summary.skipped.append(student)
            autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
            if (feedback and hand_grades.changed(known[student], hand.get(student, hand_grades.NONE))
                    and any(autograded.glob("*.ipynb"))):
                hand_graded.append(student)
            continue
        summary.why[student] = why or "forced (--force)"
        jobs.append(GradeJob(
            course_id=course_id, assignment=assignment, student=student, submission=files, source=source,
            release=release, config_text=config_text, template_db=template_db,
            timestamp=files.get("timestamp.txt", b"").decode("utf-8", "replace"),
            overrides=sandbox_overrides + ((("Variants.ids", {student: variant_ids[student]}),)
                                           if student in variant_ids else ()), feedback=feedback, extension_seconds=extended.get(student, 0.0),
            engine=engine,
            refused=tuple(refused),
        ))
    return Plan(root, assignment, config, coursedir, db_url, jobs, hashes, fingerprints,
                dict(sandbox_overrides)["Sandbox.require"], feedback, summary, hand_graded, variants=variants)


def _chosen(folders: dict, students, assignment: str, root: Path, coursedir) -> dict:
    """``folders`` of ``students`` only (all if none given); ``NoSubmissionsError`` naming who is missing."""
    if students:
        unknown = sorted(set(students) - set(folders))
        if unknown:
            raise NoSubmissionsError(
                f"no submission of {assignment} collected for {', '.join(unknown)}: run `autograder collect {assignment}` "
                "or check the student ids"
            )
        folders = {s: f for s, f in folders.items() if s in students}
    if not folders:
        raise NoSubmissionsError(
            f"no submissions collected for {assignment} (nothing in {root / coursedir.submitted_directory}/*/{assignment}): "
            f"run `autograder collect {assignment}` first"
        )
    return folders


def run(batch: Plan, executor, progress: bool = True) -> None:
    """Grade ``batch.jobs`` on ``executor``, writing each result as it arrives (``GradebookWriteError`` stops it)."""
    from tqdm import tqdm

    from .grade_one import grade_one

    if not batch.jobs:
        return
    executor.check_workers(require_sandbox=batch.require_sandbox, assignment=batch.assignment)
    summary = batch.summary
    bar = tqdm(total=len(batch.jobs), desc=f"grading {batch.assignment}", unit="submission", file=sys.stderr,
               disable=not progress, dynamic_ncols=True)
    problems = {"flagged": 0, "failed": 0}
    try:
        for outcome in executor.run(grade_one, batch.jobs):
            job, result = outcome.job, outcome.result
            result = result if result is not None else _worker_stopped(job, outcome.error)
            result.variant = batch.variants.get(job.student, {})
            content = batch.hashes[job.student] if outcome.result is not None else ""
            begun = time.monotonic()
            try:
                kept = store.write_result(batch.coursedir, batch.db_url, result, job.timestamp, content, batch.feedback,
                                          batch.fingerprints.get(job.student) if content else None)
            except Exception as error:  # noqa: BLE001 - stop everything: results that cannot be recorded are lost
                left = len(batch.jobs) - len(summary.graded) - 1  # besides this one: stopped or never started
                raise GradebookWriteError(
                    f"could not record the result of {job.student} ({type(error).__name__}: {error}); stopped grading "
                    f"{batch.assignment}: {len(summary.graded)} result(s) recorded, {left + 1} not ({job.student}'s, "
                    f"and {left} submission(s) stopped or never started). Fix the gradebook "
                    f"({batch.db_url.split('@')[-1]}) and run `autograder grade {batch.assignment}` again: it grades "
                    f"only those {left + 1}."
                ) from error
            summary.timings.append({**result.timings, "coordinator write": round(time.monotonic() - begun, 3),
                                    "worker total": round(result.seconds, 3)})
            if kept:
                summary.with_feedback.add(job.student)
            if result.unreadable and not result.infrastructure:
                batch.unreadable[job.student] = (job, result)
            summary.graded.append(job.student)
            summary.fresh_kernels.update({job.student: k["fork_fallback"] for k in result.kernels if k.get("fork_fallback")})
            if result.status in problems:
                problems[result.status] += 1
            bar.set_postfix(problems, refresh=False)
            bar.update(1)
    finally:
        bar.close()


def _worker_stopped(job: GradeJob, error: BaseException) -> GradeResult:
    """The result of a job whose grading process ended without one: a grading-side failure, never a score.

    It may be the submission's doing (a job that also killed the process it then ran in alone, see
    ``executors.local``) or the machine's (the OOM killer picking the worker): either way the earlier
    grade stands, the reason is recorded, the batch exits non-zero and the next run grades it again.
    """
    reason = (f"{REASON_PREFIX} the grading worker stopped ({type(error).__name__}: {error}); if it happens "
              "again, look at this submission and at the grading machine's memory")
    return GradeResult(job.assignment, job.student, status="failed", kernel="not run", reasons=[reason],
                       infrastructure=reason)


def finish(batch: Plan) -> GradingSummary:
    """Feedback the workers could not make, stale feedback removed, a page for each notebook that could not be read
    (``unreadable``); every record of the assignment read back."""
    summary, root, coursedir, assignment = batch.summary, batch.root, batch.coursedir, batch.assignment
    # a grading-side failure wrote nothing: its earlier grade, autograded notebook and feedback stand as they were
    kept = {r.student for r in records.load(batch.db_url, coursedir.course_id, assignment)
            if r.student in summary.graded and r.status == "failed" and r.reasons and r.reasons[0].startswith(REASON_PREFIX)}
    autograded = {s for s in summary.graded if s not in kept
                  and any(Path(coursedir.format_path(coursedir.autograded_directory, s, assignment)).glob("*.ipynb"))}
    for student in set(summary.graded) - autograded - kept:  # failed now: earlier feedback would mislead
        remove_tree(Path(coursedir.format_path(coursedir.feedback_directory, student, assignment)))
    if batch.feedback:
        # from the course gradebook: what the workers could not make, feedback made before a hand grade changed,
        # and a worker's feedback of a student graded by hand (a worker's gradebook holds no hand grade)
        hand = hand_grades.digests(batch.db_url, coursedir.course_id, assignment)
        rest = sorted((autograded - summary.with_feedback) | set(batch.hand_graded) | (autograded & set(hand)))
        summary.feedback_failures = generate_feedback(root, assignment, rest, batch.db_url) if rest else {}
        summary.feedback_remade = [s for s in batch.hand_graded if s not in summary.feedback_failures]
        hand_grades.remember(batch.db_url, coursedir.course_id, assignment,
                             {s: hand.get(s, hand_grades.NONE) for s in rest if s not in summary.feedback_failures})
        for student, (job, result) in sorted(batch.unreadable.items()):  # a page saying why, where nbgrader's would be
            points = {f"{nb}.ipynb": sum(c.max_score for c in result.cells if c.notebook == nb) for nb in {c.notebook for c in result.cells}}
            unreadable.write_pages(Path(coursedir.format_path(coursedir.feedback_directory, student, assignment)),
                                   assignment, student, result.unreadable, points, job.submission)
    summary.graded.sort()
    summary.records = records.load(batch.db_url, coursedir.course_id, assignment)
    summary.numbers = class_figures(root, assignment, batch.db_url)
    summary.similarity = _similarity(root, assignment)
    return summary


def _similarity(root: Path, assignment: str) -> str:
    """Compare the class's submissions (``autograder.similarity``, unless ``c.Similarity.enabled = False``).

    Evidence for the instructor, never a grade: a failure here is reported, it does not undo the grading.
    """
    from .. import similarity
    from ..errors import AutograderError

    try:
        result = similarity.after_grading(root, assignment)
    except AutograderError as error:
        return f"similarity: not compared ({error})"
    if result is None:
        return ""
    return (f"similarity: {len(result.flagged)} pair(s) flagged for review (never a grade): "
            f"{result.html_path.relative_to(root)}")
