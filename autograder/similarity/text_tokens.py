"""Written answers as words and shingles (runs of consecutive words), with where each word sits.

Markdown syntax, case and punctuation are dropped, so a copied answer reformatted or re-punctuated is the
same text; a few changed words only break the shingles that cross them.
"""

import re
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@dataclass(frozen=True)
class Words:
    """The words of a written answer, lowercased, with their character spans in the original text."""

    words: tuple
    spans: tuple  # (start, end) in the original text, one per word


def words(text: str) -> Words:
    found = list(_WORD.finditer(text))
    return Words(tuple(m.group(0).lower() for m in found), tuple(m.span() for m in found))


def shingles(sequence, n: int) -> list:
    """The runs of ``n`` consecutive items (one run of everything when there are fewer than ``n``)."""
    sequence = tuple(sequence)
    if not sequence:
        return []
    if len(sequence) <= n:
        return [sequence]
    return [sequence[i:i + n] for i in range(len(sequence) - n + 1)]
