"""nbgrader's ``collect`` without following what students left in the exchange's inbound folder.

The inbound folder is writable by every student, and nbgrader's own collect copies a submission with
``shutil.copytree``, which follows symbolic links: a "notebook" that is a link to another student's inbound
notebook, or to a file only the grader can read, would be copied into ``submitted/`` as a regular file, graded
as the student's, and its content shown back to them through the kernel's outputs. ``SafeCollect`` (named in
``nbgrader_config.py`` as ``c.ExchangeFactory.collect``, so plain ``nbgrader collect`` uses it too) copies only
regular files and folders: a link, fifo, socket or device node is left where it is, named in a warning and in
``REFUSED`` (``autograder collect`` lists them with the student), and never opened.
"""

import os
import shutil
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import ignore_patterns

REFUSED: list = []  # "student: path (what it was)" of entries left out by collects in this process


def _what(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a fifo"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "not a regular file"


def unsafe_entries(folder: str) -> dict:
    """``relative path -> what it is`` of every entry under ``folder`` that is neither a regular file nor a folder.

    Walks with ``lstat`` and never descends into a link; the folder itself must be a real folder.
    """
    found = {}
    for parent, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = os.path.join(parent, name)
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found[os.path.relpath(path, folder)] = _what(mode)
    return found


class SafeCollect(ExchangeCollect):
    """nbgrader's ``ExchangeCollect`` whose copy takes regular files and folders only (module docstring)."""

    def do_copy(self, src, dest, log=None):
        if os.path.islink(src) or not os.path.isdir(src):
            self._refuse(src, {".": _what(os.lstat(src).st_mode)})
            return
        refused = unsafe_entries(src)
        if refused:
            self._refuse(src, refused)
        size = sum(os.lstat(os.path.join(parent, name)).st_size
                   for parent, _, files in os.walk(src) for name in files
                   if os.path.relpath(os.path.join(parent, name), src) not in refused)
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is "
                               f"{1000 * self.coursedir.max_dir_size}")
        nbgrader_ignore = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                          max_file_size=self.coursedir.max_file_size, log=self.log)

        def ignore(directory, names):
            left_out = set(nbgrader_ignore(directory, names))
            for name in names:
                mode = os.lstat(os.path.join(directory, name)).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    left_out.add(name)
            return left_out

        shutil.copytree(src, dest, ignore=ignore)
        if self.coursedir.groupshared:  # as nbgrader's own copy: what it made becomes group-writable
            for parent, _, files in os.walk(dest):
                for path, wanted in [(parent, 0o2770)] + [(os.path.join(parent, f), 0o660) for f in files]:
                    mode = os.stat(path).st_mode
                    if mode & wanted != wanted:
                        try:
                            os.chmod(path, (mode | wanted) & (0o2777 if wanted == 0o2770 else 0o777))
                        except PermissionError:
                            self.log.warning("Could not update permissions of %s to make it groupshared", path)

    def _refuse(self, src: str, entries: dict) -> None:
        submission = os.path.basename(os.path.normpath(src))
        student = submission.split("+")[0]
        for path, what in sorted(entries.items()):
            line = f"{student}: {path} in {submission} is {what}: not collected (never opened)"
            REFUSED.append(line)
            self.log.warning("collect: %s", line)
