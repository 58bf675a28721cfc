"""What decided a grade: a fingerprint per submission, and why a submission is graded again.

A submission's fingerprint holds one hash (or version) per part that decides its grade: its own files
(``submission``, the content hash), the assignment's ``source`` and ``release`` notebooks, the course's
``config`` (``nbgrader_config.py``, the late policy included), the ``grading code`` (the checks, the
reference answers, the grading kernel's extension, the course's preprocessors and late-penalty plugin of
the package that grades), the ``nbgrader`` version, the assignment's ``due date`` and the student's
``extension``. The record of a
graded submission keeps it (``autograder.records``); ``batch.plan`` grades again exactly the submissions
whose fingerprint differs, and ``why_regrade`` names the parts that changed for the run's summary.
"""

import hashlib
from pathlib import Path


def content_hash(files: dict) -> str:
    """sha256 over a submission's files (relative paths and contents, in path order)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


NEW = "new submission"
# the parts of a fingerprint, in the order a summary names them
PARTS = ("submission", "source", "release", "config", "grading code", "nbgrader", "due date", "extension")
# what decides how a test cell scores besides the notebooks: the checks, the references, the kernel's extension
GRADING_CODE = ("checks", "reference", "quiet_kernel.py", "integrity/runtime.py", "preprocessors", "late.py")


def tree_hash(files: dict) -> str:
    """sha256 over ``path -> bytes`` (the same rule as ``content_hash``)."""
    return content_hash(files)


def grading_code_hash() -> str:
    """sha256 of the Python files of the grading code this process (and therefore every kernel) imports."""
    package = Path(__file__).resolve().parents[1]  # autograder/
    files = {}
    for name in GRADING_CODE:
        path = package / name
        for file in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            files[str(file.relative_to(package))] = file.read_bytes()
    return tree_hash(files)


def grading_spec(source: dict, release: dict, config_text: str, due_date=None) -> dict:
    """Everything besides the submission that decides an assignment's grades: one hash (or version) per part."""
    import nbgrader

    return {
        "source": tree_hash(source),
        "release": tree_hash(release),
        "config": hashlib.sha256(config_text.encode()).hexdigest(),
        "grading code": grading_code_hash(),
        "nbgrader": nbgrader.__version__,
        "due date": due_date.isoformat() if due_date else "",
    }


def fingerprint(files: dict, spec: dict, extension_seconds: float = 0.0) -> dict:
    """The fingerprint of one submission: its own content hash, the assignment's ``grading_spec`` and the
    student's extension."""
    return {"submission": content_hash(files), **spec, "extension": f"{float(extension_seconds or 0.0):g}"}


def why_regrade(record, current: dict) -> str:
    """Why a submission with ``record`` (or None) and fingerprint ``current`` is graded; "" if it is unchanged."""
    if record is None:
        return NEW
    if not record.content_hash:
        return "earlier grading did not finish"
    if not record.fingerprint:
        return "graded before fingerprints were kept"
    if record.content_hash != current["submission"]:
        return "submission changed"
    changed = [part for part in PARTS if record.fingerprint.get(part) != current.get(part)]
    return " and ".join(changed) + " changed" if changed else ""


def why_summary(why: dict, skipped: int) -> str:
    """``source changed: 40 regraded; unchanged: 0 skipped`` from ``student -> why_regrade`` of the graded ones."""
    counts = {}
    for reason in why.values():
        counts[reason] = counts.get(reason, 0) + 1
    parts = [f"{reason}: {n} {'graded' if reason == NEW else 'regraded'}" for reason, n in sorted(counts.items())]
    return "; ".join(parts + [f"unchanged: {skipped} skipped"])
