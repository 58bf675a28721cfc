"""How long `autograder similarity` takes as the class grows, measured in one run.

    SCIKIT_LEARN_DATA=... python bench/similarity_scale.py [--sizes 100 300 600] [--assignment tfidf_distances]

Each class is written into a throwaway copy of the course: every student answers every cell from one of
the corpus authors (tests/similarity_corpus/), disguised at random, plus statements and words of their
own so that independent students stay below the threshold; one student in 20 hands in a disguised
copy of another's whole notebook. Then ``similarity.run`` compares all pairs, and the script prints the
time of each step and how it grew.

How the cost grows: reading and fingerprinting is linear in the class (one pass over each notebook);
comparing is all pairs, but as one sparse product per answer cell (students x fingerprints), so the
n(n-1)/2 pairs cost microseconds each in compiled code, not Python; writing is proportional to the rows
above c.Similarity.report_floor. For a MOOC of tens of thousands, the products run in blocks of rows
(memory O(block x class)); a MinHash/LSH prefilter (e.g. datasketch) would make the compare step
sub-quadratic, at the price of missing some pairs: not needed at the sizes measured here.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from autograder import course  # noqa: E402
from autograder.similarity import run  # noqa: E402
from tests.similarity_corpus.build import Course, Origin, Student  # noqa: E402

DISGUISES = ("rename", "reformat", "reorder", "recomment", "edit")
VOCABULARY = ("matrix vector sparse dense class label neuron weight bias layer distance block heatmap mean "
              "category error accuracy feature term document count norm vectorizer kernel margin").split()


def own_code(rng, n_statements) -> str:
    return "".join(f"note_{i} = {rng.randrange(10**6)} * {rng.randrange(10**6)} + {rng.randrange(10**6)}\n"
                   for i in range(n_statements))


def own_words(rng, text) -> str:
    return " ".join(rng.choice(VOCABULARY) if rng.random() < 0.6 else word for word in text.split())


def write_class(root: Path, corpus: Course, n: int, seed: int = 0) -> int:
    """``n`` students in ``root/submitted``; returns how many hand in a copy of another's notebook."""
    rng = random.Random(seed)
    notebooks, copies = [], 0
    for i in range(n):
        if notebooks and rng.random() < 0.05:
            nb = nbformat.from_dict(rng.choice(notebooks))  # a whole copy (disguised below by its own words only)
            copies += 1
        else:
            student = Student(f"s{i:05d}", {g: Origin(rng.choice(corpus.authors),
                                                      tuple(rng.sample(DISGUISES, rng.randrange(len(DISGUISES)))))
                                            for g in corpus.answers})
            nb = corpus.notebook(student)
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("solution"):
                    if cell.cell_type == "code":
                        cell.source += "\n" + own_code(rng, 2 * cell.source.count("\n") + 2)
                    else:
                        cell.source = own_words(rng, cell.source)
        notebooks.append(nb)
        folder = root / "submitted" / f"s{i:05d}" / corpus.assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{corpus.assignment}.ipynb")
    return copies


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 600])
    parser.add_argument("--assignment", default="tfidf_distances")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            root = course.copy_course(REPO, Path(tmp) / f"class{n}")
            corpus = Course.load(root, args.assignment)
            started = time.perf_counter()
            copies = write_class(root, corpus, n)
            built = time.perf_counter() - started
            result = run(root, args.assignment)
            s = result.seconds
            rows = sum(1 for _ in open(result.csv_path)) - 1
            results.append((n, result.pairs_compared, s, len(result.flagged), copies, rows))
            print(f"class {n}: built in {built:.1f} s; similarity {s['total']:.2f} s (config {s['config']:.2f}, "
                  f"read {s['read']:.2f}, compare {s['compare']:.2f}, write {s['write']:.2f}); "
                  f"{result.pairs_compared} pairs, {len(result.flagged)} flagged, {copies} copies handed in, "
                  f"{rows} csv rows", flush=True)
    print()
    print("| class | pairs | read s | compare s | write s | total s | us per pair (compare) | flagged pairs |")
    print("|---|---|---|---|---|---|---|---|")
    for n, pairs, s, flagged, copies, rows in results:
        print(f"| {n} | {pairs} | {s['read']:.2f} | {s['compare']:.2f} | {s['write']:.2f} | {s['total']:.2f} | "
              f"{1e6 * s['compare'] / max(pairs, 1):.1f} | {flagged} |")
    if len(results) > 1:
        (n0, _, s0, *_), (n1, _, s1, *_) = results[0], results[-1]
        print(f"\nclass x{n1 / n0:.1f}: read x{s1['read'] / s0['read']:.1f}, compare x{s1['compare'] / s0['compare']:.1f}, "
              f"total x{s1['total'] / s0['total']:.1f} (all pairs: x{(n1 * (n1 - 1)) / (n0 * (n0 - 1)):.1f})")


if __name__ == "__main__":
    main()
