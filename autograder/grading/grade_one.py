"""Grade one submission: a pure function from a ``GradeJob`` to a ``GradeResult`` (bytes in, bytes out).

The worker lays out a private course folder in a temporary directory (config, ``source/<assignment>``,
the template gradebook, ``submitted/<student>/<assignment>``), checks and repairs the notebooks
(``grading.preflight``), runs nbgrader's real ``Autograde`` converter there through ``NbGraderAPI`` (so
per-cell scores are those of ``nbgrader autograde``), and reads back what nbgrader's ``SaveAutoGrades``
stored. It writes nothing outside its temporary directory and never raises for a bad submission: a
crash, a timeout, a dead kernel or an unreadable notebook become a flagged or failed result with its
reasons. It is what a process-pool worker (or a Dask worker) runs.

Kernels are started by the course's configured ``Execute`` (nbgrader's plain ``Execute`` is replaced by
the sandbox's ``SandboxedExecute``); how each kernel ended (``autograder.sandbox`` kernel reports) tells
an out-of-memory kill or the sandbox's wall clock from a plain death. Every submission is also checked
for tampering (``autograder.integrity``: the static scan of what ran, with the assignment's source and
release notebooks trusted, the runtime findings the checks printed, and what each kernel left in its folder that
is not a plain file or folder: ``autograder.sandbox.workfolder``); any finding flags the result and withholds
its score, one reason per finding. Files named like a module of the grading environment are removed before
grading and listed (``preflight.drop_shadowing_files``): a note, which neither flags nor withholds.
"""

import os
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import preflight, timings, unreadable, worker_gradebook
from .. import integrity, nbgrader_log, scratch
from ..storage import outcomes
from .files import read_tree, write_tree
from .jobs import GradeJob, GradeResult
from ..preprocessors.grader_fault import REASON_PREFIX, reason_in_log
from ..sandbox import workfolder
from ..sandbox.fate import read_report_dir, submission_fate
from ..sandbox.probe import UNSANDBOXED

LOG_TAIL_LINES = 30
# Sandbox.prepared_kernels of the engine's workers when the course does not set it: opt-in, since on cores that are
# all busy a kernel booted ahead costs the notebook running beside it more than it saves (README, Speed: 0.95x)
PREPARED_KERNELS = 0


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join((text or "").strip().splitlines()[-lines:])


# the private course keeps nbgrader's default folder names (``_lay_out``) whatever the job's config calls them
PRIVATE_FOLDERS = {f"CourseDirectory.{step}_directory": step
                   for step in ("source", "release", "submitted", "autograded", "feedback")}
PRIVATE_FOLDERS["CourseDirectory.directory_structure"] = "{nbgrader_step}/{student_id}/{assignment_id}"


def _config(root: Path, job: GradeJob, report_dir: Path):
    from .. import course
    from . import reference_cache as cache
    from .. import variants
    from ..preprocessors.grader_fault import with_stop_on_grader_fault
    from ..sandbox import autograde_preprocessors, prepared

    config = course.load_config(root, **{"CourseDirectory.db_url": f"sqlite:///{root / 'gradebook.db'}", **PRIVATE_FOLDERS})
    course.apply_overrides(config, job.overrides)
    # the sandbox masks this private course's secrets (the real course's come in Sandbox.hidden_paths) and
    # writes how each kernel ended next to it, outside the course
    config.Sandbox.course_root = str(root)
    config.Sandbox.report_dir = str(report_dir)
    # kernels started ahead, one waiting per worker process (autograder.sandbox.prepared), unless the course says
    if "prepared_kernels" not in config.Sandbox:
        config.Sandbox.prepared_kernels = PREPARED_KERNELS
    # reference answers computed once per worker process, read-only in every kernel (autograder.grading.reference_cache);
    # in a file of the worker's own folder, which outlives the submission that started a prepared kernel
    # for the graded student's variant (the defaults when variants are off): one value per variant and worker
    course_id = (config.CourseDirectory.get("course_id") if "CourseDirectory" in config else None) or ""
    variant = variants.params(job.assignment, variants.variant_id(config, None, job.student), course_id,
                              variants.Variants(config=config).enabled)
    cached = cache.build(job.assignment, job.engine, variant)
    if cached is not None:
        path = prepared.cache_file(cached)
        config.Sandbox.readable_paths = list(config.Sandbox.get("readable_paths", [])) + [str(path)]
        config.Sandbox.environment = {**config.Sandbox.get("environment", {}), cache.ENV: str(path)}
    # whichever pipeline the course configures, its kernels are sandboxed (a plain Execute never runs), and a
    # dead kernel does not lose the grades of the cells that ran before it
    steps = list(config.Autograde.autograde_preprocessors) if "autograde_preprocessors" in config.Autograde else None
    config.Autograde.autograde_preprocessors = with_stop_on_grader_fault(autograde_preprocessors(steps, keep_grading=True))
    return config


def _graded_ids(nb) -> set:
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") or c.metadata.get("nbgrader", {}).get("task")}


def grade_one(job: GradeJob) -> GradeResult:
    """Grade ``job`` in a private temporary course folder; never raises for a bad submission."""
    started = time.monotonic()
    result = GradeResult(assignment=job.assignment, student=job.student)
    bindir = os.path.dirname(sys.executable)  # nbgrader runs `alembic`, kernels run this environment
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    refused = _engine_refusal(job)
    if refused:  # this worker would grade with other code, packages or data than the coordinator's spec says
        result.status, result.kernel, result.infrastructure = "failed", "not run", refused
        result.reasons.append(refused)  # no grade is written: the earlier one stays
        result.seconds = time.monotonic() - started
        return result
    try:
        scratch.sweep_once()  # folders of grading processes killed before (on this machine), before the first grade
        with tempfile.TemporaryDirectory(prefix=scratch.prefix("grade")) as folder:
            _grade_in(Path(folder) / "course", job, result)
    except Exception:  # noqa: BLE001 - a worker must report, not crash the batch
        result.status = "failed"
        result.infrastructure = (f"{REASON_PREFIX} the grader itself crashed ({traceback.format_exc().strip().splitlines()[-1]});"
                                 " see the log tail, fix the grading environment and grade again")
        result.reasons.append(result.infrastructure)  # no grade is written: the earlier one stays
        result.log_tail = _tail(traceback.format_exc())
        result.kernel = "not run" if result.kernel == "ok" else result.kernel
        result.autograded, result.cells, result.comments, result.late_penalties, result.outcomes = {}, [], [], {}, []
    result.seconds = time.monotonic() - started
    timings.finish(result)
    return result


def _engine_refusal(job: GradeJob) -> str:
    """The grader-fault reason refusing ``job`` when this worker's engine is not the coordinator's ("" if it is)."""
    from .fingerprint import engine_mismatch

    if not job.engine:
        return f"{REASON_PREFIX} the job carries no grading engine to check this worker against: grade it with `autograder grade`"
    why = engine_mismatch(job.engine, job.assignment)
    return f"{REASON_PREFIX} {why}" if why else ""


@dataclass
class _Prepared:
    """The submission's notebooks after the preflight: what is scanned, what scores 0 whatever it does."""

    readable: int = 0
    to_scan: dict = field(default_factory=dict)  # notebook name -> nbformat notebook
    zero_credit: dict = field(default_factory=dict)  # notebook id -> grade_ids scored 0 by the preflight
    notes: list = field(default_factory=list)  # reasons listed with the submission that do not flag it


def _grade_in(root: Path, job: GradeJob, result: GradeResult) -> None:
    """Lay out a private course, check the notebooks, autograde them, then read back what decides the grade."""
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    report_dir = root.parent / "kernel-reports"
    submitted = _lay_out(root, job)
    prepared = _preflight(db_url, job, result, submitted)
    failed = not prepared.readable or not _autograde(root, job, result, report_dir)
    if result.infrastructure:  # the grader's fault: no grade, no feedback; the coordinator keeps the earlier grade
        result.status, result.kernel = "failed", "not run"
        return
    refused = []  # what read_tree would not read back from autograded/ (the sandbox's sweep leaves none)
    autograded = {} if failed else _autograded_notebooks(root, job, result, refused)
    result.reasons.extend(_foreign_variants(root, job, prepared, autograded))
    if failed:
        result.kernel = "not run"  # nothing of what ran (if anything) is graded
    else:
        result.kernel, reasons = submission_fate(autograded, report_dir)
        result.reasons.extend(reasons)
    findings = integrity.submission_findings({**prepared.to_scan, **{k: v for k, v in autograded.items() if k in prepared.to_scan}},
                                             job.source, job.release, files=preflight.kernel_files(job.submission))
    findings += workfolder.planted_findings(report_dir) + refused
    if findings:
        result.withheld = True
        result.reasons.extend(findings)
    seen, result.kernels = timings.execution_timings(autograded, report_dir)
    result.timings.update(seen)
    executed = {name[: -len(".ipynb")]: _graded_ids(nb) for name, nb in autograded.items()}
    result.cells, result.comments, result.late_penalties = worker_gradebook.read_grades(db_url, job, executed, prepared.zero_credit, failed)
    # named mistakes, from the notebooks parsed once (a withheld score: as the gradebook will hold it)
    result.outcomes = outcomes.for_result(autograded, result.cells, "; ".join(result.reasons) if result.withheld else "")
    flagging = [r for r in result.reasons if r not in prepared.notes]
    result.status = "failed" if failed else ("flagged" if flagging else "graded")
    if any(not report.get("sandboxed", True) for report in read_report_dir(report_dir)):
        result.reasons.append(f"{UNSANDBOXED}: bubblewrap could not be used and c.Sandbox.require = False; the "
                              "submission's code could read the hidden tests, the solutions and the gradebook")
    if job.feedback and not failed and not result.withheld:
        begun = time.monotonic()
        result.feedback, result.feedback_scores = _feedback(root, job, db_url)
        result.timings["feedback"] = time.monotonic() - begun


def _foreign_variants(root: Path, job: GradeJob, prepared: _Prepared, autograded: dict) -> list:
    """A review reason per notebook that its student ran, or the grading kernel ran, under another id's variant."""
    from .. import course, variants

    config = course.apply_overrides(course.load_config(root), job.overrides)
    graded_as = variants.variant_id(config, None, job.student)
    return (variants.foreign_variant_reasons(config, prepared.to_scan, job.student, graded_as)
            + variants.changed_variant_reasons(config, autograded, graded_as))


def _lay_out(root: Path, job: GradeJob) -> Path:
    """The private course: config, template gradebook, source/ and the submission; returns its folder."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(job.config_text)
    (root / "gradebook.db").write_bytes(job.template_db)
    write_tree(root / "source" / job.assignment, job.source)
    submitted = root / "submitted" / job.student / job.assignment
    write_tree(submitted, job.submission)
    submitted.mkdir(parents=True, exist_ok=True)
    return submitted


def _preflight(db_url: str, job: GradeJob, result: GradeResult, submitted: Path) -> _Prepared:
    """Check and repair each notebook (``grading.preflight``); an unreadable one is removed (its cells score 0)."""
    import nbformat

    prepared = _Prepared()
    shadows, prepared.notes = preflight.drop_shadowing_files(job.submission, submitted)
    result.reasons.extend(shadows + prepared.notes)
    result.withheld = result.withheld or bool(shadows)  # an integrity finding: reviewed by a person
    result.reasons.extend(f"submitted/{entry}; it was left out of grading" for entry in job.refused)
    for notebook_id, (known, graded) in sorted(worker_gradebook.structure(db_url, job).items()):
        name = f"{notebook_id}.ipynb"
        if name not in job.submission:
            result.reasons.append(f"{name} is missing from the submission; its cells score 0")
            continue
        reference = job.release.get(name) or job.source.get(name)
        reference_nb = nbformat.reads(reference.decode("utf-8"), as_version=4) if reference else nbformat.v4.new_notebook()
        check = preflight.check(job.submission[name], name, reference_nb, known, graded)
        result.reasons.extend(check.reasons)
        if check.unreadable:
            (submitted / name).unlink()  # nbgrader scores a missing notebook 0 on every cell
            result.unreadable[name] = unreadable.describe(job.submission[name])  # for its feedback page
            continue
        prepared.readable += 1
        prepared.to_scan[name] = check.notebook
        prepared.zero_credit[notebook_id] = check.zero_credit
        if check.changed:
            (submitted / name).write_bytes(preflight.to_bytes(check.notebook))
    if not prepared.readable and not result.reasons:
        result.reasons.append("the submission holds no notebook of the assignment; every cell scores 0")
    return prepared


def _autograde(root: Path, job: GradeJob, result: GradeResult, report_dir: Path) -> bool:
    """nbgrader's real ``Autograde`` in the private course; False (with the reason) if nbgrader gave up."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from sqlalchemy.exc import SAWarning

    from ..policy.extensions import apply_extension

    # nbgrader counts lateness from the due date plus the student's extension, kept on the submission row
    apply_extension(f"sqlite:///{root / 'gradebook.db'}", job.course_id, job.assignment, job.student, job.extension_seconds)
    config = _config(root, job, report_dir)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's session handling, harmless
        outcome = api.autograde(job.assignment, job.student, force=True, create=True)
    full_log = (outcome.get("log") or "") + "\n" + (outcome.get("error") or "")
    result.log_tail = _tail(full_log)
    if not outcome["success"]:
        result.infrastructure = reason_in_log(full_log)  # StopOnGraderFault: the grader's fault, not a score
        result.reasons.append(result.infrastructure
                              or f"nbgrader could not grade the submission ({nbgrader_log.reason(full_log)}); every cell scores 0")
    return bool(outcome["success"])


def _autograded_notebooks(root: Path, job: GradeJob, result: GradeResult, refused: list) -> dict:
    """Keep nbgrader's autograded files in ``result``; return its top-level notebooks, parsed once.

    A file too large to read back is left out with a reason; anything else not read back (not a regular file)
    is appended to ``refused`` as an integrity finding."""
    import nbformat

    skipped = []
    result.autograded = read_tree(root / "autograded" / job.student / job.assignment, skipped)
    for entry in skipped:
        if entry.endswith(" read back"):  # too large: not suspicious in itself
            result.reasons.append(f"autograded/{entry}; it was left out of autograded/")
        else:
            refused.append(f"integrity: autograded/{entry}; it was not read back")
    return {name: nbformat.reads(data.decode("utf-8"), as_version=4)
            for name, data in result.autograded.items() if name.endswith(".ipynb") and "/" not in name}


def _feedback(root: Path, job: GradeJob, db_url: str) -> tuple:
    """nbgrader's GenerateFeedback in the private course: ``(files as bytes, grade_id -> score shown)``.

    ``({}, {})`` if it failed. The course's GenerateFeedback preprocessors apply (hidden tests hidden).
    The coordinator keeps this feedback only if the course gradebook ends with the same cell scores.
    """
    from .. import course
    from ..storage.gradebook import cell_scores

    api = course.nbgrader_api(root, **{"CourseDirectory.db_url": db_url, **PRIVATE_FOLDERS})
    with course.inside(root), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = api.generate_feedback(job.assignment, job.student, force=True)
    files = read_tree(root / "feedback" / job.student / job.assignment)
    if not outcome["success"] or not files:
        return {}, {}
    return files, {grade_id: cell.score for grade_id, cell in cell_scores(db_url, job.course_id, job.assignment, job.student).items()}

