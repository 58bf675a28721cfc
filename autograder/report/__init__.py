"""The page an instructor opens first after a deadline: ``reports/<assignment>/index.html``.

Headline numbers, then the item analysis (``autograder.report.item_stats``: per task mean, full marks,
discrimination, the named mistakes ranked), tasks whose test may be wrong pointed out, plots where they
read faster than numbers, the submissions to review, and every student's scores. Rendered from a
Jinja2 template (``templates/index.html.j2``, autoescaped). The page is self-contained (plots inlined
as base64 PNG, no scripts, no network); the PNGs and ``summary.json`` (every number shown) are written
beside it. Numbers come from the gradebook through ``autograder.report.results``; the records add status,
reasons and time. Who counts in the statistics and who is counted apart (flagged, withheld, failed, no
submission) is ``autograder.report.class_numbers``'s rule, the one ``autograder grade`` prints its mean by.
"""

import base64
import itertools
import json
from pathlib import Path

import jinja2

from .class_numbers import class_numbers, counted_students, group
from .item_stats import LOW_DISCRIMINATION, TOLERANCE, item_statistics
from .results import AssignmentResults, load
from . import plots, variant_stats

ATTENTION = ("flagged", "failed")


def _shares(results: AssignmentResults, task) -> dict:
    """Shares of the counted submissions with full marks, partial, zero, or awaiting a grader on ``task``."""
    values = [s.cells.get(task.grade_id) for s in counted_students(results.students)]
    n = len(values) or 1
    graded = [v for v in values if v is not None]
    return {
        "full": sum(v >= task.max_score - TOLERANCE for v in graded) / n,
        "partial": sum(0 < v < task.max_score - TOLERANCE for v in graded) / n,
        "zero": sum(v <= 0 for v in graded) / n,
        "awaiting": (len(values) - len(graded)) / n,
    }


def summary(results: AssignmentResults, params: dict | None = None) -> dict:
    """Every number of the report: the class's (``class_numbers``: the groups, and the mean and median of the counted
    submissions' gradebook scores before late penalties), then per task; with ``params`` (student -> their variant's
    parameters, ``variant_stats.student_params``), per task and variant parameter value (``variants``)."""
    counted = counted_students(results.students)
    items = item_statistics(results)
    tasks = {t.grade_id: t for t in results.tasks}
    item_rows = []
    for stats in items.tasks:
        task = tasks[stats.grade_id]
        item_rows.append({
            "grade_id": stats.grade_id, "label": stats.label, "heading": task.heading, "title": task.title,
            "max_score": stats.max_score, "manual": stats.manual, "counted": stats.counted,
            "awaiting": stats.awaiting, "mean": stats.mean,
            "mean_fraction": stats.mean / stats.max_score if stats.mean is not None and stats.max_score else None,
            "full_marks": stats.full_marks, "discrimination": stats.discrimination, "suspicious": stats.suspicious,
            "shares": _shares(results, task),
            "mistakes": [{"code": m.code, "students": m.students, "share": m.share, "examples": list(m.examples),
                          "message": m.message} for m in stats.mistakes],
        })
    return {
        "assignment": results.assignment,
        "course_id": results.course_id,
        **class_numbers(results.students, results.max_score).as_dict(),
        "late": sum(s.seconds_late > 0 for s in results.submitted),
        "scores": {s.student: s.score for s in counted},
        "seconds": {s.student: s.seconds for s in results.students if s.seconds is not None},
        "low_discrimination": LOW_DISCRIMINATION,
        "items": item_rows,
        "tasks": {r["grade_id"]: {"max_score": r["max_score"], "graded": r["counted"], "mean_fraction": r["mean_fraction"]}
                  for r in item_rows},
        "variants": variant_stats.of_results(results, params).as_dict() if params else None,
    }


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = lambda v, digits=2: "–" if v is None else f"{v:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{v:g}"
    env.filters["pct"] = lambda v: "–" if v is None else f"{100 * v:.0f}%"
    env.filters["data_uri"] = lambda p: "data:image/png;base64," + base64.b64encode(Path(p).read_bytes()).decode()
    return env


def render(results: AssignmentResults, numbers: dict, figures: list, similarity: dict | None = None) -> str:
    """The HTML page: ``figures`` is ``[(path, caption)]``; ``similarity``: ``{"pairs", "page"}`` of the
    last similarity check (``autograder.similarity``), or None when it never ran."""
    attention = [s for s in results.students if s.status in ATTENTION or s.withheld]
    # the scores table heads each run of graded cells under one notebook heading with that heading
    task_groups = [(heading, list(tasks)) for heading, tasks in
                   itertools.groupby(results.tasks, key=lambda task: task.heading or task.grade_id)]
    return _environment().get_template("index.html.j2").render(
        results=results, n=numbers, figures=figures, attention=attention, task_groups=task_groups,
        missing=[s for s in results.students if group(s) == "missing"],
        suspicious=[i for i in numbers["items"] if i["suspicious"]],
        similarity=similarity,
    )


def _similarity(root: Path, assignment: str, out: Path) -> dict | None:
    """The flagged pairs of the last similarity check and its page, relative to the report (None if it never ran)."""
    import os

    from .. import similarity

    csv, html = similarity.report_paths(root, assignment)
    if not csv.is_file():
        return None
    page = os.path.relpath(html, out) if html.is_file() else None
    return {"pairs": similarity.flagged_pairs(root, assignment), "page": page}


def report(root, assignment: str, db_url: str | None = None, out_dir=None) -> Path:
    """Write ``reports/<assignment>/index.html`` (plus PNGs and summary.json beside it); return its path."""
    import seaborn as sns

    root = Path(root).resolve()
    results = load(root, assignment, db_url)
    out = Path(out_dir) if out_dir else root / "reports" / assignment
    out.mkdir(parents=True, exist_ok=True)
    params = variant_stats.student_params(root, assignment, [s.student for s in results.students], db_url)
    numbers = summary(results, params)
    sns.set_theme(style="whitegrid")
    figures = [
        (plots.scores(numbers, out / "scores.png"),
         f"How the {numbers['counted']} counted submissions scored, out of {numbers['max_score']:g}."),
        (plots.tasks(numbers["items"], out / "tasks.png"),
         "Per task, the share of counted submissions with full marks, part of the points, none, "
         "or a written answer still awaiting a grader."),
        (plots.mistakes(numbers["items"], out / "mistakes.png"),
         "The named mistakes: how many counted students made each, by task."),
        (plots.seconds(numbers, out / "seconds.png"), "How long the grader took per submission."),
    ]
    (out / "summary.json").write_text(json.dumps(numbers, indent=2))
    page = out / "index.html"
    page.write_text(render(results, numbers, figures, _similarity(root, assignment, out)), encoding="utf-8")
    return page
