"""``similarity.csv``: one row per pair of students and compared unit; written, and read back for the report."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .compare import Row

COLUMNS = ["student_a", "student_b", "grade_id", "kind", "similarity", "flagged", "tokens_a", "tokens_b"]


def write(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row.student_a, row.student_b, row.grade_id, row.kind, f"{row.similarity:.3f}",
                             "true" if row.flagged else "false", row.tokens_a, row.tokens_b])
    return path


def read(path: Path) -> list:
    """The rows of a similarity.csv written by :func:`write`."""
    rows = []
    with open(path, newline="", encoding="utf-8") as stream:
        for record in csv.DictReader(stream):
            rows.append(Row(record["student_a"], record["student_b"], record["grade_id"], record["kind"],
                            float(record["similarity"]), record["flagged"] == "true",
                            int(record["tokens_a"]), int(record["tokens_b"])))
    return rows


@dataclass
class FlaggedPair:
    """Two students with at least one flagged unit: the evidence to read, never a verdict."""

    student_a: str
    student_b: str
    similarity: float  # the highest flagged similarity of the pair
    notebook_similarity: float  # the whole submissions' similarity (0 when below the reporting floor)
    units: list = field(default_factory=list)  # [(grade_id, similarity)] of the flagged units, highest first

    @property
    def grade_ids(self) -> list:
        return [grade_id for grade_id, _ in self.units]


def flagged(rows) -> list:
    """The flagged pairs among ``rows``, most similar first."""
    from .units import NOTEBOOK

    pairs, notebook = {}, {}
    for row in rows:
        key = (row.student_a, row.student_b)
        if row.grade_id == NOTEBOOK:
            notebook[key] = row.similarity
        if row.flagged:
            pairs.setdefault(key, []).append((row.grade_id, row.similarity))
    found = []
    for (a, b), units in pairs.items():
        units.sort(key=lambda unit: (-unit[1], unit[0]))
        found.append(FlaggedPair(a, b, units[0][1], notebook.get((a, b), 0.0), units))
    found.sort(key=lambda pair: (-pair.similarity, -pair.notebook_similarity, pair.student_a, pair.student_b))
    return found
