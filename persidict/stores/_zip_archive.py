"""One open zip archive: who may use it (one writer, or readers), what it holds,
and how a writer's changes reach it.

A writer never changes the archive in place: new bytes go to an anonymous
journal file beside it, and :meth:`Archive.commit` (on ``close``) writes the
live entries into a new archive that replaces the old one by ``os.replace``.
So the archive is always a whole zip of the last commit; a writer that dies
loses its uncommitted changes and nothing else (its journal vanishes with it).
"""

from __future__ import annotations

import os
import struct
import tempfile
import threading
import time
import zipfile
import zlib
from typing import BinaryIO, NamedTuple

from ..errors import StoreError

try:
    import fcntl
except ImportError:  # Windows: no flock, so no ZipStore there
    fcntl = None  # type: ignore[assignment]

_MTIME_FIELD = 0x6470  # a zip "extra" field of ours: the write time in nanoseconds
_MTIME = struct.Struct("<HHq")
_forks = [0]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


class Entry(NamedTuple):
    """Where one name's bytes are: a base archive member, or a journal span."""

    mtime_ns: int
    etag: str
    size: int
    member: zipfile.ZipInfo | None  # in the archive, or (None) in the journal at ``offset``
    offset: int = 0


def _entry_of(info: zipfile.ZipInfo) -> Entry:
    mtime_ns = _mtime_ns(info)
    return Entry(mtime_ns, f"{mtime_ns:x}-{info.CRC:08x}", info.file_size, info)


def _mtime_ns(info: zipfile.ZipInfo) -> int:
    extra = info.extra
    while len(extra) >= 4:
        field, size = struct.unpack_from("<HH", extra)
        if field == _MTIME_FIELD and size == 8:
            return int(_MTIME.unpack_from(extra)[2])
        extra = extra[4 + size:]
    # an archive made elsewhere: its 2-second local time
    return int(time.mktime((*info.date_time, 0, 0, -1))) * 1_000_000_000


def _member(name: str, mtime_ns: int) -> zipfile.ZipInfo:
    t = time.localtime(mtime_ns / 1e9)
    stamp = (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    info = zipfile.ZipInfo(name, date_time=stamp if t.tm_year >= 1980 else (1980, 1, 1, 0, 0, 0))
    info.extra = _MTIME.pack(_MTIME_FIELD, 8, mtime_ns)
    info.external_attr = 0o644 << 16
    return info


def read_members(path: str) -> tuple[zipfile.ZipFile, dict[str, Entry]]:
    """Open the archive ``path``; ``ValueError`` naming it if it is not a zip."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as e:
        raise ValueError(f"{path!r} is not a readable zip archive: {e}") from e
    except IsADirectoryError:
        raise ValueError(f"zip path {path!r} is a folder, not a file") from None
    entries = {i.filename: _entry_of(i) for i in archive.infolist() if not i.is_dir()}
    return archive, entries


class Archive:
    """The state one ZipStore and its substores share."""

    def __init__(self, path: str, writable: bool) -> None:
        self.path = path
        self.writable = writable
        self.guard = threading.RLock()
        self._forks = _forks[0]
        if os.path.isdir(path):
            raise ValueError(f"zip path {path!r} is a folder, not a file")
        exists = os.path.exists(path)
        if not exists and not writable:
            self._refuse_if_written()
            raise FileNotFoundError(f"no zip archive at {path!r} (mode 'a' creates one)")
        if exists:  # checked before the lock file is made: a bad archive changes nothing
            read_members(path)[0].close()
        if writable:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        self._lock_fd = self._take_lock()
        self._base: zipfile.ZipFile | None = None
        self.entries: dict[str, Entry] = {}
        try:
            if os.path.exists(path):
                self._base, self.entries = read_members(path)
        except BaseException:
            os.close(self._lock_fd)
            raise
        self._journal: BinaryIO | None = None
        self._journal_end = 0
        self.changed = not exists  # a new archive is written on close even if empty
        self._last_ns = 0
        self.closed = False

    def _take_lock(self) -> int:
        if fcntl is None:
            raise StoreError("ZipStore needs flock, which this system lacks")
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if self.writable else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if self.writable:
                raise StoreError(f"zip archive {self.path!r} is already open (for writing or"
                                 " reading) in another handle or process; a writer needs"
                                 " it alone") from None
            raise StoreError(f"zip archive {self.path!r} is open for writing in another"
                             " handle or process; read it once that writer is closed") from None
        return fd

    def _refuse_if_written(self) -> None:
        """``StoreError`` if a writer holds the archive (one that is not yet
        committed for the first time); makes no lock file."""
        try:
            fd = os.open(self.path + ".lock", os.O_RDWR)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"zip archive {self.path!r} is open for writing in another"
                             " handle or process (and not yet written); read it once that"
                             " writer is closed") from None
        finally:
            os.close(fd)

    def check_usable(self, writing: bool = False) -> None:
        """Raise ``StoreError`` if this handle is closed, read-only for a write, or
        a writer's copy in a forked child (only the parent commits)."""
        if self.closed:
            raise StoreError(f"zip archive {self.path!r}: this handle is closed")
        if self._forks != _forks[0]:
            if self.writable:
                raise StoreError(f"zip archive {self.path!r} is open for writing in the"
                                 " parent process; a forked child may not use that handle")
            self._reopen_base()
        if writing and not self.writable:
            raise StoreError(f"zip archive {self.path!r} is open read-only (mode='r');"
                             " open it with mode='a' to write")

    def _reopen_base(self) -> None:
        # A forked child shares the parent's file offset: it reads through its own.
        with self.guard:
            if self._forks != _forks[0]:
                self._base, self.entries = read_members(self.path)
                self._forks = _forks[0]

    # reading and writing entries

    def read(self, entry: Entry) -> bytes:
        if entry.member is not None:
            assert self._base is not None
            return self._base.read(entry.member)
        assert self._journal is not None
        return os.pread(self._journal.fileno(), entry.size, entry.offset)

    def new_entry(self, data: bytes) -> Entry:
        """Append ``data`` to the journal (under ``guard``); its entry."""
        if self._journal is None:
            self._journal = tempfile.TemporaryFile(  # noqa: SIM115 - lives as long as we do
                dir=os.path.dirname(self.path), prefix=".zip-journal#")
        now = max(time.time_ns(), self._last_ns + 1)  # etags differ even within a tick
        self._last_ns = now
        fd = self._journal.fileno()
        view, offset = memoryview(data), self._journal_end
        while view:
            view = view[os.pwrite(fd, view, offset + len(data) - len(view)):]
        self._journal_end += len(data)
        self.changed = True
        return Entry(now, f"{now:x}-{zlib.crc32(data):08x}", len(data), None, offset)

    # committing

    def commit(self) -> None:
        """Write the live entries into a new archive that replaces the old one."""
        with self.guard:
            self.check_usable(writing=True)
            if not self.changed:
                return
            temp = self.path + ".tmp#"
            try:
                with zipfile.ZipFile(temp, "w") as out:
                    for name in sorted(self.entries):
                        entry = self.entries[name]
                        out.writestr(_member(name, entry.mtime_ns), self.read(entry))
                with open(temp, "rb+") as f:
                    os.fsync(f.fileno())
                os.replace(temp, self.path)
            except BaseException:
                if os.path.exists(temp):
                    os.unlink(temp)
                raise
            self._sync_folder()
            if self._base is not None:
                self._base.close()
            self._base, self.entries = read_members(self.path)
            if self._journal is not None:
                self._journal.close()
            self._journal, self._journal_end, self.changed = None, 0, False

    def _sync_folder(self) -> None:
        fd = os.open(os.path.dirname(self.path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Commit (a writer), then release the archive. Idempotent; in a forked
        child it only lets go of its copies."""
        with self.guard:
            if self.closed:
                return
            try:
                if self.writable and self._forks == _forks[0]:
                    self.commit()
            finally:
                self.closed = True
                for f in (self._base, self._journal):
                    if f is not None:
                        f.close()
                os.close(self._lock_fd)
