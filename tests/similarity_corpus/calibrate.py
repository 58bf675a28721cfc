"""Print the similarity of every copied and every independent unit of the corpus, to choose the threshold.

    python -m tests.similarity_corpus.calibrate

Builds both classes of both assignments in a temporary course copy, runs similarity with the reporting
floor at 0 (every row written) and prints, per kind of unit, the highest similarity of independent work
(must stay below the threshold) and the lowest of copies (must reach it), counting only units where both
students wrote at least ``min_tokens``.
"""

import tempfile
from collections import defaultdict
from pathlib import Path

from autograder import course
from autograder.similarity import NOTEBOOK, run
from autograder.similarity.csv_file import read

from .build import AUTHORS, Course, bad_input, copies_class, expectations, mixed_class, write_class

REPO = Path(__file__).resolve().parents[2]


def build_classes(folder: Path):
    """Yield ``(root, assignment, students)``: one throwaway course per class of the corpus."""
    for assignment in AUTHORS:
        for name, make in (("copies", copies_class), ("mixed", mixed_class)):
            root = course.copy_course(REPO, folder / f"{assignment}-{name}")
            corpus = Course.load(root, assignment)
            students = make(corpus)
            write_class(root, corpus, students)
            if name == "copies":
                bad_input(root / "submitted", assignment, corpus.release_nb)
            yield root, assignment, students


def main():
    import os

    config_overrides = {"Similarity.report_floor": 0.0}
    if os.environ.get("NGRAM"):  # try another run length: NGRAM=4 python -m tests.similarity_corpus.calibrate
        config_overrides["Similarity.code_ngram"] = int(os.environ["NGRAM"])
    copies, independent = defaultdict(list), defaultdict(list)
    copy_pairs = copy_pairs_flagged = honest_pairs = honest_pairs_clean = 0
    with tempfile.TemporaryDirectory() as tmp:
        for root, assignment, students in build_classes(Path(tmp)):
            config = course.load_config(root, **config_overrides)
            result = run(root, assignment, config=config)
            rows = {(r.student_a, r.student_b, r.grade_id): r for r in read(result.csv_path)}
            min_tokens = config.Similarity.get("min_tokens", 30)
            for expected in expectations(students):
                pair_rows = [r for k, r in rows.items() if k[:2] == (expected.student_a, expected.student_b)]
                if expected.copied:
                    copy_pairs += 1
                    copy_pairs_flagged += any(r.flagged and r.grade_id in expected.copied for r in pair_rows)
                else:
                    honest_pairs += 1
                    honest_pairs_clean += not any(r.flagged for r in pair_rows)
                for grade_id in expected.copied | expected.independent | {NOTEBOOK}:
                    row = rows.get((expected.student_a, expected.student_b, grade_id))
                    value = row.similarity if row else 0.0
                    if row and min(row.tokens_a, row.tokens_b) < min_tokens:
                        continue
                    kind = "notebook" if grade_id == NOTEBOOK else row.kind if row else "?"
                    label = f"{assignment}:{grade_id} {expected.student_a}/{expected.student_b}"
                    if grade_id == NOTEBOOK:
                        if expected.whole_copy:
                            copies[kind].append((value, label))
                        elif len(expected.copied) <= 1:
                            independent[kind].append((value, label))
                    elif grade_id in expected.copied:
                        copies[kind].append((value, label))
                    else:
                        independent[kind].append((value, label))
    print(f"copy pairs flagged: {copy_pairs_flagged}/{copy_pairs}; "
          f"pairs without a common author left alone: {honest_pairs_clean}/{honest_pairs}")
    for kind in sorted((set(copies) | set(independent)) - {"?"}):  # "?": no row written, similarity 0
        high = sorted(independent[kind], reverse=True)[:5]
        low = sorted(copies[kind])[:5]
        print(f"{kind}: {len(independent[kind])} independent units, highest {[f'{v:.2f} {l}' for v, l in high]}")
        print(f"{kind}: {len(copies[kind])} copied units, lowest {[f'{v:.2f} {l}' for v, l in low]}")


if __name__ == "__main__":
    main()
