"""A forked kernel as the host sees it (``ForkedProcess``), and the processes under a host pid (``descendants``)."""

import os
import signal
import stat
import subprocess
import threading
from pathlib import Path


def _statuses() -> dict:
    """Every process of this machine: host pid -> (parent pid, pid in its innermost namespace)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            found[int(entry.name)] = (int(fields["PPid"]), int(fields.get("NSpid", entry.name).split()[-1]))
        except (OSError, ValueError, KeyError):
            continue
    return found


def descendants(ancestor: int, statuses: dict | None = None) -> dict:
    """The host pids under ``ancestor`` -> their pid in their innermost pid namespace."""
    statuses = _statuses() if statuses is None else statuses
    children: dict = {}
    for pid, (parent, _) in statuses.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, list(children.get(ancestor, []))
    while todo:
        pid = todo.pop()
        found[pid] = statuses[pid][1]
        todo += children.get(pid, [])
    return found


class ForkedProcess:
    """One forked kernel, seen as ``subprocess.Popen``: ``pid`` (its keeper's host pid), ``poll``, ``wait``,
    ``send_signal``, ``kill``, ``terminate``. Its return code comes from the prepared process."""

    stdin = stdout = stderr = None

    def __init__(self, number: int, pid: int):
        self.number, self.pid, self.returncode = number, pid, None
        self.lost = ""  # why it ended with its prepared process (the grader's side), "" when it ended by itself
        self._ended = threading.Event()
        self._pidfd = os.pidfd_open(pid)

    def _end(self, status: int, lost: str = "") -> None:
        self.lost = self.lost or (lost if self.returncode is None else "")
        self.returncode = status
        self._ended.set()

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired("forked kernel", timeout)
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, number)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


def read_log(path: Path) -> bytes:
    """The tail of a kernel's log, never through a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as log:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        log.seek(max(0, os.fstat(fd).st_size - 4000))
        return log.read()
