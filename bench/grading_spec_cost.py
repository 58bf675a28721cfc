"""What computing the engine part of the grading spec costs: first time in a process, then memoised.

    python bench/grading_spec_cost.py

Prints the package files, distributions and data files hashed, and the two times measured in one run.
"""

import time

from autograder.grading import fingerprint


def main() -> None:
    begun = time.perf_counter()
    engine = fingerprint.engine_spec()
    first = time.perf_counter() - begun
    begun = time.perf_counter()
    for _ in range(10):
        assert fingerprint.engine_spec() == engine
    again = (time.perf_counter() - begun) / 10
    print(f"engine spec parts: {', '.join(sorted(engine))}")
    print(f"first in a process: {first * 1000:.1f} ms; memoised: {again * 1000:.2f} ms; ratio {first / again:.0f}x")


if __name__ == "__main__":
    main()
