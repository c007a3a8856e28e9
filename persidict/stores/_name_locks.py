"""Cross-process locks on names, as ``flock``-ed files in a folder beside a
one-file store (SQLite, zip): the kernel releases them when the holder dies."""

from __future__ import annotations

import hashlib
import os
from contextlib import AbstractContextManager

from filelock import FileLock


def name_lock(folder: str, name: str, timeout: float | None) -> AbstractContextManager[None]:
    """A lock on ``name`` held by a file in ``folder`` (made if missing), named by
    a digest of ``name`` so that any name fits a file name."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, hashlib.sha1(name.encode()).hexdigest() + ".lock")
    return FileLock(path, timeout=-1 if timeout is None else timeout)  # type: ignore[return-value]
