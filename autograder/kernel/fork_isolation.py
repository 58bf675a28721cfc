"""What makes a forked kernel as separate as a fresh sandbox: its own /tmp and /dev/shm, no capability, no shared keyring.

Used by ``autograder.kernel.zygote`` in the processes it forks (never in a kernel's own code): Linux system calls
through ctypes (Python 3.11 has no ``os.unshare`` or ``mount``).
"""

import ctypes
import os
import re

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC = 0x00020000, 0x20000000, 0x08000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
libc = ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def mount(source: str, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
    check(libc.mount(source.encode(), target.encode(), kind.encode() if kind else None, flags,
                       data.encode() if data else None), f"mount {kind or source} on {target}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """No capability left (effective, permitted, inheritable, ambient) and ``no_new_privs``: nothing regains one."""
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    check(libc.capset(ctypes.byref(header), data), "capset")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


KEYCTL = {"x86_64": 250, "aarch64": 219}  # the keyctl system call's number
KEYCTL_GET_PERSISTENT, KEYCTL_CLEAR, KEYCTL_JOIN_SESSION_KEYRING = 22, 7, 1
KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING, KEY_SPEC_SESSION_KEYRING = -4, -5, -3


def clear_keyrings() -> None:
    """Every fork runs as the same user of the sandbox's user namespace, so the kernel's user keyrings are shared:
    empty the user, user-session and persistent keyrings and join a new session keyring before each fork."""
    import platform

    number = KEYCTL.get(platform.machine())
    if number is None:
        return
    libc.syscall(number, KEYCTL_JOIN_SESSION_KEYRING, None)
    for keyring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING):
        libc.syscall(number, KEYCTL_CLEAR, keyring)
    persistent = libc.syscall(number, KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_SESSION_KEYRING)
    if persistent > 0:
        libc.syscall(number, KEYCTL_CLEAR, persistent)


def in_tmp(path: str) -> bool:
    return path == "/tmp" or path.startswith("/tmp/")


def _mount_points() -> list:
    """Every mount point of this mount namespace (``/proc/self/mountinfo``, octal escapes decoded)."""
    with open("/proc/self/mountinfo") as info:
        return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4]) for line in info]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def fresh_tmp(keep, drop, size: int) -> None:
    """An empty /tmp and /dev/shm of this fork's own. Of the old /tmp only what the sandbox bound there (the
    environment, the data, readable folders: every mount point under /tmp, read-only as it was) is bound into the new
    one at the same paths, less the prepared process's own folders ``drop``, of which only ``keep`` (this kernel's
    working and runtime folders) is. The new /tmp is built on /dev/shm (an empty folder of the read-only /dev),
    then moved onto /tmp."""
    options = f"size={size},mode=1777"
    points = [p for p in _mount_points() if in_tmp(p) and p != "/tmp" and not any(_inside(p, d) for d in drop)]
    kept = []
    for point in sorted(set(points) | set(filter(in_tmp, keep)), key=len):
        if not any(_inside(point, k) for k in kept):
            kept.append(point)
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path in kept:
        staged = "/dev/shm" + path[len("/tmp"):]
        if os.path.isdir(path):
            os.makedirs(staged, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(staged), mode=0o755, exist_ok=True)
            open(staged, "a").close()
        mount(path, staged, None, MS_BIND | MS_REC)
    mount("/dev/shm", "/tmp", None, MS_MOVE)
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, options)
