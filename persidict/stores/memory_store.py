"""MemoryStore: names in a dict of this process, for tests, caches and notebooks."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

from ._base import INDEX_DIR, ItemInfo, Store


@dataclass
class _Memory:
    """What all the substores of one MemoryStore share."""

    items: dict[str, tuple[bytes, ItemInfo]] = field(default_factory=dict)
    guard: threading.RLock = field(default_factory=threading.RLock)
    user_locks: dict[str, threading.Lock] = field(default_factory=dict)
    versions: Iterator[int] = field(default_factory=itertools.count)


class MemoryStore(Store):
    """Names held in memory; thread-safe, not shared between processes.

    >>> store = MemoryStore()
    >>> store.create("a/b.pkl", b"1"), store.create("a/b.pkl", b"2")
    (True, False)
    >>> store.substore("a").read("b.pkl")
    b'1'
    """

    def __init__(self, *, _memory: _Memory | None = None, _prefix: str = "") -> None:
        self._memory = _memory or _Memory()
        self._prefix = _prefix

    @property
    def url(self) -> str:
        return f"memory://{id(self._memory):x}/{self._prefix}"

    def root(self) -> MemoryStore:
        """The store of the whole memory this one is a substore of (itself at the top)."""
        return self if not self._prefix else MemoryStore(_memory=self._memory)

    def _get(self, name: str) -> tuple[bytes, ItemInfo]:
        try:
            return self._memory.items[self._prefix + name]
        except KeyError:
            raise KeyError(name) from None

    def read(self, name: str) -> bytes:
        return self._get(name)[0]

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        data, info = self._get(name)
        return data, ItemInfo(name, info.mtime, info.etag, info.size)

    def stat(self, name: str) -> ItemInfo:
        info = self._get(name)[1]
        return ItemInfo(name, info.mtime, info.etag, info.size)

    def _put(self, name: str, data: bytes) -> str:
        etag = str(next(self._memory.versions))
        info = ItemInfo(self._prefix + name, time.time(), etag, len(data))
        self._memory.items[self._prefix + name] = (bytes(data), info)
        return etag

    def write(self, name: str, data: bytes) -> str:
        with self._memory.guard:
            return self._put(name, data)

    def create(self, name: str, data: bytes) -> bool:
        return self.create_tagged(name, data) is not None

    def create_tagged(self, name: str, data: bytes) -> str | None:
        with self._memory.guard:
            if self._prefix + name in self._memory.items:
                return None
            return self._put(name, data)

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        return self.replace_tagged(name, data, etag) is not None

    def replace_tagged(self, name: str, data: bytes, etag: str) -> str | None:
        with self._memory.guard:
            if self._current_etag(name) != etag:
                return None
            return self._put(name, data)

    def delete(self, name: str) -> None:
        with self._memory.guard:
            self._get(name)
            del self._memory.items[self._prefix + name]

    def delete_if(self, name: str, etag: str) -> bool:
        with self._memory.guard:
            if self._current_etag(name) != etag:
                return False
            del self._memory.items[self._prefix + name]
            return True

    def _current_etag(self, name: str) -> str | None:
        entry = self._memory.items.get(self._prefix + name)
        return entry[1].etag if entry else None

    def _full_names(self, suffix: str) -> list[str]:
        with self._memory.guard:
            return [name for name in self._memory.items
                    if name.startswith(self._prefix) and name.endswith(suffix)]

    def names(self, suffix: str = "") -> Iterator[str]:
        cut = len(self._prefix)
        full = self._full_names(suffix)
        mark = INDEX_DIR + "/"
        index = [n for n in full if mark in n[cut:]]
        if index:  # index names come first, as the listing contract says
            full = index + [n for n in full if mark not in n[cut:]]
        return (n[cut:] for n in full)

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        for name in self.names(suffix):
            try:
                yield self.stat(name)
            except KeyError:
                continue

    def dirs(self) -> Iterator[str]:
        found = {name.split("/", 1)[0] for name in self.names() if "/" in name}
        found = {part for part in found if "#" not in part}
        return iter(sorted(found))

    def substore(self, dir_name: str) -> MemoryStore:
        return MemoryStore(_memory=self._memory, _prefix=self._prefix + dir_name + "/")

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        with self._memory.guard:
            user_lock = self._memory.user_locks.setdefault(self._prefix + name, threading.Lock())
        return _held(user_lock, name, timeout)


@contextmanager
def _held(user_lock: threading.Lock, name: str, timeout: float | None) -> Iterator[None]:
    if not user_lock.acquire(timeout=-1 if timeout is None else timeout):
        raise TimeoutError(f"could not lock {name!r} within {timeout} s")
    try:
        yield
    finally:
        user_lock.release()
