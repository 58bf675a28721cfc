"""The report's figures, one function each, from the numbers ``autograder.report.summary`` computed.

Each writes a PNG and returns its path; a figure with nothing to show says so in words.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

FULL, PARTIAL, ZERO, AWAITING = "#2e7d32", "#f9a825", "#c62828", "#bdbdbd"


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def _no_data(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def scores(numbers: dict, path: Path) -> Path:
    """Histogram of the submissions' scores over 0..max."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    values = list(numbers["scores"].values())
    if values:
        sns.histplot(x=values, bins=min(20, max(5, len(values))), binrange=(0, numbers["max_score"]), ax=ax)
        ax.set_xlabel(f"score (out of {numbers['max_score']:g})")
        ax.set_ylabel("submissions")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _no_data(ax, "no submissions")
    return _save(fig, path)


def tasks(items: list, path: Path) -> Path:
    """One stacked bar per task: share of counted students at full marks, partial, zero, awaiting a grader."""
    fig, ax = plt.subplots(figsize=(10, 0.45 * max(3, len(items)) + 1.2))
    if not items:
        _no_data(ax, "no graded tasks")
        return _save(fig, path)
    labels = [t["label"] for t in items][::-1]
    parts = [("full marks", "full", FULL), ("partial", "partial", PARTIAL), ("zero", "zero", ZERO),
             ("awaiting grading", "awaiting", AWAITING)]
    left = [0.0] * len(items)
    for name, key, colour in parts:
        widths = [t["shares"][key] for t in items][::-1]
        ax.barh(labels, widths, left=left, color=colour, label=name)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of the counted submissions")
    ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return _save(fig, path)


def mistakes(items: list, path: Path) -> Path:
    """A bar per named mistake (task: mistake), length = students who made it."""
    rows = [(f"{t['grade_id']}: {m['code']}", m["students"]) for t in items for m in t["mistakes"]]
    fig, ax = plt.subplots(figsize=(10, 0.4 * max(3, len(rows)) + 1))
    if rows:
        rows.sort(key=lambda r: r[1])
        ax.barh([r[0] for r in rows], [r[1] for r in rows], color="#c62828")
        ax.set_xlabel("students")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _no_data(ax, "no test failed: no mistakes to show")
    return _save(fig, path)


def seconds(numbers: dict, path: Path) -> Path:
    """Histogram of the time the grader took per submission."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    if numbers["seconds"]:
        sns.histplot(x=list(numbers["seconds"].values()), bins=min(20, max(5, len(numbers["seconds"]))), ax=ax)
        ax.set_xlabel("seconds to grade one submission")
        ax.set_ylabel("submissions")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _no_data(ax, "no grading records (graded outside autograder grade)")
    return _save(fig, path)
