"""A cheap exclusive lock on a file, for the store's own short critical sections."""

from __future__ import annotations

import os
from types import TracebackType

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class exclusive_file_lock:  # noqa: N801 - used like a function
    """Hold ``flock(LOCK_EX)`` on ``path`` (created if missing) inside ``with``.

    Compatible with ``filelock.UnixFileLock`` on the same file. It is used on
    every write, where filelock's own bookkeeping would cost more than the
    write itself; on Windows it falls back to filelock.
    """

    __slots__ = ("_fallback", "_fd", "_path")

    def __init__(self, path: str) -> None:
        self._path = path
        self._fd = -1
        self._fallback = None

    def __enter__(self) -> None:
        if fcntl is None:
            from filelock import FileLock

            self._fallback = FileLock(self._path)
            self._fallback.acquire()
            return
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(self._fd)
            raise

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fallback is not None:
            self._fallback.release()
        else:
            os.close(self._fd)  # closing the descriptor releases the lock
