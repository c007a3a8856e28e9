"""CachingStore: a slow store read through a fast one holding the bytes it last saw."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ._base import ItemInfo, Store
from ._forwarding import ForwardingStore

_MAGIC = b"persidict-cache-2 "
# A cache folder that cannot hold an entry (no space, no permission, a file where
# a folder should be, which FileStore reports as ValueError) costs a download, never an operation.
_CACHE_FAILURES = (OSError, ValueError)
_log = logging.getLogger("persidict")


class _Entry(NamedTuple):
    etag: str
    once: bool  # written or validated by a write-once handle: may be served unasked
    data: bytes


def _frame(object_id: str, entry: _Entry) -> bytes:
    head = json.dumps({"id": object_id, "etag": entry.etag, "once": entry.once})
    return _MAGIC + head.encode() + b"\n" + entry.data


def _unframe(object_id: str, framed: bytes) -> _Entry | None:
    head, newline, data = framed.partition(b"\n")
    if not (head.startswith(_MAGIC) and newline):
        return None
    try:
        fields = json.loads(head[len(_MAGIC):])
    except ValueError:
        return None
    if not isinstance(fields, dict) or fields.get("id") != object_id \
            or not isinstance(fields.get("etag"), str):
        return None
    return _Entry(fields["etag"], fields.get("once") is True, data)


class CachingStore(ForwardingStore):
    """``remote`` (a slow store: S3) with a copy of each value read or written in
    ``cache`` (a fast one: a folder).

    Every read revalidates its entry with ``remote.read_if_changed`` (on S3 a
    conditional GET): unchanged bytes are not fetched again, and a value the
    remote no longer holds is never served. With ``immutable=True`` (write-once
    items) an entry this handle wrote, or fetched or revalidated, is then
    served with no request. Everything but reads goes to ``remote``.

    One remote object (``remote.object_id``: on S3 the endpoint, bucket and key)
    has one entry, at a name hashed from that identity: entries never collide
    (whatever the keys, their case or length, the dicts' root prefixes) and are
    shared by every dict on ``cache``. An entry holds the identity, the etag it
    was fetched at and whether a write-once handle vouched for it, then the
    bytes. A cache that fails (a full disk, no permission) is logged on the
    ``"persidict"`` logger and never fails an operation the remote accepted.

    >>> from persidict import PersiDict
    >>> from persidict.stores import MemoryStore
    >>> slow, fast = MemoryStore(), MemoryStore()
    >>> d = PersiDict(CachingStore(slow, fast))
    >>> d["a"] = 1
    >>> d["a"], len(list(fast.names()))
    (1, 1)
    """

    def __init__(self, remote: Store, cache: Store, *, immutable: bool = False) -> None:
        if not isinstance(remote, Store) or not isinstance(cache, Store):
            bad = cache if isinstance(remote, Store) else remote
            raise TypeError(f"CachingStore takes two persidict Stores, not {type(bad).__name__}")
        if not isinstance(immutable, bool):
            raise TypeError(f"immutable must be a bool, not {type(immutable).__name__}")
        super().__init__(remote)
        self.cache = cache
        self.immutable = immutable

    @property
    def remote(self) -> Store:
        """The slow store, which holds the items (``inner``)."""
        return self.inner

    def __repr__(self) -> str:
        return f"CachingStore({self.remote!r}, {self.cache!r}, immutable={self.immutable})"

    def _where(self, name: str) -> tuple[str, str]:
        object_id = self.remote.object_id(name)
        digest = hashlib.sha256(object_id.encode()).hexdigest()
        return object_id, f"{digest[:2]}/{digest[2:]}"

    def _cached(self, name: str) -> tuple[_Entry | None, str | None]:
        """The entry of ``name`` (``None`` if absent or unusable) and the etag of
        the cache file that holds it (``None`` if there is none)."""
        object_id, entry_name = self._where(name)
        try:
            framed, info = self.cache.read_with_info(entry_name)
        except KeyError:
            return None, None
        except _CACHE_FAILURES as e:
            _log.warning("persidict: cannot read the cache entry of %s (%s)", object_id, e)
            return None, None
        return _unframe(object_id, framed), info.etag

    def _remember(self, name: str, etag: str | None, data: bytes, *, once: bool = False) -> None:
        if etag is None:  # nothing was written
            return
        if not etag:  # written, at a version the remote did not name: keep no stale entry
            self._forget(name)
            return
        object_id, entry_name = self._where(name)
        try:
            self.cache.write(entry_name, _frame(object_id, _Entry(etag, once, data)))
        except _CACHE_FAILURES as e:
            _log.warning("persidict: cannot cache %s (%s)", object_id, e)

    def _keep(self, name: str, entry: _Entry, was: str | None) -> None:
        """Store what a read saw, unless the cache entry changed since it was ``was``
        (a writer's newer entry must not give way to older bytes)."""
        object_id, entry_name = self._where(name)
        framed = _frame(object_id, entry)
        try:
            if was is None:
                self.cache.create(entry_name, framed)
            else:
                self.cache.replace(entry_name, framed, was)
        except _CACHE_FAILURES as e:
            _log.warning("persidict: cannot cache %s (%s)", object_id, e)

    def _forget(self, name: str) -> None:
        object_id, entry_name = self._where(name)
        try:
            self.cache.delete(entry_name)
        except KeyError:
            pass
        except _CACHE_FAILURES as e:  # a stale entry is revalidated before use: only a warning
            _log.warning("persidict: cannot drop the cache entry of %s (%s)", object_id, e)

    # reading

    def read(self, name: str) -> bytes:
        cached, was = self._cached(name)
        if cached is None:
            data, info = self.remote.read_with_info(name)
            self._keep(name, _Entry(info.etag, self.immutable, data), was)
            return data
        if self.immutable and cached.once:
            return cached.data
        try:
            fresh = self.remote.read_if_changed(name, cached.etag)
        except KeyError:
            self._forget(name)
            raise
        if fresh is None:  # still the cached bytes
            if self.immutable:  # now vouched for by a write-once handle
                self._keep(name, cached._replace(once=True), was)
            return cached.data
        data, info = fresh
        self._keep(name, _Entry(info.etag, self.immutable, data), was)
        return data

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        data, info = self.remote.read_with_info(name)
        self._remember(name, info.etag, data)  # not vouched for: no cache file etag to check
        return data, info

    def read_if_changed(self, name: str, etag: str) -> tuple[bytes, ItemInfo] | None:
        fresh = self.remote.read_if_changed(name, etag)
        if fresh is not None:
            self._remember(name, fresh[1].etag, fresh[0])
        return fresh

    # writing

    def write(self, name: str, data: bytes) -> str:
        etag = self.remote.write(name, data)
        self._remember(name, etag, data)
        return etag

    def create(self, name: str, data: bytes) -> bool:
        return self.create_tagged(name, data) is not None

    def create_tagged(self, name: str, data: bytes) -> str | None:
        etag = self.remote.create_tagged(name, data)
        self._remember(name, etag, data, once=self.immutable)
        return etag

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        return self.replace_tagged(name, data, etag) is not None

    def replace_tagged(self, name: str, data: bytes, etag: str) -> str | None:
        new_etag = self.remote.replace_tagged(name, data, etag)
        self._remember(name, new_etag, data)
        return new_etag

    def delete(self, name: str) -> None:
        try:
            self.remote.delete(name)
        finally:
            self._forget(name)

    def delete_if(self, name: str, etag: str) -> bool:
        deleted = self.remote.delete_if(name, etag)
        if deleted:
            self._forget(name)
        return deleted

    def delete_many(self, names: Iterable[str]) -> None:
        self.remote.delete_many(self._forgetting(names))

    def try_delete_many(self, names: Iterable[str]) -> dict[str, Exception]:
        return self.remote.try_delete_many(self._forgetting(names))

    def _forgetting(self, names: Iterable[str]) -> Iterator[str]:
        # Forgetting first is safe: a missing cache entry only costs a download.
        for name in names:
            self._forget(name)
            yield name

    # names, listings and locks are the remote's (ForwardingStore)

    def substore(self, dir_name: str) -> CachingStore:
        return CachingStore(self.remote.substore(dir_name), self.cache, immutable=self.immutable)

