"""The feedback page of a notebook that could not be read: what was wrong with the file, in plain words.

A submitted notebook that is empty, not JSON or not a notebook scores 0 on every cell (``grade_one._preflight``)
and nbgrader makes no feedback page for it. ``describe`` says what is wrong with the bytes; ``write_pages`` writes
the page (``autograder/templates/unreadable_notebook.html.j2``, self-contained, autoescaped: the file's content
shows up in parser messages) where nbgrader's own page would be, feedback/<student>/<assignment>/<notebook>.html,
with the submission's ``timestamp.txt`` and ``submission_secret.txt`` so that ``autograder return`` (nbgrader's
``release_feedback``) releases it like any other.
"""

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

TEMPLATE = "unreadable_notebook.html.j2"
DETAIL_CHARS = 200  # of a parser's message, which may quote the file's content
KEPT = ("timestamp.txt", "submission_secret.txt")  # what release_feedback reads beside the pages


def describe(data: bytes) -> str:
    """What is wrong with the notebook file ``data``, in plain words ("it is empty (0 bytes)", "it is not JSON: ...")."""
    import nbformat

    if not data.strip():
        return f"it is empty ({len(data)} bytes)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"it is not text (not UTF-8, {len(data)} bytes): it may be another kind of file saved under this name"
    try:
        json.loads(text)
    except ValueError as error:
        return f"it is not JSON ({_short(error)}): a notebook file is JSON text; it may be cut short or edited by hand"
    try:
        nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - any structure error means nbformat cannot read it
        return f"it is JSON but not a Jupyter notebook ({_short(error)})"
    return "it could not be read"


def _short(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS] + "..."


def page(assignment: str, student: str, notebook: str, why: str, points: float = 0.0) -> str:
    """The HTML of the page (``notebook``: the file's name, e.g. homework.ipynb)."""
    folder = Path(__file__).resolve().parents[1] / "templates"
    environment = Environment(loader=FileSystemLoader(str(folder)), autoescape=True)
    return environment.get_template(TEMPLATE).render(
        assignment=assignment, student=student, notebook=notebook, why=why, points=f"{points:g}" if points else "")


def write_pages(folder: Path, assignment: str, student: str, unreadable: dict, points: dict, submission: dict) -> None:
    """Write the page of each ``unreadable`` notebook (``name -> why``) in ``folder`` (feedback/<student>/<assignment>).

    ``points``: notebook name -> its points; ``submission``: the submission's files (``timestamp.txt`` and
    ``submission_secret.txt`` are copied beside the pages, as nbgrader's GenerateFeedback does).
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = {name[: -len(".ipynb")] + ".html": page(assignment, student, name, why, points.get(name, 0.0)).encode()
             for name, why in unreadable.items()}
    files.update({name: submission[name] for name in KEPT if name in submission and name not in files})
    for name, data in files.items():
        path = folder / name
        if path.is_symlink() or path.exists():
            path.unlink()  # nbgrader leaves its files read-only
        path.write_bytes(data)
