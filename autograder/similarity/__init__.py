"""Similarity detection: copied work found across a class, honest work left alone.

Flag, never decide: nothing here changes a grade. ``run`` compares every pair of submissions of an
assignment, answer cell by answer cell and as whole notebooks, and writes the evidence for an instructor
to read (``reports/<assignment>/similarity.csv`` and ``similarity.html``).

Modules, one job each: ``settings`` (``c.Similarity.*``), ``code_tokens`` and ``text_tokens`` (what a
cell becomes before comparing), ``units`` (reading the release and the submissions), ``compare`` (all
pairs), ``csv_file`` and ``html_page`` (the two reports).
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from .csv_file import FlaggedPair
from .settings import DEFAULT_THRESHOLD, Similarity, load_settings
from .units import NOTEBOOK, Skipped

__all__ = ["run", "flagged_pairs", "after_grading", "Similarity", "SimilarityResult", "FlaggedPair", "Skipped",
           "DEFAULT_THRESHOLD", "NOTEBOOK", "report_paths"]


@dataclass
class SimilarityResult:
    """What ``run`` found and wrote."""

    assignment: str
    students: list  # the students compared
    pairs_compared: int
    flagged: list  # [FlaggedPair], most similar first
    skipped: list  # [Skipped]: submissions (grade_id None) or cells left out, with the reason
    csv_path: Path
    html_path: Path
    threshold: float
    seconds: dict = field(default_factory=dict)  # "config", "read", "compare", "write", "total"

    def summary(self) -> str:
        """A few lines for the command line: counts, the flagged pairs, what was skipped and why."""
        lines = [
            f"{self.assignment}: compared {len(self.students)} submissions ({self.pairs_compared} pairs) in "
            f"{self.seconds.get('total', 0):.1f} s; {len(self.flagged)} pairs flagged at similarity >= "
            f"{self.threshold:.2f}"
        ]
        for pair in self.flagged:
            units = ", ".join(f"{grade_id} {value:.2f}" for grade_id, value in pair.units)
            lines.append(f"  flagged {pair.student_a} / {pair.student_b}: {units}")
        for skip in self.skipped:
            where = f" ({skip.grade_id})" if skip.grade_id else ""
            lines.append(f"  skipped {skip.student}{where}: {skip.reason}")
        if self.flagged:
            lines.append("A flag is evidence to read, not a finding: open the report and compare the passages.")
        return "\n".join(lines)


def report_paths(root, assignment) -> tuple:
    """``(similarity.csv, similarity.html)`` of an assignment: where ``run`` writes and the report links."""
    folder = Path(root) / "reports" / assignment
    return folder / "similarity.csv", folder / "similarity.html"


def _course_folders(root: Path, assignment: str, config):
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    coursedir.root = str(root)
    release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment))
    if not release.is_dir() or not any(release.glob("*.ipynb")):
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        if not source.is_dir():
            from ..errors import CourseLayoutError

            raise CourseLayoutError(f"unknown assignment {assignment}: no {source} in the course.")
        from ..errors import AutograderError

        raise AutograderError(f"no released notebook of {assignment} in {release}: run `autograder build "
                              f"{assignment}` first (similarity removes the given code of the release).")
    return release, Path(root) / coursedir.submitted_directory


def run(root, assignment: str, threshold: float | None = None, config=None) -> SimilarityResult:
    """Compare every pair of ``assignment``'s collected submissions and write the two reports.

    ``threshold`` overrides ``c.Similarity.threshold``; ``config`` is a traitlets Config (default: the
    course's ``nbgrader_config.py``). Unreadable or empty submissions and missing cells are listed in
    ``skipped`` and never stop the run.
    """
    from .. import course
    from . import compare, csv_file, html_page, units

    started = time.perf_counter()
    root = Path(root).resolve()
    if config is None:
        config = course.load_config(root)
    settings = load_settings(root, config, threshold)
    config_done = time.perf_counter()
    release_dir, submitted = _course_folders(root, assignment, config)
    fingerprinter = units.Fingerprinter(settings.code_ngram, settings.text_ngram)
    template = units.read_template(release_dir, fingerprinter)
    submissions, skipped = units.read_class(submitted, assignment, template, fingerprinter)
    read_done = time.perf_counter()

    rows = compare.compare(submissions, settings)
    pairs = csv_file.flagged(rows)
    compare_done = time.perf_counter()

    csv_path, html_path = report_paths(root, assignment)
    csv_file.write(csv_path, rows)
    html_page.write(html_path, assignment, pairs, {s.student: s for s in submissions}, skipped, settings,
                    n_students=len(submissions))
    done = time.perf_counter()
    return SimilarityResult(
        assignment=assignment,
        students=[s.student for s in submissions],
        pairs_compared=compare.pair_count(len(submissions)),
        flagged=pairs,
        skipped=skipped,
        csv_path=csv_path,
        html_path=html_path,
        threshold=settings.threshold,
        seconds={"config": config_done - started, "read": read_done - config_done, "compare": compare_done - read_done, "write": done - compare_done,
                 "total": done - started},
    )


def flagged_pairs(root, assignment: str) -> list:
    """The flagged pairs of the last ``run`` (read from similarity.csv), most similar first; [] if none ran."""
    from . import csv_file

    path, _ = report_paths(root, assignment)
    if not path.is_file():
        return []
    return csv_file.flagged(csv_file.read(path))


def after_grading(root, assignment: str, config=None):
    """For the end of ``autograder grade``: ``run`` unless ``c.Similarity.enabled`` is False (then None)."""
    from .. import course

    root = Path(root).resolve()
    if config is None:
        config = course.load_config(root)
    if not load_settings(root, config).enabled:
        return None
    return run(root, assignment, config=config)
