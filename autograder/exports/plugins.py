"""The course's exports as nbgrader ``ExportPlugin``s, so plain ``nbgrader export`` writes them too.

    nbgrader export --exporter=autograder.exports.plugins.QuestionsExport [--assignment A] [--to exports]
    nbgrader export --exporter=autograder.exports.plugins.MistakesExport  [--assignment A] [--to exports]
    nbgrader export --exporter=autograder.exports.plugins.CanvasExport    [--assignment A] [--to FILE]

Each reads the class through ``autograder.report.results`` (the gradebook nbgrader opened, the records and
outcomes beside it, the course's source/ for task order and headings) and writes with
``autograder.exports.csv_files``; ``autograder export`` runs these same plugins through nbgrader's
``ExportApp``, so both commands write the same bytes. ``--assignment`` (repeatable) limits the
assignments; by default every assignment of the gradebook with a submission. For the questions and
mistakes exports ``--to`` is a folder (one file per assignment), for Canvas a file: by default
``exports/<assignment>-canvas.csv`` for one ``--assignment``, ``exports/all-assignments-canvas.csv`` without one
(the names ``autograder export`` gives them, ``csv_files.file_name``).
"""

from pathlib import Path

from nbgrader.plugins import ExportPlugin

from ..errors import NoGradesError
from ..report.results import graded_assignments, load
from . import csv_files


class _CourseExport(ExportPlugin):
    """What the course's exports share: the course folder, the gradebook's URL, the assignments to export."""

    default_to = "exports"

    def _root(self) -> Path:
        coursedir = getattr(self.parent, "coursedir", None)
        return Path(coursedir.root if coursedir is not None else ".").resolve()

    def _destination(self) -> Path:
        return Path(self.to or self.default_to).resolve()

    def _results(self, gradebook) -> list:
        db_url = self.parent.coursedir.db_url  # the database nbgrader opened ``gradebook`` on
        names = [str(a) for a in self.assignment] or graded_assignments(db_url, gradebook.course_id)
        if not names:
            raise NoGradesError(f"no grades in {db_url}: run autograder grade first")
        return [load(self._root(), name, db_url) for name in names]


class QuestionsExport(_CourseExport):
    """``<assignment>-questions.csv``: one row per student, one column per graded cell, status and reasons."""

    def export(self, gradebook) -> None:
        folder = self._destination()
        folder.mkdir(parents=True, exist_ok=True)
        for results in self._results(gradebook):
            path = csv_files.questions_csv(results, folder / f"{results.assignment}-questions.csv")
            self.log.info("Wrote %s", path)


class MistakesExport(_CourseExport):
    """``<assignment>-mistakes.csv``: one row per failed autograded test cell, with its mistake and message."""

    def export(self, gradebook) -> None:
        folder = self._destination()
        folder.mkdir(parents=True, exist_ok=True)
        for results in self._results(gradebook):
            path = csv_files.mistakes_csv(results, folder / f"{results.assignment}-mistakes.csv")
            self.log.info("Wrote %s", path)


class CanvasExport(_CourseExport):
    """A Canvas gradebook import CSV of the assignments (one column each)."""

    def export(self, gradebook) -> None:
        path = Path(self.to).resolve() if self.to else \
            Path("exports", csv_files.file_name("canvas", [str(a) for a in self.assignment])).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        csv_files.canvas_csv(self._results(gradebook), path)
        self.log.info("Wrote %s", path)
