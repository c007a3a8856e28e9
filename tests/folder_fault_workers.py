"""Children for tests/test_folder_faults.py: each makes one file-system call fail as a
full or read-only disk makes it fail, then runs one operation on a FileDirDict and
reports the exception it raised. The fault lives only in the child process.

Faults installed at the os-call boundary (what the store calls, nothing inside it):
``enospc_write`` (the first write to a file stores half the bytes, the next says
ENOSPC, as a disk filling up mid-write), ``enospc_mkdir``, ``eacces_open`` (the temp
file cannot be created), ``eacces_rename`` (the rename / link into place is refused).
Faults the kernel itself raises: ``efbig`` (RLIMIT_FSIZE: the kernel writes up to the
limit, then refuses) and ``eacces_real`` (the child drops to an unprivileged user, or
the folder is made read-only, so creating the temp file is refused).
"""

from __future__ import annotations

import errno
import os
import resource
import signal
from typing import Any

from persidict import FileDirDict, StoreError


def _enospc_write() -> None:
    real_write = os.write
    state = {"calls": 0}

    def write(fd: int, data: Any) -> int:
        state["calls"] += 1
        if state["calls"] == 1:
            return real_write(fd, memoryview(data)[: max(1, len(data) // 2)])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    os.write = write  # type: ignore[assignment]


def _enospc_mkdir() -> None:
    def mkdir(path: Any, *_: Any, **__: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    os.mkdir = mkdir  # type: ignore[assignment]


def _eacces_open() -> None:
    real_open = os.open

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(".tmp") and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real_open(path, flags, *args, **kwargs)

    os.open = open_  # type: ignore[assignment]


def _eacces_rename() -> None:
    def refuse(src: Any, dst: Any, *_: Any, **__: Any) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), dst)

    os.replace = refuse  # type: ignore[assignment]
    os.link = refuse  # type: ignore[assignment]


def _efbig() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write returns EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def _eacces_real(folder: str) -> None:
    if os.getuid() == 0:  # root writes anywhere: become nobody
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    else:
        os.chmod(folder, 0o555)


def under_fault(base_dir: str, folder: str, fault: str, operation: str, key: str,
                value: Any, etag: str | None = None) -> dict[str, Any]:
    """Install ``fault`` (``folder`` holds the key's file), run ``operation`` on the
    dict at ``base_dir``; report what it raised."""
    d = FileDirDict(base_dir)
    if fault == "eacces_real":
        _eacces_real(folder)
    else:
        {"enospc_write": _enospc_write, "enospc_mkdir": _enospc_mkdir,
         "eacces_open": _eacces_open, "eacces_rename": _eacces_rename,
         "efbig": _efbig}[fault]()
    try:
        if operation == "write":
            d[key] = value
        elif operation == "add":
            d.add(key, value)
        elif operation == "compare_and_set":
            d.compare_and_set(key, value, etag)
        else:
            raise AssertionError(operation)
    except Exception as e:
        return {"raised": type(e).__name__, "store_error": isinstance(e, StoreError),
                "os_error": isinstance(e, OSError), "errno": getattr(e, "errno", None),
                "message": str(e)}
    return {"raised": None}
