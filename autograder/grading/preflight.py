"""Check a submitted notebook against the assignment's source before nbgrader sees it, and repair it.

nbgrader breaks or misgrades on a few things students do to notebooks: a graded cell pasted twice
(duplicated ``grade_id``), a graded cell deleted, a cell whose type was changed, nbgrader metadata
naming a cell the assignment does not have. Each is repaired here so that grading can go on, and
named in a reason so that the submission is flagged for a person to look at:

* duplicates: the first copy keeps its nbgrader metadata, later copies run as ordinary cells;
* unknown graded cells: run as ordinary cells;
* a changed cell type: restored to the source's type;
* a deleted graded cell: put back from the student version (release) after the cell that precedes it
  in the source; the grader gives it zero credit (``Preflight.zero_credit``).

A notebook that is not readable JSON/nbformat cannot be repaired: ``Preflight.unreadable`` says why.
Files that would be imported in the kernel instead of a module of the grading environment are removed
(``drop_shadowing_files``), each named in a reason; one that would replace the grader's own ``autograder``
package is an integrity finding.
"""

import copy
import re
from dataclasses import dataclass, field

import nbformat


@dataclass
class Preflight:
    """The outcome of checking one submitted notebook."""

    notebook: object = None  # the (repaired) nbformat notebook, None if unreadable
    changed: bool = False  # whether the repaired notebook differs from what was submitted
    reasons: list = field(default_factory=list)
    zero_credit: set = field(default_factory=set)  # grade_ids re-inserted: no credit whatever they score
    unreadable: str = ""


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _set_type(cell, cell_type: str) -> None:
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def read(data: bytes, name: str):
    """``(notebook, "")`` or ``(None, why it cannot be read)``."""
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError as error:
        return None, f"{name} is not UTF-8 text ({error}); it cannot be graded, every cell scores 0"
    except Exception as error:  # noqa: BLE001 - JSON or nbformat structure errors: all mean unreadable
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"{name} is not a readable notebook ({type(error).__name__}: {first}); every cell scores 0"
    return notebook, ""


def check(data: bytes, name: str, reference_nb, known: dict, graded: set) -> Preflight:
    """Check and repair the submitted notebook ``data`` (bytes).

    ``known`` maps the grade_id of every cell nbgrader knows in this notebook (its gradebook source
    cells) to its cell type; ``graded`` holds the grade_ids of its grade and task cells;
    ``reference_nb`` is the student version (release), used to put deleted cells back in place.
    """
    notebook, why = read(data, name)
    if notebook is None:
        return Preflight(unreadable=why, reasons=[why])
    result = Preflight(notebook=notebook)
    reference = {_grade_id(c): c for c in reference_nb.cells if _grade_id(c)}

    seen = set()
    for index, cell in enumerate(notebook.cells):
        grade_id = _grade_id(cell)
        if grade_id is None:
            continue
        if grade_id not in known:
            del cell.metadata["nbgrader"]
            result.reasons.append(f"{name}: cell {index} claims to be graded cell '{grade_id}', which the assignment "
                                  "does not have; it ran as an ordinary cell")
        elif grade_id in seen:
            del cell.metadata["nbgrader"]
            result.reasons.append(f"{name}: graded cell '{grade_id}' appears more than once; the first copy was "
                                  "graded, the later ones ran as ordinary cells")
        else:
            seen.add(grade_id)
            wanted = known[grade_id]
            if cell.cell_type != wanted:
                result.reasons.append(f"{name}: cell '{grade_id}' was changed from {wanted} to {cell.cell_type}; "
                                      f"it was restored to {wanted}")
                _set_type(cell, wanted)
        result.changed = result.changed or bool(result.reasons)

    order = [_grade_id(c) for c in reference_nb.cells if _grade_id(c)]
    for position, grade_id in enumerate(order):
        if grade_id in seen or grade_id not in graded:
            continue
        restored = copy.deepcopy(reference[grade_id])
        if restored.cell_type == "code":
            restored.outputs = []
            restored.execution_count = None
        previous = next((order[p] for p in range(position - 1, -1, -1) if order[p] in seen), None)
        ids = [_grade_id(c) for c in notebook.cells]
        at = ids.index(previous) + 1 if previous is not None else 0
        notebook.cells.insert(at, restored)
        seen.add(grade_id)
        result.zero_credit.add(grade_id)
        result.changed = True
        result.reasons.append(f"{name}: graded cell '{grade_id}' was deleted; it was put back and scores 0")
    return result


def to_bytes(notebook) -> bytes:
    """The notebook as nbformat writes it."""
    return nbformat.writes(notebook).encode("utf-8")


SHADOWING = re.compile(r"^autograder($|\.)", re.IGNORECASE)


def kernel_files(submission: dict) -> dict:
    """The files of ``submission`` (path -> bytes) that reach the grading kernel: all but the top-level names that
    would shadow a module of the grading environment and compiled Python, which ``drop_shadowing_files`` removes
    (never run, never scanned: a ``numpy.py`` costs nothing whatever it holds; a helper's .pyc cannot run in place of
    its scanned source)."""
    from ..sandbox import workfolder

    kept = {}
    for path, data in submission.items():
        top, _, below = path.partition("/")
        if not workfolder.shadows(top, bool(below)) and bytecode_entry(path) is None:
            kept[path] = data
    return kept


def drop_shadowing_files(submission: dict, folder) -> tuple:
    """Remove from ``folder`` the submitted top-level files and folders that would shadow a module of the grading
    environment; returns ``(findings, notes)``, one reason per removed name.

    nbgrader copies a submission's files into the kernel's working folder, which is first on the kernel's
    ``sys.path``: a ``numpy.py`` (``numpy/``, ``numpy.cpython-311-x86_64-linux-gnu.so``, ``json.pyc``...) would be
    imported instead of the environment's module (``autograder.sandbox.workfolder.shadows``). Such a file is removed
    and named in a note: it is not used, and it costs the student nothing. One named ``autograder`` (any suffix,
    any case) would replace the grader's own package: an ``integrity: ...`` finding (the score is withheld).
    ``submission``: path -> bytes as submitted; links are never followed.
    """
    from ..sandbox import workfolder

    findings, notes = [], []
    tops = {}
    for path in submission:
        top = path.split("/")[0]
        tops[top] = tops.get(top, False) or "/" in path  # a folder if anything lies below it
    for name, is_dir in sorted(tops.items()):
        module = workfolder.shadows(name, is_dir)
        if SHADOWING.match(name) or module == workfolder.GRADER_PACKAGE:
            findings.append(f"integrity: the submission holds '{name}' next to the notebook, which would replace the "
                            "grader's autograder package in the kernel; it was removed before grading")
        elif module is not None:
            notes.append(f"the submission holds '{name}' next to the notebook, which the grading kernel would import "
                         f"instead of the module '{module}' of the grading environment; it was removed before grading "
                         "(the notebook ran without it; this costs nothing)")
        else:
            continue
        workfolder.remove_entry(folder / name)
    bytecode = sorted({entry for entry in map(bytecode_entry, submission) if entry})
    for entry in bytecode:
        workfolder.remove_entry(folder / entry)
    if bytecode:
        notes.append(f"the submission holds compiled Python ({', '.join(bytecode[:5])}{' ...' if len(bytecode) > 5 else ''}), "
                     "which the grading kernel could run instead of the submitted source; it was removed before grading "
                     "(the kernel compiles the source; this costs nothing)")
    return findings, notes


def bytecode_entry(path: str) -> str | None:
    """The entry to remove for a submitted bytecode file: its ``__pycache__`` folder, or the ``.pyc``/``.pyo`` file
    itself (None for anything else)."""
    parts = path.split("/")
    if "__pycache__" in parts:
        return "/".join(parts[: parts.index("__pycache__") + 1])
    return path if path.endswith((".pyc", ".pyo")) else None
