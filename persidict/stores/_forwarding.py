"""ForwardingStore: the base of the stores over a store (recording, signing,
caching). What only names or lists items — stat, listings, locks — goes to
``inner`` here, written once; each subclass writes its own reads, writes and
``substore``, the calls it exists to change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager

from ._base import ItemInfo, R, Store, T


class ForwardingStore(Store):
    """A store over ``inner``: names, metadata, listings and locks are ``inner``'s."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.content_md5_in_listing = inner.content_md5_in_listing

    @property
    def url(self) -> str:
        return self.inner.url

    def check_name(self, name: str) -> None:
        self.inner.check_name(name)

    def object_id(self, name: str) -> str:
        return self.inner.object_id(name)

    def stat(self, name: str) -> ItemInfo:
        return self.inner.stat(name)

    def mtime(self, name: str) -> float:
        return self.inner.mtime(name)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def map_ordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        return self.inner.map_ordered(fn, items)  # bulk calls overlap as the inner store's

    def names(self, suffix: str = "") -> Iterator[str]:
        return self.inner.names(suffix)

    def names_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str]]]:
        return self.inner.names_by_folder(suffix)

    def mtimes_by_folder(self, suffix: str = "") -> Iterator[tuple[str, list[str], list[float]]]:
        return self.inner.mtimes_by_folder(suffix)

    def names_by_time(self, suffix: str = "", *, newest: bool = True
                      ) -> Iterator[tuple[str, float]] | None:
        return self.inner.names_by_time(suffix, newest=newest)

    def folder_entries(self, folder: str = "", *, starts_with: str = "",
                       after: str = "") -> Iterator[tuple[list[str], bool]]:
        return self.inner.folder_entries(folder, starts_with=starts_with, after=after)

    def folder_infos(self, folder: str, leaves: list[str], *,
                     index: bool = False) -> Iterator[ItemInfo]:
        return self.inner.folder_infos(folder, leaves, index=index)

    def sorted_names(self, folder: str, after: str = "") -> Iterator[str]:
        return self.inner.sorted_names(folder, after)

    def infos(self, suffix: str = "") -> Iterator[ItemInfo]:
        return self.inner.infos(suffix)

    def dirs(self) -> Iterator[str]:
        return self.inner.dirs()

    def lock(self, name: str, timeout: float | None = None) -> AbstractContextManager[None]:
        return self.inner.lock(name, timeout)
