"""Which pairs of 20 Newsgroups categories make a fair ``tfidf_distances`` task (``variant.PAIRS``).

Run again each term (or when scikit-learn or the data change), niced, from the repository root:
``nice -n 10 python -m autograder.assignments.tfidf_distances.fair_pairs bench/tfidf_pairs.json``.
It runs the reference pipeline (``reference.compute_lecture``) on every pair (190 pairs, an SVC each: 7.6 min
niced on two shared cores), writes every pair's numbers as JSON lines, then prints the pairs that pass ``fair``,
ready to paste into ``variant.PAIRS``. The thresholds are documented in ``variant``'s docstring.
"""

import itertools
import json
import sys
import time

MIN_POSTS = 450  # posts in each category
ACCURACY = (0.80, 0.99)  # MultinomialNB and SVC test accuracy, both ends included
MIN_ERROR_GAP = 2  # the SVC's two off-diagonal confusion counts differ by at least this
MIN_WITHIN_GAP = 0.005  # the two within-category mean distances differ by at least this
MIN_BETWEEN_GAP = 0.001  # the between mean exceeds both within means by at least this


def numbers(categories) -> dict:
    """The numbers ``fair`` judges, for one pair (alphabetical), from the reference pipeline."""
    from .reference import compute_lecture

    return numbers_of(compute_lecture(tuple(categories)))


def numbers_of(lecture) -> dict:
    """The numbers ``fair`` judges, of a ``reference.Lecture``."""
    import numpy as np

    counts = lecture.confusion.to_numpy()
    return {
        "pair": list(lecture.categories),
        "posts": [int(np.sum(lecture.y == 0)), int(np.sum(lecture.y == 1))],
        "mnb": lecture.mnb_score,
        "svc": lecture.svc_score,
        "errors": [int(counts[1, 0]), int(counts[0, 1])],  # predicted second/actual first, and the other way
        "within": list(lecture.within_means),
        "between": lecture.between_mean,
    }


def fair(row: dict) -> bool:
    """Whether a pair's ``numbers`` make a fair task (thresholds above)."""
    low, high = ACCURACY
    within = row["within"]
    return (min(row["posts"]) >= MIN_POSTS
            and all(low <= row[name] <= high for name in ("mnb", "svc"))
            and min(row["errors"]) + max(row["errors"]) > 0
            and abs(row["errors"][0] - row["errors"][1]) >= MIN_ERROR_GAP
            and abs(within[0] - within[1]) >= MIN_WITHIN_GAP
            and row["between"] - max(within) >= MIN_BETWEEN_GAP)


def all_pairs() -> list:
    """Every pair of the 20 categories, each in alphabetical order (class 0 first)."""
    from sklearn.datasets import fetch_20newsgroups

    names = sorted(fetch_20newsgroups(subset="train", download_if_missing=False).target_names)
    return [list(pair) for pair in itertools.combinations(names, 2)]


def main(out: str) -> None:
    done = {}
    try:
        with open(out) as file:
            done = {tuple(row["pair"]): row for row in map(json.loads, file)}
    except FileNotFoundError:
        pass
    started = time.perf_counter()
    with open(out, "a") as file:
        for pair in all_pairs():
            if tuple(pair) not in done:
                row = numbers(pair)
                done[tuple(pair)] = row
                file.write(json.dumps(row) + "\n")
                file.flush()
    print(f"{len(done)} pairs, {time.perf_counter() - started:.0f} s this run", file=sys.stderr)
    print([row["pair"] for row in done.values() if fair(row)])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/tfidf_pairs.json")
