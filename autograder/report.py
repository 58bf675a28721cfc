"""One HTML page per assignment on how the class did: headline numbers, plots, submissions to look at.

``reports/<assignment>/index.html`` is self-contained (plots inlined as base64 PNG, no scripts, no
network); the PNGs and ``summary.json`` (every number plotted or shown) are written beside it. All
numbers come from the gradebook through ``autograder.results``; the records add status, reasons, time.
"""

import base64
import html
import json
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .results import AssignmentResults, load  # noqa: E402

ATTENTION = ("flagged", "failed")


def summary(results: AssignmentResults) -> dict:
    """The numbers of the report. ``mean``/``median`` are raw gradebook scores over submissions."""
    submitted = results.submitted
    scores = [s.score for s in submitted]
    task_means = {}
    for task in results.tasks:
        graded = [s.cells[task.grade_id] for s in submitted if s.cells.get(task.grade_id) is not None]
        task_means[task.grade_id] = {
            "max_score": task.max_score,
            "graded": len(graded),
            "mean_fraction": (sum(graded) / len(graded) / task.max_score) if graded and task.max_score else None,
        }
    return {
        "assignment": results.assignment,
        "course_id": results.course_id,
        "max_score": results.max_score,
        "students": len(results.students),
        "submitted": len(submitted),
        "missing": len(results.students) - len(submitted),
        "mean": statistics.fmean(scores) if scores else None,
        "median": statistics.median(scores) if scores else None,
        "flagged": sum(s.status == "flagged" for s in results.students),
        "failed": sum(s.status == "failed" for s in results.students),
        "withheld": sum(s.withheld for s in results.students),
        "late": sum(s.seconds_late > 0 for s in submitted),
        "scores": {s.student: s.score for s in submitted},
        "seconds": {s.student: s.seconds for s in results.students if s.seconds is not None},
        "tasks": task_means,
    }


def _save(fig, path: Path) -> Path:
    from matplotlib.ticker import MaxNLocator

    for ax in fig.axes:
        if ax.get_ylabel() == "submissions":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
    return path


def _no_data(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def plot_scores(numbers: dict, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    scores = list(numbers["scores"].values())
    if scores:
        sns.histplot(x=scores, bins=min(20, max(5, len(scores))), binrange=(0, numbers["max_score"]), ax=ax)
        ax.set_xlabel(f"score (out of {numbers['max_score']:g})")
        ax.set_ylabel("submissions")
    else:
        _no_data(ax, "no submissions")
    ax.set_title("Score distribution")
    return _save(fig, path)


def plot_tasks(numbers: dict, path: Path) -> Path:
    rows = [(gid, t["mean_fraction"]) for gid, t in numbers["tasks"].items() if t["mean_fraction"] is not None]
    fig, ax = plt.subplots(figsize=(6, 0.4 * max(3, len(rows)) + 1))
    if rows:
        frame = pd.DataFrame(rows, columns=["task", "mean fraction of max"])
        sns.barplot(data=frame, y="task", x="mean fraction of max", orient="h", ax=ax, color="tab:blue")
        ax.set_xlim(0, 1)
    else:
        _no_data(ax, "no graded tasks")
    ax.set_title("Mean score per task")
    return _save(fig, path)


def plot_seconds(numbers: dict, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    if numbers["seconds"]:
        sns.histplot(x=list(numbers["seconds"].values()), bins=min(20, max(5, len(numbers["seconds"]))), ax=ax)
        ax.set_xlabel("seconds to grade one submission")
        ax.set_ylabel("submissions")
    else:
        _no_data(ax, "no grading records (graded outside autograder grade)")
    ax.set_title("Time per submission")
    return _save(fig, path)


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _html(results: AssignmentResults, numbers: dict, images: list[Path]) -> str:
    esc = html.escape
    heads = [
        ("students", numbers["students"]), ("submitted", numbers["submitted"]),
        ("mean", _fmt(numbers["mean"])), ("median", _fmt(numbers["median"])),
        ("max", f"{numbers['max_score']:g}"), ("flagged", numbers["flagged"]), ("failed", numbers["failed"]),
        ("withheld", numbers["withheld"]), ("missing", numbers["missing"]), ("late", numbers["late"]),
    ]
    cards = "".join(f'<div class="n"><b id="{k}">{esc(str(v))}</b><span>{k}</span></div>' for k, v in heads)
    figures = "".join(
        f'<figure><img alt="{esc(p.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"><figcaption>{esc(p.name)}</figcaption></figure>'
        for p in images
    )
    attention = [s for s in results.students if s.status in ATTENTION or s.withheld]
    rows = "".join(
        f"<tr><td>{esc(s.student)}</td><td>{esc(s.status)}</td><td>{'withheld' if s.withheld else ''}</td>"
        f"<td>{s.score:g}</td><td>{esc(s.kernel)}</td><td>{esc('; '.join(s.reasons))}</td></tr>"
        for s in attention
    )
    table = (
        "<table><tr><th>student</th><th>status</th><th>withheld</th><th>score</th><th>kernel</th>"
        f"<th>reasons</th></tr>{rows}</table>" if attention else "<p>None.</p>"
    )
    missing = ", ".join(esc(s.student) for s in results.students if not s.submitted) or "none"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(results.assignment)}: grading report</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; }}
.nums {{ display: flex; flex-wrap: wrap; gap: 1em; }}
.n {{ border: 1px solid #ccc; padding: .5em 1em; text-align: center; }}
.n b {{ display: block; font-size: 1.6em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .3em .6em; text-align: left; }}
figure {{ display: inline-block; margin: 1em; }}
</style></head><body>
<h1>{esc(results.assignment)}</h1>
<p>Course {esc(results.course_id)}, gradebook {esc(results.db_url)}. Mean and median are gradebook scores
(before late penalties) over the {numbers['submitted']} submissions.</p>
<div class="nums">{cards}</div>
<h2>Plots</h2>{figures}
<h2>Submissions to review (flagged, failed or withheld)</h2>{table}
<h2>No submission</h2><p>{missing}</p>
</body></html>
"""


def report(root, assignment: str, db_url: str | None = None, out_dir=None) -> Path:
    """Write ``reports/<assignment>/index.html`` (plus PNGs and summary.json beside it); return its path."""
    root = Path(root).resolve()
    results = load(root, assignment, db_url)
    out = Path(out_dir) if out_dir else root / "reports" / assignment
    out.mkdir(parents=True, exist_ok=True)
    numbers = summary(results)
    sns.set_theme(style="whitegrid")
    images = [
        plot_scores(numbers, out / "scores.png"),
        plot_tasks(numbers, out / "tasks.png"),
        plot_seconds(numbers, out / "seconds.png"),
    ]
    (out / "summary.json").write_text(json.dumps(numbers, indent=2))
    page = out / "index.html"
    page.write_text(_html(results, numbers, images), encoding="utf-8")
    return page
