"""Grades out of the gradebook into CSV files under ``exports/``, every one through nbgrader's ``ExportApp``.

Four kinds of file: nbgrader's own CSV (its ``CsvExportPlugin``), and the course's plugins
(``autograder.exports.plugins``): a per-question CSV and a mistakes CSV per assignment, and a Canvas
gradebook import CSV. ``nbgrader export --exporter=autograder.exports.plugins.<Name>`` writes the same files.
One naming scheme (``csv_files.file_name``): ``<assignment>-<kind>.csv``, and ``all-assignments-<kind>.csv`` for
the files of every graded assignment (``autograder export`` without an assignment).
"""

from pathlib import Path

from .. import course
from ..errors import NoGradesError
from ..report.results import course_database, graded_assignments
from .csv_files import file_name


def run_plugin(root: Path, db_url: str, plugin: str, to: Path, assignments: list[str]) -> Path:
    """nbgrader's ``ExportApp`` with the export plugin ``plugin`` (a dotted class name) writing to ``to``."""
    from nbgrader.apps import ExportApp
    from nbgrader.coursedir import CourseDirectory

    root = Path(root).resolve()
    config = course.load_config(root, **{
        "CourseDirectory.db_url": db_url,
        "ExportApp.plugin_class": plugin,
        "ExportPlugin.to": str(to),
        "ExportPlugin.assignment": list(assignments),
    })
    with course.inside(root):
        app = ExportApp(coursedir=CourseDirectory(config=config), config=config)
        app.log_level = "WARN"
        course.run_converter(app, f"nbgrader export --exporter={plugin}")
    return to


def nbgrader_csv(root: Path, db_url: str, path: Path, assignments: list[str]) -> Path:
    """nbgrader's own ``CsvExportPlugin`` writing ``path`` for ``assignments``."""
    return run_plugin(root, db_url, "nbgrader.plugins.CsvExportPlugin", path, assignments)


def export(root, assignment: str | None = None, db_url: str | None = None, out_dir=None) -> list[Path]:
    """Write nbgrader's CSV, the per-question and mistakes CSVs and the Canvas CSV; return their paths.

    All graded assignments of the gradebook by default (``all-assignments-grades.csv``,
    ``all-assignments-canvas.csv``, and ``<assignment>-questions.csv``, ``<assignment>-mistakes.csv`` for each), or
    only ``assignment`` (``<assignment>-grades.csv`` ... ``<assignment>-canvas.csv``). Files go to
    ``<root>/exports/`` unless ``out_dir`` is given.
    """
    root = Path(root).resolve()
    db_url, course_id = course_database(root, db_url)
    if assignment is not None:
        course.require_assignments(root, [assignment])
        if assignment not in graded_assignments(db_url, course_id):
            raise NoGradesError(f"no grades for {assignment} in {db_url}: run autograder grade {assignment} first")
        names = [assignment]
    else:
        names = graded_assignments(db_url, course_id)
        if not names:
            raise NoGradesError(f"no grades in {db_url}: run autograder grade first")
    out = Path(out_dir).resolve() if out_dir else root / "exports"
    out.mkdir(parents=True, exist_ok=True)
    scope = [assignment] if assignment else None  # every graded assignment: all-assignments-<kind>.csv
    plugins = "autograder.exports.plugins."
    paths = [nbgrader_csv(root, db_url, out / file_name("grades", scope), names)]
    run_plugin(root, db_url, plugins + "QuestionsExport", out, names)
    paths += [out / file_name("questions", [name]) for name in names]
    run_plugin(root, db_url, plugins + "MistakesExport", out, names)
    paths += [out / file_name("mistakes", [name]) for name in names]
    paths.append(run_plugin(root, db_url, plugins + "CanvasExport", out / file_name("canvas", scope), names))
    return paths
