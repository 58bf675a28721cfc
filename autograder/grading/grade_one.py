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
release notebooks trusted, and the runtime findings the checks printed); any finding flags the result
and withholds its score, one reason per finding.
"""

import os
import re
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from . import preflight
from .jobs import CellResult, CommentResult, GradeJob, GradeResult
from ..preprocessors.grading_execute import CELL_TIMEOUT, KERNEL_DIED, with_kept_grading

LOG_TAIL_LINES = 30


def _write_tree(folder: Path, files: dict) -> None:
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _read_tree(folder: Path) -> dict:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join((text or "").strip().splitlines()[-lines:])


def _last_error(log: str) -> str:
    """The last ``SomeError: message`` line of an nbgrader log (else its last line)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines
              if re.match(r"^[\w.]*(Error|Exception)\b.*:", line) and "NbGraderException" not in line]
    return (errors or lines or ["no log"])[-1]


def _config(root: Path, job: GradeJob, report_dir: Path):
    from nbgrader.preprocessors import Execute

    from .. import course
    from ..reference import cache
    from ..sandbox import SandboxedExecute

    config = course.load_config(root, **{"CourseDirectory.db_url": f"sqlite:///{root / 'gradebook.db'}"})
    for key, value in job.overrides:
        section, trait = key.split(".")
        setattr(config[section], trait, value)
    # the sandbox masks this private course's secrets (the real course's come in Sandbox.hidden_paths) and
    # writes how each kernel ended next to it, outside the course
    config.Sandbox.course_root = str(root)
    config.Sandbox.report_dir = str(report_dir)
    # reference answers computed once per worker process, read-only in every kernel (autograder.reference.cache)
    cached = cache.build(job.assignment)
    if cached is not None:
        path = root.parent / "reference-cache.pickle"
        path.write_bytes(cached)
        config.Sandbox.readable_paths = list(config.Sandbox.get("readable_paths", [])) + [str(path)]
        config.Sandbox.environment = {**config.Sandbox.get("environment", {}), cache.ENV: str(path)}
    if "autograde_preprocessors" in config.Autograde:
        steps = list(config.Autograde.autograde_preprocessors)
    else:
        from nbgrader.converters import Autograde

        steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
    # whichever Execute the course configures (e.g. the sandbox's) starts the kernels; a dead kernel must
    # not lose the grades of the cells that ran before it
    steps = [SandboxedExecute if step is Execute else step for step in steps]  # plain Execute: never unsandboxed
    config.Autograde.autograde_preprocessors = [
        with_kept_grading(step) if isinstance(step, type) and issubclass(step, Execute) else step for step in steps
    ]
    return config


def _kernel_fate(notebooks: dict) -> tuple:
    """``(fate, reasons)`` from the error outputs of the autograded notebooks."""
    import nbformat

    fate, reasons = "ok", []
    for name, data in notebooks.items():
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        for index, cell in enumerate(nb.cells):
            label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                ename, evalue = output.get("ename"), output.get("evalue", "")
                if ename == CELL_TIMEOUT:
                    reasons.append(f"{name}: {label} ran out of time (Execute.timeout) and was interrupted")
                    fate = "timeout" if fate == "ok" else fate
                elif ename == KERNEL_DIED and not evalue.startswith("not run"):
                    reasons.append(f"{name}: {label}: {evalue}; the cells after it were not run and score 0")
                    fate = "died"
                elif ename == "MemoryError":
                    reasons.append(f"{name}: {label} ran out of memory (MemoryError)")
                    fate = "out of memory" if fate in ("ok", "timeout") else fate
    return fate, reasons


_SANDBOX_REASONS = {
    "out of memory": "the kernel ran out of memory (the sandbox's limits Sandbox.memory_bytes / cgroup_memory_bytes)",
    "timeout": "the kernel ran past the sandbox's time limit (Sandbox.wall_clock_seconds / cpu_seconds) and was killed",
    "died": "the kernel process exited while the notebook was running",
}


def _sandbox_fate(fate: str, reasons: list, notebooks: dict, report_dir: Path) -> tuple:
    """Refine the fate read from error outputs with the sandbox's kernel reports (OOM kill, wall clock)."""
    import nbformat

    from ..sandbox import classify_kernel_fate, read_report_dir

    reports = read_report_dir(report_dir)
    if not reports:
        return fate, reasons
    fates = [classify_kernel_fate(nbformat.reads(data.decode("utf-8"), as_version=4), None, reports)
             for data in notebooks.values()] or [classify_kernel_fate(None, None, reports)]
    order = ("out of memory", "timeout", "died")  # classify_kernel_fate's precedence
    reported = next((f for f in order if f in fates), "ok")
    if reported in ("ok", fate):
        return fate, reasons
    return reported, reasons + [_SANDBOX_REASONS[reported]]


def _integrity_findings(notebooks: dict, job: GradeJob) -> list:
    """``notebook: finding`` lines: the static scan (source and release trusted) and runtime findings."""
    import nbformat

    from .. import integrity

    lines = []
    for name, nb in sorted(notebooks.items()):
        trusted = [nbformat.reads(job.source[name].decode("utf-8"), as_version=4)] if name in job.source else []
        if name in job.release:
            trusted.append(nbformat.reads(job.release[name].decode("utf-8"), as_version=4))
        try:
            findings = integrity.scan_notebook(nb, trusted=trusted) + integrity.findings_from_outputs(nb)
        except Exception as error:  # noqa: BLE001 - a scan that cannot finish is itself suspicious
            lines.append(f"{name}: the integrity scan failed ({type(error).__name__}: {error}); review it by hand")
            continue
        for finding in findings:
            line = f"{name}: integrity: {finding}"
            if line not in lines:
                lines.append(line)
    return lines


def _read_grades(db_url: str, job: GradeJob, executed: dict, zero_credit: dict, failed: bool):
    """Cells, comments and late penalties of the submission in the worker's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    from sqlalchemy.exc import SAWarning

    cells, comments, penalties = [], [], {}
    with warnings.catch_warnings(), Gradebook(db_url, course_id=job.course_id) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's session handling, harmless
        assignment = gb.find_assignment(job.assignment)
        try:
            gb.find_submission(job.assignment, job.student)
        except MissingEntry:
            gb.update_or_create_student(job.student)
            gb.update_or_create_submission(job.assignment, job.student)
        for notebook in assignment.notebooks:
            submitted = gb.find_submission_notebook(notebook.name, job.assignment, job.student)
            penalties[notebook.name] = None if failed else submitted.late_submission_penalty
            for grade in submitted.grades:
                zero = failed or grade.name in zero_credit.get(notebook.name, ())
                cells.append(CellResult(
                    notebook=notebook.name,
                    grade_id=grade.name,
                    auto_score=0.0 if zero else (None if grade.auto_score is None else float(grade.auto_score)),
                    max_score=float(grade.max_score),
                    needs_manual_grade=False if zero else bool(grade.needs_manual_grade),
                    executed=not zero and grade.name in executed.get(notebook.name, ()),
                ))
            for comment in submitted.comments:
                comments.append(CommentResult(notebook.name, comment.name, None if failed else comment.auto_comment))
    return cells, comments, penalties


def _zero_grades(job: GradeJob):
    """Every cell of the assignment at 0 (from the template gradebook): the result of a submission that failed."""
    with tempfile.TemporaryDirectory(prefix="autograder-zero-") as scratch:
        path = Path(scratch) / "gradebook.db"
        path.write_bytes(job.template_db)
        return _read_grades(f"sqlite:///{path}", job, {}, {}, failed=True)


def _structure(db_url: str, job: GradeJob) -> dict:
    """``notebook -> (grade_id -> cell_type of every cell nbgrader knows, grade_ids of graded cells)``."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id=job.course_id) as gb:
        return {
            notebook.name: (
                {cell.name: cell.cell_type for cell in notebook.source_cells},
                {cell.name for cell in notebook.grade_cells} | {cell.name for cell in notebook.task_cells},
            )
            for notebook in gb.find_assignment(job.assignment).notebooks
        }


def _graded_ids(data: bytes) -> set:
    import nbformat

    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") or c.metadata.get("nbgrader", {}).get("task")}


def grade_one(job: GradeJob) -> GradeResult:
    """Grade ``job`` in a private temporary course folder; never raises for a bad submission."""
    started = time.monotonic()
    result = GradeResult(assignment=job.assignment, student=job.student)
    bindir = os.path.dirname(sys.executable)  # nbgrader runs `alembic`, kernels run this environment
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    try:
        with tempfile.TemporaryDirectory(prefix="autograder-grade-") as scratch:
            _grade_in(Path(scratch) / "course", job, result)
    except Exception:  # noqa: BLE001 - a worker must report, not crash the batch
        result.status = "failed"
        result.reasons.append("the grader itself crashed: " + traceback.format_exc().strip().splitlines()[-1])
        result.log_tail = _tail(traceback.format_exc())
        result.kernel = "not run" if result.kernel == "ok" else result.kernel
        result.autograded = {}
        result.cells, result.comments, result.late_penalties = _zero_grades(job)
    result.seconds = time.monotonic() - started
    return result


def _grade_in(root: Path, job: GradeJob, result: GradeResult) -> None:
    import nbformat

    (root / "nbgrader_config.py").parent.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(job.config_text)
    (root / "gradebook.db").write_bytes(job.template_db)
    _write_tree(root / "source" / job.assignment, job.source)
    submitted = root / "submitted" / job.student / job.assignment
    _write_tree(submitted, job.submission)
    submitted.mkdir(parents=True, exist_ok=True)

    db_url = f"sqlite:///{root / 'gradebook.db'}"
    report_dir = root.parent / "kernel-reports"
    structure = _structure(db_url, job)
    zero_credit, readable, to_scan = {}, 0, {}
    for notebook_id, (known, graded) in sorted(structure.items()):
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
            continue
        readable += 1
        to_scan[name] = check.notebook
        zero_credit[notebook_id] = check.zero_credit
        if check.changed:
            (submitted / name).write_bytes(preflight.to_bytes(check.notebook))

    failed = False
    if readable == 0:
        failed = True
        result.kernel = "not run"
        if not result.reasons:
            result.reasons.append("the submission holds no notebook of the assignment; every cell scores 0")
    else:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        from sqlalchemy.exc import SAWarning

        config = _config(root, job, report_dir)
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's session handling, harmless
            outcome = api.autograde(job.assignment, job.student, force=True, create=True)
        full_log = (outcome.get("log") or "") + "\n" + (outcome.get("error") or "")
        result.log_tail = _tail(full_log)
        if not outcome["success"]:
            failed = True
            result.kernel = "not run"  # nbgrader discards what ran: nothing of it is graded
            result.reasons.append(f"nbgrader could not grade the submission ({_last_error(full_log)}); "
                                  "every cell scores 0")

    autograded_dir = root / "autograded" / job.student / job.assignment
    result.autograded = {} if failed else _read_tree(autograded_dir)
    autograded_nbs = {k: v for k, v in result.autograded.items() if k.endswith(".ipynb") and "/" not in k}
    executed = {name[: -len(".ipynb")]: _graded_ids(data) for name, data in autograded_nbs.items()}
    if not failed:
        fate, reasons = _sandbox_fate(*_kernel_fate(autograded_nbs), autograded_nbs, report_dir)
        result.kernel = fate
        result.reasons.extend(reasons)
    # what ran (nbgrader restored the instructor's cells), else what was submitted
    for name, data in autograded_nbs.items():
        if name in to_scan:
            to_scan[name] = nbformat.reads(data.decode("utf-8"), as_version=4)
    findings = _integrity_findings(to_scan, job)
    if findings:
        result.withheld = True
        result.reasons.extend(findings)
    result.cells, result.comments, result.late_penalties = _read_grades(db_url, job, executed, zero_credit, failed)
    result.status = "failed" if failed else ("flagged" if result.reasons else "graded")
    if job.feedback and not failed and not result.withheld:
        result.feedback, result.feedback_scores = _feedback(root, job, db_url)


def _feedback(root: Path, job: GradeJob, db_url: str) -> tuple:
    """nbgrader's GenerateFeedback in the private course: ``(files as bytes, grade_id -> score shown)``.

    ``({}, {})`` if it failed. The course's GenerateFeedback preprocessors apply (hidden tests hidden).
    The coordinator keeps this feedback only if the course gradebook ends with the same cell scores.
    """
    from .. import course
    from ..gradebook import cell_scores

    api = course.nbgrader_api(root, **{"CourseDirectory.db_url": db_url})
    with course.inside(root), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = api.generate_feedback(job.assignment, job.student, force=True)
    files = _read_tree(root / "feedback" / job.student / job.assignment)
    if not outcome["success"] or not files:
        return {}, {}
    return files, {grade_id: cell.score for grade_id, cell in cell_scores(db_url, job.course_id, job.assignment, job.student).items()}

