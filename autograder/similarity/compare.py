"""All pairs of a class, unit by unit: Jaccard similarity of fingerprint sets, and which pairs to flag.

Each unit's fingerprints form a sparse 0/1 matrix (students x fingerprints); one sparse product gives the
shared fingerprints of every pair at once, so a class of n costs one product per unit instead of n(n-1)/2
Python comparisons. Rows are multiplied in blocks to bound memory for very large classes.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .units import NOTEBOOK

_BLOCK = 2000  # rows per sparse product: memory stays O(block x class) for a MOOC


@dataclass(frozen=True)
class Row:
    """One pair of students on one unit: a row of similarity.csv."""

    student_a: str
    student_b: str
    grade_id: str
    kind: str
    similarity: float
    flagged: bool
    tokens_a: int
    tokens_b: int


def unit_keys(submissions) -> list:
    """Every unit name of the class, answer cells in notebook order first, the whole notebook last."""
    keys = []
    for submission in submissions:
        for key in submission.units:
            if key not in keys and key != NOTEBOOK:
                keys.append(key)
    return keys + [NOTEBOOK]


def _matrix(fingerprint_sets) -> sp.csr_matrix:
    columns = {}
    indptr, indices = [0], []
    for fingerprints in fingerprint_sets:
        indices.extend(columns.setdefault(f, len(columns)) for f in fingerprints)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    return sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                         shape=(len(fingerprint_sets), max(len(columns), 1)))


def compare(submissions, settings) -> list:
    """The rows worth writing (similarity at least ``settings.report_floor``, or flagged), every unit, every pair."""
    rows = []
    floor = min(settings.report_floor, settings.threshold)
    for key in unit_keys(submissions):
        members = [s for s in submissions if key in s.units and s.units[key].fingerprints]
        if len(members) < 2:
            continue
        units = [s.units[key] for s in members]
        matrix = _matrix([u.fingerprints for u in units])
        sizes = np.asarray(matrix.sum(axis=1)).ravel()
        tokens = np.array([u.n_tokens for u in units])
        transposed = matrix.T.tocsr()
        for start in range(0, len(members), _BLOCK):
            shared = (matrix[start:start + _BLOCK] @ transposed).tocoo()
            i, j, common = shared.row + start, shared.col, shared.data
            keep = i < j
            i, j, common = i[keep], j[keep], common[keep]
            similarity = common / (sizes[i] + sizes[j] - common)
            wanted = similarity >= floor
            for a, b, value in zip(i[wanted], j[wanted], similarity[wanted]):
                flagged = bool(value >= settings.threshold and min(tokens[a], tokens[b]) >= settings.min_tokens)
                if value < settings.report_floor and not flagged:
                    continue
                first, second = sorted((a, b), key=lambda k: members[k].student)
                rows.append(Row(members[first].student, members[second].student, key, units[0].kind
                                if key != NOTEBOOK else "notebook", float(value), flagged,
                                int(tokens[first]), int(tokens[second])))
    rows.sort(key=lambda r: (r.student_a, r.student_b, r.grade_id == NOTEBOOK, r.grade_id))
    return rows


def pair_count(n: int) -> int:
    return n * (n - 1) // 2


def matched(unit, other) -> list:
    """``unit``'s segments (statements or words) that ``other`` shares, as their places in ``unit.source``.

    A statement counts when at least half of its fingerprints are the other's; a word when one of its
    shingles is.
    """
    places = []
    for segment in unit.segments:
        if not segment.fingerprints:
            continue
        common = len(segment.fingerprints & other.fingerprints)
        if unit.kind == "text" and common or unit.kind == "code" and common * 2 >= len(segment.fingerprints):
            places.append(segment.where)
    return places


def jaccard(unit, other) -> float:
    """The similarity of two units on their own (what ``compare`` computes for all pairs at once)."""
    union = len(unit.fingerprints | other.fingerprints)
    return len(unit.fingerprints & other.fingerprints) / union if union else 0.0
