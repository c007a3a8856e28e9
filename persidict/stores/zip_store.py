"""ZipStore: names are members of one zip archive, for exports and backups."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from ._base import ItemInfo, Store
from ._name_locks import name_lock
from ._zip_archive import Archive, Entry

MODES = ("r", "a")


class _Handle:
    """What a ZipStore and its substores hold: the archive, closed (and so
    committed) when the last of them is gone, or at exit."""

    def __init__(self, path: str, mode: str) -> None:
        self.mode = mode
        self.archive = Archive(path, writable=mode == "a")
        self.finalizer = weakref.finalize(self, self.archive.close)


class ZipStore(Store):
    """Names are members of the zip archive ``path``.

    ``mode="r"`` reads; ``mode="a"`` also writes (the archive is created if
    missing). One writer at a time and no reader beside it: a second handle in
    any process is refused with ``StoreError``, as is a writer while readers are
    open (a ``flock`` on ``path + ".lock"``). Since the writer is alone, its
    conditional operations are exact (under a lock of this process). Writes,
    overwrites and deletes reach the archive on :meth:`close` (or
    :meth:`commit`), which rewrites it whole into a temporary file that replaces
    it: the archive always holds the last commit. A handle closes itself when
    the last reference to it goes, and at exit. ``lock`` flocks a file in
    ``path + ".locks"``.

    >>> import tempfile
    >>> path = tempfile.mkdtemp() + "/backup.zip"
    >>> with ZipStore(path, mode="a") as store:
    ...     _ = store.write("a/b.json", b"[1]")
    >>> with ZipStore(path) as store:
    ...     store.read("a/b.json"), list(store.names())
    (b'[1]', ['a/b.json'])

    Raises:
        TypeError: if ``path`` is not a path or ``mode`` not a str.
        ValueError: for another ``mode``, or a ``path`` that is a folder or not a zip.
        FileNotFoundError: for a missing archive in mode ``"r"``.
        StoreError: if the archive is open for writing elsewhere (or, for a
            writer, open at all elsewhere); for a write in mode ``"r"``.
    """

    def __init__(self, path: str | os.PathLike[str], mode: str = "r", *,
                 _handle: _Handle | None = None, _prefix: str = "") -> None:
        if _handle is None:
            if not isinstance(path, (str, os.PathLike)):
                raise TypeError(f"path must be a path, not {type(path).__name__}")
            if not isinstance(mode, str):
                raise TypeError(f"mode must be a str, not {type(mode).__name__}")
            if mode not in MODES:
                raise ValueError(f"mode must be 'r' (read) or 'a' (read and write),"
                                 f" not {mode!r}")
            _handle = _Handle(os.path.abspath(os.fspath(path)), mode)
        self._handle = _handle
        self._archive = _handle.archive
        self._prefix = _prefix

    @property
    def path(self) -> str:
        """The zip archive."""
        return self._archive.path

    @property
    def mode(self) -> str:
        """``"r"`` or ``"a"``."""
        return self._handle.mode

    @property
    def prefix(self) -> str:
        """What the names of this (sub)store start with in the archive."""
        return self._prefix

    @property
    def url(self) -> str:
        return f"zip://{self._archive.path}/{self._prefix}"  # names inside the file

    def __reduce__(self) -> tuple[Any, ...]:
        if self.mode == "a":
            raise TypeError("a ZipStore open for writing cannot be pickled: the archive has"
                            " one writer, so another process could not open it")
        return _reopen, (self.path, self._prefix)

    def commit(self) -> None:
        """Write the changes into the archive now (a rewrite of it)."""
        self._archive.commit()

    def close(self) -> None:
        """Commit (a writer) and let the archive go; this handle then refuses use."""
        self._handle.finalizer()

    def __enter__(self) -> ZipStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # reading

    def _entry(self, name: str) -> Entry:
        self._archive.check_usable()
        try:
            return self._archive.entries[self._prefix + name]
        except KeyError:
            raise KeyError(name) from None

    def _info(self, name: str, entry: Entry) -> ItemInfo:
        return ItemInfo(name, entry.mtime_ns / 1e9, entry.etag, entry.size)

    def read(self, name: str) -> bytes:
        with self._archive.guard:
            return self._archive.read(self._entry(name))

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        with self._archive.guard:
            entry = self._entry(name)
            return self._archive.read(entry), self._info(name, entry)

    def stat(self, name: str) -> ItemInfo:
        return self._info(name, self._entry(name))

    # writing: exact, since this handle is the archive's only writer

    def _put(self, name: str, data: bytes) -> str:
        entry = self._archive.new_entry(bytes(data))
        self._archive.entries[self._prefix + name] = entry
        return entry.etag

    def _current_etag(self, name: str) -> str | None:
        self._archive.check_usable(writing=True)
        entry = self._archive.entries.get(self._prefix + name)
        return None if entry is None else entry.etag

    def write(self, name: str, data: bytes) -> str:
        with self._archive.guard:
            self._archive.check_usable(writing=True)
            return self._put(name, data)

    def create(self, name: str, data: bytes) -> bool:
        with self._archive.guard:
            if self._current_etag(name) is not None:
                return False
            self._put(name, data)
            return True

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        with self._archive.guard:
            if self._current_etag(name) != etag:
                return False
            self._put(name, data)
            return True

    def delete(self, name: str) -> None:
        with self._archive.guard:
            if self._current_etag(name) is None:
                raise KeyError(name)
            self._drop(name)

    def delete_if(self, name: str, etag: str) -> bool:
        with self._archive.guard:
            if self._current_etag(name) != etag:
                return False
            self._drop(name)
            return True

    def _drop(self, name: str) -> None:
        del self._archive.entries[self._prefix + name]
        self._archive.changed = True

    # listing: names in byte order, so each folder's index names come first

    def _listing(self, suffix: str) -> list[tuple[str, Entry]]:
        with self._archive.guard:
            self._archive.check_usable()
            cut, prefix = len(self._prefix), self._prefix
            return sorted((name[cut:], entry) for name, entry in self._archive.entries.items()
                          if name.startswith(prefix) and name.endswith(suffix))

    def names(self, suffix: str = "") -> Iterator[str]:
        return (name for name, _ in self._listing(suffix))

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        return (self._info(name, entry) for name, entry in self._listing(suffix))

    def dirs(self) -> Iterator[str]:
        found = {name.split("/", 1)[0] for name in self.names() if "/" in name}
        return iter(sorted(part for part in found if "#" not in part))

    def substore(self, dir_name: str) -> ZipStore:
        return ZipStore(self.path, _handle=self._handle, _prefix=self._prefix + dir_name + "/")

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        return name_lock(self._archive.path + ".locks", self._prefix + name, timeout)

    def write_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        with self._archive.guard:
            super().write_many(items)


def _reopen(path: str, prefix: str) -> ZipStore:
    store = ZipStore(path)
    return store.substore(prefix[:-1]) if prefix else store
