"""Small file helpers of FileStore: etags, reads, temp names, clash errors."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os

from ..errors import StoreError
from ._base import ItemInfo


def etag_of(st: os.stat_result) -> str:
    # Every write is a new inode stamped with a nanosecond clock reading, so
    # (inode, mtime_ns) differs between any two versions, even within one
    # kernel timestamp tick. Known limit: a file system that keeps only whole
    # seconds (Lustre, HFS+, FAT) drops the stamp, and an inode freed and
    # reused within that second can repeat an older version's etag.
    return f"{st.st_ino:x}-{st.st_mtime_ns:x}"


def parse_etag(etag: str) -> tuple[int, int] | None:
    """The ``(st_ino, st_mtime_ns)`` an :func:`etag_of` etag was made of; ``None``
    for a string that is not one."""
    ino, dash, mtime_ns = etag.partition("-")
    try:
        return (int(ino, 16), int(mtime_ns, 16)) if dash else None
    except ValueError:
        return None


def info_of(name: str, st: os.stat_result) -> ItemInfo:
    return ItemInfo(name, st.st_mtime_ns / 1e9, etag_of(st), st.st_size)


def read_all(fd: int, size: int) -> bytes:
    data = os.read(fd, size + 1)  # one extra byte notices a file that grew
    if len(data) <= size:
        return data
    chunks = [data]
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


class _TempNames:
    """Temp file names unique across processes and machines without a system call
    each: a random per-process prefix (new in a forked child) and a counter."""

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        self.prefix = os.urandom(8).hex() + "-"
        self.count = itertools.count()

    def next(self) -> str:
        return f"{self.prefix}{next(self.count):x}"


temp_names = _TempNames()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=temp_names.renew)


def folder_in_the_way(name: str) -> ValueError:
    return ValueError(f"{name!r}: a folder is where the file of this name would be (the"
                      " folder of other keys; with digest_len=0, or dicts of several"
                      " file types over one folder, two keys can claim one path)")


def file_in_the_way(name: str) -> ValueError:
    return ValueError(f"{name!r}: a file is where a folder of this name would be (the"
                      " value of another key; with digest_len=0, or dicts of several"
                      " file types over one folder, two keys can claim one path)")


def unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def too_long(error: OSError, name: str) -> Exception:
    """A name too long for the file system is a bad key (ValueError); other errors stay."""
    if error.errno == errno.ENAMETOOLONG:
        return ValueError(f"{name!r} is too long for this file system")
    return error


def refused(operation: str, name: str, root: str, error: OSError) -> Exception:
    """A write or delete the file system refused (no space, no permission, ...): a
    StoreError keeping the errno and naming the operation, folder and name."""
    if error.errno == errno.ENAMETOOLONG:
        return too_long(error, name)
    return StoreError(error.errno, f"FileStore {operation} of {name!r} in {root}"
                                   f" failed: {error.strerror or error}")
