"""A folder as ``relative path -> bytes`` and back: how submissions, autograded notebooks and feedback travel.

Every folder read here may hold what a submission left (student code wrote the kernel's folder): nothing is
followed or opened through a link. ``read_tree`` reads regular files only (opened with ``O_NOFOLLOW`` and
checked on the open descriptor, so a file swapped for a link after the listing is refused too) and at most
``MAX_FILE_BYTES`` of each; what it leaves out is named in ``skipped``. ``remove_tree`` and ``write_tree``
never chmod, write or remove through a link.
"""

import os
import shutil
import stat
from pathlib import Path

IGNORED = (".ipynb_checkpoints", "__pycache__")
MiB = 1024**2
MAX_FILE_BYTES = 64 * MiB  # a larger file is not read back (a kernel may write up to Sandbox.file_size_bytes)
MAX_TREE_BYTES = 256 * MiB  # all files of one folder together
MAX_DEPTH, MAX_PATH_CHARS = 64, 1024  # deeper folders are left out: os.walk recurses once per level


def _size(count: int) -> str:
    return f"{count / MiB:.0f} MiB" if count >= MiB else f"{count} bytes"


def read_regular(path, limit: int = MAX_FILE_BYTES) -> tuple:
    """``(bytes, "")`` of the regular file ``path``, or ``(None, why not)``: never through a link (symbolic or hard),
    never more than ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as error:
        if os.path.islink(path):
            return None, f"a symbolic link to {os.readlink(path)[:200]!r}"
        return None, f"unreadable ({error.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        if st.st_nlink > 1:
            return None, f"a hard link ({st.st_nlink} names of one file)"
        if st.st_size > limit:
            return None, f"{_size(st.st_size)}, more than the {_size(limit)} read back"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(MiB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return None, f"more than the {_size(limit)} read back"
        return b"".join(chunks), ""
    finally:
        os.close(fd)


def read_tree(folder: Path, skipped: list | None = None, limit: int = MAX_TREE_BYTES) -> dict:
    """Every regular file under ``folder`` (``relative path -> bytes``, in path order), editor and Python caches left out.

    Links (to files or folders), fifos, sockets, devices and files over ``MAX_FILE_BYTES`` (or past ``limit`` in
    all) are left out, each appended to ``skipped`` as ``"relative path: why"``. ``folder`` itself being a link reads nothing.
    """
    folder = Path(folder)
    skipped = [] if skipped is None else skipped
    if not stat.S_ISDIR(_lmode(folder)):
        if os.path.islink(folder):
            skipped.append(f"{folder.name}: a symbolic link to {os.readlink(folder)[:200]!r}")
        return {}
    files, total = {}, 0
    for parent, dirs, names in os.walk(folder):  # never descends into a linked folder
        relative_parent = Path(parent).relative_to(folder)
        if any(part in IGNORED for part in relative_parent.parts):
            continue
        if dirs and (len(relative_parent.parts) >= MAX_DEPTH or len(parent) > MAX_PATH_CHARS):
            skipped.extend(f"{str(relative_parent / d)[:200]}...: folders nested more than {MAX_DEPTH} levels or "
                           f"{MAX_PATH_CHARS} characters deep" for d in sorted(dirs))
            dirs[:] = []
        for name in sorted(dirs + names):
            path = Path(parent) / name
            relative = str(relative_parent / name)
            mode = _lmode(path)
            if stat.S_ISDIR(mode) or name in IGNORED:
                continue
            data, why = read_regular(path, min(MAX_FILE_BYTES, limit - total))
            if data is None:
                skipped.append(f"{relative}: {why}")
                continue
            files[relative] = data
            total += len(data)
    return dict(sorted(files.items()))


def _lmode(path) -> int:
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return 0


def remove_tree(folder: Path) -> None:
    """Delete ``folder`` if it exists, read-only files included (nbgrader leaves its outputs read-only).

    Only folders are made writable (a file's own mode does not stop its removal), so no chmod ever reaches
    through a link; a link is removed, never followed.
    """
    folder = Path(folder)
    mode = _lmode(folder)
    if not stat.S_ISDIR(mode):
        if mode:
            folder.unlink()
        return
    folder.chmod(0o755)
    for parent, dirs, _ in os.walk(folder):
        for name in dirs:
            path = os.path.join(parent, name)
            if stat.S_ISDIR(_lmode(path)):
                os.chmod(path, 0o755)
    shutil.rmtree(folder)


def write_tree(folder: Path, files: dict) -> None:
    """Replace ``folder`` with ``files`` (relative path -> bytes); no files: just remove it.

    Each file is created anew (``O_EXCL | O_NOFOLLOW``) in the freshly made folder; a path that would leave
    ``folder`` (absolute, or with a ``..`` part) raises ``ValueError``.
    """
    folder = Path(folder)
    for relative in files:
        parts = Path(relative).parts
        if Path(relative).is_absolute() or not parts or any(part in ("..", ".") for part in parts):
            raise ValueError(f"{relative!r} is not a path inside {folder}")
    remove_tree(folder)
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
