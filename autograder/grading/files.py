"""A folder as ``relative path -> bytes`` and back: how submissions, autograded notebooks and feedback travel."""

import shutil
from pathlib import Path

IGNORED = (".ipynb_checkpoints", "__pycache__")


def read_tree(folder: Path) -> dict:
    """Every file under ``folder`` (``relative path -> bytes``, in path order), editor and Python caches left out."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part in IGNORED for part in p.relative_to(folder).parts)
    }


def remove_tree(folder: Path) -> None:
    """Delete ``folder`` if it exists, read-only files included (nbgrader leaves its outputs read-only)."""
    folder = Path(folder)
    if folder.exists():
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def write_tree(folder: Path, files: dict) -> None:
    """Replace ``folder`` with ``files`` (relative path -> bytes); no files: just remove it."""
    folder = Path(folder)
    remove_tree(folder)
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
