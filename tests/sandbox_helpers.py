"""Run cells in a real sandboxed grading kernel (nbgrader's Execute, nbclient, bubblewrap) for the tests."""

import os
import shutil
import subprocess
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder import sandbox
from autograder.course import load_config

REPO = Path(__file__).resolve().parents[1]


def fake_course(root: Path) -> dict:
    """A course folder with secrets around a student's scratch folder: returns the interesting paths."""
    paths = {
        "root": root,
        "gradebook": root / "gradebook.db",
        "source": root / "source" / "tfidf_distances" / "tfidf_distances.ipynb",
        "other": root / "submitted" / "other_student" / "tfidf_distances" / "tfidf_distances.ipynb",
        "scratch": root / "autograded" / "me" / "tfidf_distances",
    }
    for key in ("gradebook", "source", "other"):
        paths[key].parent.mkdir(parents=True, exist_ok=True)
        paths[key].write_text("secret answers")
    paths["scratch"].mkdir(parents=True, exist_ok=True)
    return paths


def execute(cells, scratch: Path, course_root: Path | None = None, timeout: int = 60, **settings):
    """Execute ``cells`` in a sandboxed kernel started the way `nbgrader autograde` starts it.

    Returns (executed notebook, exception or None, kernel reports, fate).
    """
    course_config = load_config(REPO)  # the course's Execute settings: quiet_kernel extension, fd capture
    config = Config()
    config.Execute.extra_arguments = list(course_config.Execute.extra_arguments)
    config.Execute.timeout = timeout
    if course_root is not None:
        config.Sandbox.course_root = str(course_root)
    config.Sandbox.require = True
    for key, value in settings.items():
        setattr(config.Sandbox, key, value)
    notebook = new_notebook(cells=[new_code_cell(code) for code in cells])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = sandbox.SandboxedExecute(config=config)
    error = None
    sandbox.kernel_reports(scratch, clear=True)
    try:
        notebook, _ = executor.preprocess(notebook, {"metadata": {"path": str(scratch)}})
    except Exception as exc:  # noqa: BLE001 - the test looks at what it was
        error = exc
    reports = sandbox.kernel_reports(scratch, clear=True)
    return notebook, error, reports, sandbox.classify_kernel_fate(notebook, error, reports)


def output_text(notebook) -> str:
    """All stream text and error names/values of an executed notebook."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            elif output.get("output_type") == "error":
                parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "\n".join(parts)


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def without_bubblewrap(args: list, cwd: Path, timeout: int = 1200) -> subprocess.CompletedProcess:
    """Run ``args`` where bubblewrap is unusable: in a private mount namespace (``unshare``, root) whose ``bwrap``
    is /dev/null bound over the real binary; the rest of the machine is as it is."""
    bwrap = shutil.which("bwrap")
    command = list(args) if bwrap is None else [
        "unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount --bind /dev/null "$0" && exec "$@"',
        os.path.realpath(bwrap), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
