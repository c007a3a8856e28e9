"""CachingStore: an S3Store read through a local FileStore of the bytes it last saw."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, suppress

from ._base import ItemInfo, Store
from .file_store import FileStore
from .s3_store import S3Store

_MAGIC = b"persidict-cache-1 "


def _frame(etag: str, data: bytes) -> bytes:
    return _MAGIC + etag.encode() + b"\n" + data


def _unframe(entry: bytes) -> tuple[str, bytes] | None:
    if not entry.startswith(_MAGIC):
        return None
    head, newline, data = entry.partition(b"\n")
    if not newline:
        return None
    return head[len(_MAGIC):].decode("ascii", "replace"), data


class CachingStore(Store):
    """``remote`` with a local copy of each value read or written, in ``cache``.

    With ``immutable=True`` (write-once items) a cached value is served with no
    request. Otherwise every read is a conditional GET (``If-None-Match``):
    unchanged bytes are not downloaded again, and a value S3 no longer holds is
    never served. Everything but reads goes to ``remote``.

    Each cache file holds the S3 etag it was downloaded at, then the bytes; it
    is written by temp file + rename, so it is never torn.
    """

    def __init__(self, remote: S3Store, cache: FileStore, *, immutable: bool = False) -> None:
        self.remote = remote
        self.cache = cache
        self.immutable = immutable

    def __repr__(self) -> str:
        return f"CachingStore({self.remote!r}, {self.cache!r}, immutable={self.immutable})"

    @property
    def url(self) -> str:
        return self.remote.url

    def _cached(self, name: str) -> tuple[str, bytes] | None:
        framed = self.cache.read_or_none(name)
        return None if framed is None else _unframe(framed)

    def _remember(self, name: str, etag: str | None, data: bytes) -> None:
        if etag is not None:
            self.cache.write(name, _frame(etag, data))

    def _forget(self, name: str) -> None:
        with suppress(KeyError):
            self.cache.delete(name)

    # reading

    def read(self, name: str) -> bytes:
        cached = self._cached(name)
        if cached is not None and self.immutable:
            return cached[1]
        try:
            fresh = self.remote.read_if_changed(name, cached[0]) if cached \
                else self.remote.read_with_info(name)
        except KeyError:
            if cached is not None:
                self._forget(name)
            raise
        if fresh is None:
            return cached[1]  # type: ignore[index]
        data, info = fresh
        self._remember(name, info.etag, data)
        return data

    def read_with_info(self, name: str) -> tuple[bytes, ItemInfo]:
        data, info = self.remote.read_with_info(name)
        self._remember(name, info.etag, data)
        return data, info

    def stat(self, name: str) -> ItemInfo:
        return self.remote.stat(name)

    def exists(self, name: str) -> bool:
        return self.remote.exists(name)

    def read_many(self, names: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
        return self.remote.map_ordered(self.read_or_none, names)

    # writing

    def write(self, name: str, data: bytes) -> str:
        etag = self.remote.write(name, data)
        self._remember(name, etag, data)
        return etag

    def create(self, name: str, data: bytes) -> bool:
        etag = self.remote.create_tagged(name, data)
        self._remember(name, etag, data)
        return etag is not None

    def replace(self, name: str, data: bytes, etag: str) -> bool:
        new_etag = self.remote.replace_tagged(name, data, etag)
        self._remember(name, new_etag, data)
        return new_etag is not None

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

    def write_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        self.remote.write_each(self.write, items)

    def create_many(self, items: Iterable[tuple[str, bytes]]) -> list[str]:
        return self.remote.create_each(self.create, items)

    def delete_many(self, names: Iterable[str]) -> None:
        self.remote.delete_many(self._forgetting(names))

    def _forgetting(self, names: Iterable[str]) -> Iterator[str]:
        # Forgetting first is safe: a missing cache entry only costs a download.
        for name in names:
            self._forget(name)
            yield name

    # everything else is the remote's

    def names(self, suffix: str = "") -> Iterator[str]:
        return self.remote.names(suffix)

    def names_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str]]]:
        return self.remote.names_by_folder(suffix)

    def folder_entries(self, folder: str = "", *, starts_with: str = "",
                       after: str = "") -> Iterator[tuple[list[str], bool]]:
        return self.remote.folder_entries(folder, starts_with=starts_with, after=after)

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        return self.remote.infos(suffix)

    def dirs(self) -> Iterator[str]:
        return self.remote.dirs()

    def substore(self, dir_name: str) -> CachingStore:
        return CachingStore(self.remote.substore(dir_name), self.cache.substore(dir_name),
                            immutable=self.immutable)

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        return self.remote.lock(name, timeout)
